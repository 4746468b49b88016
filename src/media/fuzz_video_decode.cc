// libFuzzer: arbitrary bytes as an in-memory video container, decoded frame by frame.
#include <cstddef>
#include <cstdint>
#include <string>

#include "media/video.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  media::VideoOptions options;
  options.max_pixels = 2'000'000;
  base::StatusOr<media::VideoReader> reader =
      media::VideoReader::OpenMemory(std::string(reinterpret_cast<const char*>(data), size), options);
  if (!reader.ok()) return 0;
  media::VideoFrame frame;
  for (int i = 0; i < 16; ++i) {
    base::StatusOr<bool> got = reader->NextSample(0.1, &frame);
    if (!got.ok() || !*got) break;
  }
  return 0;
}
