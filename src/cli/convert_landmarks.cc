// edgeface convert-landmarks: dlib's 68-point model → our fast-loading format (run by setup.sh).
#include <chrono>
#include <cstdio>

#include "cli/face_cli.h"
#include "face/landmark_format.h"
#include "face/landmarks.h"

namespace cli {

int RunConvertLandmarks(int argc, char** argv) {
  using namespace face_cli;
  Args args;
  std::string error;
  if (!ParseArgs(argc, argv, {"in", "out"}, {}, &args, &error)) return UsageError("convert-landmarks", error);
  if (args.Has("help")) {
    std::printf(
        "usage: edgeface convert-landmarks [--in DAT] [--out FILE]\n\n"
        "Converts dlib's 68-point shape predictor (default %s) into edgeface's\n"
        "fast-loading format (docs/face.md), by default models/%s. tools/setup.sh runs it once.\n",
        face::landmark_format::kDlibModelPath, face::landmark_format::kDefaultFileName);
    return 0;
  }
  const std::string in = args.Get("in", face::landmark_format::kDlibModelPath);
  const std::string out =
      args.Get("out", face::FacePipeline::DefaultModelsDir() + "/" + face::landmark_format::kDefaultFileName);
  base::Status s = face::ConvertDlibLandmarkModel(in, out);
  if (!s.ok()) {
    std::fprintf(stderr, "edgeface convert-landmarks: %s\n", s.message().c_str());
    return 1;
  }
  const auto start = std::chrono::steady_clock::now();
  base::StatusOr<face::LandmarkModel> check = face::LandmarkModel::Load(out);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!check.ok()) {
    std::fprintf(stderr, "edgeface convert-landmarks: %s\n", check.status().message().c_str());
    return 1;
  }
  std::printf("convert-landmarks: wrote %s (loads in %.0f ms)\n", out.c_str(), ms);
  return 0;
}

}  // namespace cli
