#include "cloud/dynamodb/number.h"

#include <gtest/gtest.h>

#include "cloud/dynamodb/codec.h"

namespace dynamodb {
namespace {

std::string Canon(std::string_view s) {
  auto d = Decimal::Parse(s);
  return d.ok() ? d->ToString() : "ERR: " + d.status().message();
}

TEST(DecimalTest, CanonicalFormMakesEqualNumbersEqualText) {
  struct Case { const char* in; const char* out; } cases[] = {
      {"1", "1"}, {"1.0", "1"}, {"+1", "1"}, {"01", "1"}, {"1E0", "1"}, {"10e-1", "1"},
      {"1e2", "100"}, {"1.5E-3", "0.0015"}, {"-0", "0"}, {"0.000", "0"}, {"-12.50", "-12.5"},
      {".5", "0.5"}, {"5.", "5"}, {"123.456", "123.456"}, {"-0.001e3", "-1"},
      {"12345678901234567890123456789012345678", "12345678901234567890123456789012345678"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Canon(c.in), c.out) << c.in;
  }
  EXPECT_EQ(Canon("1E125"), "1" + std::string(125, '0'));
  EXPECT_EQ(Canon("1E-130"), "0." + std::string(129, '0') + "1");
}

TEST(DecimalTest, RejectsWhatDynamoDbRejects) {
  EXPECT_EQ(Canon("abc"), "ERR: The parameter cannot be converted to a numeric value: abc");
  EXPECT_EQ(Canon(""), "ERR: The parameter cannot be converted to a numeric value: ");
  EXPECT_EQ(Canon("1e"), "ERR: The parameter cannot be converted to a numeric value: 1e");
  EXPECT_EQ(Canon("1.2.3"), "ERR: The parameter cannot be converted to a numeric value: 1.2.3");
  EXPECT_EQ(Canon(" 1"), "ERR: The parameter cannot be converted to a numeric value:  1");
  EXPECT_EQ(Canon("NaN"), "ERR: The parameter cannot be converted to a numeric value: NaN");
  EXPECT_EQ(Canon("1E126"),
            "ERR: Number overflow. Attempting to store a number with magnitude larger than supported range");
  EXPECT_EQ(Canon("-1E126"),
            "ERR: Number overflow. Attempting to store a number with magnitude larger than supported range");
  EXPECT_EQ(Canon("1E-131"),
            "ERR: Number underflow. Attempting to store a number with magnitude smaller than supported range");
  EXPECT_EQ(Canon("123456789012345678901234567890123456789"),
            "ERR: Attempting to store more than 38 significant digits in a Number");
  // Trailing zeros are not significant digits.
  EXPECT_EQ(Canon("1234567890123456789012345678901234567800000"),
            "1234567890123456789012345678901234567800000");
}

TEST(DecimalTest, ComparesNumericallyNotTextually) {
  const char* ordered[] = {"-1E125", "-100", "-10", "-9.99", "-1", "-0.5", "-0.05", "-1E-130", "0",
                           "1E-130", "0.05", "0.5", "1", "1.0001", "9", "10", "100", "1E125"};
  for (size_t i = 0; i < std::size(ordered); ++i) {
    for (size_t j = 0; j < std::size(ordered); ++j) {
      Decimal a = *Decimal::Parse(ordered[i]), b = *Decimal::Parse(ordered[j]);
      int want = i < j ? -1 : (i > j ? 1 : 0);
      EXPECT_EQ(Compare(a, b), want) << ordered[i] << " vs " << ordered[j];
      int key = a.SortKey().compare(b.SortKey());
      EXPECT_EQ(key < 0 ? -1 : (key > 0 ? 1 : 0), want) << "sort key " << ordered[i] << " vs " << ordered[j];
    }
  }
}

TEST(DecimalTest, AddsExactlyBeyondDoublePrecision) {
  auto add = [](const char* a, const char* b) {
    auto r = Add(*Decimal::Parse(a), *Decimal::Parse(b));
    return r.ok() ? r->ToString() : "ERR: " + r.status().message();
  };
  auto sub = [](const char* a, const char* b) {
    auto r = Subtract(*Decimal::Parse(a), *Decimal::Parse(b));
    return r.ok() ? r->ToString() : "ERR: " + r.status().message();
  };
  EXPECT_EQ(add("0.1", "0.2"), "0.3");
  EXPECT_EQ(add("99999999999999999999999999999999999999", "-1"), "99999999999999999999999999999999999998");
  EXPECT_EQ(add("12345678901234567890", "1"), "12345678901234567891");
  EXPECT_EQ(add("-5", "3"), "-2");
  EXPECT_EQ(add("5", "-5"), "0");
  EXPECT_EQ(add("999", "1"), "1000");
  EXPECT_EQ(add("1.5", "-0.25"), "1.25");
  EXPECT_EQ(sub("1", "0.001"), "0.999");
  EXPECT_EQ(sub("-1", "-1"), "0");
  EXPECT_EQ(add("1E100", "1"), "ERR: Attempting to store more than 38 significant digits in a Number");
  EXPECT_EQ(add("9.9999999999999999999999999999999999999E125", "1E125"),
            "ERR: Number overflow. Attempting to store a number with magnitude larger than supported range");
}

TEST(CodecTest, Base64RoundTripsAndRejectsGarbage) {
  for (std::string s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(Base64Decode(Base64Encode(s)).value_or("?"), s);
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_FALSE(Base64Decode("abc").has_value());
  EXPECT_FALSE(Base64Decode("ab!=").has_value());
}

TEST(CodecTest, Crc32MatchesZlib) {
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(Crc32(""), 0u);
}

}  // namespace
}  // namespace dynamodb
