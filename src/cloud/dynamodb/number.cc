#include "cloud/dynamodb/number.h"

#include <algorithm>

namespace dynamodb {
namespace {

constexpr int kMaxDigits = 38;
// Value = 0.d1d2.. * 10^exponent, so 1E126 has exponent 127 and 1E-130 has exponent -129.
constexpr int kMaxExponent = 126;   // largest allowed: 0.99..9 * 10^126 < 1E126
constexpr int kMinExponent = -129;  // smallest allowed: 0.1 * 10^-129 = 1E-130

base::Status NotNumeric(std::string_view text) {
  return base::Status::InvalidArgument("The parameter cannot be converted to a numeric value: " +
                                       std::string(text));
}

// Strips leading and trailing zeros of a digit string, adjusting the exponent, and checks the
// limits. `digits` holds the integer digits of value = digits * 10^(scale) before the call.
base::StatusOr<Decimal> Normalize(bool negative, std::string digits, long long scale) {
  size_t first = digits.find_first_not_of('0');
  Decimal d;
  if (first == std::string::npos) return d;  // zero: sign dropped
  size_t last = digits.find_last_not_of('0');
  // value = 0.<digits[first..]> * 10^(len - first + scale)
  long long exponent = static_cast<long long>(digits.size() - first) + scale;
  d.digits = digits.substr(first, last - first + 1);
  d.negative = negative;
  if (exponent > kMaxExponent) {
    return base::Status::InvalidArgument(
        "Number overflow. Attempting to store a number with magnitude larger than supported range");
  }
  if (exponent < kMinExponent) {
    return base::Status::InvalidArgument(
        "Number underflow. Attempting to store a number with magnitude smaller than supported range");
  }
  if (d.digits.size() > kMaxDigits) {
    return base::Status::InvalidArgument("Attempting to store more than 38 significant digits in a Number");
  }
  d.exponent = static_cast<int>(exponent);
  return d;
}

// |a| compared with |b|.
int CompareMagnitude(const Decimal& a, const Decimal& b) {
  if (a.IsZero() || b.IsZero()) return static_cast<int>(!a.IsZero()) - static_cast<int>(!b.IsZero());
  if (a.exponent != b.exponent) return a.exponent < b.exponent ? -1 : 1;
  int c = a.digits.compare(b.digits);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// Digits of |d| aligned so that the last digit has weight 10^low (low <= d's lowest weight).
std::string Aligned(const Decimal& d, int high, int low) {
  // d's most significant digit has weight 10^(exponent-1).
  std::string out(static_cast<size_t>(high - low + 1), '0');
  for (size_t i = 0; i < d.digits.size(); ++i) {
    int weight = d.exponent - 1 - static_cast<int>(i);
    out[static_cast<size_t>(high - weight)] = d.digits[i];
  }
  return out;
}

}  // namespace

base::StatusOr<Decimal> Decimal::Parse(std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  std::string digits;
  long long scale = 0;
  bool any_digit = false, seen_point = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      any_digit = true;
      // Leading zeros carry no information; skipping them keeps "000...0001" cheap.
      if (!(digits.empty() && c == '0')) digits.push_back(c);
      if (seen_point) --scale;
      if (digits.size() > 4096) return NotNumeric(text);
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (!any_digit) return NotNumeric(text);
  if (i < text.size()) {
    if (text[i] != 'e' && text[i] != 'E') return NotNumeric(text);
    ++i;
    bool exp_negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) exp_negative = text[i++] == '-';
    if (i == text.size()) return NotNumeric(text);
    long long e = 0;
    for (; i < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9') return NotNumeric(text);
      if (e < 100000000) e = e * 10 + (text[i] - '0');
    }
    scale += exp_negative ? -e : e;
  }
  // Trailing zeros of the integer digits shift into the scale so the digit count stays honest.
  return Normalize(negative, std::move(digits), scale);
}

std::string Decimal::ToString() const {
  if (IsZero()) return "0";
  std::string out = negative ? "-" : "";
  int n = static_cast<int>(digits.size());
  if (exponent <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-exponent), '0');
    out += digits;
  } else if (exponent >= n) {
    out += digits;
    out.append(static_cast<size_t>(exponent - n), '0');
  } else {
    out.append(digits, 0, static_cast<size_t>(exponent));
    out += '.';
    out.append(digits, static_cast<size_t>(exponent), std::string::npos);
  }
  return out;
}

std::string Decimal::SortKey() const {
  // Class byte (negative < zero < positive), then the exponent (two bytes, big-endian, offset so it
  // is positive), then the digits. Negative numbers invert everything and end with 0xFF so that
  // a shorter digit string (a number closer to zero) sorts after its longer extensions.
  std::string key;
  if (IsZero()) return std::string(1, '\x01');
  unsigned e = static_cast<unsigned>(exponent + 1000);
  if (!negative) {
    key.push_back('\x02');
    key.push_back(static_cast<char>(e >> 8));
    key.push_back(static_cast<char>(e & 0xFF));
    key += digits;
  } else {
    unsigned inv = 0xFFFF - e;
    key.push_back('\x00');
    key.push_back(static_cast<char>(inv >> 8));
    key.push_back(static_cast<char>(inv & 0xFF));
    for (char c : digits) key.push_back(static_cast<char>('0' + ('9' - c)));
    key.push_back('\xFF');
  }
  return key;
}

int Compare(const Decimal& a, const Decimal& b) {
  int sign_a = a.IsZero() ? 0 : (a.negative ? -1 : 1);
  int sign_b = b.IsZero() ? 0 : (b.negative ? -1 : 1);
  if (sign_a != sign_b) return sign_a < sign_b ? -1 : 1;
  int m = CompareMagnitude(a, b);
  return sign_a < 0 ? -m : m;
}

base::StatusOr<Decimal> Add(const Decimal& a, const Decimal& b) {
  if (a.IsZero()) return b;
  if (b.IsZero()) return a;
  int high = std::max(a.exponent, b.exponent);  // weight of the top digit + 1
  int low = std::min(a.exponent - static_cast<int>(a.digits.size()),
                     b.exponent - static_cast<int>(b.digits.size()));
  // Weights from 10^high (an extra carry position) down to 10^low.
  std::string x = Aligned(a, high, low), y = Aligned(b, high, low);
  std::string sum(x.size(), '0');
  bool negative;
  if (a.negative == b.negative) {
    negative = a.negative;
    int carry = 0;
    for (size_t i = x.size(); i-- > 0;) {
      int v = (x[i] - '0') + (y[i] - '0') + carry;
      sum[i] = static_cast<char>('0' + v % 10);
      carry = v / 10;
    }
  } else {
    // Subtract the smaller magnitude from the larger; the sign follows the larger.
    int m = CompareMagnitude(a, b);
    if (m == 0) return Decimal{};
    const std::string& big = m > 0 ? x : y;
    const std::string& small = m > 0 ? y : x;
    negative = m > 0 ? a.negative : b.negative;
    int borrow = 0;
    for (size_t i = big.size(); i-- > 0;) {
      int v = (big[i] - '0') - (small[i] - '0') - borrow;
      borrow = v < 0;
      sum[i] = static_cast<char>('0' + (v + 10) % 10);
    }
  }
  return Normalize(negative, std::move(sum), low);
}

base::StatusOr<Decimal> Subtract(const Decimal& a, const Decimal& b) {
  Decimal neg = b;
  if (!neg.IsZero()) neg.negative = !neg.negative;
  return Add(a, neg);
}

}  // namespace dynamodb
