// HogScanner: see hog_scan.h. Compiled with -mavx2 -mfma -ffp-contract=off.
#include "face/hog_scan.h"

#include <algorithm>

#include "face/fhog.h"
#include "face/hog_pyramid.h"

namespace face {

namespace {
constexpr int kWindowCells = HogFilterBank::kTaps;  // 10x10 cells (80x80 px)
}  // namespace

struct HogScanner::Scratch {
  PackedRgb level[2];  // the pyramid's current and next level (swapped)
  PyramidScratch pyramid;
  FhogScratch fhog;
  FhogPlanes planes;
  HogFilterScratch filter;
  std::vector<std::vector<float>> scores;
};

HogScanner::HogScanner(const dlib::frontal_face_detector& detector) {
  const auto& scanner = detector.get_scanner();
  overlaps_ = detector.get_overlap_tester();
  min_level_width_ = scanner.get_min_pyramid_layer_width();
  min_level_height_ = scanner.get_min_pyramid_layer_height();
  max_levels_ = scanner.get_max_pyramid_levels();
  if (scanner.get_cell_size() != kFhogCellSize || scanner.get_padding() != 0 ||
      scanner.get_fhog_window_width() != kWindowCells || scanner.get_fhog_window_height() != kWindowCells ||
      scanner.get_feature_extractor().get_num_planes() != kFhogPlanes) {
    return;
  }
  for (unsigned long d = 0; d < detector.num_detectors(); ++d) {
    const auto& processed = detector.get_processed_w(d);
    const auto& fb = processed.get_detect_argument();
    // dlib uses the separable form only when it is cheaper than the full filters; for the
    // face detector it always is. Refuse a detector where it would not be (not reproduced).
    if (fb.num_separable_filters() > fb.filters.size() * kWindowCells / 3.0) return;
    for (size_t p = 0; p < fb.row_filters.size(); ++p) {
      for (size_t k = 0; k < fb.row_filters[p].size(); ++k) {
        if (fb.row_filters[p][k].size() != kWindowCells || fb.col_filters[p][k].size() != kWindowCells) return;
        HogFilterBank::Term term;
        term.window = static_cast<int>(d);
        term.plane = static_cast<int>(p);
        for (int n = 0; n < kWindowCells; ++n) {
          term.row[n] = fb.row_filters[p][k](n);
          term.col[n] = fb.col_filters[p][k](n);
        }
        bank_.terms.push_back(term);
      }
    }
    bank_.thresholds.push_back(processed.w(scanner.get_num_dimensions()));
  }
  std::stable_sort(bank_.terms.begin(), bank_.terms.end(),
                   [](const HogFilterBank::Term& a, const HogFilterBank::Term& b) { return a.plane < b.plane; });
  ok_ = !bank_.thresholds.empty();
}

HogScanner::~HogScanner() = default;

std::unique_ptr<HogScanner::Scratch> HogScanner::Acquire() const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!free_.empty()) {
      auto s = std::move(free_.back());
      free_.pop_back();
      return s;
    }
  }
  return std::make_unique<Scratch>();
}

void HogScanner::Release(std::unique_ptr<Scratch> s) const {
  std::lock_guard<std::mutex> lock(mu_);
  free_.push_back(std::move(s));
}

unsigned HogScanner::Levels(int width, int height) const {
  // dlib's create_fhog_pyramid: count levels until one would fall below the minimum size.
  dlib::pyramid_down<6> pyr;
  dlib::rectangle rect(0, 0, width - 1, height - 1);
  unsigned levels = 0;
  do {
    rect = pyr.rect_down(rect);
    ++levels;
  } while (rect.width() >= min_level_width_ && rect.height() >= min_level_height_ && levels < max_levels_);
  return levels;
}

void HogScanner::Candidates(const uint8_t* rgb, int width, int height, size_t row_bytes, double adjust,
                            unsigned first_level, unsigned end_level,
                            std::vector<dlib::rect_detection>* out) const {
  if (width <= 0 || height <= 0) return;
  end_level = std::min(end_level, Levels(width, height));
  std::unique_ptr<Scratch> s = Acquire();
  dlib::pyramid_down<6> pyr;
  const uint8_t* pixels = rgb;
  int w = width, h = height;
  size_t stride = row_bytes;
  int next = 0;
  for (unsigned level = 0; level < end_level; ++level) {
    if (level > 0) {
      // dlib's pyramid step, on the previous level (the caller's image for level 1)
      PackedRgb& dst = s->level[next];
      PyramidDown6(pixels, w, h, stride, &s->pyramid, &dst);
      pixels = dst.pixels.data(), w = dst.width, h = dst.height, stride = dst.row_bytes();
      next = 1 - next;
    }
    if (level < first_level) continue;
    ExtractFhog(pixels, w, h, stride, kWindowCells, kWindowCells, &s->fhog, &s->planes);
    if (s->planes.empty()) continue;
    size_t score_stride = 0;
    ApplyHogFilters(s->planes, bank_, &s->filter, &s->scores, &score_stride);
    const int rows = s->planes.feature_rows(), cols = s->planes.feature_cols();
    for (size_t d = 0; d < bank_.windows(); ++d) {
      const double threshold = bank_.thresholds[d];
      const float* score = s->scores[d].data();
      for (int i = 0; i < rows; ++i) {
        for (int j = 0; j < cols; ++j) {
          const float v = score[i * score_stride + j];
          if (v < threshold + adjust) continue;
          // dlib's saliency image is offset by half the filter (5 cells) from our (i, j)
          const dlib::point center(j + kWindowCells / 2, i + kWindowCells / 2);
          const dlib::rectangle cells = dlib::centered_rect(center, kWindowCells, kWindowCells);
          dlib::rect_detection det;
          det.detection_confidence = v - threshold;
          det.weight_index = d;
          det.rect = pyr.rect_up(dlib::fhog_to_image(cells, kFhogCellSize, kWindowCells, kWindowCells), level);
          out->push_back(det);
        }
      }
    }
  }
  Release(std::move(s));
}

std::vector<dlib::rect_detection> HogScanner::Suppress(std::vector<dlib::rect_detection>* candidates) const {
  std::sort(candidates->begin(), candidates->end(),
            [](const dlib::rect_detection& a, const dlib::rect_detection& b) {
              return a.detection_confidence > b.detection_confidence;
            });
  std::vector<dlib::rect_detection> kept;
  for (const auto& c : *candidates) {
    bool suppressed = false;
    for (const auto& k : kept) suppressed = suppressed || overlaps_(k.rect, c.rect);
    if (!suppressed) kept.push_back(c);
  }
  return kept;
}

}  // namespace face
