// EXIF orientation: the one EXIF tag the face core needs (phones store pictures sideways and
// record the rotation in tag 0x0112). We parse it ourselves: the APP1 "Exif" segment, the TIFF
// header, IFD0's entries. Every offset is bounds-checked, the segment walk is bounded, and any
// malformation just means "no orientation" (1). Fuzzed by fuzz_image_decode.
#pragma once

#include <string_view>

#include "media/image.h"

namespace media {

// The EXIF orientation (1..8) of a JPEG file's bytes; 1 when absent or unreadable.
int JpegExifOrientation(std::string_view jpeg);

// Returns `img` transformed so that it displays upright given EXIF orientation `orientation`
// (1 = as stored, 3 = rotate 180, 6 = rotate 90 clockwise, 8 = rotate 90 counter-clockwise,
// 2/4/5/7 the mirrored variants). Values outside 2..8 return the image unchanged.
RgbImage ApplyExifOrientation(RgbImage img, int orientation);

}  // namespace media
