// edgeface convert-models: the set-up step that makes the face models fast to load (docs/face.md).
//   dlib's 68-point landmark .dat (~0.7 s to deserialise) → models/shape_predictor_68.eflm
//   dlib's built-in HOG detector (~0.9 s of CPU to build) → models/frontal_face_detector.efhog
#include <chrono>
#include <cstdio>

#include "cli/face_cli.h"
#include "face/detector.h"
#include "face/landmark_format.h"
#include "face/landmarks.h"

namespace cli {

int RunConvertModels(int argc, char** argv) {
  using namespace face_cli;
  namespace fmt = face::landmark_format;
  Args args;
  std::string error;
  if (!ParseArgs(argc, argv, {"landmarks-dat", "dir"}, {}, &args, &error)) return UsageError("convert-models", error);
  if (args.Has("help")) {
    std::printf(
        "usage: edgeface convert-models [--dir DIR] [--landmarks-dat DAT]\n\n"
        "Writes the face models in edgeface's fast-loading formats (docs/face.md) into DIR (default:\n"
        "the repository's models/): %s from dlib's 68-point shape predictor\n"
        "(default %s) and %s from dlib's built-in HOG\n"
        "face detector. tools/setup.sh runs it once after the build.\n",
        fmt::kDefaultFileName, fmt::kDlibModelPath, fmt::kDetectorFileName);
    return 0;
  }
  const std::string dir = args.Get("dir", face::FacePipeline::DefaultModelsDir());
  const std::string landmarks = dir + "/" + fmt::kDefaultFileName, detector = dir + "/" + fmt::kDetectorFileName;
  base::Status s = face::ConvertDlibLandmarkModel(args.Get("landmarks-dat", fmt::kDlibModelPath), landmarks);
  if (s.ok()) s = face::FaceDetector::WriteDetectorModel(detector);
  if (!s.ok()) {
    std::fprintf(stderr, "edgeface convert-models: %s\n", s.message().c_str());
    return 1;
  }
  const auto start = std::chrono::steady_clock::now();
  base::StatusOr<face::LandmarkModel> check = face::LandmarkModel::Load(landmarks);
  base::StatusOr<std::unique_ptr<face::FaceDetector>> check_detector = face::FaceDetector::Load(detector);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!check.ok() || !check_detector.ok()) {
    std::fprintf(stderr, "edgeface convert-models: %s\n",
                 (check.ok() ? check_detector.status() : check.status()).message().c_str());
    return 1;
  }
  std::printf("convert-models: wrote %s and %s (both load in %.0f ms)\n", landmarks.c_str(), detector.c_str(), ms);
  return 0;
}

}  // namespace cli
