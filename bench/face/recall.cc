// Does the capped scan (the default: at most 640x480 pixels scanned) find the faces that
// face_recognition's full scan (upsample 1 on the whole frame) finds? Over every 0.5 s sample of
// the 8 cse546 videos: frames with a face under each setting, and CPU time per frame.
//   build/bin/bench_face_recall         (from the repository root)
#include <time.h>

#include <cstdio>
#include <string>

#include "face/detector.h"
#include "media/video.h"

namespace {
double CpuMs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
}  // namespace

int main() {
  face::FaceDetector detector;
  struct Setting {
    const char* name;
    face::DetectOptions options;
    int frames_with_face = 0;
    double cpu_ms = 0;
  } settings[] = {
      {"face_recognition (upsample 1, full frame)", {1, 0, 0}},
      {"edgeface default (upsample 1, scan <= 640x480 px)", {1, 640 * 480, 0}},
      {"scan <= 640x360 px", {1, 640 * 360, 0}},
      {"full frame, upsample 0", {0, 0, 0}},
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
      for (Setting& s : settings) {
        const double start = CpuMs();
        const bool found = !detector.Detect(f.image, s.options).empty();
        s.cpu_ms += CpuMs() - start;
        s.frames_with_face += found;
      }
    }
  }
  std::printf("cse546 test_case_1, %d frames sampled every 0.5 s (480p..1080p)\n", frames);
  for (const Setting& s : settings) {
    std::printf("  %-52s frames with a face %2d/%d, %.1f CPU ms per frame\n", s.name, s.frames_with_face, frames,
                s.cpu_ms / frames);
  }
  return 0;
}
