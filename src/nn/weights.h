// Reading the TensorFlow.js weight files (format in weights_format.h) into the parameters of
// dlib's face-descriptor network, dequantised to float and shape-checked.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/status.h"

namespace nn {

// One tensor of a TF.js weights file, dequantised. values.size() == product of shape.
struct RawTensor {
  std::vector<int> shape;
  std::vector<float> values;
};

// Reads every tensor listed in the manifest from bin_path (the manifest must list exactly one
// path; bin_path is where that file is). NotFound for a missing file; Corruption for JSON that
// does not parse, an entry without name/shape, an unknown dtype, or a .bin whose size differs
// from what the manifest describes. Messages name the file and the tensor.
base::StatusOr<std::map<std::string, RawTensor>> ReadTfjsWeights(const std::string& manifest_path,
                                                                 const std::string& bin_path);

// One dlib con_ (filters + bias) followed by its affine_ (per-channel scale, shift).
struct ConvParams {
  int kernel = 0;       // square kernel
  int in = 0, out = 0;  // channels
  int stride = 1;
  int pad = 0;          // on every side (dlib: kernel/2 when stride is 1, else 0)
  std::vector<float> filters;  // [kernel][kernel][in][out], as stored (TF HWIO)
  std::vector<float> bias;     // [out]  (con_ bias)
  std::vector<float> scale;    // [out]  (affine_ gamma)
  std::vector<float> shift;    // [out]  (affine_ beta)
};

struct BlockParams {
  std::string name;
  bool down = false;  // stride-2 first conv, avg-pooled skip path
  ConvParams conv1, conv2;
};

// The whole network, from the input up.
struct NetParams {
  ConvParams stem;
  std::vector<BlockParams> blocks;
  std::vector<float> fc;  // [256][128]: out[j] = sum_i in[i] * fc[i*128 + j]
};

// ReadTfjsWeights, then picks the network's tensors by name and checks each shape against the
// architecture in weights_format.h (InvalidArgument naming the tensor when one is missing or
// misshapen).
base::StatusOr<NetParams> LoadNetParams(const std::string& manifest_path, const std::string& bin_path);

}  // namespace nn
