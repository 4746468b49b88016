// FaceDetector: dlib's HOG frontal face detector (the default of face_recognition), with the
// image scaled before scanning.
//
// The detector's window is 80x80 pixels: it finds faces of roughly 80 px and larger in the image
// it scans. face_recognition's `upsample` N scans the image enlarged 2^N times (dlib pyramid_up),
// so faces down to 80/2^N px are found, at 4^N times the cost. `max_scan_pixels` caps that cost
// for large frames: when the enlarged image would have more pixels, the image is scanned at the
// largest scale that fits instead (possibly below 1: a downscaled copy). Boxes always come back
// in the coordinates of the image passed in, so landmarks and chips are taken from full
// resolution.
//
// Thread-safety: Detect is const and safe from many threads at once (dlib's detector keeps
// scratch state, so each concurrent scan borrows its own copy from a small pool).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "media/image.h"

namespace face {

// A face box in image pixels, dlib's convention: right and bottom are inclusive; may extend past
// the image edge for faces at the border.
struct Box {
  long left = 0, top = 0, right = 0, bottom = 0;
  long width() const { return right - left + 1; }
  long height() const { return bottom - top + 1; }
};

struct Detection {
  Box box;
  double score = 0;  // the detector's confidence; higher is surer, 0 is its default threshold
};

struct DetectOptions {
  int upsample = 1;  // face_recognition's number_of_times_to_upsample
  // If > 0, scan at most this many pixels (the image is scaled down as needed). 0: no cap,
  // exactly face_recognition's behaviour.
  long max_scan_pixels = 0;
  double adjust_threshold = 0;  // added to the detector's threshold; negative finds more
  // 2: scan images of 200k+ pixels on two threads (the calling one and one more, for ~1.7x less
  // wall time at ~5% more CPU; detector_scan.cc). 1: the calling thread only.
  int threads = 1;
  // If > max_scan_pixels and the capped scan found nothing, scan once more at the largest scale
  // (up to 2^upsample) whose image has at most this many pixels: faces the coarse scan missed
  // are found at the cost of a second, larger scan on frames without a face. 0: no second scan.
  long rescan_max_pixels = 0;
  // Scan with dlib's own scan_fhog_pyramid instead of ours (src/face/hog_scan.h; the same
  // detections, ~2-3x less CPU): the peer of bench_face. The environment variable
  // EDGEFACE_DLIB_HOG=1 does the same for every scan of the process. Builds without AVX2 always
  // use dlib's.
  bool dlib_scan = false;
};

// The factor the image is scaled by before scanning (2^upsample, capped by max_scan_pixels).
double ScanScale(int width, int height, const DetectOptions& options);

class FaceDetector {
 public:
  // Builds dlib's built-in detector: ~0.9 s of CPU (dlib decodes and decompresses it from text).
  FaceDetector();
  // Loads the detector saved by WriteDetectorModel (~3 ms). File format: docs/face.md.
  // Errors: NotFound, Corruption (bad magic, size or checksum; dlib refusing it).
  static base::StatusOr<std::unique_ptr<FaceDetector>> Load(const std::string& path);
  // Saves dlib's built-in detector in dlib's own serialisation behind a magic and a CRC-32.
  static base::Status WriteDetectorModel(const std::string& path);
  ~FaceDetector();
  FaceDetector(const FaceDetector&) = delete;
  FaceDetector& operator=(const FaceDetector&) = delete;

  struct Pool;  // the detectors themselves: src/face/detector_pool.h, private to src/face

  // Faces in `img`, highest score first.
  std::vector<Detection> Detect(const media::RgbImage& img, const DetectOptions& options) const;

 private:
  explicit FaceDetector(std::unique_ptr<Pool> pool);
  std::vector<Detection> DetectOnce(const media::RgbImage& img, const DetectOptions& options) const;
  std::unique_ptr<Pool> pool_;
};

}  // namespace face
