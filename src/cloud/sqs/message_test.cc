#include "cloud/sqs/message.h"

#include <gtest/gtest.h>

namespace cloud::sqs {
namespace {

// The values below are the MD5s AWS printed in the AWS CLI's own examples for SQS
// (awscli/examples/sqs/receive-message.rst and send-message.rst, which elide the middle of each
// digest); the full digests are what a correct implementation must produce for those inputs.
TEST(MessageMd5, BodyDigestMatchesAwsExample) {
  std::string md5 = Md5Hex("Information about the largest city in Any Region.");
  EXPECT_EQ(md5, "51b0a3256d59467f973009b739163aa0");
  EXPECT_EQ(md5.substr(0, 8), "51b0a325");
}

TEST(MessageMd5, AttributeDigestMatchesAwsExamples) {
  MessageAttributes two = {{"PostalCode", "String", "ABC123"}, {"City", "String", "Any City"}};
  ASSERT_TRUE(NormalizeAttributes(two).ok());
  std::string md5 = Md5OfAttributes(two);
  EXPECT_EQ(md5.substr(0, 8), "9424c491");
  EXPECT_EQ(md5.substr(24), "26bc3ae7");

  MessageAttributes one = {{"PostalCode", "String", "ABC123"}};
  md5 = Md5OfAttributes(one);
  EXPECT_EQ(md5.substr(0, 8), "b8e89563");
  EXPECT_EQ(md5.substr(24), "e088e74f");
}

TEST(MessageMd5, BinaryUsesTransportTwoAndRawBytes) {
  // Same name, type prefix and bytes as a String attribute, but transport byte 2: digests differ.
  MessageAttributes binary = {{"a", "Binary", "xyz"}};
  MessageAttributes text = {{"a", "String", "xyz"}};
  EXPECT_NE(Md5OfAttributes(binary), Md5OfAttributes(text));
  std::string encoded = EncodeAttributes(binary);
  ASSERT_EQ(encoded.size(), 4 + 1 + 4 + 6 + 1 + 4 + 3u);
  EXPECT_EQ(encoded[4 + 1 + 4 + 6], 2);
  EXPECT_EQ(Md5OfAttributes({}), "");
}

TEST(MessageAttributes, EncodingRoundTrips) {
  MessageAttributes in = {{"b", "Binary.jpeg", std::string("\0\xff", 2)}, {"n", "Number.int", "-1.5e3"}};
  ASSERT_TRUE(NormalizeAttributes(in).ok());
  auto out = DecodeAttributes(EncodeAttributes(in));
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].value, std::string("\0\xff", 2));
  EXPECT_EQ((*out)[1].data_type, "Number.int");
  EXPECT_FALSE(DecodeAttributes(EncodeAttributes(in).substr(0, 7)).ok());
}

TEST(MessageAttributes, RejectsWhatSqsRejects) {
  auto check = [](MessageAttributes attrs) { return NormalizeAttributes(attrs).ok(); };
  EXPECT_TRUE(check({{"ok.name-1_x", "String.custom", "v"}}));
  EXPECT_FALSE(check({{"AWS.reserved", "String", "v"}}));
  EXPECT_FALSE(check({{"a..b", "String", "v"}}));
  EXPECT_FALSE(check({{"bad name", "String", "v"}}));
  EXPECT_FALSE(check({{"a", "Float", "1"}}));
  EXPECT_FALSE(check({{"a", "Number", "one"}}));
  EXPECT_FALSE(check({{"a", "String", ""}}));
  EXPECT_FALSE(check({{"a", "String", "x"}, {"a", "String", "y"}}));
  MessageAttributes eleven;
  for (int i = 0; i < 11; ++i) eleven.push_back({"a" + std::to_string(i), "String", "v"});
  EXPECT_FALSE(check(eleven));
}

TEST(MessageBody, AllowsUnicodeRejectsControlCharacters) {
  EXPECT_TRUE(ValidateBody("héllo \xF0\x9F\x98\x80 \t\n").ok());
  EXPECT_FALSE(ValidateBody("").ok());
  EXPECT_FALSE(ValidateBody(std::string("a\0b", 3)).ok());
  EXPECT_FALSE(ValidateBody("\xff\xfe").ok());
  EXPECT_FALSE(ValidateBody("\xED\xA0\x80").ok());  // a UTF-16 surrogate encoded as UTF-8
}

TEST(Base64, RoundTripsAndRejectsGarbage) {
  EXPECT_EQ(Base64Encode("Hello, World!"), "SGVsbG8sIFdvcmxkIQ==");
  EXPECT_EQ(*Base64Decode("SGVsbG8sIFdvcmxkIQ=="), "Hello, World!");
  EXPECT_EQ(*Base64Decode("SGVsbG8sIFdvcmxkIQ"), "Hello, World!");
  EXPECT_FALSE(Base64Decode("SGV$").has_value());
  EXPECT_FALSE(Base64Decode("S").has_value());
}

}  // namespace
}  // namespace cloud::sqs
