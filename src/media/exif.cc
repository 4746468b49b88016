#include "media/exif.h"

#include <cstdint>

namespace media {
namespace {

// A bounds-checked reader over the TIFF structure inside the Exif segment.
class Tiff {
 public:
  explicit Tiff(std::string_view b) : b_(b) {}
  bool Init() {
    if (b_.size() < 8) return false;
    if (b_.substr(0, 2) == "II") {
      little_ = true;
    } else if (b_.substr(0, 2) != "MM") {
      return false;
    }
    uint16_t magic;
    return U16(2, &magic) && magic == 42;
  }
  bool U16(size_t at, uint16_t* v) const {
    if (at > b_.size() || b_.size() - at < 2) return false;
    const auto* p = reinterpret_cast<const uint8_t*>(b_.data()) + at;
    *v = little_ ? static_cast<uint16_t>(p[0] | p[1] << 8) : static_cast<uint16_t>(p[0] << 8 | p[1]);
    return true;
  }
  bool U32(size_t at, uint32_t* v) const {
    uint16_t a, b;
    if (!U16(at, &a) || !U16(at + 2, &b)) return false;
    *v = little_ ? (uint32_t{b} << 16 | a) : (uint32_t{a} << 16 | b);
    return true;
  }

 private:
  std::string_view b_;
  bool little_ = false;
};

int OrientationFromTiff(std::string_view tiff_bytes) {
  Tiff t(tiff_bytes);
  uint32_t ifd0;
  uint16_t count;
  if (!t.Init() || !t.U32(4, &ifd0) || !t.U16(ifd0, &count)) return 1;
  for (uint32_t i = 0; i < count; ++i) {
    const size_t entry = size_t{ifd0} + 2 + size_t{i} * 12;
    uint16_t tag, type, value;
    if (!t.U16(entry, &tag) || !t.U16(entry + 2, &type)) return 1;
    if (tag != 0x0112) continue;
    // SHORT (3) is what the standard says; tolerate LONG (4) written by some tools.
    if (type == 3 && t.U16(entry + 8, &value) && value >= 1 && value <= 8) return value;
    uint32_t value32;
    if (type == 4 && t.U32(entry + 8, &value32) && value32 >= 1 && value32 <= 8) return static_cast<int>(value32);
    return 1;
  }
  return 1;
}

}  // namespace

int JpegExifOrientation(std::string_view b) {
  const auto* p = reinterpret_cast<const uint8_t*>(b.data());
  if (b.size() < 4 || p[0] != 0xFF || p[1] != 0xD8) return 1;
  size_t pos = 2;
  // Each step advances by at least 2 bytes, so the walk ends within the file's size.
  while (pos + 4 <= b.size()) {
    if (p[pos] != 0xFF) return 1;
    const uint8_t marker = p[pos + 1];
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) return 1;  // image data starts: no more metadata
    const size_t len = size_t{p[pos + 2]} << 8 | p[pos + 3];
    if (len < 2 || pos + 2 + len > b.size()) return 1;
    if (marker == 0xE1 && len >= 8 && b.substr(pos + 4, 6) == std::string_view("Exif\0\0", 6)) {
      return OrientationFromTiff(b.substr(pos + 10, len - 8));
    }
    pos += 2 + len;
  }
  return 1;
}

RgbImage ApplyExifOrientation(RgbImage img, int orientation) {
  if (orientation < 2 || orientation > 8 || img.empty()) return img;
  const int w = img.width, h = img.height;
  const bool swaps = orientation >= 5;  // 5..8 exchange width and height
  RgbImage out(swaps ? h : w, swaps ? w : h);
  for (int y = 0; y < out.height; ++y) {
    uint8_t* dst = out.row(y);
    for (int x = 0; x < out.width; ++x) {
      int sx = x, sy = y;
      switch (orientation) {
        case 2: sx = w - 1 - x; break;                     // mirrored left-right
        case 3: sx = w - 1 - x; sy = h - 1 - y; break;     // rotated 180
        case 4: sy = h - 1 - y; break;                     // mirrored top-bottom
        case 5: sx = y; sy = x; break;                     // transposed
        case 6: sx = y; sy = h - 1 - x; break;             // rotate 90 clockwise to display
        case 7: sx = w - 1 - y; sy = h - 1 - x; break;     // transverse
        case 8: sx = w - 1 - y; sy = x; break;             // rotate 90 counter-clockwise
      }
      const uint8_t* src = img.row(sy) + sx * 3;
      dst[x * 3] = src[0];
      dst[x * 3 + 1] = src[1];
      dst[x * 3 + 2] = src[2];
    }
  }
  return out;
}

}  // namespace media
