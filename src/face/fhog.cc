// ExtractFhog: see fhog.h. Compiled with -mavx2 -mfma -ffp-contract=off (src/face/CMakeLists.txt):
// no fused multiply-adds, so every product and sum rounds as in dlib's own (AVX) build; the
// features then differ from dlib's only through the order in which votes are summed (~1e-7).
#include "face/fhog.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace face {

namespace {

// dlib's unit vectors for the 9 orientations (0..160 degrees in 20-degree steps), as floats.
constexpr float kDirX[9] = {1.0000f, 0.9397f, 0.7660f, 0.500f, 0.1736f, -0.1736f, -0.5000f, -0.7660f, -0.9397f};
constexpr float kDirY[9] = {0.0000f, 0.3420f, 0.6428f, 0.8660f, 0.9848f, 0.9848f, 0.8660f, 0.6428f, 0.3420f};

// dlib's orientation of a gradient: the first of the 18 signed directions (o: +dir[o], o+9:
// -dir[o], tried in the order 0, 9, 1, 10, ...) with the largest dot product, 0 when none is
// positive. Gradients are differences of 8-bit values, so the answer for every possible one fits
// a table of 511 x 511 bytes, filled once with dlib's own arithmetic (float products, no fused
// multiply-add); looking it up costs one load instead of 9 dot products per pixel.
constexpr int kGradRange = 511;
int Orientation(float gx, float gy) {
  float best_dot = 0;
  int best_o = 0;
  for (int o = 0; o < 9; ++o) {
    const float dot = gx * kDirX[o] + gy * kDirY[o];
    if (dot > best_dot) {
      best_dot = dot, best_o = o;
    } else if (-dot > best_dot) {
      best_dot = -dot, best_o = o + 9;
    }
  }
  return best_o;
}
const uint8_t* OrientationTable() {
  static const std::vector<uint8_t> table = [] {
    std::vector<uint8_t> t(kGradRange * kGradRange);
    for (int gx = -255; gx <= 255; ++gx) {
      for (int gy = -255; gy <= 255; ++gy) t[(gx + 255) * kGradRange + gy + 255] = Orientation(gx, gy);
    }
    return t;
  }();
  return table.data();
}

size_t RoundUp8(size_t n) { return (n + 7) & ~size_t{7}; }

template <typename T>
T* Grow(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

// One row's gradients: for each x in [1, visible_cols), the gradient of the channel with the
// largest squared magnitude (dlib's rule for colour images), that magnitude squared, written to
// gx/gy/len[x]. `rows` points at the deinterleaved channel rows of y-1, y, y+1.
void RowGradients(const float* const up[3], const float* const mid[3], const float* const down[3],
                  int visible_cols, float* gx, float* gy, float* len) {
  int x = 1;
  // dlib's SIMD path: 8 columns at a time while x < visible_cols - 7. Ties prefer green over red,
  // then blue over the winner (select(a > b, a, b)).
  for (; x < visible_cols - 7; x += 8) {
    __m256 bx, by, bl;
    for (int ch = 0; ch < 3; ++ch) {
      const __m256 dx = _mm256_sub_ps(_mm256_loadu_ps(mid[ch] + x + 1), _mm256_loadu_ps(mid[ch] + x - 1));
      const __m256 dy = _mm256_sub_ps(_mm256_loadu_ps(down[ch] + x), _mm256_loadu_ps(up[ch] + x));
      const __m256 l = _mm256_add_ps(_mm256_mul_ps(dx, dx), _mm256_mul_ps(dy, dy));
      if (ch == 0) {
        bx = dx, by = dy, bl = l;
      } else {
        // keep the previous winner only where it is strictly larger
        const __m256 keep = _mm256_cmp_ps(bl, l, _CMP_GT_OQ);
        bx = _mm256_blendv_ps(dx, bx, keep);
        by = _mm256_blendv_ps(dy, by, keep);
        bl = _mm256_blendv_ps(l, bl, keep);
      }
    }
    _mm256_storeu_ps(gx + x, bx);
    _mm256_storeu_ps(gy + x, by);
    _mm256_storeu_ps(len + x, bl);
  }
  // dlib's scalar path for the last columns: ties keep the earlier channel.
  for (; x < visible_cols; ++x) {
    float bx = 0, by = 0, bl = -1;
    for (int ch = 0; ch < 3; ++ch) {
      const float dx = mid[ch][x + 1] - mid[ch][x - 1];
      const float dy = down[ch][x] - up[ch][x];
      const float l = dx * dx + dy * dy;
      if (l > bl) bx = dx, by = dy, bl = l;
    }
    gx[x] = bx, gy[x] = by, len[x] = bl;
  }
}

}  // namespace

void FhogPlanes::Reshape(int feature_rows, int feature_cols, int pad_rows, int pad_cols) {
  feature_rows_ = feature_rows;
  feature_cols_ = feature_cols;
  if (feature_rows <= 0 || feature_cols <= 0) {
    rows_ = cols_ = feature_rows_ = feature_cols_ = 0;
    stride_ = plane_size_ = 0;
    return;
  }
  rows_ = feature_rows + pad_rows - 1;
  cols_ = feature_cols + pad_cols - 1;
  stride_ = RoundUp8(cols_) + 8;
  plane_size_ = stride_ * rows_;
  Grow(data_, plane_size_ * kFhogPlanes);
}

void ExtractFhog(const uint8_t* rgb, int width, int height, size_t row_bytes, int pad_rows,
                 int pad_cols, FhogScratch* s, FhogPlanes* out) {
  constexpr int cell = kFhogCellSize;
  const int cells_rows = static_cast<int>(static_cast<float>(height) / cell + 0.5f);
  const int cells_cols = static_cast<int>(static_cast<float>(width) / cell + 0.5f);
  const int feat_rows = std::max(cells_rows - 2, 0), feat_cols = std::max(cells_cols - 2, 0);
  out->Reshape(feat_rows, feat_cols, pad_rows, pad_cols);
  if (out->empty()) return;

  // --- 1. Orientation histograms: every pixel votes its gradient magnitude into the 4 cells
  // around it (bilinear weights), in the bin of its snapped orientation. ---
  const size_t hist_stride = cells_cols + 2;
  const size_t hist_plane = hist_stride * (cells_rows + 2);
  float* hist = Grow(s->hist, hist_plane * 18 + 8);  // 8 to spare: rows are updated 8 floats at a time
  std::fill(hist, hist + hist_plane * 18 + 8, 0.0f);
  // One image row's votes, before the row's vertical weights: [copy][orientation][cell column].
  // Each pixel adds to two cell columns here instead of to four cells of the histograms, and the
  // row is then added to its two cell rows with vector instructions. Odd pixels use the second
  // copy: neighbouring pixels often hit the same bin, and a chain of read-modify-writes to one
  // address is what limits this loop. (This order of additions departs from dlib's: a feature
  // changes in its last bits at most; fhog_test bounds it.)
  const size_t row_stride = RoundUp8(hist_stride);
  const size_t row_copy = row_stride * 18;
  float* row_votes = Grow(s->row_votes, row_copy * 2);
  std::fill(row_votes, row_votes + row_copy * 2, 0.0f);

  const size_t row_len = RoundUp8(width) + 16;
  float* rgb_rows = Grow(s->rgb_rows, row_len * 9);
  float* gx = Grow(s->row_x, row_len);
  float* gy = Grow(s->row_y, row_len);
  float* len = Grow(s->row_len, row_len);
  auto channel_row = [&](int y, int ch) { return rgb_rows + ((y % 3) * 3 + ch) * row_len; };
  auto deinterleave = [&](int y) {
    const uint8_t* p = rgb + y * row_bytes;
    float* r = channel_row(y, 0);
    float* g = channel_row(y, 1);
    float* b = channel_row(y, 2);
    int x = 0;
    // 8 pixels (24 bytes) at a time: two overlapping 16-byte loads, one byte shuffle per channel
    const __m128i r_lo = _mm_setr_epi8(0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i r_hi = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, 10, 13, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i g_lo = _mm_setr_epi8(1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i g_hi = _mm_setr_epi8(-1, -1, -1, -1, -1, 8, 11, 14, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i b_lo = _mm_setr_epi8(2, 5, 8, 11, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i b_hi = _mm_setr_epi8(-1, -1, -1, -1, -1, 9, 12, 15, -1, -1, -1, -1, -1, -1, -1, -1);
    for (; x + 8 <= width; x += 8) {
      const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 3 * x));
      const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 3 * x + 8));
      auto channel = [&](__m128i mlo, __m128i mhi) {
        const __m128i bytes = _mm_or_si128(_mm_shuffle_epi8(lo, mlo), _mm_shuffle_epi8(hi, mhi));
        return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes));
      };
      _mm256_storeu_ps(r + x, channel(r_lo, r_hi));
      _mm256_storeu_ps(g + x, channel(g_lo, g_hi));
      _mm256_storeu_ps(b + x, channel(b_lo, b_hi));
    }
    for (; x < width; ++x) r[x] = p[3 * x], g[x] = p[3 * x + 1], b[x] = p[3 * x + 2];
  };

  const int visible_rows = std::min(cells_rows * cell, height) - 1;
  const int visible_cols = std::min(cells_cols * cell, width) - 1;
  // Columns [1, simd_end) took dlib's SIMD path, the rest its scalar path; the two round the
  // vote weights' products in a different order, which we repeat.
  int simd_end = 1;
  while (simd_end < visible_cols - 7) simd_end += 8;

  if (visible_rows > 1) {
    deinterleave(0);
    deinterleave(1);
  }
  const uint8_t* orientation = OrientationTable();
  alignas(32) int ori[8];  // orientation table indices
  alignas(32) float wa[8], wb[8];
  for (int y = 1; y < visible_rows; ++y) {
    deinterleave(y + 1);
    const float* up[3] = {channel_row(y - 1, 0), channel_row(y - 1, 1), channel_row(y - 1, 2)};
    const float* mid[3] = {channel_row(y, 0), channel_row(y, 1), channel_row(y, 2)};
    const float* down[3] = {channel_row(y + 1, 0), channel_row(y + 1, 1), channel_row(y + 1, 2)};
    RowGradients(up, mid, down, visible_cols, gx, gy, len);

    for (int x = 1; x < simd_end; x += 8) {
      const __m256i ix = _mm256_cvttps_epi32(_mm256_loadu_ps(gx + x));
      const __m256i iy = _mm256_cvttps_epi32(_mm256_loadu_ps(gy + x));
      const __m256i index = _mm256_add_epi32(_mm256_mullo_epi32(ix, _mm256_set1_epi32(kGradRange)),
                                             _mm256_add_epi32(iy, _mm256_set1_epi32(255 * kGradRange + 255)));
      _mm256_store_si256(reinterpret_cast<__m256i*>(ori), index);
      const __m256 v = _mm256_sqrt_ps(_mm256_loadu_ps(len + x));
      const __m256 xx = _mm256_setr_ps(x, x + 1, x + 2, x + 3, x + 4, x + 5, x + 6, x + 7);
      const __m256 xp = _mm256_add_ps(_mm256_div_ps(_mm256_add_ps(xx, _mm256_set1_ps(0.5f)), _mm256_set1_ps(cell)),
                                      _mm256_set1_ps(0.5f));
      const __m256 vx0 = _mm256_sub_ps(xp, _mm256_cvtepi32_ps(_mm256_cvttps_epi32(xp)));
      _mm256_store_ps(wa, _mm256_mul_ps(_mm256_sub_ps(_mm256_set1_ps(1.0f), vx0), v));
      _mm256_store_ps(wb, _mm256_mul_ps(vx0, v));
      // Pixels without a gradient would add +0.0f: skipped.
      const int moving = _mm256_movemask_ps(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GT_OQ));
      if (moving == 0) continue;
      for (int i = 0; i < 8; ++i) {
        if (!(moving >> i & 1)) continue;
        const int c = (x + i + cell / 2) / cell;  // dlib's trunc((x + 0.5) / 8 + 0.5)
        float* bin = row_votes + (i & 1) * row_copy + orientation[ori[i]] * row_stride + c;
        bin[0] += wa[i];
        bin[1] += wb[i];
      }
    }
    for (int x = simd_end; x < visible_cols; ++x) {  // dlib's scalar columns
      const float v = std::sqrt(len[x]);
      const float xp = static_cast<float>((static_cast<double>(x) + 0.5) / cell - 0.5);
      const int ixp = static_cast<int>(std::floor(xp));
      const float vx0 = xp - ixp;
      const float vx1 = static_cast<float>(1.0 - vx0);
      float* bin = row_votes + Orientation(gx[x], gy[x]) * row_stride + ixp + 1;
      bin[0] += vx1 * v;
      bin[1] += vx0 * v;
    }

    // The row's votes into its two cell rows, weighted by the row's distance to their centres.
    const float yp = static_cast<float>((static_cast<float>(y) + 0.5) / static_cast<float>(cell) - 0.5);
    const int iyp = static_cast<int>(std::floor(yp));
    const float vy0 = yp - iyp;
    const float vy1 = static_cast<float>(1.0 - vy0);
    const __m256 wy0 = _mm256_set1_ps(vy0), wy1 = _mm256_set1_ps(vy1);
    for (int o = 0; o < 18; ++o) {
      float* top = hist + o * hist_plane + (iyp + 1) * hist_stride;
      float* bottom = top + hist_stride;
      float* even = row_votes + o * row_stride;
      float* odd = even + row_copy;
      for (size_t c = 0; c < row_stride; c += 8) {
        const __m256 sum = _mm256_add_ps(_mm256_loadu_ps(even + c), _mm256_loadu_ps(odd + c));
        _mm256_storeu_ps(top + c, _mm256_add_ps(_mm256_loadu_ps(top + c), _mm256_mul_ps(wy1, sum)));
        _mm256_storeu_ps(bottom + c, _mm256_add_ps(_mm256_loadu_ps(bottom + c), _mm256_mul_ps(wy0, sum)));
        _mm256_storeu_ps(even + c, _mm256_setzero_ps());
        _mm256_storeu_ps(odd + c, _mm256_setzero_ps());
      }
    }
  }

  // --- 2. Energy per cell, then per 2x2 block of cells the clipping level and the scale. ---
  const size_t e_stride = RoundUp8(cells_cols) + 8;
  float* energy = Grow(s->energy, e_stride * cells_rows);
  for (int r = 0; r < cells_rows; ++r) {
    float* e = energy + r * e_stride;
    std::fill(e, e + cells_cols, 0.0f);
    for (int o = 0; o < 9; ++o) {
      const float* a = hist + o * hist_plane + (r + 1) * hist_stride + 1;
      const float* b = a + 9 * hist_plane;
      for (int c = 0; c < cells_cols; ++c) e[c] += (a[c] + b[c]) * (a[c] + b[c]);
    }
  }
  const int blocks_rows = cells_rows - 1, blocks_cols = cells_cols - 1;
  const size_t b_stride = e_stride;
  float* clip = Grow(s->clip, b_stride * blocks_rows);
  float* scale = Grow(s->scale, b_stride * blocks_rows);
  for (int r = 0; r < blocks_rows; ++r) {
    const float* e0 = energy + r * e_stride;
    const float* e1 = e0 + e_stride;
    for (int c = 0; c < blocks_cols; ++c) {
      const float sum = e0[c] + e0[c + 1] + e1[c] + e1[c + 1] + 0.0001f;
      clip[r * b_stride + c] = 0.2f * std::sqrt(sum);
      scale[r * b_stride + c] = 0.1f / clip[r * b_stride + c];
    }
    // the SIMD loop below reads up to 8 blocks past the last one: keep them finite
    std::fill(clip + r * b_stride + blocks_cols, clip + (r + 1) * b_stride, 1.0f);
    std::fill(scale + r * b_stride + blocks_cols, scale + (r + 1) * b_stride, 0.0f);
  }

  // --- 3. Features: each of the 18 bins of cell (y+1, x+1) clipped and scaled by the four
  // blocks that contain the cell, summed; 9 contrast-insensitive bins (o + o+9) likewise; and
  // per block the sum over the 18 bins (the 4 texture features). Lane k of dlib's simd4f is
  // block k here: 0 = (y+1,x+1), 1 = (y,x+1), 2 = (y+1,x), 3 = (y,x); its sum() adds
  // (k0+k1)+(k2+k3). ---
  const int off_r = (pad_rows - 1) / 2, off_c = (pad_cols - 1) / 2;
  const size_t os = out->stride();
  for (int o = 0; o < kFhogPlanes; ++o) {
    float* p = out->plane(o);
    std::fill(p, p + off_r * os, 0.0f);
    for (int r = off_r; r < off_r + feat_rows; ++r) {
      std::fill(p + r * os, p + r * os + off_c, 0.0f);
      std::fill(p + r * os + off_c + feat_cols, p + (r + 1) * os, 0.0f);
    }
    std::fill(p + (off_r + feat_rows) * os, p + out->rows() * os, 0.0f);
  }
  const __m256 texture_scale = _mm256_set1_ps(static_cast<float>(2 * 0.2357));
  for (int y = 0; y < feat_rows; ++y) {
    const float* c_lo = clip + y * b_stride;  // blocks of row y
    const float* c_hi = c_lo + b_stride;      // blocks of row y+1
    const float* s_lo = scale + y * b_stride;
    const float* s_hi = s_lo + b_stride;
    const float* h = hist + (y + 2) * hist_stride + 2;
    const size_t out_off = (y + off_r) * os + off_c;
    int x = 0;
    for (; x + 8 <= feat_cols; x += 8) {
      const __m256 n0 = _mm256_loadu_ps(c_hi + x + 1), n1 = _mm256_loadu_ps(c_lo + x + 1);
      const __m256 n2 = _mm256_loadu_ps(c_hi + x), n3 = _mm256_loadu_ps(c_lo + x);
      const __m256 k0 = _mm256_loadu_ps(s_hi + x + 1), k1 = _mm256_loadu_ps(s_lo + x + 1);
      const __m256 k2 = _mm256_loadu_ps(s_hi + x), k3 = _mm256_loadu_ps(s_lo + x);
      __m256 t0 = _mm256_setzero_ps(), t1 = t0, t2 = t0, t3 = t0;
      auto feature = [&](__m256 v, __m256* m0, __m256* m1, __m256* m2, __m256* m3) {
        *m0 = _mm256_mul_ps(_mm256_min_ps(v, n0), k0);
        *m1 = _mm256_mul_ps(_mm256_min_ps(v, n1), k1);
        *m2 = _mm256_mul_ps(_mm256_min_ps(v, n2), k2);
        *m3 = _mm256_mul_ps(_mm256_min_ps(v, n3), k3);
        return _mm256_add_ps(_mm256_add_ps(*m0, *m1), _mm256_add_ps(*m2, *m3));
      };
      for (int o = 0; o < 18; o += 3) {
        __m256 a[4], b[4], c[4];
        for (int i = 0; i < 3; ++i) {
          __m256* m = i == 0 ? a : i == 1 ? b : c;
          const __m256 v = _mm256_loadu_ps(h + (o + i) * hist_plane + x);
          _mm256_storeu_ps(out->plane(o + i) + out_off + x, feature(v, &m[0], &m[1], &m[2], &m[3]));
        }
        t0 = _mm256_add_ps(t0, _mm256_add_ps(_mm256_add_ps(a[0], b[0]), c[0]));
        t1 = _mm256_add_ps(t1, _mm256_add_ps(_mm256_add_ps(a[1], b[1]), c[1]));
        t2 = _mm256_add_ps(t2, _mm256_add_ps(_mm256_add_ps(a[2], b[2]), c[2]));
        t3 = _mm256_add_ps(t3, _mm256_add_ps(_mm256_add_ps(a[3], b[3]), c[3]));
      }
      for (int o = 0; o < 9; ++o) {
        const __m256 v = _mm256_add_ps(_mm256_loadu_ps(h + o * hist_plane + x),
                                       _mm256_loadu_ps(h + (o + 9) * hist_plane + x));
        __m256 m[4];
        _mm256_storeu_ps(out->plane(18 + o) + out_off + x, feature(v, &m[0], &m[1], &m[2], &m[3]));
      }
      _mm256_storeu_ps(out->plane(27) + out_off + x, _mm256_mul_ps(t0, texture_scale));
      _mm256_storeu_ps(out->plane(28) + out_off + x, _mm256_mul_ps(t1, texture_scale));
      _mm256_storeu_ps(out->plane(29) + out_off + x, _mm256_mul_ps(t2, texture_scale));
      _mm256_storeu_ps(out->plane(30) + out_off + x, _mm256_mul_ps(t3, texture_scale));
    }
    for (; x < feat_cols; ++x) {  // the same arithmetic, one cell at a time
      const float n[4] = {c_hi[x + 1], c_lo[x + 1], c_hi[x], c_lo[x]};
      const float k[4] = {s_hi[x + 1], s_lo[x + 1], s_hi[x], s_lo[x]};
      float t[4] = {0, 0, 0, 0};
      float m[18][4];
      for (int o = 0; o < 18; ++o) {
        const float v = h[o * hist_plane + x];
        for (int i = 0; i < 4; ++i) m[o][i] = std::min(v, n[i]) * k[i];
        out->plane(o)[out_off + x] = (m[o][0] + m[o][1]) + (m[o][2] + m[o][3]);
      }
      for (int o = 0; o < 18; o += 3) {
        for (int i = 0; i < 4; ++i) t[i] = t[i] + ((m[o][i] + m[o + 1][i]) + m[o + 2][i]);
      }
      for (int o = 0; o < 9; ++o) {
        const float v = h[o * hist_plane + x] + h[(o + 9) * hist_plane + x];
        float q[4];
        for (int i = 0; i < 4; ++i) q[i] = std::min(v, n[i]) * k[i];
        out->plane(18 + o)[out_off + x] = (q[0] + q[1]) + (q[2] + q[3]);
      }
      for (int i = 0; i < 4; ++i) out->plane(27 + i)[out_off + x] = t[i] * static_cast<float>(2 * 0.2357);
    }
  }
}

}  // namespace face
