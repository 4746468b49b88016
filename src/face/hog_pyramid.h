// One step of dlib's image pyramid pyramid_down<6> (each level 5/6 of the one before) on packed
// 8-bit RGB, with the pixels dlib's resize_image gives: its bilinear interpolation replayed with
// the same float arithmetic (positions accumulated in float as its 4-lane SIMD loop does, the
// weights' products and sums in the same order, truncation to 8 bits, and its double-precision
// path for the last columns), one pixel's three channels per SSE instruction instead of one
// channel of four pixels gathered byte by byte. hog_test checks the pixels against dlib's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace face {

// A packed RGB image that owns its pixels and keeps its allocation across sizes.
struct PackedRgb {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels;  // height rows of 3 * width bytes, then 8 spare bytes
  size_t row_bytes() const { return static_cast<size_t>(width) * 3; }
};

// Per-thread working memory of PyramidDown6 (per-column positions and weights).
struct PyramidScratch {
  std::vector<int> left;
  std::vector<float> frac, inv_frac;
  std::vector<double> frac_tail;
};

// `out` = dlib's pyramid_down<6>()(in): ((5 * height) / 6 + 0.5) x ((5 * width) / 6 + 0.5).
// Requires AVX2 (the file is compiled for it).
void PyramidDown6(const uint8_t* in, int width, int height, size_t row_bytes, PyramidScratch* scratch,
                  PackedRgb* out);

}  // namespace face
