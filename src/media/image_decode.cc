#include "media/image_decode.h"

#include <cstring>
#include <string>

#include "base/files.h"
#include "media/decoders.h"
#include "media/exif.h"

namespace media {

ImageFormat SniffImageFormat(std::string_view b) {
  auto starts = [&](std::string_view magic) { return b.substr(0, magic.size()) == magic; };
  if (starts("\xFF\xD8\xFF")) return ImageFormat::kJpeg;
  if (starts("\x89PNG\r\n\x1A\n")) return ImageFormat::kPng;
  if (b.size() >= 12 && starts("RIFF") && b.substr(8, 4) == "WEBP") return ImageFormat::kWebp;
  if (b.size() >= 3 && b[0] == 'P' && (b[1] == '2' || b[1] == '3' || b[1] == '5' || b[1] == '6') &&
      (b[2] == ' ' || b[2] == '\n' || b[2] == '\r' || b[2] == '\t' || b[2] == '#')) {
    return ImageFormat::kPnm;
  }
  return ImageFormat::kUnknown;
}

const char* ImageFormatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg: return "JPEG";
    case ImageFormat::kPng: return "PNG";
    case ImageFormat::kWebp: return "WebP";
    case ImageFormat::kPnm: return "PNM";
    case ImageFormat::kUnknown: break;
  }
  return "unknown";
}

base::StatusOr<RgbImage> DecodeImage(std::string_view bytes, const DecodeOptions& options) {
  if (bytes.empty()) return base::Status::InvalidArgument("empty file: not an image");
  switch (SniffImageFormat(bytes)) {
    case ImageFormat::kJpeg: {
      base::StatusOr<RgbImage> img = internal::DecodeJpeg(bytes, options.max_pixels);
      if (!img.ok() || !options.apply_exif_orientation) return img;
      int orientation = JpegExifOrientation(bytes);
      if (orientation == 1) return img;
      return ApplyExifOrientation(std::move(img).value(), orientation);
    }
    case ImageFormat::kPng: return internal::DecodePng(bytes, options.max_pixels);
    case ImageFormat::kWebp: return internal::DecodeWebp(bytes, options.max_pixels);
    case ImageFormat::kPnm: return internal::DecodePnm(bytes, options.max_pixels);
    case ImageFormat::kUnknown: break;
  }
  return base::Status::InvalidArgument(
      "not an image: the content is none of JPEG, PNG, WebP, PGM/PPM");
}

base::StatusOr<RgbImage> ReadImageFile(const std::string& path, const DecodeOptions& options) {
  // A compressed image is far smaller than its pixels; 1 GiB of file is already absurd.
  base::StatusOr<std::string> bytes = base::ReadFile(path, uint64_t{1} << 30);
  if (!bytes.ok()) return bytes.status().WithContext(path);
  base::StatusOr<RgbImage> img = DecodeImage(*bytes, options);
  if (!img.ok()) return img.status().WithContext(path);
  return img;
}

std::string EncodePpm(const RgbImage& img) {
  std::string out = "P6\n" + std::to_string(img.width) + " " + std::to_string(img.height) + "\n255\n";
  out.append(reinterpret_cast<const char*>(img.pixels.data()), img.pixels.size());
  return out;
}

}  // namespace media
