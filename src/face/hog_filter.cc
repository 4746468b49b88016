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
      for (int n = 2; n < kTaps; n += 2) {  // two chains: the adds do not wait on each other
        a = _mm256_fmadd_ps(t[n], _mm256_loadu_ps(src + j + n), a);
        b = _mm256_fmadd_ps(t[n + 1], _mm256_loadu_ps(src + j + n + 1), b);
      }
      _mm256_storeu_ps(dst + j, _mm256_add_ps(a, b));
    }
  }
}

// acc[i][j] += sum_m w[m] * in[i + m][j] for i < rows, j < cols (a multiple of 8).
void ColumnPassAdd(const float* in, size_t stride, int rows, size_t cols, const float* w, float* acc) {
  __m256 t[kTaps];
  for (int m = 0; m < kTaps; ++m) t[m] = _mm256_set1_ps(w[m]);
  for (int i = 0; i < rows; ++i) {
    const float* src = in + i * stride;
    float* dst = acc + i * stride;
    for (size_t j = 0; j < cols; j += 8) {
      __m256 a = _mm256_fmadd_ps(t[0], _mm256_loadu_ps(src + j), _mm256_loadu_ps(dst + j));
      __m256 b = _mm256_mul_ps(t[1], _mm256_loadu_ps(src + stride + j));
      for (int m = 2; m < kTaps; m += 2) {
        a = _mm256_fmadd_ps(t[m], _mm256_loadu_ps(src + m * stride + j), a);
        b = _mm256_fmadd_ps(t[m + 1], _mm256_loadu_ps(src + (m + 1) * stride + j), b);
      }
      _mm256_storeu_ps(dst + j, _mm256_add_ps(a, b));
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
  scores->resize(bank.windows.size());
  for (size_t w = 0; w < bank.windows.size(); ++w) {
    std::vector<float>& s = (*scores)[w];
    if (s.size() < out_rows * cols) s.resize(out_rows * cols);
    std::fill(s.begin(), s.begin() + out_rows * cols, 0.0f);
    for (const HogFilterBank::Term& term : bank.windows[w]) {
      RowPass(planes.plane(term.plane), planes.stride(), planes.rows(), cols, term.row, scratch->rows.data(), cols);
      ColumnPassAdd(scratch->rows.data(), cols, out_rows, cols, term.col, s.data());
    }
  }
}

}  // namespace face
