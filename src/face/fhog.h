// Felzenszwalb HOG ("fHOG") features, computed exactly as dlib's extract_fhog_features
// (dlib/image_transforms/fhog.h, the cell_size > 1 path) for an 8-bit RGB image, but written for
// speed: rows are deinterleaved once, gradients, magnitudes and orientations run on AVX2, the
// 18 orientation histograms are planar, and every buffer lives in a scratch object that is reused
// across pyramid levels and frames (no allocation once it has grown to the largest frame).
//
// Equivalence with dlib (fhog_test checks it on real images of several sizes): the same
// arithmetic (float gradients from integer differences, the strongest of the three colour
// channels, ties broken as dlib's SIMD and scalar paths break them, exactly dlib's snapped
// orientation out of 18, bilinear voting into 8x8-pixel cells, the four 2x2-cell block
// normalisations clipped at 0.2, 18 signed + 9 unsigned + 4 texture features). Only the order in
// which a cell's votes are summed differs (per image row first; see fhog.cc), so features match
// dlib's to ~1e-7, not bit for bit.
//
// Layout (the one dlib's scanner uses, planar instead of dlib::array of array2d): 31 planes of
// rows() x cols() floats, where rows() = cells_rows - 2 + pad_rows - 1 and likewise for columns;
// the features sit at offset ((pad_rows-1)/2, (pad_cols-1)/2) and the rest is zero. Each row is
// stride() floats apart, stride() >= cols() + 8 rounded up to 8, and the extra columns are zero,
// so a filter may read 8 floats past any valid column.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace face {

inline constexpr int kFhogPlanes = 31;
inline constexpr int kFhogCellSize = 8;

// The features of one image.
class FhogPlanes {
 public:
  int rows() const { return rows_; }
  int cols() const { return cols_; }
  // Rows and columns of real features (the rest is the zero padding); 0 if the image was too
  // small for one feature (dlib then gives 31 empty planes).
  int feature_rows() const { return feature_rows_; }
  int feature_cols() const { return feature_cols_; }
  size_t stride() const { return stride_; }
  bool empty() const { return rows_ == 0 || cols_ == 0; }
  const float* plane(int o) const { return data_.data() + static_cast<size_t>(o) * plane_size_; }
  float* plane(int o) { return data_.data() + static_cast<size_t>(o) * plane_size_; }
  const float* row(int o, int r) const { return plane(o) + r * stride_; }

  // Sets the geometry; keeps the allocation when it is large enough. Contents undefined.
  void Reshape(int feature_rows, int feature_cols, int pad_rows, int pad_cols);

 private:
  int rows_ = 0, cols_ = 0, feature_rows_ = 0, feature_cols_ = 0;
  size_t stride_ = 0, plane_size_ = 0;
  std::vector<float> data_;
};

// Per-thread working memory of ExtractFhog; reusable for any image size.
struct FhogScratch {
  std::vector<float> rgb_rows;  // three deinterleaved rows (y-1, y, y+1) x 3 channels
  std::vector<float> hist;      // 18 planes of (cells_rows+2) x (cells_cols+2)
  std::vector<float> row_votes;  // one image row's votes per orientation and cell column, x2
  std::vector<float> energy;    // per cell: sum over the 9 orientation pairs of (h[o]+h[o+9])^2
  std::vector<float> clip;      // per 2x2 block: 0.2*sqrt(block energy + eps) (the clipping level)
  std::vector<float> scale;     // per 2x2 block: 0.1 / clip (the normalisation factor)
  std::vector<float> row_x, row_y, row_len;  // the strongest channel's gradient for one row
};

// Features of the packed RGB image `rgb` (width x height pixels, row_bytes apart) with the
// filter padding dlib's scanner sets (the filter's size in cells: 10 x 10 for the face
// detector). Requires the CPU to run AVX2+FMA code (FaceDetector checks it at load).
void ExtractFhog(const uint8_t* rgb, int width, int height, size_t row_bytes, int pad_rows,
                 int pad_cols, FhogScratch* scratch, FhogPlanes* out);

}  // namespace face
