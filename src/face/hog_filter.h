// The face detector's linear filters applied to fHOG planes (fhog.h): for each of the detector's
// windows (5 for dlib's frontal face detector: front, left, right, and two rotated views), the
// score of every window position, as dlib's scan_fhog_pyramid computes it (impl::
// apply_filters_to_fhog with the separable form of each 10x10 filter: for each plane, a few
// rank-one terms row x column, from the filter's SVD with tiny singular values dropped).
//
// The same terms, so the same scores up to float rounding (fused multiply-adds and another order
// of additions: ~1e-5 here; hog_test compares with dlib), computed faster: one row pass and one
// column pass per term, 8 window positions per AVX2 instruction, into buffers that are reused.
#pragma once

#include <vector>

#include "face/fhog.h"

namespace face {

// One filter per window kind, in separable form.
struct HogFilterBank {
  static constexpr int kTaps = 10;  // the filter's size in cells, rows and columns
  struct Term {
    int window;         // whose score it adds to
    int plane;          // which fHOG plane it reads
    float row[kTaps];   // applied along each row (to columns j .. j+9)
    float col[kTaps];   // then along each column (to rows i .. i+9)
  };
  // Every window's terms, ordered by plane: the terms reading one plane run one after another
  // while the plane is in cache.
  std::vector<Term> terms;
  std::vector<double> thresholds;  // per window: a position is a face at score >= threshold
  size_t windows() const { return thresholds.size(); }
};

// Working memory of ApplyHogFilters, one per thread; grows to the largest level and stays.
struct HogFilterScratch {
  std::vector<float> rows;  // one plane after a term's row pass
};

// Scores of `bank`'s windows over `planes`: scores[w] gets feature_rows() x feature_cols() values,
// `*score_stride` apart per row; position (i, j) is the window whose top-left cell is row i,
// column j of the padded planes (dlib's saliency image at (i + 5, j + 5)). Requires
// !planes.empty() and AVX2+FMA.
void ApplyHogFilters(const FhogPlanes& planes, const HogFilterBank& bank, HogFilterScratch* scratch,
                     std::vector<std::vector<float>>* scores, size_t* score_stride);

}  // namespace face
