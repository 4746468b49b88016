// ParsePayload's fast path (long plain strings copied in one go) must give exactly the tree
// nlohmann::json::parse gives, for every shape of text.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "functions/common.h"

namespace functions {
namespace {

std::string Base64Like(size_t n) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string s(n, 'A');
  for (size_t i = 0; i < n; ++i) s[i] = kAlphabet[(i * 7 + i / 64) % 64];
  return s;
}

void ExpectSameAsNlohmann(const std::string& text) {
  nlohmann::json want = nlohmann::json::parse(text, nullptr, false);
  nlohmann::json got = ParsePayload(text);
  EXPECT_EQ(got.is_discarded(), want.is_discarded()) << text.substr(0, 200);
  if (!want.is_discarded()) {
    EXPECT_EQ(got, want) << text.substr(0, 200);
  }
}

TEST(ParsePayload, AFunctionUrlEventWithAFrameParsesAsNlohmannDoes) {
  const std::string frame = Base64Like(270000);
  const std::string event = R"({"version":"2.0","headers":{"content-type":"image/jpeg","x-request-id":"r1"},)"
                            R"("body":")" + frame + R"(","isBase64Encoded":true,"rawPath":"/"})";
  nlohmann::json j = ParsePayload(event);
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["body"].get<std::string>(), frame);
  EXPECT_EQ(j["headers"]["x-request-id"], "r1");
  ExpectSameAsNlohmann(event);
  ExpectSameAsNlohmann(R"({"image":")" + frame + R"("})");
}

TEST(ParsePayload, SeveralLongStringsNestedInArraysAndObjects) {
  const std::string a = Base64Like(5000), b = Base64Like(9000) + "==";
  ExpectSameAsNlohmann(R"({"x":[")" + a + R"(",{"y":")" + b + R"("}], "z" : ")" + a + R"(" })");
  ExpectSameAsNlohmann("\"" + a + "\"");  // a bare string
}

TEST(ParsePayload, LongStringsWithEscapesOrOddBytesAreLeftToTheParser) {
  const std::string a = Base64Like(6000);
  ExpectSameAsNlohmann(R"({"s":")" + a + R"(\"quoted\" \\ \n tail", "t":1})");
  ExpectSameAsNlohmann(R"({"s":")" + a + "\x01" + R"("})");             // raw control char: invalid
  ExpectSameAsNlohmann(R"({"s":")" + a + "\xff\xfe" + R"("})");         // not UTF-8: invalid
  ExpectSameAsNlohmann(R"({"s":")" + a + "caf\xc3\xa9" + R"("})");      // UTF-8: valid
  ExpectSameAsNlohmann(R"({")" + a + R"(":1})");                        // a long key
}

TEST(ParsePayload, TextThatLooksLikeAPlaceholderOrIsBrokenIsHandledLikeNlohmann) {
  const std::string a = Base64Like(6000);
  ExpectSameAsNlohmann(R"({"s":")" + a + R"(","p":"\u0001EFLIFT0"})");
  ExpectSameAsNlohmann(R"({"s":")" + a);              // unterminated string
  ExpectSameAsNlohmann(R"({"s":")" + a + R"(",})");   // trailing comma
  ExpectSameAsNlohmann(R"({"s":")" + a + R"(" "t":1})");  // missing comma
  ExpectSameAsNlohmann(R"({"s":")" + a + "\\");
  ExpectSameAsNlohmann("not json at all " + a);
  ExpectSameAsNlohmann("");
}

}  // namespace
}  // namespace functions
