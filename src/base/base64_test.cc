#include "base/base64.h"

#include <gtest/gtest.h>

namespace base {
namespace {

TEST(Base64Test, EncodesRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(Base64Test, RoundTripsEveryLength) {
  std::string bytes;
  for (int n = 0; n < 300; ++n) {
    auto back = Base64Decode(Base64Encode(bytes));
    ASSERT_TRUE(back.has_value()) << n;
    EXPECT_EQ(*back, bytes);
    bytes += char(n * 37);
  }
}

TEST(Base64Test, StrictRejectsWhatAwsRejects) {
  EXPECT_FALSE(Base64Decode("Zg").has_value());        // missing padding
  EXPECT_FALSE(Base64Decode("Zh==").has_value());      // non-canonical trailing bits
  EXPECT_FALSE(Base64Decode("Zm9v\n").has_value());    // whitespace
  EXPECT_FALSE(Base64Decode("Zm9v=").has_value());     // padding after a full quantum
  EXPECT_FALSE(Base64Decode("Z===").has_value());      // one sextet is never a byte
  EXPECT_FALSE(Base64Decode("Zm=v").has_value());      // data after padding
  EXPECT_FALSE(Base64Decode("Zm9-").has_value());      // URL alphabet is not this one
}

TEST(Base64Test, LenientAcceptsWrappedAndUnpaddedText) {
  EXPECT_EQ(Base64Decode("Zm9v\nYmFy\r\n", Base64Mode::kLenient), "foobar");
  EXPECT_EQ(Base64Decode("Zg", Base64Mode::kLenient), "f");
  EXPECT_EQ(Base64Decode("Zm8=", Base64Mode::kLenient), "fo");
  EXPECT_FALSE(Base64Decode("Zm8==", Base64Mode::kLenient).has_value());
  EXPECT_FALSE(Base64Decode("Zm9v!", Base64Mode::kLenient).has_value());
}

}  // namespace
}  // namespace base
