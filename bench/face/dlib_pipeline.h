// The peer for bench_face: face_recognition's pipeline on dlib alone (dlib's JPEG loader, HOG at
// upsample 1 on the full image, dlib's shape_predictor from the .dat file, dlib's chip).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "face/detector.h"
#include "face/landmarks.h"
#include "media/image.h"

namespace bench {

class DlibPipeline {
 public:
  DlibPipeline();  // deserialises the 68-point .dat (the slow load we avoid) and the detector
  ~DlibPipeline();
  // dlib::load_image of a file, converted to our image type (the conversion is not timed apart).
  media::RgbImage Load(const std::string& path);
  std::vector<face::Box> Detect(const media::RgbImage& img);  // upsample 1, full resolution
  face::Landmarks Landmarks(const media::RgbImage& img, const face::Box& box);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bench
