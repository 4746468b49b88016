// The library-backed decoders: JPEG (libjpeg-turbo's TurboJPEG API), PNG (libpng's simplified
// API, which traps libpng's longjmp errors internally), WebP (libwebp).
#include <png.h>
#include <turbojpeg.h>
#include <webp/decode.h>

#include <cstring>
#include <memory>
#include <string>

#include "media/decoders.h"

namespace media::internal {

using base::Status;

Status CheckDimensions(int64_t width, int64_t height, int64_t max_pixels) {
  if (width <= 0 || height <= 0) {
    return Status::InvalidArgument("image has no pixels (" + std::to_string(width) + "x" +
                                   std::to_string(height) + ")");
  }
  if (width * height > max_pixels) {
    return Status::ResourceExhausted(
        "image is " + std::to_string(width) + "x" + std::to_string(height) + " (" +
        std::to_string(width * height / 1'000'000) + " megapixels); the limit is " +
        std::to_string(max_pixels / 1'000'000) + " megapixels");
  }
  return Status::Ok();
}

base::StatusOr<RgbImage> DecodeJpeg(std::string_view bytes, int64_t max_pixels) {
  std::unique_ptr<void, int (*)(tjhandle)> tj(tjInitDecompress(), &tjDestroy);
  if (!tj) return Status::Internal("cannot start the JPEG decoder");
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  const unsigned long size = bytes.size();
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
  if (tjDecompressHeader3(tj.get(), data, size, &width, &height, &subsamp, &colorspace) != 0) {
    return Status::InvalidArgument(std::string("corrupt JPEG: ") + tjGetErrorStr2(tj.get()));
  }
  EF_RETURN_IF_ERROR(CheckDimensions(width, height, max_pixels));
  RgbImage img(width, height);
  // Default (accurate) DCT: the same pixels PIL/face_recognition decode, so descriptors agree.
  if (tjDecompress2(tj.get(), data, size, img.pixels.data(), width, static_cast<int>(img.stride()),
                    height, TJPF_RGB, 0) != 0) {
    const std::string why = tjGetErrorStr2(tj.get());
    // Warnings (e.g. extraneous bytes before a marker) still yield a whole image; a premature
    // end means the bottom of the picture is missing, which we refuse rather than guess.
    if (tjGetErrorCode(tj.get()) != TJERR_WARNING || why.find("Premature end") != std::string::npos) {
      return Status::InvalidArgument("corrupt or truncated JPEG: " + why);
    }
  }
  return img;
}

base::StatusOr<RgbImage> DecodePng(std::string_view bytes, int64_t max_pixels) {
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&png, bytes.data(), bytes.size())) {
    std::string why = png.message;
    png_image_free(&png);
    return Status::InvalidArgument("corrupt PNG: " + why);
  }
  Status dims = CheckDimensions(png.width, png.height, max_pixels);
  if (!dims.ok()) {
    png_image_free(&png);
    return dims;
  }
  // Read RGBA and drop alpha, as PIL's convert("RGB") does: colours stay as stored instead of
  // being blended onto a background.
  png.format = PNG_FORMAT_RGBA;
  std::unique_ptr<uint8_t[]> rgba(new (std::nothrow) uint8_t[PNG_IMAGE_SIZE(png)]);
  if (!rgba) {
    png_image_free(&png);
    return Status::ResourceExhausted("out of memory decoding PNG");
  }
  if (!png_image_finish_read(&png, nullptr, rgba.get(), 0, nullptr)) {
    std::string why = png.message;
    png_image_free(&png);
    return Status::InvalidArgument("corrupt or truncated PNG: " + why);
  }
  RgbImage img(png.width, png.height);
  const size_t n = static_cast<size_t>(png.width) * png.height;
  for (size_t i = 0; i < n; ++i) {
    img.pixels[i * 3] = rgba[i * 4];
    img.pixels[i * 3 + 1] = rgba[i * 4 + 1];
    img.pixels[i * 3 + 2] = rgba[i * 4 + 2];
  }
  png_image_free(&png);
  return img;
}

base::StatusOr<RgbImage> DecodeWebp(std::string_view bytes, int64_t max_pixels) {
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  int width = 0, height = 0;
  if (!WebPGetInfo(data, bytes.size(), &width, &height)) {
    return Status::InvalidArgument("corrupt WebP: cannot read its header");
  }
  EF_RETURN_IF_ERROR(CheckDimensions(width, height, max_pixels));
  RgbImage img(width, height);
  if (!WebPDecodeRGBInto(data, bytes.size(), img.pixels.data(), img.pixels.size(),
                         static_cast<int>(img.stride()))) {
    return Status::InvalidArgument("corrupt or truncated WebP");
  }
  return img;
}

}  // namespace media::internal
