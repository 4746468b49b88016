#include <gtest/gtest.h>

#include "http/message.h"
#include "http/url.h"

namespace http {
namespace {

TEST(UrlTest, DecodesEscapesAndRejectsMalformedOnes) {
  EXPECT_EQ(*PercentDecode("a%20b%2Fc"), "a b/c");
  EXPECT_EQ(*PercentDecode("a+b", true), "a b");
  EXPECT_EQ(*PercentDecode("a+b", false), "a+b");
  EXPECT_FALSE(PercentDecode("%4").has_value());
  EXPECT_FALSE(PercentDecode("%zz").has_value());
  EXPECT_FALSE(PercentDecode("abc%").has_value());
}

TEST(UrlTest, UriEncodeIsAwsStyle) {
  EXPECT_EQ(UriEncode("a b/c~d*"), "a%20b%2Fc~d%2A");
  EXPECT_EQ(UriEncode("dir/ü.jpg", true), "dir/%C3%BC.jpg");
}

TEST(UrlTest, RequestTargetSplitsPathAndQuery) {
  Request r;
  r.target = "/bucket/a%20b+c?list-type=2&prefix=x%2Fy&uploads";
  ASSERT_TRUE(r.ParseTarget());
  EXPECT_EQ(r.path, "/bucket/a b+c");
  EXPECT_EQ(r.raw_path, "/bucket/a%20b+c");
  EXPECT_EQ(*r.Query("prefix"), "x/y");
  EXPECT_TRUE(r.HasQuery("uploads"));
  EXPECT_FALSE(r.HasQuery("delimiter"));
  r.target = "/bad%2";
  EXPECT_FALSE(r.ParseTarget());
}

TEST(HeadersTest, NamesAreCaseInsensitive) {
  Headers h;
  h.Add("Content-Type", "text/plain");
  h.Add("x-amz-meta-a", "1");
  EXPECT_EQ(*h.Get("content-type"), "text/plain");
  h.Set("CONTENT-TYPE", "image/jpeg");
  EXPECT_EQ(h.fields().size(), 2u);
  EXPECT_EQ(h.GetOr("Content-Type", ""), "image/jpeg");
  EXPECT_EQ(h.GetOr("missing", "dflt"), "dflt");
}

}  // namespace
}  // namespace http
