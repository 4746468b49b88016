// FacePipeline: the four steps of face recognition, with the models loaded once.
//
//   detect (HOG) → 68 landmarks → 150x150 aligned chip → 128-d descriptor (nn::FaceNet)
//
//   base::StatusOr<std::unique_ptr<face::FacePipeline>> p = face::FacePipeline::Load(models_dir);
//   std::vector<face::Face> faces = (*p)->Process(image, face::PipelineOptions{});
//   face::Match m = gallery.Nearest(faces[0].descriptor);
//
// Load reads models/face_recognition_model.* (nn), models/shape_predictor_68.eflm and
// models/frontal_face_detector.efhog (both written at set-up by `edgeface convert-models`). The CLI, the functions and the device all call this.
//
// Thread-safety: every method is const and safe from many threads at once; each call runs on
// the calling thread (parallelism is the caller's: one frame per thread).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "face/detector.h"
#include "face/gallery.h"
#include "face/landmarks.h"
#include "media/image.h"

namespace nn {
class FaceNet;
}

namespace face {

// Scanning at most 640x480 pixels keeps LFW-size photos exactly as face_recognition scans them
// (250x250 upsampled once) and bounds the detector's time on large frames (docs/face.md).
inline constexpr long kDefaultMaxScanPixels = 640 * 480;
// A frame where that scan found no face is scanned once more with up to 1708x960 pixels (an
// 854x480 frame upsampled once, as face_recognition scans it): on the cse546 videos this finds
// the one face of 34 the capped scan misses, and costs only frames without a face (docs/face.md).
inline constexpr long kDefaultRescanPixels = 1708 * 960;

struct PipelineOptions {
  // Two threads: a frame's scan is split over both cores (detector.h), for latency.
  DetectOptions detect{.upsample = 1,
                       .max_scan_pixels = kDefaultMaxScanPixels,
                       .adjust_threshold = 0,
                       .threads = 2,
                       .rescan_max_pixels = kDefaultRescanPixels};
  // Test-time augmentation: also describe the mirrored chip and average the two descriptors.
  // On by default: LFW 99.03% at 0.6 against 98.68% without, cse546 distances equal or lower
  // (docs/accuracy.md), for ~3.5 ms more per face on one core.
  bool flip = true;
  // At most this many faces (the highest-scoring) get landmarks and descriptors; 0 = all.
  int max_faces = 0;
};

struct Face {
  Box box;
  double score = 0;
  Landmarks landmarks;
  Descriptor descriptor;
};

class FacePipeline {
 public:
  // Loads every model from `models_dir`. Errors name the missing or damaged file.
  static base::StatusOr<std::unique_ptr<FacePipeline>> Load(const std::string& models_dir);

  // The models directory to use when none is given: $EDGEFACE_MODELS, else models/ beside the
  // repository that holds this binary (build*/bin/edgeface → ../../models), else ./models.
  static std::string DefaultModelsDir();

  // All four steps; faces in detection-score order.
  std::vector<Face> Process(const media::RgbImage& img, const PipelineOptions& options) const;

  // The steps one by one (for benchmarks and callers with their own boxes).
  std::vector<Detection> Detect(const media::RgbImage& img, const DetectOptions& options) const;
  Landmarks FindLandmarks(const media::RgbImage& img, const Box& box) const;
  // Describes one chip (150x150 RGB), or the mean of it and its mirror image when `flip`.
  Descriptor DescribeChip(const media::RgbImage& chip, bool flip) const;

  const nn::FaceNet& net() const { return *net_; }
  ~FacePipeline();

 private:
  FacePipeline() = default;
  std::unique_ptr<FaceDetector> detector_;
  std::unique_ptr<LandmarkModel> landmarks_;
  std::unique_ptr<nn::FaceNet> net_;
};

// Writes `img` mirrored left-right into `out`.
void MirrorImage(const media::RgbImage& img, media::RgbImage* out);

}  // namespace face
