// Descriptor speed: ms per face on one thread for each path (reference, im2col+OpenBLAS, oneDNN)
// and for dlib's own DNN on the same weights (the peer, measured in this run), descriptors/s
// batched on 1 and 2 threads, and the time to load the model. Prints figures; never fails on time.
//
//   build-nn/bin/bench_nn [models_dir] [seconds_per_figure]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "nn/dlib_peer.h"
#include "nn/face_net.h"
#include "nn/fast_net.h"
#include "nn/reference.h"
#include "../timing.h"

namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

using bench::ThreadCpuMs;

struct Figure {
  double wall_ms;  // per face, median over rounds
  double cpu_ms;   // the calling thread's CPU time per face, median: steadier on a shared machine
};

// Runs fn (which describes `per_call` faces) for about `budget` seconds after a warm-up.
template <typename Fn>
Figure MsPerFace(Fn fn, int per_call, double budget) {
  fn();
  std::vector<double> wall, cpu;
  const Clock::time_point end =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(budget));
  while (Clock::now() < end || wall.size() < 3) {
    const Clock::time_point t0 = Clock::now();
    const double c0 = ThreadCpuMs();
    int calls = 0;
    do {
      fn();
      ++calls;
    } while (Seconds(t0, Clock::now()) < budget / 10);
    wall.push_back(Seconds(t0, Clock::now()) * 1e3 / (calls * per_call));
    cpu.push_back((ThreadCpuMs() - c0) / (calls * per_call));
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  return {wall[wall.size() / 2], cpu[cpu.size() / 2]};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string models = argc > 1 ? argv[1] : "models";
  const double budget = argc > 2 ? std::atof(argv[2]) : 2.0;

  {
    std::FILE* f = std::fopen("/proc/loadavg", "r");
    char line[128] = "?";
    if (f && std::fgets(line, sizeof line, f)) std::printf("load average at start: %s", line);
    if (f) std::fclose(f);
  }
  // Load time: everything needed to describe (read, dequantise, fold, build the fast path). The
  // first load of a process also makes (JIT-compiles) the oneDNN kernels; later loads reuse them.
  std::vector<double> loads, load_cpus;
  for (int i = 0; i < 6; ++i) {
    const Clock::time_point t0 = Clock::now();
    const double c0 = ThreadCpuMs();
    base::StatusOr<nn::FaceNet> net = nn::FaceNet::LoadFromDir(models);
    loads.push_back(Seconds(t0, Clock::now()) * 1e3);
    load_cpus.push_back(ThreadCpuMs() - c0);
    if (!net.ok()) {
      std::fprintf(stderr, "%s\n", net.status().ToString().c_str());
      return 1;
    }
  }
  const double first_load = loads[0], first_load_cpu = load_cpus[0];
  loads.erase(loads.begin());
  load_cpus.erase(load_cpus.begin());
  std::sort(loads.begin(), loads.end());
  std::sort(load_cpus.begin(), load_cpus.end());
  base::StatusOr<nn::FaceNet> net = nn::FaceNet::LoadFromDir(models);
  base::StatusOr<nn::NetParams> loaded_params =
      nn::LoadNetParams(models + "/face_recognition_model-weights_manifest.json", models + "/face_recognition_model.bin");
  if (!loaded_params.ok()) return 1;
  const nn::NetParams& params = *loaded_params;
  std::printf("model load (LoadFromDir): first in process wall %.1f ms cpu %.1f ms; later ones (median) wall %.1f ms "
              "cpu %.1f ms; default path: %s\n",
              first_load, first_load_cpu, loads[2], load_cpus[2], std::string(nn::BackendName(nn::DefaultBackend())).c_str());

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

  std::printf("\nsingle thread, one face per call (ms per descriptor, median; wall and thread CPU time):\n");
  base::StatusOr<std::unique_ptr<nn::DlibFaceNet>> dlib_net = nn::DlibFaceNet::Create(params);
  if (!dlib_net.ok()) return 1;
  int face = 0;
  const Figure dlib = MsPerFace([&] { (*dlib_net)->Describe(chips.data() + (face++ % kFaces) * chip_bytes); }, 1,
                                budget);
  auto row = [&](const char* name, const Figure& f, const char* extra) {
    std::printf("  %-16s wall %7.2f ms  cpu %7.2f ms   dlib/this (cpu) = %5.2f%s\n", name, f.wall_ms, f.cpu_ms,
                dlib.cpu_ms / f.cpu_ms, extra);
  };
  row("dlib DNN (peer)", dlib, "");
  row("reference", MsPerFace([&] { nn::ref::Forward(params, chips.data()); }, 1, budget), "");
  for (nn::Backend b : {nn::Backend::kBlas, nn::Backend::kDnnl}) {
    if (!nn::BackendAvailable(b)) continue;
    base::StatusOr<std::unique_ptr<nn::FastNet>> fast = nn::FastNet::Create(params, b);
    if (!fast.ok()) {
      std::printf("  %-16s %s\n", std::string(nn::BackendName(b)).c_str(), fast.status().ToString().c_str());
      continue;
    }
    nn::Descriptor d;
    const Figure one = MsPerFace([&] { (*fast)->Forward(chips.data() + (face++ % kFaces) * chip_bytes, 1, &d); },
                                1, budget);
    std::vector<nn::Descriptor> out(kFaces);
    const Figure batch = MsPerFace([&] { (*fast)->Forward(chips.data(), kFaces, out.data()); }, kFaces, budget);
    char extra[96];
    std::snprintf(extra, sizeof extra, "   batched x%d: cpu %.2f ms/face", kFaces, batch.cpu_ms);
    row(std::string(nn::BackendName(b)).c_str(), one, extra);
  }

  // After large allocations: a video pipeline allocates and frees frame-sized buffers between
  // descriptors. glibc's malloc then raises its mmap threshold, and code that allocates big
  // scratch per call starts paying page faults on every call. Ours keeps its scratch per thread.
  {
    auto churn = [] {
      for (size_t mb : {6, 24, 3}) {
        std::vector<uint8_t> frame(mb << 20, 1);
        asm volatile("" : : "r"(frame.data()) : "memory");
      }
    };
    const double ours =
        MsPerFace([&] { churn(); net->Describe(chips.data() + (face++ % kFaces) * chip_bytes); }, 1, budget).cpu_ms;
    const double peer =
        MsPerFace([&] { churn(); (*dlib_net)->Describe(chips.data() + (face++ % kFaces) * chip_bytes); }, 1, budget)
            .cpu_ms;
    const double churn_only = MsPerFace(churn, 1, budget).cpu_ms;
    std::printf("\nwith 33 MB of frame buffers allocated and freed before each face (cpu; their cost, %.2f ms, "
                "subtracted):\n  FaceNet::Describe %.2f ms, dlib DNN %.2f ms, dlib/this = %.2f\n",
                churn_only, ours - churn_only, peer - churn_only, (peer - churn_only) / (ours - churn_only));
  }

  std::printf("\nFaceNet::DescribeBatch (default path), %d faces per call:\n", kFaces);
  for (int threads : {1, 2}) {
    std::vector<double> per_thread_ms(threads);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        std::vector<nn::Descriptor> out(kFaces);
        per_thread_ms[t] =
            MsPerFace([&] { net->DescribeBatch(chips.data(), kFaces, out.data()); }, kFaces, budget).wall_ms;
      });
    }
    for (auto& th : pool) th.join();
    double per_s = 0;
    for (double ms : per_thread_ms) per_s += 1e3 / ms;
    std::printf("  %d thread(s): %.0f descriptors/s (wall clock)\n", threads, per_s);
  }
  return 0;
}
