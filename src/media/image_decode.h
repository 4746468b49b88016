// Image decoding: bytes in, RgbImage out, with the format recognised from the content.
//
// Real collections hold WebP files named .jpg and PNGs named .jpeg, so the file name is never
// consulted: SniffImageFormat looks at the magic bytes. JPEG (libjpeg-turbo), PNG (libpng),
// WebP (libwebp) and the netpbm formats PGM/PPM (P2, P3, P5, P6) are decoded. Grey and palette
// images become RGB, alpha is dropped, 16-bit samples are reduced to 8 bits. A JPEG's EXIF
// orientation tag is applied, so the image comes out the way a viewer shows it.
//
// Limits: the dimensions are read from the header and checked against `max_pixels` before any
// pixel memory is allocated, so a 30000x30000 header costs nothing. Truncated or corrupt data is
// an InvalidArgument error, never a crash and never a half-decoded image.
//
// Thread-safety: every function here is safe to call from any number of threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "media/image.h"

namespace media {

enum class ImageFormat { kUnknown, kJpeg, kPng, kWebp, kPnm };

// The format of `bytes` judged from its first bytes; kUnknown when it is none we decode.
ImageFormat SniffImageFormat(std::string_view bytes);
const char* ImageFormatName(ImageFormat format);

struct DecodeOptions {
  // Images with more pixels than this are refused (ResourceExhausted) before allocating.
  int64_t max_pixels = 100'000'000;
  // Rotate/flip a JPEG as its EXIF orientation tag says.
  bool apply_exif_orientation = true;
};

// Decodes an image held in memory.
// Errors: InvalidArgument (empty, not an image, corrupt or truncated),
//         ResourceExhausted (more than options.max_pixels pixels).
base::StatusOr<RgbImage> DecodeImage(std::string_view bytes, const DecodeOptions& options = {});

// Reads and decodes a file; every error message starts with the path.
base::StatusOr<RgbImage> ReadImageFile(const std::string& path, const DecodeOptions& options = {});

// Encodes `img` as binary PPM (P6): the simplest lossless way to write a chip or frame out.
std::string EncodePpm(const RgbImage& img);

}  // namespace media
