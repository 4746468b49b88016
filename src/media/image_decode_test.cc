#include "media/image_decode.h"

#include <gtest/gtest.h>
#include <png.h>
#include <turbojpeg.h>
#include <webp/encode.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "base/files.h"
#include "media/exif.h"

namespace media {
namespace {

const char kFixtures[] = "../shared/data/fixtures/face_recognition/";

// A small picture whose every pixel differs, so any misplaced byte shows.
RgbImage Gradient(int w, int h) {
  RgbImage img(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* p = img.row(y) + x * 3;
      p[0] = static_cast<uint8_t>(x * 7 + y);
      p[1] = static_cast<uint8_t>(y * 11 + x * 3);
      p[2] = static_cast<uint8_t>(x * y + 5);
    }
  return img;
}

std::string EncodePng(const RgbImage& img) {
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = img.width;
  png.height = img.height;
  png.format = PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  EXPECT_TRUE(png_image_write_to_memory(&png, nullptr, &size, 0, img.pixels.data(), 0, nullptr));
  std::string out(size, '\0');
  EXPECT_TRUE(png_image_write_to_memory(&png, out.data(), &size, 0, img.pixels.data(), 0, nullptr));
  out.resize(size);
  return out;
}

std::string EncodeJpeg(const RgbImage& img, int quality = 95) {
  tjhandle tj = tjInitCompress();
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  EXPECT_EQ(0, tjCompress2(tj, img.pixels.data(), img.width, img.stride(), img.height, TJPF_RGB,
                           &buf, &size, TJSAMP_444, quality, 0));
  std::string out(reinterpret_cast<char*>(buf), size);
  tjFree(buf);
  tjDestroy(tj);
  return out;
}

// Writes a PNG chunk (length, type, data, CRC) as the format requires.
std::string PngChunk(const std::string& type, const std::string& data) {
  auto be32 = [](uint32_t v) {
    return std::string{char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  };
  std::string body = type + data;
  uint32_t crc = crc32(0, reinterpret_cast<const Bytef*>(body.data()), body.size());
  return be32(data.size()) + body + be32(crc);
}

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/edgeface_media_test_" + std::to_string(getpid()) + "_" + name;
}

TEST(ImageDecode, JpegFixtureHasItsKnownSize) {
  base::StatusOr<RgbImage> img = ReadImageFile(std::string(kFixtures) + "obama-480p.jpg");
  ASSERT_TRUE(img.ok()) << img.status().ToString();
  EXPECT_EQ(img->width, 853);
  EXPECT_EQ(img->height, 480);
  EXPECT_EQ(img->pixels.size(), img->stride() * img->height);
}

TEST(ImageDecode, LosslessFormatsGiveBackTheExactPixels) {
  const RgbImage original = Gradient(37, 23);
  uint8_t* webp = nullptr;
  size_t webp_size = WebPEncodeLosslessRGB(original.pixels.data(), original.width, original.height,
                                           original.stride(), &webp);
  ASSERT_GT(webp_size, 0u);
  const std::string encoded[] = {EncodePng(original), EncodePpm(original),
                                 std::string(reinterpret_cast<char*>(webp), webp_size)};
  WebPFree(webp);
  const ImageFormat formats[] = {ImageFormat::kPng, ImageFormat::kPnm, ImageFormat::kWebp};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(SniffImageFormat(encoded[i]), formats[i]);
    base::StatusOr<RgbImage> img = DecodeImage(encoded[i]);
    ASSERT_TRUE(img.ok()) << ImageFormatName(formats[i]) << ": " << img.status().ToString();
    EXPECT_EQ(img->width, original.width);
    EXPECT_EQ(img->height, original.height);
    EXPECT_EQ(img->pixels, original.pixels) << ImageFormatName(formats[i]);
  }
}

TEST(ImageDecode, AsciiAndGreyNetpbm) {
  base::StatusOr<RgbImage> ppm = DecodeImage("P3\n# a comment\n2 1\n255\n255 0 0  0 0 255\n");
  ASSERT_TRUE(ppm.ok()) << ppm.status().ToString();
  EXPECT_EQ(ppm->pixels, (std::vector<uint8_t>{255, 0, 0, 0, 0, 255}));
  base::StatusOr<RgbImage> pgm = DecodeImage(std::string("P5 2 1 15\n") + char(15) + char(0));
  ASSERT_TRUE(pgm.ok()) << pgm.status().ToString();
  EXPECT_EQ(pgm->pixels, (std::vector<uint8_t>{255, 255, 255, 0, 0, 0}));
}

TEST(ImageDecode, FormatComesFromContentNotName) {
  const RgbImage original = Gradient(8, 8);
  const std::string path = TempPath("really_a_png.jpg");
  ASSERT_TRUE(base::WriteFileAtomic(path, EncodePng(original)).ok());
  base::StatusOr<RgbImage> img = ReadImageFile(path);
  std::remove(path.c_str());
  ASSERT_TRUE(img.ok()) << img.status().ToString();
  EXPECT_EQ(img->pixels, original.pixels);
}

TEST(ImageDecode, ThirtyTwoBitPngLosesAlphaKeepsColour) {
  base::StatusOr<RgbImage> img = ReadImageFile(std::string(kFixtures) + "test_images/32bit.png");
  ASSERT_TRUE(img.ok()) << img.status().ToString();
  EXPECT_GT(img->width, 0);
  EXPECT_EQ(img->pixels.size(), img->stride() * img->height);
}

// Left half red, right half blue, 16x8, with an EXIF orientation inserted after SOI.
std::string JpegWithOrientation(int orientation, bool little_endian) {
  RgbImage img(16, 8);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 16; ++x) {
      uint8_t* p = img.row(y) + x * 3;
      p[0] = x < 8 ? 255 : 0;
      p[2] = x < 8 ? 0 : 255;
    }
  std::string jpeg = EncodeJpeg(img);
  std::string tiff = little_endian ? std::string("II*\0\x08\0\0\0", 8) : std::string("MM\0*\0\0\0\x08", 8);
  // IFD0: one entry, tag 0x0112 SHORT count 1 value `orientation`, then next-IFD offset 0.
  if (little_endian) {
    tiff += std::string("\x01\0\x12\x01\x03\0\x01\0\0\0", 10) + char(orientation) + std::string(7, '\0');
  } else {
    tiff += std::string("\0\x01\x01\x12\0\x03\0\0\0\x01\0", 11) + char(orientation) + std::string(6, '\0');
  }
  std::string payload = std::string("Exif\0\0", 6) + tiff;
  const size_t len = payload.size() + 2;
  std::string app1 = std::string("\xFF\xE1") + char(len >> 8) + char(len & 0xFF) + payload;
  return jpeg.substr(0, 2) + app1 + jpeg.substr(2);
}

