// Internal to src/media: one decoder per format, called by DecodeImage once the format is known.
// Each checks the dimensions against the limit before allocating pixels.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"
#include "media/image.h"

namespace media::internal {

// Returns ResourceExhausted / InvalidArgument for dimensions we refuse to allocate.
base::Status CheckDimensions(int64_t width, int64_t height, int64_t max_pixels);

base::StatusOr<RgbImage> DecodeJpeg(std::string_view bytes, int64_t max_pixels);
base::StatusOr<RgbImage> DecodePng(std::string_view bytes, int64_t max_pixels);
base::StatusOr<RgbImage> DecodeWebp(std::string_view bytes, int64_t max_pixels);
base::StatusOr<RgbImage> DecodePnm(std::string_view bytes, int64_t max_pixels);

}  // namespace media::internal
