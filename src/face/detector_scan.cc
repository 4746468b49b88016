// FaceDetector::Detect: the scan itself, the hot path of the face core. This file alone is
// compiled for AVX2+FMA when EDGEFACE_AVX2 is on (src/face/CMakeLists.txt): dlib's HOG code then
// runs on 256-bit registers. Loading and the CPU check live in detector.cc (baseline ISA).
#include <dlib/image_transforms.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "face/detector_pool.h"
#include "media/dlib_image.h"

namespace face {

namespace {

// Below this many pixels a split scan costs more in thread start-up than it saves.
constexpr long kSplitMinPixels = 200 * 1000;

// Runs the detector over `img`, on one thread or split over two. dlib's scanner builds an image
// pyramid (each level 5/6 of the one before) and scans every level; the two finest levels hold
// about half of all the pixels. A split scan gives those two levels to a detector limited to
// them, and hands the rest to a second thread that builds level 2 exactly as dlib does (two
// pyramid_down<6> steps) and scans from there; its boxes are mapped back up two levels. The two
// lists are merged with the detector's own non-maximum suppression (highest score first, a box
// overlapping a kept one by the detector's overlap test is dropped), so the result is the
// whole scan's, up to the rare case where a box suppressed within one half would have survived
// a suppression over both.
#if defined(EDGEFACE_DETECTOR_AVX2)
bool DlibScanForced() {
  static const bool forced = [] {
    const char* v = std::getenv("EDGEFACE_DLIB_HOG");
    return v != nullptr && std::strcmp(v, "1") == 0;
  }();
  return forced;
}

// Our scan (hog_scan.h), split the same way as dlib's below when asked for two threads: the
// finest kFineLevels levels here, the rest on a second thread that builds the pyramid down to
// them itself. Both halves return their candidates before suppression, so one suppression over
// the union gives exactly the whole scan's result.
template <typename Image>
void OurScan(const HogScanner& hog, const Image& img, long pixels, double adjust, int threads,
             std::vector<dlib::rect_detection>* found) {
  using dlib::image_data, dlib::num_columns, dlib::num_rows, dlib::width_step;  // and media's, by ADL
  const auto* rgb = static_cast<const uint8_t*>(image_data(img));
  const int width = static_cast<int>(num_columns(img)), height = static_cast<int>(num_rows(img));
  const size_t row_bytes = static_cast<size_t>(width_step(img));
  std::vector<dlib::rect_detection> candidates;
  if (threads < 2 || pixels < kSplitMinPixels) {
    hog.Candidates(rgb, width, height, row_bytes, adjust, 0, ~0u, &candidates);
  } else {
    std::vector<dlib::rect_detection> coarse;
    std::thread coarse_scan([&] { hog.Candidates(rgb, width, height, row_bytes, adjust, kFineLevels, ~0u, &coarse); });
    hog.Candidates(rgb, width, height, row_bytes, adjust, 0, kFineLevels, &candidates);
    coarse_scan.join();
    candidates.insert(candidates.end(), coarse.begin(), coarse.end());
  }
  *found = hog.Suppress(&candidates);
}
#endif

template <typename Image>
void Scan(FaceDetector::Pool& pool, const Image& img, long pixels, double adjust, int threads, bool dlib_scan,
          std::vector<dlib::rect_detection>* found) {
#if defined(EDGEFACE_DETECTOR_AVX2)
  if (!dlib_scan && !DlibScanForced()) {
    if (const HogScanner* hog = pool.Hog()) return OurScan(*hog, img, pixels, adjust, threads, found);
  }
#endif
  if (threads < 2 || pixels < kSplitMinPixels) {
    auto d = pool.Acquire(FaceDetector::Pool::kWhole);
    (*d)(img, *found, adjust);
    pool.Release(FaceDetector::Pool::kWhole, std::move(d));
    return;
  }
  std::vector<dlib::rect_detection> coarse;
  std::thread coarse_scan([&pool, &img, adjust, &coarse] {
    auto d = pool.Acquire(FaceDetector::Pool::kWhole);
    dlib::pyramid_down<6> pyr;
    dlib::array2d<dlib::rgb_pixel> level1, level2;
    pyr(img, level1);
    pyr(level1, level2);
    (*d)(level2, coarse, adjust);
    for (auto& r : coarse) r.rect = pyr.rect_up(r.rect, kFineLevels);
    pool.Release(FaceDetector::Pool::kWhole, std::move(d));
  });
  std::vector<dlib::rect_detection> fine;
  {
    auto d = pool.Acquire(FaceDetector::Pool::kFine);
    (*d)(img, fine, adjust);
    pool.Release(FaceDetector::Pool::kFine, std::move(d));
  }
  coarse_scan.join();
  fine.insert(fine.end(), coarse.begin(), coarse.end());
  std::sort(fine.begin(), fine.end(), [](const dlib::rect_detection& a, const dlib::rect_detection& b) {
    return a.detection_confidence > b.detection_confidence;
  });
  const dlib::test_box_overlap& overlaps = pool.prototype.get_overlap_tester();
  for (const auto& candidate : fine) {
    bool suppressed = false;
    for (const auto& kept : *found) suppressed = suppressed || overlaps(kept.rect, candidate.rect);
    if (!suppressed) found->push_back(candidate);
  }
}

}  // namespace

std::vector<Detection> FaceDetector::Detect(const media::RgbImage& img,
                                            const DetectOptions& options) const {
  std::vector<Detection> out = DetectOnce(img, options);
  if (out.empty() && options.rescan_max_pixels > options.max_scan_pixels && options.max_scan_pixels > 0 &&
      ScanScale(img.width, img.height, options) < std::ldexp(1.0, std::max(0, options.upsample))) {
    DetectOptions wider = options;
    wider.max_scan_pixels = options.rescan_max_pixels;
    wider.rescan_max_pixels = 0;
    out = DetectOnce(img, wider);
  }
  return out;
}

std::vector<Detection> FaceDetector::DetectOnce(const media::RgbImage& img,
                                                const DetectOptions& options) const {
  std::vector<Detection> out;
  if (img.empty()) return out;
  const double scale = ScanScale(img.width, img.height, options);
  std::vector<dlib::rect_detection> found;
  const int doublings = static_cast<int>(std::lround(std::log2(scale)));
  if (scale >= 1 && std::abs(scale - std::ldexp(1.0, doublings)) < 1e-9) {
    // Exactly face_recognition's path: pyramid_up N times, scan, map the boxes back down.
    if (doublings == 0) {
      Scan(*pool_, img, static_cast<long>(img.width) * img.height, options.adjust_threshold, options.threads,
           options.dlib_scan, &found);
    } else {
      dlib::pyramid_down<2> pyr;
      dlib::array2d<dlib::rgb_pixel> up;
      dlib::pyramid_up(img, up, pyr);
      for (int i = 1; i < doublings; ++i) dlib::pyramid_up(up, pyr);
      Scan(*pool_, up, up.size(), options.adjust_threshold, options.threads, options.dlib_scan, &found);
      for (auto& d : found) d.rect = pyr.rect_down(d.rect, doublings);
    }
  } else {
    const int w = std::max(1, static_cast<int>(std::lround(img.width * scale)));
    const int h = std::max(1, static_cast<int>(std::lround(img.height * scale)));
    const media::RgbImage scaled = media::Resize(img, w, h);
    Scan(*pool_, scaled, static_cast<long>(w) * h, options.adjust_threshold, options.threads, options.dlib_scan,
         &found);
    const double sx = static_cast<double>(img.width) / w, sy = static_cast<double>(img.height) / h;
    for (auto& d : found) {
      d.rect = dlib::rectangle(std::lround(d.rect.left() * sx), std::lround(d.rect.top() * sy),
                               std::lround((d.rect.right() + 1) * sx) - 1,
                               std::lround((d.rect.bottom() + 1) * sy) - 1);
    }
  }
  std::sort(found.begin(), found.end(),
            [](const dlib::rect_detection& a, const dlib::rect_detection& b) {
              return a.detection_confidence > b.detection_confidence;
            });
  out.reserve(found.size());
  for (const auto& d : found) {
    out.push_back({{d.rect.left(), d.rect.top(), d.rect.right(), d.rect.bottom()}, d.detection_confidence});
  }
  return out;
}

}  // namespace face