TEST(ImageDecode, ExifOrientationIsApplied) {
  for (bool little : {true, false}) {
    std::string jpeg = JpegWithOrientation(6, little);
    EXPECT_EQ(JpegExifOrientation(jpeg), 6);
    base::StatusOr<RgbImage> img = DecodeImage(jpeg);
    ASSERT_TRUE(img.ok()) << img.status().ToString();
    // Rotated 90 degrees clockwise for display: 8 wide, 16 tall, the red half now on top.
    ASSERT_EQ(img->width, 8);
    ASSERT_EQ(img->height, 16);
    EXPECT_GT(img->row(2)[4 * 3 + 0], 200);   // top: red
    EXPECT_LT(img->row(2)[4 * 3 + 2], 60);
    EXPECT_GT(img->row(13)[4 * 3 + 2], 200);  // bottom: blue
    DecodeOptions as_stored;
    as_stored.apply_exif_orientation = false;
    EXPECT_EQ(DecodeImage(jpeg, as_stored)->width, 16);
  }
  EXPECT_EQ(JpegExifOrientation(JpegWithOrientation(3, true)), 3);
}

TEST(ImageDecode, EveryOrientationIsAPermutationOfThePixels) {
  const RgbImage src = Gradient(5, 3);
  // 6 then 8 (clockwise then counter-clockwise) is the identity; 3 twice too; 5 (transpose) twice.
  EXPECT_EQ(ApplyExifOrientation(ApplyExifOrientation(src, 6), 8).pixels, src.pixels);
  EXPECT_EQ(ApplyExifOrientation(ApplyExifOrientation(src, 3), 3).pixels, src.pixels);
  EXPECT_EQ(ApplyExifOrientation(ApplyExifOrientation(src, 5), 5).pixels, src.pixels);
  EXPECT_EQ(ApplyExifOrientation(ApplyExifOrientation(src, 7), 7).pixels, src.pixels);
  EXPECT_EQ(ApplyExifOrientation(src, 6).width, 3);
}

