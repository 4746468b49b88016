// PyramidDown6: see hog_pyramid.h. Compiled with -mavx2 -mfma -ffp-contract=off: no fused
// multiply-adds, so each product and sum rounds as in dlib's resize_image.
#include "face/hog_pyramid.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace face {

namespace {

// Pixel `x` and the next one (6 bytes) in the low bytes. `wide`: the 8 bytes from pixel x are
// all inside the image, so one load does (two bytes to spare); else the 6 bytes are assembled.
__m128i LoadPixelPair(const uint8_t* row, int x, bool wide) {
  if (wide) return _mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + 3 * x));
  const uint8_t* p = row + 3 * x;
  return _mm_setr_epi8(p[0], p[1], p[2], p[3], p[4], p[5], 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}

}  // namespace

void PyramidDown6(const uint8_t* in, int width, int height, size_t row_bytes, PyramidScratch* s,
                  PackedRgb* out) {
  // pyramid_down<6>::operator(): ((N-1) * size) / N + 0.5, integer division, then truncated
  const int out_w = static_cast<int>((5L * width) / 6 + 0.5), out_h = static_cast<int>((5L * height) / 6 + 0.5);
  out->width = out_w, out->height = out_h;
  if (out->pixels.size() < out->row_bytes() * out_h + 8) out->pixels.resize(out->row_bytes() * out_h + 8);
  if (out_w == 0 || out_h == 0 || width == 0 || height == 0) return;

  const double x_scale = (width - 1) / static_cast<double>(std::max(out_w - 1, 1));
  const double y_scale = (height - 1) / static_cast<double>(std::max(out_h - 1, 1));

  // Columns: dlib's SIMD loop keeps 4 lanes of float positions, starting at x = -4 * scale + k *
  // scale and adding the float 4 * scale each step, until a lane-3 right neighbour falls off the
  // image; the remaining columns take its double-precision loop.
  if (s->left.size() < static_cast<size_t>(out_w) + 8) {
    s->left.resize(out_w + 8), s->frac.resize(out_w + 8), s->inv_frac.resize(out_w + 8), s->frac_tail.resize(out_w + 8);
  }
  const double x0 = -4 * x_scale;
  float lanes[4] = {static_cast<float>(x0), static_cast<float>(x0 + x_scale), static_cast<float>(x0 + 2 * x_scale),
                    static_cast<float>(x0 + 3 * x_scale)};
  const float step = static_cast<float>(4 * x_scale);
  int simd_end = 0;
  for (;; simd_end += 4) {
    int left[4];
    float frac[4];
    for (int k = 0; k < 4; ++k) {
      lanes[k] = lanes[k] + step;
      left[k] = static_cast<int>(lanes[k]);  // cvttps: truncation
      frac[k] = lanes[k] - static_cast<float>(left[k]);
    }
    if (left[3] + 1 >= width) break;
    for (int k = 0; k < 4; ++k) {
      s->left[simd_end + k] = left[k];
      s->frac[simd_end + k] = frac[k];
      s->inv_frac[simd_end + k] = 1 - frac[k];
    }
  }
  double x = -x_scale + simd_end * x_scale;
  for (int c = simd_end; c < out_w; ++c) {
    x += x_scale;
    s->left[c] = static_cast<int>(std::floor(x));
    s->frac_tail[c] = x - s->left[c];
  }

  double y = -y_scale;
  for (int r = 0; r < out_h; ++r) {
    y += y_scale;
    const int top = static_cast<int>(std::floor(y));
    const int bottom = std::min(top + 1, height - 1);
    const double tb = y - top;
    const float tbf = static_cast<float>(tb), inv_tbf = static_cast<float>(1 - tb);
    const uint8_t* top_row = in + top * row_bytes;
    const uint8_t* bottom_row = in + bottom * row_bytes;
    uint8_t* dst = out->pixels.data() + r * out->row_bytes();
    // In the image's last row, only pixels up to width - 3 have 8 readable bytes.
    const int wide_limit_top = top == height - 1 ? width - 3 : width;
    const int wide_limit = bottom == height - 1 ? width - 3 : wide_limit_top;
    int c = 0;
    // Two pixels per AVX instruction (pixel c in the low half, c + 1 in the high half) while both
    // have 8 readable bytes; the same products and sums, lane by lane, as the one-pixel loop below.
    const __m256 tb8 = _mm256_set1_ps(tbf), inv_tb8 = _mm256_set1_ps(inv_tbf);
    const __m256i pair_index = _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1);
    const __m128i tl_bytes = _mm_setr_epi8(0, 1, 2, 3, 8, 9, 10, 11, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i tr_bytes = _mm_setr_epi8(3, 4, 5, 6, 11, 12, 13, 14, -1, -1, -1, -1, -1, -1, -1, -1);
    for (; c + 1 < simd_end && s->left[c + 1] < wide_limit; c += 2) {
      auto pair = [&](const float* w) { return _mm256_permutevar8x32_ps(_mm256_loadu_ps(w), pair_index); };
      const __m256 lr = pair(&s->frac[c]), inv_lr = pair(&s->inv_frac[c]);
      const __m256 tlf = _mm256_mul_ps(inv_tb8, inv_lr), trf = _mm256_mul_ps(inv_tb8, lr);
      const __m256 blf = _mm256_mul_ps(tb8, inv_lr), brf = _mm256_mul_ps(tb8, lr);
      auto two = [&](const uint8_t* row) {  // pixel pair of c in bytes 0-5, of c + 1 in bytes 8-13
        const __m128i lo = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + 3 * s->left[c]));
        const __m128i hi = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + 3 * s->left[c + 1]));
        return _mm_unpacklo_epi64(lo, hi);
      };
      auto floats = [](__m128i v, __m128i pick) { return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_shuffle_epi8(v, pick))); };
      const __m128i t = two(top_row), b = two(bottom_row);
      const __m256 v = _mm256_add_ps(
          _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(tlf, floats(t, tl_bytes)), _mm256_mul_ps(trf, floats(t, tr_bytes))),
                        _mm256_mul_ps(blf, floats(b, tl_bytes))),
          _mm256_mul_ps(brf, floats(b, tr_bytes)));
      const __m256i i32 = _mm256_cvttps_epi32(v);
      const __m256i bytes = _mm256_packus_epi16(_mm256_packus_epi32(i32, i32), _mm256_setzero_si256());
      _mm_storeu_si32(dst + 3 * c, _mm256_castsi256_si128(bytes));
      _mm_storeu_si32(dst + 3 * c + 3, _mm256_extracti128_si256(bytes, 1));
    }
    for (; c < simd_end; ++c) {
      const int l = s->left[c];
      const bool wide = l < wide_limit;
      const float lr = s->frac[c], inv_lr = s->inv_frac[c];
      const __m128 tlf = _mm_set1_ps(inv_tbf * inv_lr), trf = _mm_set1_ps(inv_tbf * lr);
      const __m128 blf = _mm_set1_ps(tbf * inv_lr), brf = _mm_set1_ps(tbf * lr);
      const __m128i t = LoadPixelPair(top_row, l, wide), b = LoadPixelPair(bottom_row, l, wide);
      const __m128 tl = _mm_cvtepi32_ps(_mm_cvtepu8_epi32(t));
      const __m128 tr = _mm_cvtepi32_ps(_mm_cvtepu8_epi32(_mm_srli_si128(t, 3)));
      const __m128 bl = _mm_cvtepi32_ps(_mm_cvtepu8_epi32(b));
      const __m128 br = _mm_cvtepi32_ps(_mm_cvtepu8_epi32(_mm_srli_si128(b, 3)));
      const __m128 v = _mm_add_ps(_mm_add_ps(_mm_add_ps(_mm_mul_ps(tlf, tl), _mm_mul_ps(trf, tr)), _mm_mul_ps(blf, bl)),
                                  _mm_mul_ps(brf, br));
      const __m128i i32 = _mm_cvttps_epi32(v);
      const __m128i bytes = _mm_packus_epi16(_mm_packus_epi32(i32, i32), _mm_setzero_si128());
      // 4 bytes: the fourth is the next pixel's, written next (the buffer has 8 spare bytes)
      _mm_storeu_si32(dst + 3 * c, bytes);
    }
    for (int c = simd_end; c < out_w; ++c) {
      const int l = s->left[c], rr = std::min(l + 1, width - 1);
      const double lr = s->frac_tail[c];
      for (int ch = 0; ch < 3; ++ch) {
        const double a = (1 - lr) * top_row[3 * l + ch] + lr * top_row[3 * rr + ch];
        const double b = (1 - lr) * bottom_row[3 * l + ch] + lr * bottom_row[3 * rr + ch];
        dst[3 * c + ch] = static_cast<unsigned char>((1 - tb) * a + tb * b);
      }
    }
  }
}

}  // namespace face
