// The aligned face chip the descriptor network reads: 150x150 RGB with padding 0.25, made by
// dlib's get_face_chip_details + extract_image_chip from the 68 landmarks (the eyes and nose are
// mapped to fixed places, so pose and scale are normalised). Exactly what face_recognition feeds
// dlib's network.
#pragma once

#include "face/detector.h"
#include "face/landmarks.h"
#include "media/image.h"

namespace face {

inline constexpr int kChipSize = 150;
inline constexpr double kChipPadding = 0.25;

// Thread-safe. `chip` is resized to size x size (its buffer is reused across calls).
void ExtractChip(const media::RgbImage& img, const Box& box, const Landmarks& landmarks,
                 media::RgbImage* chip, int size = kChipSize, double padding = kChipPadding);

}  // namespace face
