#include "media/jpeg_encode.h"

#include <cstdlib>

#include <gtest/gtest.h>

#include "media/image_decode.h"

namespace media {
namespace {

RgbImage Gradient(int w, int h) {
  RgbImage img(w, h);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t* p = img.row(y) + 3 * x;
      p[0] = static_cast<uint8_t>(x * 255 / w);
      p[1] = static_cast<uint8_t>(y * 255 / h);
      p[2] = 128;
    }
  }
  return img;
}

TEST(JpegEncode, RoundTripsThroughTheDecoderWithinJpegLoss) {
  RgbImage img = Gradient(64, 48);
  base::StatusOr<std::string> jpeg = EncodeJpeg(img, {.quality = 95, .subsample = false});
  ASSERT_TRUE(jpeg.ok()) << jpeg.status().ToString();
  EXPECT_EQ(SniffImageFormat(*jpeg), ImageFormat::kJpeg);
  base::StatusOr<RgbImage> back = DecodeImage(*jpeg);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->width, 64);
  ASSERT_EQ(back->height, 48);
  int worst = 0;
  for (size_t i = 0; i < img.pixels.size(); ++i) worst = std::max(worst, std::abs(img.pixels[i] - back->pixels[i]));
  EXPECT_LE(worst, 12);
}

TEST(JpegEncode, OddSizesAndReuseOfOneEncoder) {
  JpegEncoder encoder;
  std::string out;
  for (int w : {1, 7, 33}) {
    ASSERT_TRUE(encoder.Encode(Gradient(w, w + 2), {}, &out).ok());
    base::StatusOr<RgbImage> back = DecodeImage(out);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->width, w);
    EXPECT_EQ(back->height, w + 2);
  }
}

TEST(JpegEncode, RefusesEmptyImagesAndBadQuality) {
  EXPECT_EQ(EncodeJpeg(RgbImage()).status().code(), base::Status::Code::kInvalidArgument);
  EXPECT_EQ(EncodeJpeg(Gradient(4, 4), {.quality = 0}).status().code(), base::Status::Code::kInvalidArgument);
  EXPECT_EQ(EncodeJpeg(Gradient(4, 4), {.quality = 101}).status().code(), base::Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace media
