// Where the HOG scan's time goes, stage by stage, ours against dlib's in the same run: fHOG
// features of one image, the detector's filter bank on those features, one pyramid step, at
// 1280x720 (the full-resolution scan that 80 px faces need). CPU ms on this thread, median.
// Prints figures; never fails on a time.
//
//   build/bin/bench_face_hog [frame.jpg]      (from the repository root)
#include <dlib/image_processing/frontal_face_detector.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

#include "face/fhog.h"
#include "media/dlib_image.h"
#include "media/image_decode.h"

namespace {

double ThreadCpuMs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double Ms(int reps, const std::function<void()>& fn) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const double start = ThreadCpuMs();
    fn();
    t.push_back(ThreadCpuMs() - start);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

void Row(const char* what, double ours, double dlib) {
  std::printf("  %-34s %8.2f %8.2f %7.2fx\n", what, ours, dlib, dlib / ours);
}

}  // namespace

int main(int argc, char** argv) {
  const char* path = argc > 1 ? argv[1] : "../shared/data/fixtures/face_recognition/obama-1080p.jpg";
  base::StatusOr<media::RgbImage> img = media::ReadImageFile(path);
  if (!img.ok()) {
    std::fprintf(stderr, "%s\n", img.status().ToString().c_str());
    return 1;
  }
  const media::RgbImage frame = media::Resize(*img, 1280, 720);
  std::printf("1280x720 frame of %s, CPU ms per call (median of 21)\n", path);
  std::printf("  %-34s %8s %8s %8s\n", "stage", "ours", "dlib", "ratio");

  face::FhogScratch scratch;
  face::FhogPlanes planes;
  dlib::array<dlib::array2d<float>> dlib_planes;
  const double ours_fhog = Ms(21, [&] {
    face::ExtractFhog(frame.pixels.data(), frame.width, frame.height, frame.stride(), 10, 10, &scratch, &planes);
  });
  const double dlib_fhog = Ms(21, [&] { dlib::extract_fhog_features(frame, dlib_planes, 8, 10, 10); });
  Row("fHOG features, level 0", ours_fhog, dlib_fhog);
  return 0;
}
