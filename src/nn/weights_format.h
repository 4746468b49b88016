// The weight files we read, and the network they describe (leveldb log_format.h style: the
// format's constants in one place; docs/nn.md explains them in prose).
//
// Files (npm @vladmandic/face-api 1.7.15, model/):
//   face_recognition_model-weights_manifest.json
//     [ { "paths": ["face_recognition_model.bin"],
//         "weights": [ { "name": "conv32_down/conv/filters", "shape": [7,7,3,32], "dtype": "float32",
//                        "quantization": { "dtype": "uint8", "scale": S, "min": M } }, ... ] } ]
//   face_recognition_model.bin
//     the tensors back to back, in manifest order, no header, no padding. A tensor with a
//     "quantization" entry takes one uint8 q per value and means q * S + M; a tensor without one
//     is stored as IEEE float32, little endian, 4 bytes per value ("dtype"). The offset of each
//     tensor is the sum of the stored sizes of the tensors before it; the file size is the sum of all.
//   Values are row-major in "shape". Filters are [kh, kw, in, out] (TensorFlow HWIO); "fc" is
//   [in=256, out=128].
//
// Tensor names: "<layer>/conv/filters", "<layer>/conv/bias" (dlib con_ filters and bias),
// "<layer>/scale/weights", "<layer>/scale/biases" (dlib affine_ gamma and beta), "fc" (dlib
// fc_no_bias), where <layer> is kStem or "<block>/conv1", "<block>/conv2" for each of kBlocks.
#pragma once

#include <cstdint>
#include <string_view>

namespace nn::format {

inline constexpr std::string_view kManifestFileName = "face_recognition_model-weights_manifest.json";
inline constexpr std::string_view kBinFileName = "face_recognition_model.bin";

inline constexpr std::string_view kQuantizedDtype = "uint8";   // the only quantisation we accept
inline constexpr std::string_view kFloatDtype = "float32";     // unquantised tensors
inline constexpr uint64_t kMaxManifestBytes = 1 << 20;
inline constexpr uint64_t kMaxBinBytes = 64 << 20;

// dlib's input_rgb_image: (pixel - mean) / 256 per channel, RGB order. (face-api divides by 255;
// dlib, which trained the network, divides by 256, and we follow dlib.)
inline constexpr float kMeanRgb[3] = {122.782f, 117.001f, 104.298f};
inline constexpr float kInputDivisor = 256.0f;

// Stem: con<32,7,7,2,2> (no padding: stride != 1), affine, relu, max_pool<3,3,2,2> (no padding).
inline constexpr std::string_view kStem = "conv32_down";
inline constexpr int kStemChannels = 32;
inline constexpr int kStemKernel = 7;
inline constexpr int kStemStride = 2;
inline constexpr int kMaxPoolKernel = 3;
inline constexpr int kMaxPoolStride = 2;

// Residual blocks from the input up. Each: con<N,3,3,s,s> (s = 2 when `down`, padding 0; else 1,
// padding 1), affine, relu, con<N,3,3,1,1> (padding 1), affine, then add the block's input (for
// `down`: avg_pool<2,2,2,2> of it; the sum zero-pads the smaller operand in channels, rows and
// columns, as dlib's add_prev does), relu.
struct BlockSpec {
  std::string_view name;
  int channels;
  bool down;
};
inline constexpr BlockSpec kBlocks[] = {
    {"conv32_1", 32, false},    {"conv32_2", 32, false},    {"conv32_3", 32, false},
    {"conv64_down", 64, true},  {"conv64_1", 64, false},    {"conv64_2", 64, false},
    {"conv64_3", 64, false},    {"conv128_down", 128, true}, {"conv128_1", 128, false},
    {"conv128_2", 128, false},  {"conv256_down", 256, true}, {"conv256_1", 256, false},
    {"conv256_2", 256, false},  {"conv256_down_out", 256, true},
};
inline constexpr int kBlockKernel = 3;
inline constexpr int kAvgPoolKernel = 2;
inline constexpr int kAvgPoolStride = 2;

// Head: avg_pool_everything (mean over rows and columns), fc_no_bias<128>.
inline constexpr std::string_view kFc = "fc";
inline constexpr int kFcInputs = 256;
inline constexpr int kFcOutputs = 128;

}  // namespace nn::format
