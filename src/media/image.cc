#include "media/image.h"

namespace media {

RgbImage Resize(const RgbImage& src, int w, int h) {
  RgbImage dst(w, h);
  if (src.empty() || w <= 0 || h <= 0) return dst;
  // Pixel centres map to pixel centres; weights in 1/256ths keep the inner loop in integers.
  const double sx = static_cast<double>(src.width) / w, sy = static_cast<double>(src.height) / h;
  std::vector<int> x0(w), wx(w);
  for (int x = 0; x < w; ++x) {
    double fx = (x + 0.5) * sx - 0.5;
    if (fx < 0) fx = 0;
    int ix = static_cast<int>(fx);
    if (ix >= src.width - 1) {
      ix = src.width - 1;
      fx = ix;
    }
    x0[x] = ix;
    wx[x] = static_cast<int>((fx - ix) * 256 + 0.5);
  }
  for (int y = 0; y < h; ++y) {
    double fy = (y + 0.5) * sy - 0.5;
    if (fy < 0) fy = 0;
    int iy = static_cast<int>(fy);
    if (iy >= src.height - 1) {
      iy = src.height - 1;
      fy = iy;
    }
    const int wy = static_cast<int>((fy - iy) * 256 + 0.5);
    const uint8_t* r0 = src.row(iy);
    const uint8_t* r1 = src.row(iy + 1 < src.height ? iy + 1 : iy);
    uint8_t* out = dst.row(y);
    for (int x = 0; x < w; ++x) {
      const int a = x0[x] * 3;
      const int b = (x0[x] + 1 < src.width ? x0[x] + 1 : x0[x]) * 3;
      const int fx = wx[x];
      for (int c = 0; c < 3; ++c) {
        const int top = r0[a + c] * (256 - fx) + r0[b + c] * fx;
        const int bottom = r1[a + c] * (256 - fx) + r1[b + c] * fx;
        out[x * 3 + c] = static_cast<uint8_t>((top * (256 - wy) + bottom * wy + (1 << 15)) >> 16);
      }
    }
  }
  return dst;
}

}  // namespace media
