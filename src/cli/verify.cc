// edgeface verify A B: are two photos the same person?
#include <cstdio>

#include "cli/face_cli.h"
#include "face/gallery.h"
#include "media/image_decode.h"

namespace cli {

namespace {
const char kVerifyHelp[] =
    "usage: edgeface verify [OPTIONS] A B\n"
    "\n"
    "Compares the most confidently detected face of image A with that of image B: prints their\n"
    "Euclidean descriptor distance and \"same\" when it is <= the tolerance, else \"different\".\n"
    "\n"
    "  --tolerance T      (default 0.6, the threshold dlib's network was trained for)\n"
    "  --json             {\"a\":..,\"b\":..,\"distance\":..,\"same\":true|false}\n"
    "  --upsample N, --scan-pixels N, --threshold T, --no-flip, --models DIR: as in embed\n"
    "\n"
    "Exit status: 0 when both faces were found (same or not), 1 when not, 2 for a usage error.\n";
}  // namespace

int RunVerify(int argc, char** argv) {
  using namespace face_cli;
  Args args;
  std::string error;
  if (!ParseArgs(argc, argv, {"tolerance", "upsample", "scan-pixels", "threshold", "models"}, {"json", "flip", "no-flip"}, &args,
                 &error)) {
    return UsageError("verify", error);
  }
  if (args.Has("help")) {
    std::fputs(kVerifyHelp, stdout);
    return 0;
  }
  face::PipelineOptions options;
  double tolerance;
  if (!PipelineOptionsFrom(args, &options, &error) ||
      !GetDouble(args, "tolerance", face::kDefaultTolerance, 0, 10, &tolerance, &error)) {
    return UsageError("verify", error);
  }
  if (args.positional.size() != 2) return UsageError("verify", "give exactly two images");
  base::StatusOr<std::unique_ptr<face::FacePipeline>> pipeline = LoadPipeline(args);
  if (!pipeline.ok()) {
    std::fprintf(stderr, "edgeface verify: %s\n", pipeline.status().message().c_str());
    return 1;
  }
  const bool json = args.Has("json");
  face::Descriptor d[2];
  for (int i = 0; i < 2; ++i) {
    const std::string& file = args.positional[i];
    base::StatusOr<media::RgbImage> img = media::ReadImageFile(file);
    base::Status status = img.status();
    if (img.ok()) {
      options.max_faces = 1;
      std::vector<face::Face> faces = (*pipeline)->Process(*img, options);
      if (faces.empty()) status = base::Status::NotFound("no face found");
      else d[i] = faces[0].descriptor;
    }
    if (!status.ok()) {
      std::printf("%s\n", ErrorLine(file, status, json).c_str());
      return 1;
    }
  }
  const double distance = face::Distance(d[0], d[1]);
  const bool same = distance <= tolerance;
  if (json) {
    std::printf("%s\n", nlohmann::json{{"a", args.positional[0]}, {"b", args.positional[1]},
                                       {"distance", distance}, {"same", same}}
                            .dump()
                            .c_str());
  } else {
    std::printf("distance %.4f: %s (tolerance %.2f)\n", distance, same ? "same" : "different", tolerance);
  }
  return 0;
}

}  // namespace cli
