// The independent check: dlib's own DNN (the anet_type of dlib's examples/dnn_face_recognition_ex.cpp,
// from Debian's libdlib) with our dequantised weights copied into its layers. Used by tests and
// benchmarks only; never by edgeface itself. Also test chips made with dlib's image loader.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "nn/face_net.h"
#include "nn/weights.h"

namespace nn {

class DlibFaceNet {
 public:
  // Builds dlib's network and sets every con_, affine_ and fc_ layer's parameters from `params`
  // (filters transposed from HWIO to dlib's [out][in][rows][cols]).
  static base::StatusOr<std::unique_ptr<DlibFaceNet>> Create(const NetParams& params);
  // Not thread-safe: dlib's network keeps its activations inside.
  Descriptor Describe(const uint8_t* chip_rgb);
  ~DlibFaceNet();

 private:
  struct Net;
  explicit DlibFaceNet(std::unique_ptr<Net> net);
  std::unique_ptr<Net> net_;
};

// Loads an image with dlib::load_image, takes the centred square of side `crop` (or the largest
// square when crop <= 0 or too big) and resizes it (bilinear) to a kChipSize chip: interleaved RGB.
base::StatusOr<std::vector<uint8_t>> LoadCentreChip(const std::string& path, int crop);

}  // namespace nn
