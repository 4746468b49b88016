// HogScanner: our sliding-window scan for dlib's frontal face detector
// (object_detector<scan_fhog_pyramid<pyramid_down<6>>>), giving dlib's detections: the same
// image pyramid (each level 5/6 of the one before, down to 64 px), our fHOG features per level
// (fhog.h), our filter bank over them (hog_filter.h), the same thresholds, window-to-image box
// mapping and non-maximum suppression. hog_test checks features, scores and detections against
// dlib's on real photos. Private to src/face (detector_scan.cc uses it); requires AVX2+FMA.
//
// Thread-safety: Scan is const; each call borrows a scratch object (feature planes, scores,
// pyramid images) from a pool, so buffers are reused across levels and frames.
#pragma once

#include <dlib/image_processing/frontal_face_detector.h>

#include <memory>
#include <mutex>
#include <vector>

#include "face/hog_filter.h"

namespace face {

class HogScanner {
 public:
  // Copies what the scan needs from `detector` (its filters in separable form, thresholds,
  // window size, pyramid limits, overlap test). Checks the detector is the kind we reproduce
  // (cell size 8, 31 planes, 10x10 windows, no padding); `ok()` is false otherwise.
  explicit HogScanner(const dlib::frontal_face_detector& detector);
  ~HogScanner();
  bool ok() const { return ok_; }
  const HogFilterBank& bank() const { return bank_; }

  // Window positions scoring at least threshold + adjust at pyramid levels [first_level,
  // end_level) of the packed RGB image (end_level is capped at the levels dlib would use), with
  // boxes in `rgb`'s coordinates, before non-maximum suppression. Appends to `out`.
  void Candidates(const uint8_t* rgb, int width, int height, size_t row_bytes, double adjust,
                  unsigned first_level, unsigned end_level, std::vector<dlib::rect_detection>* out) const;

  // dlib's object_detector suppression: highest confidence first, a box overlapping a kept one
  // (the detector's overlap test) is dropped. Sorts `candidates`.
  std::vector<dlib::rect_detection> Suppress(std::vector<dlib::rect_detection>* candidates) const;

  // How many pyramid levels dlib scans for an image of this size.
  unsigned Levels(int width, int height) const;

 private:
  struct Scratch;
  std::unique_ptr<Scratch> Acquire() const;
  void Release(std::unique_ptr<Scratch> s) const;

  bool ok_ = false;
  HogFilterBank bank_;
  dlib::test_box_overlap overlaps_;
  unsigned long min_level_width_ = 64, min_level_height_ = 64, max_levels_ = 1000;
  mutable std::mutex mu_;
  mutable std::vector<std::unique_ptr<Scratch>> free_;  // guarded by mu_
};

}  // namespace face
