// Speed of the face pipeline per stage and per frame size, against dlib's own pipeline measured
// in the same run (face_recognition's defaults: HOG at upsample 1 on the full frame, dlib's
// shape predictor, dlib's DNN on our weights). Frames are a real 1080p photo scaled to each size.
// Prints figures and ratios; never fails on a time. docs/face.md records a run.
//
//   build/bin/bench_face            (from the repository root)
#include <turbojpeg.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <thread>
#include <vector>

#include "base/files.h"
#include "dlib_pipeline.h"
#include "../timing.h"
#include "face/chip.h"
#include "face/pipeline.h"
#include "media/image_decode.h"
#include "nn/dlib_peer.h"
#include "nn/face_net.h"
#include "nn/weights.h"

namespace {

using Clock = std::chrono::steady_clock;

using bench::MedianThreadCpuMs;

std::string EncodeJpeg(const media::RgbImage& img) {
  tjhandle tj = tjInitCompress();
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  tjCompress2(tj, img.pixels.data(), img.width, img.stride(), img.height, TJPF_RGB, &buf, &size, TJSAMP_420, 90, 0);
  std::string out(reinterpret_cast<char*>(buf), size);
  tjFree(buf);
  tjDestroy(tj);
  return out;
}

}  // namespace

int main() {
  const double load_cpu_start = bench::ProcessCpuMs();
  const auto load_start = Clock::now();
  auto loaded = face::FacePipeline::Load(face::FacePipeline::DefaultModelsDir());
  const double load_ms = std::chrono::duration<double, std::milli>(Clock::now() - load_start).count();
  const double load_cpu_ms = bench::ProcessCpuMs() - load_cpu_start;
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", loaded.status().ToString().c_str());
    return 1;
  }
  const face::FacePipeline& p = **loaded;
  const double peer_cpu_start = bench::ProcessCpuMs();
  const auto peer_start = Clock::now();
  bench::DlibPipeline peer;
  const double peer_load_ms = std::chrono::duration<double, std::milli>(Clock::now() - peer_start).count();
  const double peer_load_cpu_ms = bench::ProcessCpuMs() - peer_cpu_start;
  const std::string models = face::FacePipeline::DefaultModelsDir();
  auto params = nn::LoadNetParams(models + "/face_recognition_model-weights_manifest.json",
                                  models + "/face_recognition_model.bin");
  if (!params.ok()) return 1;
  auto dlib_net = nn::DlibFaceNet::Create(*params);
  if (!dlib_net.ok()) return 1;
  std::printf("models loaded and ready: ours %.0f ms wall, %.0f ms CPU (landmarks + descriptor net + detector); "
              "dlib's .dat landmarks + detector %.0f ms wall, %.0f ms CPU; CPU ratio %.1fx\n\n",
              load_ms, load_cpu_ms, peer_load_ms, peer_load_cpu_ms, peer_load_cpu_ms / load_cpu_ms);

  auto source = media::ReadImageFile("../shared/data/fixtures/face_recognition/obama-1080p.jpg");
  if (!source.ok()) {
    std::fprintf(stderr, "run from the repository root: %s\n", source.status().ToString().c_str());
    return 1;
  }
  // Defaults (upsample 1, scan at most 640x480 pixels), on the calling thread only: the table
  // is per core. The split over two threads is measured in wall time below.
  face::PipelineOptions options;
  options.detect.threads = 1;
  std::printf("%-10s %-6s %8s %8s %9s %6s %10s %8s   (CPU ms per frame, one face, median)\n", "frame", "who",
              "decode", "detect", "landmarks", "chip", "descriptor", "total");
  const int sizes[][2] = {{854, 480}, {1280, 720}, {1920, 1080}};
  for (const auto& s : sizes) {
    const media::RgbImage frame = media::Resize(*source, s[0], s[1]);
    const std::string jpeg = EncodeJpeg(frame);
    const std::string path = "/tmp/bench_face_" + std::to_string(s[0]) + ".jpg";
    base::WriteFileAtomic(path, jpeg);
    char label[32];
    std::snprintf(label, sizeof label, "%dx%d", s[0], s[1]);

    // Ours.
    const double decode = MedianThreadCpuMs(15, [&] { media::DecodeImage(jpeg); });
    std::vector<face::Detection> dets;
    const double detect = MedianThreadCpuMs(9, [&] { dets = p.Detect(frame, options.detect); });
    if (dets.empty()) {
      std::printf("%-10s no face found\n", label);
      continue;
    }
    face::Landmarks lm;
    const double landmarks = MedianThreadCpuMs(31, [&] { lm = p.FindLandmarks(frame, dets[0].box); });
    media::RgbImage chip;
    const double chip_ms = MedianThreadCpuMs(31, [&] { face::ExtractChip(frame, dets[0].box, lm, &chip); });
    const double descriptor = MedianThreadCpuMs(15, [&] { p.net().Describe(chip.pixels.data()); });
    const double total = MedianThreadCpuMs(9, [&] {
      auto img = media::DecodeImage(jpeg);
      p.Process(*img, options);
    });
    std::printf("%-10s %-6s %8.1f %8.1f %9.2f %6.2f %10.2f %8.1f\n", label, "ours", decode, detect, landmarks,
                chip_ms, descriptor, total);

    // dlib's pipeline, as face_recognition runs it.
    media::RgbImage dimg;
    const double p_decode = MedianThreadCpuMs(9, [&] { dimg = peer.Load(path); });
    std::vector<face::Box> boxes;
    const double p_detect = MedianThreadCpuMs(s[0] > 1500 ? 1 : 3, [&] { boxes = peer.Detect(frame); });
    face::Box box = boxes.empty() ? dets[0].box : boxes[0];
    const double p_landmarks = MedianThreadCpuMs(31, [&] { lm = peer.Landmarks(frame, box); });
    const double p_chip = MedianThreadCpuMs(31, [&] { face::ExtractChip(frame, box, lm, &chip); });
    const double p_descriptor = MedianThreadCpuMs(5, [&] { (*dlib_net)->Describe(chip.pixels.data()); });
    const double p_total = p_decode + p_detect + p_landmarks + p_chip + p_descriptor;
    std::printf("%-10s %-6s %8.1f %8.1f %9.2f %6.2f %10.2f %8.1f\n", "", "dlib", p_decode, p_detect, p_landmarks,
                p_chip, p_descriptor, p_total);
    std::printf("%-10s %-6s %8.1f %8.1f %9.1f %6.1f %10.1f %8.1f   (dlib / ours)\n", "", "ratio",
                p_decode / decode, p_detect / detect, p_landmarks / landmarks, p_chip / chip_ms,
                p_descriptor / descriptor, p_total / total);
  }

  // Detection in wall time, one thread against the scan split over two (detector.h): our HOG
  // scan (hog_scan.h) against dlib's scan_fhog_pyramid (DetectOptions::dlib_scan, same flags,
  // same detections), in the same run. The full-resolution scan (upsample 0, no cap) is what the
  // budget's 80 px faces need; the default scan of a 720p frame finds faces from ~140 px.
  {
    std::printf("\ndetection, wall ms (median of 15)            ours 1t  ours 2t  dlib 1t  dlib 2t  ratio 1t  ratio 2t\n");
    for (int row = 0; row < 4; ++row) {
      const int w = row == 3 ? 1280 : sizes[row][0], h = row == 3 ? 720 : sizes[row][1];
      const media::RgbImage frame = media::Resize(*source, w, h);
      face::DetectOptions d = options.detect;
      if (row < 3) {
        d.upsample = 0;
        d.max_scan_pixels = 0;
      }
      double wall[2][2];  // [dlib][threads - 1]
      for (int dlib_scan = 0; dlib_scan < 2; ++dlib_scan) {
        for (int threads : {1, 2}) {
          d.threads = threads;
          d.dlib_scan = dlib_scan;
          std::vector<double> t;
          for (int i = 0; i < 15; ++i) {
            const auto start = Clock::now();
            p.Detect(frame, d);
            t.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
          }
          std::sort(t.begin(), t.end());
          wall[dlib_scan][threads - 1] = t[t.size() / 2];
        }
      }
      char label[64];
      std::snprintf(label, sizeof label, "%dx%d %s", w, h, row < 3 ? "full resolution (80 px faces)" : "default scan");
      std::printf("  %-42s %8.1f %8.1f %8.1f %8.1f %8.2fx %8.2fx\n", label, wall[0][0], wall[0][1], wall[1][0],
                  wall[1][1], wall[1][0] / wall[0][0], wall[1][1] / wall[0][1]);
    }
  }

  // Throughput on 1 and 2 threads: whole frames (decode + all steps), 1280x720.
  const std::string jpeg720 = EncodeJpeg(media::Resize(*source, 1280, 720));
  for (int threads : {1, 2}) {
    const int per_thread = 12;
    const double cpu0 = bench::ProcessCpuMs();
    const auto start = Clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        for (int i = 0; i < per_thread; ++i) p.Process(*media::DecodeImage(jpeg720), options);
      });
    }
    for (auto& t : pool) t.join();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("\n1280x720 frames, %d thread%s: %.1f frames/s wall, %.1f frames per CPU-second", threads,
                threads > 1 ? "s" : "", threads * per_thread / secs, threads * per_thread / (bench::ProcessCpuMs() - cpu0));
  }
  // Descriptors per second, batched (16 chips per call), 1 and 2 threads.
  media::RgbImage chip;
  {
    const media::RgbImage frame = media::Resize(*source, 1280, 720);
    auto faces = p.Detect(frame, options.detect);
    face::ExtractChip(frame, faces[0].box, p.FindLandmarks(frame, faces[0].box), &chip);
  }
  std::vector<uint8_t> batch;
  for (int i = 0; i < 16; ++i) batch.insert(batch.end(), chip.pixels.begin(), chip.pixels.end());
  for (int threads : {1, 2}) {
    const int calls = 6;
    const double cpu0 = bench::ProcessCpuMs();
    const auto start = Clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        std::vector<nn::Descriptor> out(16);
        for (int i = 0; i < calls; ++i) p.net().DescribeBatch(batch.data(), 16, out.data());
      });
    }
    for (auto& t : pool) t.join();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("\ndescriptors/s, batches of 16, %d thread%s: %.0f wall, %.0f per CPU-second", threads,
                threads > 1 ? "s" : "", threads * calls * 16 / secs, threads * calls * 16 / (bench::ProcessCpuMs() - cpu0));
  }
  const double dlib_one = MedianThreadCpuMs(5, [&] { (*dlib_net)->Describe(chip.pixels.data()); });
  std::printf("\ndlib's DNN, one thread: %.0f descriptors per CPU-second\n", 1000 / dlib_one);
  return 0;
}
