// The fast path: the same network as ref::Forward with each con_ + affine_ folded into one
// convolution at load time (w' = w * scale[out], b' = b * scale[out] + shift[out]) and run by a
// convolution backend; pooling, the residual sums and the head are small loops of our own over
// NHWC (channels-fastest) buffers. docs/nn.md has the measurements behind DefaultBackend().
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "base/status.h"
#include "nn/face_net.h"
#include "nn/weights.h"

namespace nn {

enum class Backend {
  kReference,  // ref::Forward per chip (for tests; slow)
  kBlas,       // im2col + OpenBLAS sgemm, single-threaded
  kDnnl,       // oneDNN convolutions (JIT for the CPU found at run time), single-threaded
};
std::string_view BackendName(Backend b);
bool BackendAvailable(Backend b);  // kDnnl only when built with oneDNN
Backend DefaultBackend();

// With kBlas, FastNet runs chunks of this many chips through each layer together (the last
// layers are small, and one sgemm over several images reuses their weights from cache). With
// kDnnl it runs one chip at a time (batching gained under 6%; docs/nn.md).
inline constexpr int kFastBatch = 4;

// One convolution with its affine folded in, on a fixed input size, n images at a time.
class ConvOp {
 public:
  virtual ~ConvOp() = default;
  // in: n >= 1 images of in_rows x in_cols x p.in; out: n images of out_rows() x out_cols() x p.out.
  // out = conv(in) + bias (+ out, when made with accumulate: the residual already stored there),
  // then max(0, .) when made with relu. Thread-safe; per-thread scratch is internal.
  virtual void Run(const float* in, int n, float* out) const = 0;
  int out_rows() const { return out_rows_; }
  int out_cols() const { return out_cols_; }

 protected:
  int out_rows_ = 0, out_cols_ = 0;
};

// Makes a ConvOp for `backend` (kBlas or kDnnl) from unfolded params.
base::StatusOr<std::unique_ptr<ConvOp>> MakeConvOp(Backend backend, const ConvParams& p, int in_rows,
                                                   int in_cols, bool relu, bool accumulate);

// Small NHWC layers of the fast path (n images each). Shapes as in reference.h.
void NormalizeChips(const uint8_t* chips_rgb, int n, float* out);
void MaxPoolNhwc(const float* in, int n, int rows, int cols, int ch, int kernel, int stride, float* out);
// out = relu(zero-padded sum of avg_pool(x, 2, 2) and y): dlib's add_prev + relu after residual_down.
// x: rows x cols x x_ch; y: y_rows x y_cols x y_ch; out: max sizes. out must not alias x or y.
void AvgPoolAddRelu(const float* x, int rows, int cols, int x_ch, const float* y, int y_rows, int y_cols,
                    int y_ch, int n, float* out);
void GlobalAvgFcNhwc(const float* x, int n, int rows, int cols, int ch, const float* fc, Descriptor* out);

class FastNet {
 public:
  // From parameters in memory. kReference keeps a pointer to `params`, which must outlive the net.
  static base::StatusOr<std::unique_ptr<FastNet>> Create(const NetParams& params, Backend backend);
  // Straight from the file, one layer at a time through one buffer (what FaceNet::Load does:
  // the unfolded parameters never exist all at once). Not for kReference.
  static base::StatusOr<std::unique_ptr<FastNet>> Create(const WeightsFile& file, Backend backend);
  ~FastNet();
  // n chips -> n descriptors. Thread-safe; runs on the calling thread.
  void Forward(const uint8_t* chips_rgb, int n, Descriptor* out) const;
  Backend backend() const { return backend_; }

 private:
  struct Stage;
  // conv(i, &p) makes *p point at convolution i (0..kNumConvs-1) of the network.
  using ConvSource = std::function<base::Status(int index, const ConvParams** p)>;
  static base::StatusOr<std::unique_ptr<FastNet>> Build(const ConvSource& conv, std::vector<float> fc,
                                                        Backend backend);
  FastNet() = default;
  void ForwardChunk(const uint8_t* chips_rgb, int n, Descriptor* out) const;
  Backend backend_ = Backend::kReference;
  int batch_ = 1;  // chips per ForwardChunk
  const NetParams* params_ = nullptr;  // kReference only; owned by FaceNet::Impl
  std::vector<Stage> stages_;
  std::vector<float> fc_;
  size_t max_activation_ = 0;  // floats per image
};

}  // namespace nn
