#include "media/jpeg_encode.h"

#include <turbojpeg.h>

namespace media {

JpegEncoder::JpegEncoder() : tj_(tjInitCompress()) {}
JpegEncoder::~JpegEncoder() {
  if (tj_) tjDestroy(tj_);
}

base::Status JpegEncoder::Encode(const RgbImage& img, const JpegOptions& options, std::string* out) {
  if (img.empty() || img.pixels.size() < img.stride() * img.height) {
    return base::Status::InvalidArgument("cannot encode an empty image as JPEG");
  }
  if (options.quality < 1 || options.quality > 100) {
    return base::Status::InvalidArgument("JPEG quality must be 1..100, not " + std::to_string(options.quality));
  }
  if (!tj_) return base::Status::Internal("cannot start the JPEG encoder");
  const int samp = options.subsample ? TJSAMP_420 : TJSAMP_444;
  // Encode straight into a buffer sized for the worst case, then copy once into *out: TurboJPEG
  // cannot write into a std::string, and tjAlloc'd memory must be freed with tjFree.
  unsigned long size = tjBufSize(img.width, img.height, samp);
  unsigned char* buf = tjAlloc(static_cast<int>(size));
  if (!buf) return base::Status::ResourceExhausted("no memory for a JPEG buffer");
  if (tjCompress2(tj_, img.pixels.data(), img.width, static_cast<int>(img.stride()), img.height, TJPF_RGB, &buf,
                  &size, samp, options.quality, TJFLAG_NOREALLOC) != 0) {
    std::string why = tjGetErrorStr2(tj_);
    tjFree(buf);
    return base::Status::Internal("JPEG encoding failed: " + why);
  }
  out->assign(reinterpret_cast<const char*>(buf), size);
  tjFree(buf);
  return base::Status::Ok();
}

base::StatusOr<std::string> EncodeJpeg(const RgbImage& img, const JpegOptions& options) {
  JpegEncoder encoder;
  std::string out;
  EF_RETURN_IF_ERROR(encoder.Encode(img, options, &out));
  return out;
}

}  // namespace media
