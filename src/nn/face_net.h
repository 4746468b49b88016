// FaceNet: the 128-d face descriptor of dlib's ResNet (dlib_face_recognition_resnet_model_v1),
// computed by our own inference code from the TensorFlow.js weights of @vladmandic/face-api.
//
// The network is dlib's `anet_type` (examples/dnn_face_recognition_ex.cpp); docs/nn.md describes
// the weight files and the layers. The network was trained so that descriptors of one person
// lie closer than 0.6 (Euclidean) and of different people farther: 0.6 is its decision threshold.
//
//   base::StatusOr<nn::FaceNet> net = nn::FaceNet::LoadFromDir("models");
//   if (!net.ok()) return net.status();
//   nn::Descriptor d = net->Describe(chip);   // chip: 150x150 RGB from the aligner
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"

namespace nn {

inline constexpr int kChipSize = 150;       // input: 150x150 RGB chip
inline constexpr int kDescriptorSize = 128;
using Descriptor = std::array<float, kDescriptorSize>;

class FaceNet {
 public:
  // Loads the TensorFlow.js manifest + .bin (models/face_recognition_model-weights_manifest.json and
  // models/face_recognition_model.bin). Fails with NotFound for a missing file, Corruption for a
  // manifest that does not parse or a .bin of the wrong size, InvalidArgument for a tensor that is
  // missing or has the wrong shape; the message names the file and the tensor.
  static base::StatusOr<FaceNet> Load(const std::string& manifest_path, const std::string& bin_path);
  // Same, from the repo's models/ dir: Load(dir + "/face_recognition_model-weights_manifest.json",
  // dir + "/face_recognition_model.bin").
  static base::StatusOr<FaceNet> LoadFromDir(const std::string& models_dir);

  // chip_rgb: kChipSize*kChipSize*3 bytes, interleaved RGB, row-major (what dlib's
  // extract_image_chip gives as matrix<rgb_pixel>).
  // Thread-safe: one loaded net serves many threads at once. Per-thread scratch (a few MB) is
  // made on a thread's first call and kept in thread_local storage; after that our code allocates
  // nothing per call (oneDNN makes a few small allocations inside each convolution call).
  // Runs on the calling thread only (the budget is per core; parallelise across faces).
  Descriptor Describe(const uint8_t* chip_rgb) const;

  // n chips laid out one after another (n * kChipSize*kChipSize*3 bytes); out receives n
  // descriptors, the same as n calls of Describe (within 1e-5). With the default oneDNN path it
  // is that loop; the OpenBLAS path runs 4 chips per matrix product. n <= 0 does nothing.
  void DescribeBatch(const uint8_t* chips_rgb, int n, Descriptor* out) const;

  FaceNet(FaceNet&&) noexcept;
  FaceNet& operator=(FaceNet&&) noexcept;
  ~FaceNet();

 private:
  struct Impl;  // the fast path (fast_net.h)
  explicit FaceNet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace nn
