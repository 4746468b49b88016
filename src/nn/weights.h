// Reading the TensorFlow.js weight files (format in weights_format.h) into the parameters of
// dlib's face-descriptor network, dequantised to float and shape-checked.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"

namespace nn {

// One tensor of a TF.js weights file, dequantised. values.size() == product of shape.
struct RawTensor {
  std::vector<int> shape;
  std::vector<float> values;
};

// A manifest + .bin pair, opened and checked: the manifest parsed, every tensor's place in the
// .bin computed from its stored dtype, the .bin mapped read-only. Tensors are dequantised on
// request, so a loader can stream them through one buffer.
class WeightsFile {
 public:
  // The manifest must list exactly one path; bin_path is where that file is. NotFound for a
  // missing file; Corruption for JSON that does not parse, an entry without name/shape, an
  // unknown dtype, or a .bin whose size differs from what the manifest describes. Messages name
  // the file and the tensor.
  static base::StatusOr<WeightsFile> Open(const std::string& manifest_path, const std::string& bin_path);
  // The same checks on bytes in memory (messages say "manifest" and "bin"); for fuzzing and tests.
  static base::StatusOr<WeightsFile> FromMemory(const std::string& manifest_json, std::string bin);

  std::vector<std::string> Names() const;  // in manifest order
  // Tensor `name` dequantised into *out (resized; its capacity is reused). InvalidArgument naming
  // the tensor when it is missing or its shape is not `shape`.
  base::Status Read(const std::string& name, const std::vector<int>& shape, std::vector<float>* out) const;
  base::StatusOr<RawTensor> Read(const std::string& name) const;  // any shape

  WeightsFile(WeightsFile&&) noexcept;
  WeightsFile& operator=(WeightsFile&&) noexcept;
  ~WeightsFile();

 private:
  struct Rep;
  explicit WeightsFile(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

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

// The network's convolutions from the input up: the stem, then conv1 and conv2 of each block of
// format::kBlocks. Reads layer `index` (0 .. kNumConvs-1) into *p, reusing p's vectors.
inline constexpr int kNumConvs = 29;
base::Status ReadConv(const WeightsFile& file, int index, ConvParams* p);

struct BlockParams {
  std::string name;
  bool down = false;  // stride-2 first conv, avg-pooled skip path
  ConvParams conv1, conv2;
};

// The whole network, from the input up, in memory (about 22 MB of floats).
struct NetParams {
  ConvParams stem;
  std::vector<BlockParams> blocks;
  std::vector<float> fc;  // [256][128]: out[j] = sum_i in[i] * fc[i*128 + j]
};

// Opens the files and reads every layer with its shape checked against weights_format.h.
base::StatusOr<NetParams> LoadNetParams(const std::string& manifest_path, const std::string& bin_path);

}  // namespace nn
