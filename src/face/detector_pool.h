// The detector pool shared by detector.cc (loading; baseline instruction set) and
// detector_scan.cc (scanning; compiled for AVX2 when EDGEFACE_AVX2 is on). Private to src/face.
#pragma once

#include <dlib/image_processing/frontal_face_detector.h>

#include <memory>
#include <mutex>
#include <vector>

#include "face/detector.h"
#if defined(EDGEFACE_DETECTOR_AVX2)
#include "face/hog_scan.h"
#endif

namespace face {

// dlib's detector keeps scratch state while it scans, so each concurrent scan borrows a copy.
// Two kinds: the whole detector, and the same detector limited to the finest kFineLevels pyramid
// levels (the half of a split scan that runs on the full-size image; detector_scan.cc).
inline constexpr unsigned long kFineLevels = 2;

struct FaceDetector::Pool {
  enum Kind { kWhole = 0, kFine = 1 };
  dlib::frontal_face_detector prototype;
  std::once_flag fine_once;
  dlib::frontal_face_detector fine_prototype;  // built on first use (a few ms of filter set-up)
  std::mutex mu;
  std::vector<std::unique_ptr<dlib::frontal_face_detector>> free[2];  // guarded by mu

  std::unique_ptr<dlib::frontal_face_detector> Acquire(Kind kind) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!free[kind].empty()) {
        auto d = std::move(free[kind].back());
        free[kind].pop_back();
        return d;
      }
    }
    if (kind == kWhole) return std::make_unique<dlib::frontal_face_detector>(prototype);
    std::call_once(fine_once, [this] {
      dlib::frontal_face_detector::image_scanner_type scanner;  // not copyable: copy its settings
      scanner.copy_configuration(prototype.get_scanner());
      scanner.set_max_pyramid_levels(kFineLevels);
      std::vector<dlib::frontal_face_detector::feature_vector_type> w;
      for (unsigned long i = 0; i < prototype.num_detectors(); ++i) w.push_back(prototype.get_w(i));
      fine_prototype = dlib::frontal_face_detector(scanner, prototype.get_overlap_tester(), w);
    });
    return std::make_unique<dlib::frontal_face_detector>(fine_prototype);
  }
#if defined(EDGEFACE_DETECTOR_AVX2)
  // Our scan of the same detector (hog_scan.h), built on first use: only Detect, which runs after
  // the CPU check, may execute its AVX2 code.
  std::once_flag hog_once;
  std::unique_ptr<HogScanner> hog;
  const HogScanner* Hog() {
    std::call_once(hog_once, [this] { hog = std::make_unique<HogScanner>(prototype); });
    return hog->ok() ? hog.get() : nullptr;
  }
#endif
  void Release(Kind kind, std::unique_ptr<dlib::frontal_face_detector> d) {
    std::lock_guard<std::mutex> lock(mu);
    free[kind].push_back(std::move(d));
  }
};

// True when this CPU can run the scanning code as it was compiled (always true without
// EDGEFACE_AVX2). Defined in detector.cc, which is compiled for the baseline instruction set, so
// the check itself cannot fault.
bool CpuCanScan();

}  // namespace face
