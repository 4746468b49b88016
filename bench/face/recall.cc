// Does the capped scan (the default: at most 640x480 pixels scanned) find the faces that
// face_recognition's full scan (upsample 1 on the whole frame) finds? Over every 0.5 s sample of
// the 8 cse546 videos: frames with a face under each setting, CPU and wall time per frame.
//   build/bin/bench_face_recall         (from the repository root)

#include <cstdio>
#include <string>
#include <vector>

#include "face/detector.h"
#include "media/video.h"
#include "../timing.h"

namespace {
// Process CPU time: a split scan's second thread counts too.
using bench::WallMs;
double CpuMs() { return bench::ProcessCpuMs(); }
}  // namespace

int main() {
  face::FaceDetector detector;
  struct Setting {
    const char* name;
    face::DetectOptions options;
    int frames_with_face = 0;
    double cpu_ms = 0, wall_ms = 0;
  } settings[] = {
      {"face_recognition (upsample 1, full frame, dlib's scan)", {1, 0, 0, 1, 0, true}},
      {"  the same, our HOG scan", {1, 0, 0, 1}},
      {"edgeface default (upsample 1, scan <= 640x480 px)", {1, 640 * 480, 0, 1}},
      {"  the same, split over 2 threads", {1, 640 * 480, 0, 2}},
      {"  the same, rescan <= 1708x960 px when none found", {1, 640 * 480, 0, 2, 1708 * 960}},
      {"scan <= 640x360 px", {1, 640 * 360, 0, 1}},
      {"full frame, upsample 0", {0, 0, 0, 1}},
      {"  the same, split over 2 threads", {0, 0, 0, 2}},
      {"  the same, dlib's scan (the peer of ours)", {0, 0, 0, 1, 0, true}},
  };
  int frames = 0;
  for (const char* v : {"test_0", "test_1", "test_2", "test_4", "test_5", "test_6", "test_7", "test_8"}) {
    auto reader = media::VideoReader::OpenFile(std::string("../shared/data/cse546/videos/") + v + ".mp4");
    if (!reader.ok()) {
      std::fprintf(stderr, "%s (run from the repository root)\n", reader.status().ToString().c_str());
      return 1;
    }
    media::VideoFrame f;
    while (true) {
      auto got = reader->NextSample(0.5, &f);
      if (!got.ok() || !*got) break;
      ++frames;
      long reference_width = 0;  // the face face_recognition finds, to name what a setting misses
      for (Setting& s : settings) {
        const double start = CpuMs(), wall_start = WallMs();
        const std::vector<face::Detection> found = detector.Detect(f.image, s.options);
        s.cpu_ms += CpuMs() - start;
        s.wall_ms += WallMs() - wall_start;
        s.frames_with_face += !found.empty();
        if (&s == &settings[0] && !found.empty()) reference_width = found[0].box.width();
        if (found.empty() && reference_width > 0) {
          std::printf("  missed by '%s': %s t=%.1f s (%dx%d), face_recognition's face is %ld px wide\n", s.name, v,
                      f.t, f.image.width, f.image.height, reference_width);
        }
      }
    }
  }
  std::printf("cse546 test_case_1, %d frames sampled every 0.5 s (480p..1080p)\n", frames);
  for (const Setting& s : settings) {
    std::printf("  %-52s frames with a face %2d/%d, %6.1f CPU ms, %6.1f wall ms per frame\n", s.name,
                s.frames_with_face, frames, s.cpu_ms / frames, s.wall_ms / frames);
  }
  return 0;
}
