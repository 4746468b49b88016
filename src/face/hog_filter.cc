// ApplyHogFilters: see hog_filter.h. Compiled with -mavx2 -mfma.
#include "face/hog_filter.h"

#include <immintrin.h>

#include <algorithm>

namespace face {

namespace {

constexpr int kTaps = HogFilterBank::kTaps;

size_t RoundUp8(size_t n) { return (n + 7) & ~size_t{7}; }

// out[r][j] = sum_n w[n] * in[r][j + n] for every row r < rows and j < cols (a multiple of 8).
// The ten taps stay in registers; each output vector is ten loads and ten fused multiply-adds.
void RowPass(const float* in, size_t in_stride, int rows, size_t cols, const float* w, float* out,
             size_t out_stride) {
  __m256 t[kTaps];
  for (int n = 0; n < kTaps; ++n) t[n] = _mm256_set1_ps(w[n]);
  for (int r = 0; r < rows; ++r) {
    const float* src = in + r * in_stride;
    float* dst = out + r * out_stride;
    for (size_t j = 0; j < cols; j += 8) {
      __m256 a = _mm256_mul_ps(t[0], _mm256_loadu_ps(src + j));
      __m256 b = _mm256_mul_ps(t[1], _mm256_loadu_ps(src + j + 1));
#pragma GCC unroll 4
      for (int n = 2; n < kTaps; n += 2) {  // two chains: the adds do not wait on each other
        a = _mm256_fmadd_ps(t[n], _mm256_loadu_ps(src + j + n), a);
        b = _mm256_fmadd_ps(t[n + 1], _mm256_loadu_ps(src + j + n + 1), b);
      }
      _mm256_storeu_ps(dst + j, _mm256_add_ps(a, b));
    }
  }
}

// acc[i][j] += sum_m w[m] * in[i + m][j] for i < rows, j < cols (a multiple of 8). Four output
// rows at a time share their inputs: 13 input rows feed 40 fused multiply-adds.
void ColumnPassAdd(const float* in, size_t stride, int rows, size_t cols, const float* w, float* acc) {
  __m256 t[kTaps];
  for (int m = 0; m < kTaps; ++m) t[m] = _mm256_set1_ps(w[m]);
  int i = 0;
  for (; i + 4 <= rows; i += 4) {
    const float* src = in + i * stride;
    float* dst = acc + i * stride;
    for (size_t j = 0; j < cols; j += 8) {
      __m256 a0 = _mm256_loadu_ps(dst + j), a1 = _mm256_loadu_ps(dst + stride + j);
      __m256 a2 = _mm256_loadu_ps(dst + 2 * stride + j), a3 = _mm256_loadu_ps(dst + 3 * stride + j);
#pragma GCC unroll 13
      for (int m = 0; m < kTaps + 3; ++m) {
        const __m256 x = _mm256_loadu_ps(src + m * stride + j);
        if (m < kTaps) a0 = _mm256_fmadd_ps(t[m], x, a0);
        if (m >= 1 && m - 1 < kTaps) a1 = _mm256_fmadd_ps(t[m - 1], x, a1);
        if (m >= 2 && m - 2 < kTaps) a2 = _mm256_fmadd_ps(t[m - 2], x, a2);
        if (m >= 3) a3 = _mm256_fmadd_ps(t[m - 3], x, a3);
      }
      _mm256_storeu_ps(dst + j, a0);
      _mm256_storeu_ps(dst + stride + j, a1);
      _mm256_storeu_ps(dst + 2 * stride + j, a2);
      _mm256_storeu_ps(dst + 3 * stride + j, a3);
    }
  }
  for (; i < rows; ++i) {
    const float* src = in + i * stride;
    float* dst = acc + i * stride;
    for (size_t j = 0; j < cols; j += 8) {
      __m256 a = _mm256_loadu_ps(dst + j);
      for (int m = 0; m < kTaps; ++m) a = _mm256_fmadd_ps(t[m], _mm256_loadu_ps(src + m * stride + j), a);
      _mm256_storeu_ps(dst + j, a);
    }
  }
}

}  // namespace

void ApplyHogFilters(const FhogPlanes& planes, const HogFilterBank& bank, HogFilterScratch* scratch,
                     std::vector<std::vector<float>>* scores, size_t* score_stride) {
  const int out_rows = planes.feature_rows();
  const size_t cols = RoundUp8(planes.feature_cols());  // whole vectors; the extra columns are ignored
  *score_stride = cols;
  if (scratch->rows.size() < planes.rows() * cols) scratch->rows.resize(planes.rows() * cols);
  scores->resize(bank.windows());
  for (std::vector<float>& s : *scores) {
    if (s.size() < out_rows * cols) s.resize(out_rows * cols);
    std::fill(s.begin(), s.begin() + out_rows * cols, 0.0f);
  }
  for (const HogFilterBank::Term& term : bank.terms) {
    RowPass(planes.plane(term.plane), planes.stride(), planes.rows(), cols, term.row, scratch->rows.data(), cols);
    ColumnPassAdd(scratch->rows.data(), cols, out_rows, cols, term.col, (*scores)[term.window].data());
  }
}

}  // namespace face
