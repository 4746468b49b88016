#include "nn/reference.h"

#include <algorithm>
#include <cassert>

#include "nn/weights_format.h"

namespace nn::ref {

Activation Input(const uint8_t* chip_rgb, int rows, int cols) {
  Activation x(rows, cols, 3);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c)
      for (int ch = 0; ch < 3; ++ch)
        x.at(r, c, ch) = (chip_rgb[(r * cols + c) * 3 + ch] - format::kMeanRgb[ch]) / format::kInputDivisor;
  return x;
}

Activation Conv(const Activation& in, const ConvParams& p) {
  assert(in.channels == p.in);
  const int k = p.kernel;
  Activation out((in.rows + 2 * p.pad - k) / p.stride + 1, (in.cols + 2 * p.pad - k) / p.stride + 1, p.out);
  for (int r = 0; r < out.rows; ++r) {
    for (int c = 0; c < out.cols; ++c) {
      for (int o = 0; o < p.out; ++o) {
        float sum = 0;
        for (int kr = 0; kr < k; ++kr) {
          const int ir = r * p.stride + kr - p.pad;
          if (ir < 0 || ir >= in.rows) continue;
          for (int kc = 0; kc < k; ++kc) {
            const int ic = c * p.stride + kc - p.pad;
            if (ic < 0 || ic >= in.cols) continue;
            for (int i = 0; i < p.in; ++i) {
              sum += in.at(ir, ic, i) * p.filters[((size_t(kr) * k + kc) * p.in + i) * p.out + o];
            }
          }
        }
        out.at(r, c, o) = sum + p.bias[o];
      }
    }
  }
  return out;
}

void Affine(Activation& x, const std::vector<float>& scale, const std::vector<float>& shift) {
  for (int r = 0; r < x.rows; ++r)
    for (int c = 0; c < x.cols; ++c)
      for (int ch = 0; ch < x.channels; ++ch) x.at(r, c, ch) = x.at(r, c, ch) * scale[ch] + shift[ch];
}

void Relu(Activation& x) {
  for (float& f : x.v) f = std::max(f, 0.0f);
}

Activation MaxPool(const Activation& in, int kernel, int stride) {
  Activation out((in.rows - kernel) / stride + 1, (in.cols - kernel) / stride + 1, in.channels);
  for (int r = 0; r < out.rows; ++r)
    for (int c = 0; c < out.cols; ++c)
      for (int ch = 0; ch < in.channels; ++ch) {
        float m = in.at(r * stride, c * stride, ch);
        for (int kr = 0; kr < kernel; ++kr)
          for (int kc = 0; kc < kernel; ++kc) m = std::max(m, in.at(r * stride + kr, c * stride + kc, ch));
        out.at(r, c, ch) = m;
      }
  return out;
}

Activation AvgPool(const Activation& in, int kernel, int stride) {
  Activation out((in.rows - kernel) / stride + 1, (in.cols - kernel) / stride + 1, in.channels);
  for (int r = 0; r < out.rows; ++r)
    for (int c = 0; c < out.cols; ++c)
      for (int ch = 0; ch < in.channels; ++ch) {
        float sum = 0;
        for (int kr = 0; kr < kernel; ++kr)
          for (int kc = 0; kc < kernel; ++kc) sum += in.at(r * stride + kr, c * stride + kc, ch);
        out.at(r, c, ch) = sum / (kernel * kernel);
      }
  return out;
}

Activation AddZeroPadded(const Activation& a, const Activation& b) {
  Activation out(std::max(a.rows, b.rows), std::max(a.cols, b.cols), std::max(a.channels, b.channels));
  auto value = [](const Activation& x, int r, int c, int ch) {
    return r < x.rows && c < x.cols && ch < x.channels ? x.at(r, c, ch) : 0.0f;
  };
  for (int r = 0; r < out.rows; ++r)
    for (int c = 0; c < out.cols; ++c)
      for (int ch = 0; ch < out.channels; ++ch) out.at(r, c, ch) = value(a, r, c, ch) + value(b, r, c, ch);
  return out;
}

Descriptor GlobalAvgFc(const Activation& x, const std::vector<float>& fc) {
  const int outs = kDescriptorSize;
  std::vector<float> mean(x.channels, 0.0f);
  for (int r = 0; r < x.rows; ++r)
    for (int c = 0; c < x.cols; ++c)
      for (int ch = 0; ch < x.channels; ++ch) mean[ch] += x.at(r, c, ch);
  for (float& m : mean) m /= float(x.rows * x.cols);
  Descriptor d{};
  for (int j = 0; j < outs; ++j) {
    float sum = 0;
    for (int ch = 0; ch < x.channels; ++ch) sum += mean[ch] * fc[size_t(ch) * outs + j];
    d[j] = sum;
  }
  return d;
}

namespace {

Activation ConvAffine(const Activation& in, const ConvParams& p, bool relu) {
  Activation x = Conv(in, p);
  Affine(x, p.scale, p.shift);
  if (relu) Relu(x);
  return x;
}

}  // namespace

Descriptor Forward(const NetParams& net, const uint8_t* chip_rgb) {
  Activation x = Input(chip_rgb, kChipSize, kChipSize);
  x = ConvAffine(x, net.stem, /*relu=*/true);
  x = MaxPool(x, format::kMaxPoolKernel, format::kMaxPoolStride);
  for (const BlockParams& b : net.blocks) {
    Activation y = ConvAffine(x, b.conv1, /*relu=*/true);
    y = ConvAffine(y, b.conv2, /*relu=*/false);
    Activation skip = b.down ? AvgPool(x, format::kAvgPoolKernel, format::kAvgPoolStride) : std::move(x);
    x = AddZeroPadded(y, skip);
    Relu(x);
  }
  return GlobalAvgFc(x, net.fc);
}

}  // namespace nn::ref
