// Where the HOG scan's time goes, stage by stage, ours against dlib's in the same run: fHOG
// features of one image, the detector's filter bank on those features, one pyramid step, at
// 1280x720 (the full-resolution scan that 80 px faces need). CPU ms on this thread, median.
// Prints figures; never fails on a time.
//
//   build/bin/bench_face_hog [frame.jpg]      (from the repository root)
#include <dlib/image_processing/frontal_face_detector.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

#include "face/detector.h"
#include "face/fhog.h"
#include "face/hog_pyramid.h"
#include "face/hog_scan.h"
#include "media/dlib_image.h"
#include "media/image_decode.h"
#include "../timing.h"

namespace {

using bench::MedianThreadCpuMs;
using bench::MedianWallAndCpuMs;

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
  const double ours_fhog = MedianThreadCpuMs(21, [&] {
    face::ExtractFhog(frame.pixels.data(), frame.width, frame.height, frame.stride(), 10, 10, &scratch, &planes);
  });
  const double dlib_fhog = MedianThreadCpuMs(21, [&] { dlib::extract_fhog_features(frame, dlib_planes, 8, 10, 10); });
  Row("fHOG features, level 0", ours_fhog, dlib_fhog);

  const dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();
  const face::HogScanner scanner(detector);
  face::HogFilterScratch filter_scratch;
  std::vector<std::vector<float>> scores;
  size_t stride = 0;
  const double ours_filters = MedianThreadCpuMs(21, [&] { face::ApplyHogFilters(planes, scanner.bank(), &filter_scratch, &scores, &stride); });
  dlib::array2d<float> saliency;
  const double dlib_filters = MedianThreadCpuMs(21, [&] {
    for (unsigned long d = 0; d < detector.num_detectors(); ++d) {
      dlib::impl::apply_filters_to_fhog(detector.get_processed_w(d).get_detect_argument(), dlib_planes, saliency);
    }
  });
  Row("filter bank (5 windows), level 0", ours_filters, dlib_filters);
  dlib::pyramid_down<6> pyr;
  dlib::array2d<dlib::rgb_pixel> down;
  const double dlib_pyramid = MedianThreadCpuMs(21, [&] { pyr(frame, down); });
  face::PyramidScratch pyramid_scratch;
  face::PackedRgb level1;
  const double ours_pyramid = MedianThreadCpuMs(21, [&] {
    face::PyramidDown6(frame.pixels.data(), frame.width, frame.height, frame.stride(), &pyramid_scratch, &level1);
  });
  Row("pyramid step 1280x720 -> 1066x600", ours_pyramid, dlib_pyramid);

  std::printf("\nfull-resolution scan (upsample 0, faces from 80 px): wall ms / process CPU ms, median of 15\n");
  std::printf("  %-10s %-8s %17s %17s %7s\n", "frame", "threads", "ours", "dlib", "ratio");
  const face::FaceDetector face_detector;
  for (const auto& size : {std::pair{854, 480}, {1280, 720}, {1920, 1080}}) {
    const media::RgbImage f = media::Resize(*img, size.first, size.second);
    for (int threads : {1, 2}) {
      face::DetectOptions options{0, 0, 0, threads};
      face_detector.Detect(f, options);  // warm: pools, buffers
      const auto ours = MedianWallAndCpuMs(15, [&] { face_detector.Detect(f, options); });
      options.dlib_scan = true;
      face_detector.Detect(f, options);
      const auto theirs = MedianWallAndCpuMs(15, [&] { face_detector.Detect(f, options); });
      std::printf("  %4dx%-5d %-8d %7.1f / %7.1f %7.1f / %7.1f %6.2fx\n", size.first, size.second, threads,
                  ours.first, ours.second, theirs.first, theirs.second, theirs.first / ours.first);
    }
  }
  return 0;
}
