// edgeface train: a gallery from a folder of people, with validation accuracy.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include "cli/face_cli.h"
#include "face/gallery.h"
#include "media/image_decode.h"

namespace cli {

namespace {

const char kTrainHelp[] =
    "usage: edgeface train DIR --out G.json [OPTIONS]\n"
    "\n"
    "DIR holds one folder per person (DIR/<name>/*.jpg, any image format). Per person, the last\n"
    "--val-split of the images (sorted by name) are held out for validation; every other image with\n"
    "exactly one face becomes a gallery entry. Prints per-person and overall validation accuracy\n"
    "(a validation image is right when its face is recognised as its folder's name) and writes the\n"
    "gallery to G.json.\n"
    "\n"
    "  --out G.json       where to write the gallery (required)\n"
    "  --val-split F      fraction held out per person, 0 to 0.9 (default 0.1: 3 of 27; a person\n"
    "                     with one image keeps it for training)\n"
    "  --tolerance T      tolerance for validation (default 0.6)\n"
    "  --json             print the report as one JSON object\n"
    "  --upsample N, --scan-pixels N, --threshold T, --no-flip, --threads N, --models DIR: as in embed\n";

struct Item {
  std::string person, path;
  bool validation = false;
  // Filled by the worker:
  std::string error;
  std::vector<face::Face> faces;
};

}  // namespace

int RunTrain(int argc, char** argv) {
  using namespace face_cli;
  namespace fs = std::filesystem;
  Args args;
  std::string error;
  if (!ParseArgs(argc, argv, {"out", "val-split", "tolerance", "upsample", "scan-pixels", "threshold", "threads", "models"},
                 {"json", "flip", "no-flip"}, &args, &error)) {
    return UsageError("train", error);
  }
  if (args.Has("help")) {
    std::fputs(kTrainHelp, stdout);
    return 0;
  }
  face::PipelineOptions options;
  double split, tolerance, threads;
  if (!PipelineOptionsFrom(args, &options, &error) ||
      !GetDouble(args, "val-split", 0.1, 0, 0.9, &split, &error) ||
      !GetDouble(args, "tolerance", face::kDefaultTolerance, 0, 10, &tolerance, &error) ||
      !GetDouble(args, "threads", 1, 1, 64, &threads, &error)) {
    return UsageError("train", error);
  }
  if (args.positional.size() != 1) return UsageError("train", "give exactly one DIR");
  if (!args.values.count("out")) return UsageError("train", "--out is required");
  const std::string dir = args.positional[0];

  std::vector<Item> items;
  std::error_code ec;
  std::vector<fs::path> people;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_directory()) people.push_back(e.path());
  }
  if (ec) return UsageError("train", dir + ": " + ec.message());
  std::sort(people.begin(), people.end());
  for (const fs::path& person : people) {
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(person, ec)) {
      if (e.is_regular_file()) files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    const size_t n = files.size();
    size_t held = static_cast<size_t>(std::lround(n * split));
    if (held >= n) held = n > 0 ? n - 1 : 0;  // keep at least one image to learn from
    for (size_t i = 0; i < n; ++i) {
      items.push_back({person.filename().string(), files[i], i >= n - held, "", {}});
    }
  }
  if (items.empty()) return UsageError("train", dir + ": no DIR/<person>/<image> files");

  base::StatusOr<std::unique_ptr<face::FacePipeline>> pipeline = LoadPipeline(args);
  if (!pipeline.ok()) {
    std::fprintf(stderr, "edgeface train: %s\n", pipeline.status().message().c_str());
    return 1;
  }
  // Embedding is the slow part: run it on --threads threads; output comes after.
  RunOrdered(items.size(), static_cast<int>(threads), [&](size_t i) -> std::string {
    base::StatusOr<media::RgbImage> img = media::ReadImageFile(items[i].path);
    if (!img.ok()) {
      items[i].error = img.status().message();
    } else {
      items[i].faces = (*pipeline)->Process(*img, options);
    }
    if (!items[i].error.empty()) std::fprintf(stderr, "train: skipped %s\n", items[i].error.c_str());
    return std::string();
  });

  face::Gallery gallery;
  int skipped = 0;
  for (const Item& it : items) {
    if (it.validation || !it.error.empty()) continue;
    if (it.faces.size() != 1) {  // no face, or which one is the person is ambiguous
      ++skipped;
      continue;
    }
    gallery.Add(it.person, it.faces[0].descriptor);
  }
  std::map<std::string, std::pair<int, int>> per_person;  // right, total
  int right = 0, total = 0;
  for (const Item& it : items) {
    if (!it.validation) continue;
    auto& [r, t] = per_person[it.person];
    ++t;
    ++total;
    if (!it.faces.empty() && gallery.Nearest(it.faces[0].descriptor, tolerance).name == it.person) {
      ++r;
      ++right;
    }
  }
  base::Status saved = gallery.Save(args.values["out"]);
  if (!saved.ok()) {
    std::fprintf(stderr, "edgeface train: %s\n", saved.WithContext(args.values["out"]).message().c_str());
    return 1;
  }
  if (args.Has("json")) {
    nlohmann::json people_json = nlohmann::json::object();
    for (const auto& [name, rt] : per_person) people_json[name] = {{"right", rt.first}, {"total", rt.second}};
    std::printf("%s\n", nlohmann::json{{"gallery", args.values["out"]}, {"entries", gallery.size()},
                                       {"skipped_training_images", skipped},
                                       {"validation", {{"right", right}, {"total", total}, {"people", people_json}}}}
                            .dump()
                            .c_str());
  } else {
    for (const auto& [name, rt] : per_person) {
      std::printf("%-30s %d/%d\n", name.c_str(), rt.first, rt.second);
    }
    std::printf("overall validation accuracy: %d/%d%s\n", right, total,
                total ? (" (" + std::to_string(100.0 * right / total).substr(0, 5) + "%)").c_str() : "");
    std::printf("gallery: %zu entries written to %s (%d training images skipped: no face or several)\n",
                gallery.size(), args.values["out"].c_str(), skipped);
  }
  return 0;
}

}  // namespace cli
