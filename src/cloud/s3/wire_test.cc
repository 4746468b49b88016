#include "cloud/s3/wire.h"

#include <gtest/gtest.h>

namespace s3 {
namespace {

TEST(ParseRange, FormsS3Accepts) {
  ByteRange r;
  ASSERT_EQ(ParseRange("bytes=0-9", 100, &r), RangeResult::kPartial);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 9u);
  ASSERT_EQ(ParseRange("bytes=90-", 100, &r), RangeResult::kPartial);
  EXPECT_EQ(r.first, 90u);
  EXPECT_EQ(r.last, 99u);
  ASSERT_EQ(ParseRange("bytes=-10", 100, &r), RangeResult::kPartial);
  EXPECT_EQ(r.first, 90u);
  ASSERT_EQ(ParseRange("bytes=-500", 100, &r), RangeResult::kPartial);
  EXPECT_EQ(r.first, 0u);
  ASSERT_EQ(ParseRange("bytes=50-5000", 100, &r), RangeResult::kPartial);
  EXPECT_EQ(r.last, 99u);
}

TEST(ParseRange, UnsatisfiableAndIgnored) {
  ByteRange r;
  EXPECT_EQ(ParseRange("bytes=100-", 100, &r), RangeResult::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=-0", 100, &r), RangeResult::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=0-0", 0, &r), RangeResult::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=5-1", 100, &r), RangeResult::kWhole);
  EXPECT_EQ(ParseRange("items=0-1", 100, &r), RangeResult::kWhole);
  EXPECT_EQ(ParseRange("bytes=0-1,5-6", 100, &r), RangeResult::kWhole);
  EXPECT_EQ(ParseRange("bytes=x-1", 100, &r), RangeResult::kWhole);
  EXPECT_EQ(ParseRange("bytes=99999999999999999999-", 100, &r), RangeResult::kWhole);
}

TEST(ParseCopySource, DecodesBucketKeyAndVersion) {
  auto c = ParseCopySource("/src-bucket/dir/a%20b%2B%C3%A9?versionId=null");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->bucket, "src-bucket");
  EXPECT_EQ(c->key, "dir/a b+\xC3\xA9");
  EXPECT_EQ(c->version_id, "null");
  EXPECT_TRUE(ParseCopySource("b/k"));
  EXPECT_FALSE(ParseCopySource("bucket-only"));
  EXPECT_FALSE(ParseCopySource("/b/"));
  EXPECT_FALSE(ParseCopySource("b/%zz"));
}

TEST(BucketNames, FollowS3Rules) {
  for (const char* ok : {"abc", "my-bucket.1", "a1b"}) EXPECT_TRUE(IsValidBucketName(ok)) << ok;
  EXPECT_TRUE(IsValidBucketName(std::string(63, 'a')));
  for (const char* bad : {"ab", "ABC", "-abc", "abc-", "a..b", "a_b", "192.168.1.1", "a.-b"}) {
    EXPECT_FALSE(IsValidBucketName(bad)) << bad;
  }
  EXPECT_FALSE(IsValidBucketName(std::string(64, 'a')));
}

TEST(Dates, FormatAndParse) {
  EXPECT_EQ(HttpDate(1445412480123), "Wed, 21 Oct 2015 07:28:00 GMT");
  EXPECT_EQ(IsoDate(1445412480123), "2015-10-21T07:28:00.123Z");
  EXPECT_EQ(ParseHttpDate("Wed, 21 Oct 2015 07:28:00 GMT"), 1445412480000);
  EXPECT_FALSE(ParseHttpDate("yesterday"));
}

TEST(Base64, RoundTripsAndRejectsJunk) {
  for (std::string s : {std::string(), std::string("a"), std::string("ab"), std::string("abc"),
                        std::string("abcd"), std::string("\0\xff\x10", 3)}) {
    auto d = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, s);
  }
  EXPECT_EQ(Base64Encode("abc"), "YWJj");
  EXPECT_FALSE(Base64Decode("abc"));
  EXPECT_FALSE(Base64Decode("ab!="));
  EXPECT_FALSE(Base64Decode("a==="));
}

TEST(Utf8, Validates) {
  EXPECT_TRUE(IsValidUtf8("plain/../key"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

}  // namespace
}  // namespace s3
