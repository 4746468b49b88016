#include "nn/fast_net.h"

#include <algorithm>
#include <cstring>

#include "nn/reference.h"
#include "nn/weights_format.h"

namespace nn {

std::string_view BackendName(Backend b) {
  switch (b) {
    case Backend::kReference: return "reference";
    case Backend::kBlas: return "im2col+openblas";
    case Backend::kDnnl: return "onednn";
  }
  return "?";
}

bool BackendAvailable(Backend b) {
#ifdef EDGEFACE_HAVE_DNNL
  return true;
#else
  return b != Backend::kDnnl;
#endif
}

Backend DefaultBackend() { return BackendAvailable(Backend::kDnnl) ? Backend::kDnnl : Backend::kBlas; }

void NormalizeChips(const uint8_t* chips_rgb, int n, float* out) {
  const size_t pixels = size_t(n) * kChipSize * kChipSize;
  for (size_t i = 0; i < pixels; ++i)
    for (int ch = 0; ch < 3; ++ch)
      out[i * 3 + ch] = (chips_rgb[i * 3 + ch] - format::kMeanRgb[ch]) / format::kInputDivisor;
}

void MaxPoolNhwc(const float* in, int n, int rows, int cols, int ch, int kernel, int stride, float* out) {
  const int orows = (rows - kernel) / stride + 1, ocols = (cols - kernel) / stride + 1;
  for (int img = 0; img < n; ++img) {
    const float* x = in + size_t(img) * rows * cols * ch;
    for (int r = 0; r < orows; ++r)
      for (int c = 0; c < ocols; ++c) {
        float* o = out + ((size_t(img) * orows + r) * ocols + c) * ch;
        std::memcpy(o, x + (size_t(r * stride) * cols + c * stride) * ch, ch * sizeof(float));
        for (int kr = 0; kr < kernel; ++kr)
          for (int kc = 0; kc < kernel; ++kc) {
            const float* p = x + (size_t(r * stride + kr) * cols + c * stride + kc) * ch;
            for (int k = 0; k < ch; ++k) o[k] = std::max(o[k], p[k]);
          }
      }
  }
}

void AvgPoolAddRelu(const float* x, int rows, int cols, int x_ch, const float* y, int y_rows, int y_cols,
                    int y_ch, int n, float* out) {
  const int k = format::kAvgPoolKernel, s = format::kAvgPoolStride;
  const int p_rows = (rows - k) / s + 1, p_cols = (cols - k) / s + 1;
  const int orows = std::max(p_rows, y_rows), ocols = std::max(p_cols, y_cols), och = std::max(x_ch, y_ch);
  const float inv = 1.0f / float(k * k);
  for (int img = 0; img < n; ++img) {
    const float* xi = x + size_t(img) * rows * cols * x_ch;
    const float* yi = y + size_t(img) * y_rows * y_cols * y_ch;
    for (int r = 0; r < orows; ++r)
      for (int c = 0; c < ocols; ++c) {
        float* o = out + ((size_t(img) * orows + r) * ocols + c) * och;
        std::fill(o, o + och, 0.0f);
        if (r < p_rows && c < p_cols) {
          // Sum in the reference's order (row by row) so both paths round alike.
          for (int ch = 0; ch < x_ch; ++ch) {
            float sum = 0;
            for (int kr = 0; kr < k; ++kr)
              for (int kc = 0; kc < k; ++kc) sum += xi[(size_t(r * s + kr) * cols + c * s + kc) * x_ch + ch];
            o[ch] = sum * inv;
          }
        }
        if (r < y_rows && c < y_cols) {
          const float* yp = yi + (size_t(r) * y_cols + c) * y_ch;
          for (int ch = 0; ch < y_ch; ++ch) o[ch] += yp[ch];
        }
        for (int ch = 0; ch < och; ++ch) o[ch] = std::max(o[ch], 0.0f);
      }
  }
}

void GlobalAvgFcNhwc(const float* x, int n, int rows, int cols, int ch, const float* fc, Descriptor* out) {
  float mean[format::kFcInputs];
  for (int img = 0; img < n; ++img) {
    const float* xi = x + size_t(img) * rows * cols * ch;
    std::fill(mean, mean + ch, 0.0f);
    for (int p = 0; p < rows * cols; ++p)
      for (int k = 0; k < ch; ++k) mean[k] += xi[size_t(p) * ch + k];
    for (int k = 0; k < ch; ++k) mean[k] /= float(rows * cols);
    Descriptor& d = out[img];
    d.fill(0.0f);
    for (int k = 0; k < ch; ++k)
      for (int j = 0; j < kDescriptorSize; ++j) d[j] += mean[k] * fc[size_t(k) * kDescriptorSize + j];
  }
}

// One stage: the stem (conv1 only, then max pool) or a residual block.
struct FastNet::Stage {
  bool stem = false;
  bool down = false;
  int in_rows = 0, in_cols = 0, in_ch = 0;  // the stage's input
  int out_rows = 0, out_cols = 0, out_ch = 0;
  int mid_ch = 0;  // channels of conv1's and conv2's outputs
  std::unique_ptr<ConvOp> conv1, conv2;
};

FastNet::~FastNet() = default;

base::StatusOr<std::unique_ptr<FastNet>> FastNet::Create(const NetParams& params, Backend backend) {
  if (backend == Backend::kReference) {
    std::unique_ptr<FastNet> net(new FastNet());
    net->backend_ = backend;
    net->params_ = &params;
    return net;
  }
  auto conv = [&](int index, const ConvParams** p) {
    if (index == 0) {
      *p = &params.stem;
    } else {
      const BlockParams& b = params.blocks.at((index - 1) / 2);
      *p = (index - 1) % 2 == 0 ? &b.conv1 : &b.conv2;
    }
    return base::Status::Ok();
  };
  return Build(conv, params.fc, backend);
}

base::StatusOr<std::unique_ptr<FastNet>> FastNet::Create(const WeightsFile& file, Backend backend) {
  if (backend == Backend::kReference) return base::Status::InvalidArgument("the reference path needs NetParams");
  ConvParams scratch;  // one buffer for every layer's tensors: its capacity is reused
  auto conv = [&](int index, const ConvParams** p) {
    *p = &scratch;
    return ReadConv(file, index, &scratch);
  };
  std::vector<float> fc;
  EF_RETURN_IF_ERROR(file.Read(std::string(format::kFc), {format::kFcInputs, format::kFcOutputs}, &fc));
  return Build(conv, std::move(fc), backend);
}

base::StatusOr<std::unique_ptr<FastNet>> FastNet::Build(const ConvSource& conv, std::vector<float> fc,
                                                        Backend backend) {
  if (!BackendAvailable(backend)) {
    return base::Status::FailedPrecondition("backend " + std::string(BackendName(backend)) + " not built in");
  }
  std::unique_ptr<FastNet> net(new FastNet());
  net->backend_ = backend;
  net->batch_ = backend == Backend::kBlas ? kFastBatch : 1;
  const ConvParams* p = nullptr;
  auto make = [&](int index, int rows, int cols, bool relu, bool accumulate, std::unique_ptr<ConvOp>* op) {
    EF_RETURN_IF_ERROR(conv(index, &p));
    base::StatusOr<std::unique_ptr<ConvOp>> made = MakeConvOp(backend, *p, rows, cols, relu, accumulate);
    if (!made.ok()) return made.status();
    *op = std::move(*made);
    return base::Status::Ok();
  };
  size_t max_act = size_t(kChipSize) * kChipSize * 3;
  Stage stem;
  stem.stem = true;
  stem.in_rows = stem.in_cols = kChipSize;
  stem.in_ch = 3;
  EF_RETURN_IF_ERROR(make(0, kChipSize, kChipSize, true, false, &stem.conv1));
  stem.out_ch = p->out;
  max_act = std::max(max_act, size_t(stem.conv1->out_rows()) * stem.conv1->out_cols() * stem.out_ch);
  stem.out_rows = (stem.conv1->out_rows() - format::kMaxPoolKernel) / format::kMaxPoolStride + 1;
  stem.out_cols = (stem.conv1->out_cols() - format::kMaxPoolKernel) / format::kMaxPoolStride + 1;
  int rows = stem.out_rows, cols = stem.out_cols, ch = stem.out_ch;
  net->stages_.push_back(std::move(stem));
  for (size_t b = 0; b < std::size(format::kBlocks); ++b) {
    const bool down = format::kBlocks[b].down;
    Stage s;
    s.down = down;
    s.in_rows = rows;
    s.in_cols = cols;
    s.in_ch = ch;
    EF_RETURN_IF_ERROR(make(1 + 2 * int(b), rows, cols, true, false, &s.conv1));
    if (p->in != ch) return base::Status::Internal("block input channels differ");
    // A plain block adds its input inside conv2 (accumulate) and applies relu there; a down block
    // adds the pooled input afterwards, in AvgPoolAddRelu.
    EF_RETURN_IF_ERROR(make(2 + 2 * int(b), s.conv1->out_rows(), s.conv1->out_cols(), !down, !down, &s.conv2));
    s.mid_ch = p->out;
    if (down) {
      const int p_rows = (rows - format::kAvgPoolKernel) / format::kAvgPoolStride + 1;
      const int p_cols = (cols - format::kAvgPoolKernel) / format::kAvgPoolStride + 1;
      s.out_rows = std::max(p_rows, s.conv2->out_rows());
      s.out_cols = std::max(p_cols, s.conv2->out_cols());
      s.out_ch = std::max(ch, s.mid_ch);
    } else {
      s.out_rows = rows;
      s.out_cols = cols;
      s.out_ch = s.mid_ch;
      if (s.mid_ch != ch || s.conv2->out_rows() != rows || s.conv2->out_cols() != cols) {
        return base::Status::Internal(std::string(format::kBlocks[b].name) + ": residual block changes shape");
      }
    }
    max_act = std::max(max_act, size_t(s.out_rows) * s.out_cols * s.out_ch);
    max_act = std::max(max_act, size_t(s.conv1->out_rows()) * s.conv1->out_cols() * s.mid_ch);
    rows = s.out_rows;
    cols = s.out_cols;
    ch = s.out_ch;
    net->stages_.push_back(std::move(s));
  }
  if (ch != format::kFcInputs) return base::Status::Internal("network ends with the wrong channel count");
  net->fc_ = std::move(fc);
  net->max_activation_ = max_act;
  return net;
}

void FastNet::Forward(const uint8_t* chips_rgb, int n, Descriptor* out) const {
  if (backend_ == Backend::kReference) {
    for (int i = 0; i < n; ++i) out[i] = ref::Forward(*params_, chips_rgb + size_t(i) * kChipSize * kChipSize * 3);
    return;
  }
  const size_t chip_bytes = size_t(kChipSize) * kChipSize * 3;
  int i = 0;
  for (; i + batch_ <= n; i += batch_) ForwardChunk(chips_rgb + i * chip_bytes, batch_, out + i);
  for (; i < n; ++i) ForwardChunk(chips_rgb + i * chip_bytes, 1, out + i);
}

void FastNet::ForwardChunk(const uint8_t* chips_rgb, int n, Descriptor* out) const {
  // Three activation buffers per thread, grown once to the largest chunk (no allocation after).
  thread_local std::vector<float> bufs[3];
  const size_t need = max_activation_ * n;
  for (auto& b : bufs)
    if (b.size() < need) b.resize(need);
  float* x = bufs[0].data();
  float* y = bufs[1].data();
  float* z = bufs[2].data();

  NormalizeChips(chips_rgb, n, x);
  const Stage& stem = stages_[0];
  stem.conv1->Run(x, n, y);
  MaxPoolNhwc(y, n, stem.conv1->out_rows(), stem.conv1->out_cols(), stem.out_ch, format::kMaxPoolKernel,
              format::kMaxPoolStride, x);
  for (size_t s = 1; s < stages_.size(); ++s) {
    const Stage& st = stages_[s];
    st.conv1->Run(x, n, y);
    if (!st.down) {
      st.conv2->Run(y, n, x);  // x = relu(conv2(y) + x), in place
    } else {
      st.conv2->Run(y, n, z);
      AvgPoolAddRelu(x, st.in_rows, st.in_cols, st.in_ch, z, st.conv2->out_rows(), st.conv2->out_cols(),
                     st.mid_ch, n, y);
      std::swap(x, y);
    }
  }
  const Stage& last = stages_.back();
  GlobalAvgFcNhwc(x, n, last.out_rows, last.out_cols, last.out_ch, fc_.data(), out);
}

}  // namespace nn
