// RgbImage: the decoded picture every part of the face core works on.
//
// Pixels are 8-bit RGB, interleaved, rows top to bottom, `stride` bytes apart (stride is always
// 3 * width: rows are packed so that a chip or a frame can be handed to the descriptor network or
// written out without a copy). media/dlib_image.h lets dlib's image functions read and write an
// RgbImage in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace media {

struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  // height * stride() bytes

  RgbImage() = default;
  RgbImage(int w, int h) : width(w), height(h), pixels(static_cast<size_t>(w) * h * 3) {}

  size_t stride() const { return static_cast<size_t>(width) * 3; }
  bool empty() const { return width == 0 || height == 0; }
  uint8_t* row(int y) { return pixels.data() + y * stride(); }
  const uint8_t* row(int y) const { return pixels.data() + y * stride(); }
  // Resizes to w x h; the contents are unspecified afterwards.
  void Reset(int w, int h) {
    width = w;
    height = h;
    pixels.resize(static_cast<size_t>(w) * h * 3);
  }
};

// Bilinear resize of `src` to w x h (w, h >= 1). Used to make the downscaled copy the detector
// scans and, in benchmarks, frames of a given size from real pictures.
RgbImage Resize(const RgbImage& src, int w, int h);

}  // namespace media