TEST(ImageDecodeErrors, EmptyAndNotAnImage) {
  base::StatusOr<RgbImage> empty = DecodeImage("");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("empty"), std::string::npos);
  base::StatusOr<RgbImage> text = DecodeImage("hello, this is text\n");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), base::Status::Code::kInvalidArgument);
  EXPECT_NE(text.status().message().find("not an image"), std::string::npos);
}

TEST(ImageDecodeErrors, TruncatedJpegIsRefused) {
  base::StatusOr<std::string> bytes = base::ReadFile(std::string(kFixtures) + "obama_small.jpg");
  ASSERT_TRUE(bytes.ok());
  for (size_t keep : {bytes->size() / 2, size_t{200}, size_t{3}}) {
    base::StatusOr<RgbImage> img = DecodeImage(bytes->substr(0, keep));
    ASSERT_FALSE(img.ok()) << keep;
    EXPECT_EQ(img.status().code(), base::Status::Code::kInvalidArgument);
  }
  base::StatusOr<RgbImage> png = DecodeImage(EncodePng(Gradient(40, 40)).substr(0, 60));
  EXPECT_FALSE(png.ok());
}

TEST(ImageDecodeErrors, HugeDimensionsAreRefusedBeforeAllocating) {
  // Headers that claim 30000x30000 (900 megapixels) with no pixel data behind them.
  std::string ihdr = std::string("\0\0\x75\x30\0\0\x75\x30\x08\x02\0\0\0", 13);
  // The first row's worth of compressed zeros: a decoder that trusted the header would now
  // allocate 2.7 GB.
  std::string zeros(1024, '\0');
  uLongf packed_size = compressBound(zeros.size());
  std::string packed(packed_size, '\0');
  ASSERT_EQ(Z_OK, compress(reinterpret_cast<Bytef*>(packed.data()), &packed_size,
                           reinterpret_cast<const Bytef*>(zeros.data()), zeros.size()));
  packed.resize(packed_size);
  const std::string png = "\x89PNG\r\n\x1A\n" + PngChunk("IHDR", ihdr) + PngChunk("IDAT", packed) +
                          PngChunk("IEND", "");
  const std::string ppm = "P6\n30000 30000\n255\n";
  for (const std::string& bytes : {png, ppm}) {
    base::StatusOr<RgbImage> img = DecodeImage(bytes);
    ASSERT_FALSE(img.ok());
    EXPECT_EQ(img.status().code(), base::Status::Code::kResourceExhausted) << img.status().ToString();
    EXPECT_NE(img.status().message().find("30000x30000"), std::string::npos);
  }
}

TEST(ImageDecodeErrors, FileErrorsNameTheFile) {
  const std::string path = TempPath("empty.jpg");
  ASSERT_TRUE(base::WriteFileAtomic(path, "").ok());
  base::StatusOr<RgbImage> img = ReadImageFile(path);
  std::remove(path.c_str());
  ASSERT_FALSE(img.ok());
  EXPECT_NE(img.status().message().find(path), std::string::npos);
  EXPECT_FALSE(ReadImageFile("/nonexistent/x.jpg").ok());
}

TEST(ImageResize, HalvingAFlatImageKeepsItsColour) {
  RgbImage flat(64, 32);
  for (size_t i = 0; i < flat.pixels.size(); ++i) flat.pixels[i] = static_cast<uint8_t>(50 + i % 3 * 60);
  RgbImage half = Resize(flat, 32, 16);
  ASSERT_EQ(half.width, 32);
  for (size_t i = 0; i < half.pixels.size(); ++i) ASSERT_EQ(half.pixels[i], 50 + i % 3 * 60);
}

}  // namespace
}  // namespace media
