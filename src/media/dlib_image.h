// Makes media::RgbImage a dlib "generic image" (dlib/image_processing/generic_image.h), so dlib's
// detector, shape predictor and chip extraction read our pixels in place, without a copy.
// Include this only in files that already use dlib: it pulls in dlib's pixel headers.
#pragma once

#include <dlib/image_processing/generic_image.h>
#include <dlib/pixel.h>

#include "media/image.h"

namespace dlib {
template <>
struct image_traits<media::RgbImage> {
  typedef rgb_pixel pixel_type;
};
}  // namespace dlib

namespace media {
// The functions dlib's generic image interface finds by argument-dependent lookup.
inline long num_rows(const RgbImage& img) { return img.height; }
inline long num_columns(const RgbImage& img) { return img.width; }
inline void* image_data(RgbImage& img) { return img.pixels.empty() ? nullptr : img.pixels.data(); }
inline const void* image_data(const RgbImage& img) {
  return img.pixels.empty() ? nullptr : img.pixels.data();
}
inline long width_step(const RgbImage& img) { return static_cast<long>(img.stride()); }
inline void set_image_size(RgbImage& img, long rows, long cols) {
  img.Reset(static_cast<int>(cols), static_cast<int>(rows));
}
inline void swap(RgbImage& a, RgbImage& b) { std::swap(a, b); }
}  // namespace media
