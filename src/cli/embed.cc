// edgeface embed: faces and their 128-d descriptors for each image.
#include <atomic>
#include <cstdio>

#include "cli/face_cli.h"
#include "media/image_decode.h"

namespace cli {

namespace {
const char kEmbedHelp[] =
    "usage: edgeface embed [OPTIONS] FILES...\n"
    "\n"
    "Finds the faces in each image (JPEG, PNG, WebP, PGM/PPM: the format is read from the content)\n"
    "and prints each face's box and 128-d descriptor.\n"
    "\n"
    "  --json             one JSON object per file:\n"
    "                     {\"file\":..,\"faces\":[{\"box\":[left,top,right,bottom],\"descriptor\":[128]}]}\n"
    "                     a file that cannot be read gives {\"file\":..,\"error\":..}\n"
    "  --list FILE        also read input paths from FILE, one per line\n"
    "  --upsample N       enlarge N times before detecting (face_recognition's setting; default 1)\n"
    "  --scan-pixels N    detect on at most N pixels, scaling big images down (default 307200; 0 = no cap)\n"
    "  --threshold T      adjust the detector's threshold (negative finds more; default 0)\n"
    "  --no-flip          describe the chip only (default: the mean of the chip's and its mirror\n"
    "                     image's descriptors, +0.35 points on LFW for ~3.5 ms more per face)\n"
    "  --landmarks        also print the 68 landmark points\n"
    "  --threads N        process N files at once (default 1)\n"
    "  --models DIR       model directory (default: the repository's models/)\n"
    "\n"
    "Exit status: 0 when every file was read, 1 when any was not, 2 for a usage error.\n";
}  // namespace

int RunEmbed(int argc, char** argv) {
  using namespace face_cli;
  Args args;
  std::string error;
  if (!ParseArgs(argc, argv, {"list", "upsample", "scan-pixels", "threshold", "threads", "models"},
                 {"json", "flip", "no-flip", "landmarks"}, &args, &error)) {
    return UsageError("embed", error);
  }
  if (args.Has("help")) {
    std::fputs(kEmbedHelp, stdout);
    return 0;
  }
  face::PipelineOptions options;
  double threads;
  if (!PipelineOptionsFrom(args, &options, &error) || !GetDouble(args, "threads", 1, 1, 64, &threads, &error)) {
    return UsageError("embed", error);
  }
  base::StatusOr<std::vector<std::string>> files = InputFiles(args);
  if (!files.ok()) return UsageError("embed", files.status().message());
  if (files->empty()) return UsageError("embed", "no input files");
  base::StatusOr<std::unique_ptr<face::FacePipeline>> pipeline = LoadPipeline(args);
  if (!pipeline.ok()) {
    std::fprintf(stderr, "edgeface embed: %s\n", pipeline.status().message().c_str());
    return 1;
  }
  const bool json = args.Has("json"), with_landmarks = args.Has("landmarks");
  std::atomic<bool> any_error{false};
  RunOrdered(files->size(), static_cast<int>(threads), [&](size_t i) -> std::string {
    const std::string& file = (*files)[i];
    base::StatusOr<media::RgbImage> img = media::ReadImageFile(file);
    if (!img.ok()) {
      any_error = true;
      return ErrorLine(file, img.status(), json);
    }
    const std::vector<face::Face> faces = (*pipeline)->Process(*img, options);
    nlohmann::json out{{"file", file}, {"width", img->width}, {"height", img->height}};
    nlohmann::json list = nlohmann::json::array();
    for (const face::Face& f : faces) {
      nlohmann::json j{{"box", BoxJson(f.box)}, {"score", f.score},
                       {"descriptor", std::vector<float>(f.descriptor.begin(), f.descriptor.end())}};
      if (with_landmarks) {
        nlohmann::json pts = nlohmann::json::array();
        for (const face::Point& p : f.landmarks) pts.push_back({p.x, p.y});
        j["landmarks"] = pts;
      }
      list.push_back(std::move(j));
    }
    out["faces"] = std::move(list);
    if (json) return out.dump();
    std::string text = file + ": " + std::to_string(faces.size()) + (faces.size() == 1 ? " face" : " faces");
    for (const face::Face& f : faces) {
      text += "\n  box " + BoxJson(f.box).dump() + " descriptor " +
              nlohmann::json(std::vector<float>(f.descriptor.begin(), f.descriptor.end())).dump();
    }
    return text;
  });
  return any_error ? 1 : 0;
}

}  // namespace cli
