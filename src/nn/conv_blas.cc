// im2col + OpenBLAS sgemm. With NHWC activations and HWIO weights, the im2col row of an output
// pixel is the kernel window's pixels one after another, each `in` floats long (a memcpy), and the
// weights are already the [kernel*kernel*in][out] matrix: out[pixels][out] = cols * weights.
#include <cblas.h>

#include <algorithm>
#include <cstring>

#include "nn/conv_ops.h"

extern "C" void openblas_set_num_threads(int num_threads);

namespace nn {

FoldedConv Fold(const ConvParams& p) {
  FoldedConv f;
  f.kernel = p.kernel;
  f.in = p.in;
  f.out = p.out;
  f.stride = p.stride;
  f.pad = p.pad;
  f.weights.resize(p.filters.size());
  for (size_t row = 0; row < p.filters.size(); row += p.out)
    for (int o = 0; o < p.out; ++o) f.weights[row + o] = p.filters[row + o] * p.scale[o];
  f.bias.resize(p.out);
  for (int o = 0; o < p.out; ++o) f.bias[o] = p.bias[o] * p.scale[o] + p.shift[o];
  return f;
}

namespace {

class BlasConvOp : public ConvOp {
 public:
  BlasConvOp(FoldedConv c, int in_rows, int in_cols, bool relu, bool accumulate)
      : c_(std::move(c)), in_rows_(in_rows), in_cols_(in_cols), relu_(relu), accumulate_(accumulate) {
    out_rows_ = (in_rows + 2 * c_.pad - c_.kernel) / c_.stride + 1;
    out_cols_ = (in_cols + 2 * c_.pad - c_.kernel) / c_.stride + 1;
    // The descriptor budget is per core: callers parallelise across faces, not inside a conv.
    static const bool once = (openblas_set_num_threads(1), true);
    (void)once;
  }

  void Run(const float* in, int n, float* out) const override {
    const int k_len = c_.kernel * c_.kernel * c_.in;
    const int pixels = out_rows_ * out_cols_;
    thread_local std::vector<float> cols;
    if (cols.size() < size_t(n) * pixels * k_len) cols.resize(size_t(n) * pixels * k_len);
    const size_t row_bytes = c_.in * sizeof(float);
    for (int img = 0; img < n; ++img) {
      const float* x = in + size_t(img) * in_rows_ * in_cols_ * c_.in;
      float* dst = cols.data() + size_t(img) * pixels * k_len;
      for (int r = 0; r < out_rows_; ++r)
        for (int c = 0; c < out_cols_; ++c)
          for (int kr = 0; kr < c_.kernel; ++kr) {
            const int ir = r * c_.stride + kr - c_.pad;
            for (int kc = 0; kc < c_.kernel; ++kc, dst += c_.in) {
              const int ic = c * c_.stride + kc - c_.pad;
              if (ir < 0 || ir >= in_rows_ || ic < 0 || ic >= in_cols_) {
                std::memset(dst, 0, row_bytes);
              } else {
                std::memcpy(dst, x + (size_t(ir) * in_cols_ + ic) * c_.in, row_bytes);
              }
            }
          }
    }
    const int m = n * pixels;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, c_.out, k_len, 1.0f, cols.data(), k_len,
                c_.weights.data(), c_.out, accumulate_ ? 1.0f : 0.0f, out, c_.out);
    const float* b = c_.bias.data();
    for (int p = 0; p < m; ++p) {
      float* o = out + size_t(p) * c_.out;
      if (relu_) {
        for (int k = 0; k < c_.out; ++k) o[k] = std::max(o[k] + b[k], 0.0f);
      } else {
        for (int k = 0; k < c_.out; ++k) o[k] += b[k];
      }
    }
  }

 private:
  FoldedConv c_;
  int in_rows_, in_cols_;
  bool relu_, accumulate_;
};

}  // namespace

std::unique_ptr<ConvOp> MakeBlasConvOp(FoldedConv conv, int in_rows, int in_cols, bool relu, bool accumulate) {
  return std::make_unique<BlasConvOp>(std::move(conv), in_rows, in_cols, relu, accumulate);
}

base::StatusOr<std::unique_ptr<ConvOp>> MakeConvOp(Backend backend, const ConvParams& p, int in_rows,
                                                   int in_cols, bool relu, bool accumulate) {
  switch (backend) {
    case Backend::kBlas: return MakeBlasConvOp(Fold(p), in_rows, in_cols, relu, accumulate);
    case Backend::kDnnl: return MakeDnnlConvOp(p, in_rows, in_cols, relu, accumulate);
    case Backend::kReference: break;
  }
  return base::Status::InvalidArgument("no ConvOp for backend " + std::string(BackendName(backend)));
}

}  // namespace nn
