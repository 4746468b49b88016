// Netpbm PGM/PPM: P2/P3 (ASCII) and P5/P6 (binary), maxval up to 65535. Small enough to parse
// ourselves; every read is bounds-checked.
#include <string>

#include "media/decoders.h"

namespace media::internal {
namespace {

using base::Status;

class PnmReader {
 public:
  explicit PnmReader(std::string_view b) : b_(b) {}

  // Skips whitespace and '#' comments, then reads a decimal number (at most 9 digits).
  bool Number(int64_t* out) {
    while (pos_ < b_.size()) {
      char c = b_[pos_];
      if (c == '#') {
        while (pos_ < b_.size() && b_[pos_] != '\n' && b_[pos_] != '\r') ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
        ++pos_;
      } else {
        break;
      }
    }
    int64_t v = 0;
    int digits = 0;
    while (pos_ < b_.size() && b_[pos_] >= '0' && b_[pos_] <= '9' && digits < 10) {
      v = v * 10 + (b_[pos_++] - '0');
      ++digits;
    }
    if (digits == 0 || digits == 10) return false;
    *out = v;
    return true;
  }
  size_t pos() const { return pos_; }
  void Skip(size_t n) { pos_ += n; }

 private:
  std::string_view b_;
  size_t pos_ = 0;
};

}  // namespace

base::StatusOr<RgbImage> DecodePnm(std::string_view bytes, int64_t max_pixels) {
  const char kind = bytes[1];  // SniffImageFormat checked "P[2356]"
  const bool gray = kind == '2' || kind == '5';
  const bool binary = kind == '5' || kind == '6';
  PnmReader r(bytes);
  r.Skip(2);
  int64_t width = 0, height = 0, maxval = 0;
  if (!r.Number(&width) || !r.Number(&height) || !r.Number(&maxval)) {
    return Status::InvalidArgument("corrupt PGM/PPM header");
  }
  EF_RETURN_IF_ERROR(CheckDimensions(width, height, max_pixels));
  if (maxval < 1 || maxval > 65535) {
    return Status::InvalidArgument("corrupt PGM/PPM: maxval " + std::to_string(maxval));
  }
  const int channels = gray ? 1 : 3;
  const int64_t samples = width * height * channels;
  const int sample_bytes = maxval > 255 ? 2 : 1;
  if (binary) {
    r.Skip(1);  // exactly one whitespace byte separates the header from the raster
    if (r.pos() > bytes.size() || bytes.size() - r.pos() < static_cast<uint64_t>(samples * sample_bytes)) {
      return Status::InvalidArgument("truncated PGM/PPM: the raster is shorter than " +
                                     std::to_string(width) + "x" + std::to_string(height));
    }
  } else if (static_cast<uint64_t>(samples) > bytes.size()) {
    // Each ASCII sample takes at least one byte: refuse before allocating for a lying header.
    return Status::InvalidArgument("truncated PGM/PPM: fewer samples than the header says");
  }
  RgbImage img(static_cast<int>(width), static_cast<int>(height));
  const auto* raw = reinterpret_cast<const uint8_t*>(bytes.data()) + r.pos();
  for (int64_t i = 0; i < samples; ++i) {
    int64_t v;
    if (binary) {
      v = sample_bytes == 2 ? (raw[2 * i] << 8 | raw[2 * i + 1]) : raw[i];
    } else if (!r.Number(&v)) {
      return Status::InvalidArgument("truncated or corrupt PGM/PPM raster");
    }
    if (v > maxval) v = maxval;
    const auto s = static_cast<uint8_t>(maxval == 255 ? v : (v * 255 + maxval / 2) / maxval);
    if (gray) {
      img.pixels[i * 3] = img.pixels[i * 3 + 1] = img.pixels[i * 3 + 2] = s;
    } else {
      img.pixels[i] = s;
    }
  }
  return img;
}

}  // namespace media::internal
