// LandmarkModel: dlib's 68-point shape predictor (an ensemble of regression trees, Kazemi &
// Sullivan 2014), loaded from our fast format (face/landmark_format.h) and evaluated exactly as
// dlib's shape_predictor::operator() does: same features, same float arithmetic, same points.
//
// Thread-safety: a loaded model is immutable; Predict is const and safe from many threads.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "base/status.h"
#include "face/detector.h"
#include "media/image.h"

namespace face {

inline constexpr int kLandmarkCount = 68;

struct Point {
  long x = 0, y = 0;
};
using Landmarks = std::array<Point, kLandmarkCount>;

class LandmarkModel {
 public:
  // Loads a file written by ConvertDlibLandmarkModel. Errors: NotFound (with a hint to run
  // tools/setup.sh), Corruption (bad magic, size, checksum), InvalidArgument (not 68 points).
  static base::StatusOr<LandmarkModel> Load(const std::string& path);

  // The 68 points of the face in `box` (a detector box in `img` coordinates).
  Landmarks Predict(const media::RgbImage& img, const Box& box) const;

  LandmarkModel(LandmarkModel&&) noexcept;
  LandmarkModel& operator=(LandmarkModel&&) noexcept;
  ~LandmarkModel();

  struct Data;

 private:
  explicit LandmarkModel(std::unique_ptr<Data> data);
  std::unique_ptr<Data> data_;
};

// Reads dlib's shape_predictor .dat (slow: ~1 s) and writes our format to `out_path` atomically.
base::Status ConvertDlibLandmarkModel(const std::string& dat_path, const std::string& out_path);

}  // namespace face
