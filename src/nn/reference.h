// The reference implementation: each layer of dlib's network as the obvious loops, written to be
// read against dlib's layer definitions (dlib/dnn/layers_abstract.h), not to be fast. The fast
// path (fast_net.h) is tested against it layer by layer and as a whole.
#pragma once

#include <cstdint>
#include <vector>

#include "nn/face_net.h"
#include "nn/weights.h"

namespace nn {

// An activation of one image: rows x cols x channels, channels fastest (NHWC).
struct Activation {
  int rows = 0, cols = 0, channels = 0;
  std::vector<float> v;

  Activation() = default;
  Activation(int r, int c, int ch) : rows(r), cols(c), channels(ch), v(size_t(r) * c * ch, 0.0f) {}
  float& at(int r, int c, int ch) { return v[(size_t(r) * cols + c) * channels + ch]; }
  float at(int r, int c, int ch) const { return v[(size_t(r) * cols + c) * channels + ch]; }
};

namespace ref {

// dlib input_rgb_image: (pixel - mean[ch]) / 256, RGB. chip_rgb is rows*cols*3 interleaved bytes.
Activation Input(const uint8_t* chip_rgb, int rows, int cols);
// dlib con_: out = bias + correlation with filters, zero padding p.pad, stride p.stride.
// Output size: (in + 2*pad - kernel) / stride + 1.
Activation Conv(const Activation& in, const ConvParams& p);
// dlib affine_ (conv mode): x = x * scale[ch] + shift[ch].
void Affine(Activation& x, const std::vector<float>& scale, const std::vector<float>& shift);
void Relu(Activation& x);
// dlib max_pool_/avg_pool_ with padding 0: output size (in - kernel) / stride + 1.
Activation MaxPool(const Activation& in, int kernel, int stride);
Activation AvgPool(const Activation& in, int kernel, int stride);
// dlib add_prev_: the output takes the larger size in every dimension; where one operand has no
// value (fewer channels, rows or columns) it counts as 0.
Activation AddZeroPadded(const Activation& a, const Activation& b);
// avg_pool_everything then fc_no_bias: out[j] = sum_ch mean(x[., ., ch]) * fc[ch * outs + j].
Descriptor GlobalAvgFc(const Activation& x, const std::vector<float>& fc);

// The whole network, layer by layer as dlib's anet_type runs it.
Descriptor Forward(const NetParams& net, const uint8_t* chip_rgb);

}  // namespace ref
}  // namespace nn
