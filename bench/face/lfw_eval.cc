// Full LFW verification run: all 6000 pairs of pairs.txt, 10-fold, at tolerance 0.6 and at the
// best threshold (chosen on the 9 other folds). docs/accuracy.md has the command and results.
//
//   build/bin/bench_face_lfw [--no-flip] [--threads N] [--upsample N]   (flip augmentation is the default)
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "face/eval.h"
#include "face/pipeline.h"
#include "media/image_decode.h"

int main(int argc, char** argv) {
  face::PipelineOptions options;
  int threads = 2;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--flip")) options.flip = true;
    if (!std::strcmp(argv[i], "--no-flip")) options.flip = false;
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--upsample") && i + 1 < argc) options.detect.upsample = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s [--no-flip] [--threads N] [--upsample N]\n", argv[0]);
      return 2;
    }
  }
  auto pipeline = face::FacePipeline::Load(face::FacePipeline::DefaultModelsDir());
  if (!pipeline.ok()) {
    std::fprintf(stderr, "%s\n", pipeline.status().ToString().c_str());
    return 1;
  }
  auto pairs = face::eval::ReadLfwPairs("../shared/data/lfw/pairs.txt", "../shared/data/lfw/images");
  if (!pairs.ok()) {
    std::fprintf(stderr, "%s (run from the repository root)\n", pairs.status().ToString().c_str());
    return 1;
  }
  std::map<std::string, size_t> index;
  std::vector<std::string> paths;
  for (const auto& p : *pairs) {
    for (const std::string* s : {&p.a, &p.b}) {
      if (index.emplace(*s, paths.size()).second) paths.push_back(*s);
    }
  }
  std::vector<std::optional<face::Descriptor>> desc(paths.size());
  std::vector<char> retried(paths.size()), unreadable(paths.size());
  std::atomic<size_t> next{0};
  const auto start = std::chrono::steady_clock::now();
  auto work = [&] {
    for (size_t i; (i = next++) < paths.size();) {
      auto img = media::ReadImageFile(paths[i]);
      if (!img.ok()) {
        unreadable[i] = 1;
        continue;
      }
      bool r = false;
      desc[i] = face::eval::SubjectDescriptor(**pipeline, *img, options, &r);
      retried[i] = r;
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  int needed_retry = 0, no_face = 0, bad = 0;
  for (size_t i = 0; i < paths.size(); ++i) {
    needed_retry += retried[i];
    no_face += !desc[i].has_value() && !unreadable[i];
    bad += unreadable[i];
  }
  std::vector<double> distances;
  int pairs_without_face = 0;
  for (const auto& p : *pairs) {
    const auto& a = desc[index[p.a]];
    const auto& b = desc[index[p.b]];
    if (!a || !b) {
      ++pairs_without_face;
      distances.push_back(1e9);  // no face: answered "different"
    } else {
      distances.push_back(face::Distance(*a, *b));
    }
  }
  const auto r = face::eval::TenFold(*pairs, distances, face::kDefaultTolerance);
  std::printf("LFW %zu pairs, %zu images (%.0f s, %d threads, upsample %d%s)\n", pairs->size(), paths.size(),
              secs, threads, options.detect.upsample, options.flip ? ", flip" : "");
  std::printf("  images with no face at upsample %d: %d; found by the retry (upsample+1, threshold -0.5): %d; still none: %d; unreadable: %d\n",
              options.detect.upsample, needed_retry, needed_retry - no_face, no_face, bad);
  std::printf("  pairs with a missing face (counted as 'different'): %d\n", pairs_without_face);
  std::printf("  accuracy at 0.6: %.2f%%  (folds:", 100 * r.accuracy_at_tolerance);
  for (double a : r.fold_accuracy_at_tolerance) std::printf(" %.1f", 100 * a);
  std::printf(")\n  accuracy at the best threshold (10-fold, mean threshold %.3f): %.2f%%\n", r.mean_best_threshold,
              100 * r.accuracy_best);
  return 0;
}
