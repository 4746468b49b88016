// Descriptor speed: ms per face on one thread for each path (reference, im2col+OpenBLAS, oneDNN)
// and for dlib's own DNN on the same weights (the peer, measured in this run), descriptors/s
// batched on 1 and 2 threads, and the time to load the model. Prints figures; never fails on time.
//
//   build-nn/bin/bench_nn [models_dir] [seconds_per_figure]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "nn/dlib_peer.h"
#include "nn/face_net.h"
#include "nn/face_net_internal.h"
#include "nn/fast_net.h"
#include "nn/reference.h"

namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

// Runs fn (which describes `per_call` faces) for about `budget` seconds after a warm-up;
// returns the median ms per face over rounds of calls.
template <typename Fn>
double MsPerFace(Fn fn, int per_call, double budget) {
  fn();
  std::vector<double> rounds;
  const Clock::time_point end =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(budget));
  while (Clock::now() < end || rounds.size() < 3) {
    const Clock::time_point t0 = Clock::now();
    int calls = 0;
    do {
      fn();
      ++calls;
    } while (Seconds(t0, Clock::now()) < budget / 10);
    rounds.push_back(Seconds(t0, Clock::now()) * 1e3 / (calls * per_call));
  }
  std::sort(rounds.begin(), rounds.end());
  return rounds[rounds.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const std::string models = argc > 1 ? argv[1] : "models";
  const double budget = argc > 2 ? std::atof(argv[2]) : 2.0;

  // Load time: everything needed to describe (read, dequantise, fold, build the fast path).
  std::vector<double> loads;
  for (int i = 0; i < 5; ++i) {
    const Clock::time_point t0 = Clock::now();
    base::StatusOr<nn::FaceNet> net = nn::FaceNet::LoadFromDir(models);
    loads.push_back(Seconds(t0, Clock::now()) * 1e3);
    if (!net.ok()) {
      std::fprintf(stderr, "%s\n", net.status().ToString().c_str());
      return 1;
    }
  }
  std::sort(loads.begin(), loads.end());
  base::StatusOr<nn::FaceNet> net = nn::FaceNet::LoadFromDir(models);
  const nn::NetParams& params = nn::InternalImpl(*net).params;
  std::printf("model load (LoadFromDir, median of 5): %.1f ms; default path: %s\n", loads[2],
              std::string(nn::BackendName(nn::DefaultBackend())).c_str());

  // Real faces: centre crops of LFW images, as many as one batch of 8.
  const char* names[] = {"Aaron_Eckhart/Aaron_Eckhart_0001.jpg", "George_W_Bush/George_W_Bush_0001.jpg",
                         "Serena_Williams/Serena_Williams_0001.jpg", "Colin_Powell/Colin_Powell_0001.jpg",
                         "Tony_Blair/Tony_Blair_0001.jpg", "Gerhard_Schroeder/Gerhard_Schroeder_0001.jpg",
                         "Jennifer_Aniston/Jennifer_Aniston_0001.jpg", "Ariel_Sharon/Ariel_Sharon_0001.jpg"};
  const int kFaces = 8;
  const size_t chip_bytes = size_t(nn::kChipSize) * nn::kChipSize * 3;
  std::vector<uint8_t> chips;
  for (const char* name : names) {
    base::StatusOr<std::vector<uint8_t>> chip =
        nn::LoadCentreChip(std::string("../shared/data/lfw/images/") + name, 150);
    if (!chip.ok()) {
      std::fprintf(stderr, "%s\n", chip.status().ToString().c_str());
      return 1;
    }
    chips.insert(chips.end(), chip->begin(), chip->end());
  }

  std::printf("\nsingle thread, one face per call (ms per descriptor, median):\n");
  base::StatusOr<std::unique_ptr<nn::DlibFaceNet>> dlib_net = nn::DlibFaceNet::Create(params);
  if (!dlib_net.ok()) return 1;
  int face = 0;
  const double dlib_ms = MsPerFace([&] { (*dlib_net)->Describe(chips.data() + (face++ % kFaces) * chip_bytes); }, 1,
                                   budget);
  std::printf("  %-18s %8.2f ms  (peer)\n", "dlib DNN", dlib_ms);
  const double ref_ms = MsPerFace([&] { nn::ref::Forward(params, chips.data()); }, 1, budget);
  std::printf("  %-18s %8.2f ms  dlib/this = %.2f\n", "reference", ref_ms, dlib_ms / ref_ms);
  for (nn::Backend b : {nn::Backend::kBlas, nn::Backend::kDnnl}) {
    if (!nn::BackendAvailable(b)) continue;
    base::StatusOr<std::unique_ptr<nn::FastNet>> fast = nn::FastNet::Create(params, b);
    if (!fast.ok()) {
      std::printf("  %-18s %s\n", std::string(nn::BackendName(b)).c_str(), fast.status().ToString().c_str());
      continue;
    }
    nn::Descriptor d;
    const double one_ms = MsPerFace([&] { (*fast)->Forward(chips.data() + (face++ % kFaces) * chip_bytes, 1, &d); },
                                    1, budget);
    std::vector<nn::Descriptor> out(kFaces);
    const double batch_ms = MsPerFace([&] { (*fast)->Forward(chips.data(), kFaces, out.data()); }, kFaces, budget);
    std::printf("  %-18s %8.2f ms  dlib/this = %.2f   batched x%d: %.2f ms/face\n",
                std::string(nn::BackendName(b)).c_str(), one_ms, dlib_ms / one_ms, kFaces, batch_ms);
  }

  std::printf("\nFaceNet::DescribeBatch (default path), %d faces per call:\n", kFaces);
  for (int threads : {1, 2}) {
    std::vector<double> per_thread_ms(threads);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        std::vector<nn::Descriptor> out(kFaces);
        per_thread_ms[t] = MsPerFace([&] { net->DescribeBatch(chips.data(), kFaces, out.data()); }, kFaces, budget);
      });
    }
    for (auto& th : pool) th.join();
    double per_s = 0;
    for (double ms : per_thread_ms) per_s += 1e3 / ms;
    std::printf("  %d thread(s): %.0f descriptors/s\n", threads, per_s);
  }
  return 0;
}
