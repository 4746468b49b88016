// edgeface recognize: who is in each image or video, against a gallery.
#include <atomic>
#include <cmath>
#include <cstdio>

#include "base/files.h"
#include "cli/face_cli.h"
#include "face/gallery.h"
#include "media/image_decode.h"
#include "media/video.h"

namespace cli {

namespace {

const char kRecognizeHelp[] =
    "usage: edgeface recognize --gallery G.json [OPTIONS] FILES...\n"
    "\n"
    "Recognises the faces in images and videos against a gallery ({\"faces\":[{\"name\",\"encoding\"}]}):\n"
    "each face gets the nearest gallery entry's name if its Euclidean distance is <= the tolerance,\n"
    "else \"unknown\". The kind of file is read from its content. Videos are sampled every --every\n"
    "seconds; their \"person\" is the first recognised name (null if none).\n"
    "\n"
    "  --gallery G.json   the known faces (required)\n"
    "  --tolerance T      largest distance accepted as a match (default 0.6)\n"
    "  --every S          video sampling interval in seconds (default 0.5)\n"
    "  --first            stop reading a video at its first recognised face\n"
    "  --json             one JSON object per file:\n"
    "                     image: {\"file\":..,\"faces\":[{\"box\":..,\"name\":..,\"distance\":..}]}\n"
    "                     video: {\"file\":..,\"person\":..,\"frames\":[{\"t\":..,\"faces\":[..]}]}\n"
    "                     unreadable: {\"file\":..,\"error\":..}\n"
    "  --list FILE        also read input paths from FILE, one per line\n"
    "  --upsample N, --scan-pixels N, --threshold T, --no-flip, --threads N, --models DIR: as in embed\n"
    "\n"
    "Exit status: 0 when every file was read, 1 when any was not, 2 for a usage error.\n";

struct Context {
  const face::FacePipeline* pipeline;
  const face::Gallery* gallery;
  face::PipelineOptions options;
  double tolerance, every;
  bool first_only;
};

// Faces of one picture as JSON, and the best accepted name ("" if none).
nlohmann::json FacesJson(const Context& c, const media::RgbImage& img, std::string* best_name) {
  nlohmann::json list = nlohmann::json::array();
  double best = 1e9;
  for (const face::Face& f : c.pipeline->Process(img, c.options)) {
    const face::Match m = c.gallery->Nearest(f.descriptor, c.tolerance);
    list.push_back({{"box", face_cli::BoxJson(f.box)}, {"name", m.name}, {"distance", m.distance}});
    if (m.accepted && m.distance < best) {
      best = m.distance;
      *best_name = m.name;
    }
  }
  return list;
}

base::StatusOr<nlohmann::json> RecognizeVideo(const Context& c, std::string bytes) {
  base::StatusOr<media::VideoReader> reader = media::VideoReader::OpenMemory(std::move(bytes));
  if (!reader.ok()) return reader.status();
  nlohmann::json frames = nlohmann::json::array();
  nlohmann::json person = nullptr;
  media::VideoFrame frame;
  while (true) {
    base::StatusOr<bool> got = reader->NextSample(c.every, &frame);
    if (!got.ok()) return got.status();
    if (!*got) break;
    std::string name;
    nlohmann::json faces = FacesJson(c, frame.image, &name);
    frames.push_back({{"t", std::round(frame.t * 1000) / 1000}, {"faces", std::move(faces)}});
    if (!name.empty() && person.is_null()) {
      person = name;
      if (c.first_only) break;
    }
  }
  return nlohmann::json{{"person", person}, {"frames", std::move(frames)}};
}

std::string Summary(const std::string& file, const nlohmann::json& out) {
  std::string text = file + ": ";
  if (out.contains("frames")) {
    text += out["person"].is_null() ? std::string("nobody recognised") : out["person"].get<std::string>();
    text += " (" + std::to_string(out["frames"].size()) + " frames sampled)";
    return text;
  }
  if (out["faces"].empty()) return text + "no face";
  bool first = true;
  for (const auto& f : out["faces"]) {
    char dist[32];
    std::snprintf(dist, sizeof dist, "%.3f", f["distance"].get<double>());
    text += (first ? "" : ", ") + f["name"].get<std::string>() + " (distance " + dist + ") at " + f["box"].dump();
    first = false;
  }
  return text;
}

}  // namespace

int RunRecognize(int argc, char** argv) {
  using namespace face_cli;
  Args args;
  std::string error;
  if (!ParseArgs(argc, argv,
                 {"gallery", "tolerance", "every", "list", "upsample", "scan-pixels", "threshold",
                  "threads", "models"},
                 {"json", "flip", "no-flip", "first"}, &args, &error)) {
    return UsageError("recognize", error);
  }
  if (args.Has("help")) {
    std::fputs(kRecognizeHelp, stdout);
    return 0;
  }
  Context c{};
  double threads;
  if (!PipelineOptionsFrom(args, &c.options, &error) ||
      !GetDouble(args, "tolerance", face::kDefaultTolerance, 0, 10, &c.tolerance, &error) ||
      !GetDouble(args, "every", 0.5, 0.001, 3600, &c.every, &error) ||
      !GetDouble(args, "threads", 1, 1, 64, &threads, &error)) {
    return UsageError("recognize", error);
  }
  c.first_only = args.Has("first");
  if (!args.values.count("gallery")) return UsageError("recognize", "--gallery is required");
  base::StatusOr<std::vector<std::string>> files = InputFiles(args);
  if (!files.ok()) return UsageError("recognize", files.status().message());
  if (files->empty()) return UsageError("recognize", "no input files");
  base::StatusOr<face::Gallery> gallery = face::Gallery::Load(args.values["gallery"]);
  if (!gallery.ok()) {
    std::fprintf(stderr, "edgeface recognize: %s\n", gallery.status().message().c_str());
    return 1;
  }
  base::StatusOr<std::unique_ptr<face::FacePipeline>> pipeline = LoadPipeline(args);
  if (!pipeline.ok()) {
    std::fprintf(stderr, "edgeface recognize: %s\n", pipeline.status().message().c_str());
    return 1;
  }
  c.pipeline = pipeline->get();
  c.gallery = &*gallery;
  const bool json = args.Has("json");
  std::atomic<bool> any_error{false};
  RunOrdered(files->size(), static_cast<int>(threads), [&](size_t i) -> std::string {
    const std::string& file = (*files)[i];
    base::StatusOr<std::string> bytes = base::ReadFile(file, uint64_t{1} << 32);
    base::StatusOr<nlohmann::json> result = bytes.status();
    if (bytes.ok() && LooksLikeImage(*bytes)) {
      base::StatusOr<media::RgbImage> img = media::DecodeImage(*bytes);
      if (img.ok()) {
        std::string ignored;
        result = nlohmann::json{{"faces", FacesJson(c, *img, &ignored)}};
      } else {
        result = img.status();
      }
    } else if (bytes.ok()) {
      if (bytes->empty()) {
        result = base::Status::InvalidArgument("empty file: neither an image nor a video");
      } else {
        result = RecognizeVideo(c, std::move(bytes).value());
      }
    }
    if (!result.ok()) {
      any_error = true;
      return ErrorLine(file, result.status(), json);
    }
    nlohmann::json out{{"file", file}};
    out.update(*result);
    return json ? out.dump() : Summary(file, out);
  });
  return any_error ? 1 : 0;
}

}  // namespace cli
