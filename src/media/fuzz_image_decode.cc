// libFuzzer: arbitrary bytes through DecodeImage (every format's parser and the EXIF walk).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "media/exif.h"
#include "media/image_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  media::DecodeOptions options;
  options.max_pixels = 4'000'000;  // keeps each run fast; the limit check itself is exercised
  base::StatusOr<media::RgbImage> img = media::DecodeImage(bytes, options);
  if (img.ok() && img->pixels.size() != img->stride() * img->height) __builtin_trap();
  (void)media::JpegExifOrientation(bytes);
  return 0;
}
