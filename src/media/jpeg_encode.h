// JPEG encoding (libjpeg-turbo's TurboJPEG API): frames to the stage bucket, frames the device
// sends. The inverse of DecodeImage for JPEG.
//
// Thread-safety: safe to call from any number of threads (each call has its own encoder; one
// encoder may also be kept per thread with JpegEncoder).
#pragma once

#include <string>

#include "base/status.h"
#include "media/image.h"

namespace media {

struct JpegOptions {
  int quality = 90;        // 1..100; 90 keeps descriptors within ~0.01 of the lossless frame
  bool subsample = true;   // 4:2:0 chroma (what cameras and browsers send); false = 4:4:4
};

// Encodes `img` (non-empty) as a baseline JPEG.
// Errors: InvalidArgument for an empty image or a quality outside 1..100; Internal when the
// encoder fails.
base::StatusOr<std::string> EncodeJpeg(const RgbImage& img, const JpegOptions& options = {});

// Keeps one TurboJPEG compressor for repeated encodes on one thread (saves its set-up per frame).
class JpegEncoder {
 public:
  JpegEncoder();
  ~JpegEncoder();
  JpegEncoder(const JpegEncoder&) = delete;
  JpegEncoder& operator=(const JpegEncoder&) = delete;

  // As EncodeJpeg; the result replaces *out's contents (its capacity is reused).
  base::Status Encode(const RgbImage& img, const JpegOptions& options, std::string* out);

 private:
  void* tj_;  // tjhandle
};

}  // namespace media
