// DynamoDB numbers: arbitrary-precision decimals with DynamoDB's limits, never through double.
//
// DynamoDB keeps up to 38 significant digits, magnitudes from 1E-130 up to (but excluding) 1E126,
// and treats "1", "1.0", "+1" and "1E0" as the same number. A Decimal is the canonical form of
// such a number: value = (negative ? -1 : 1) * 0.d1d2...dn * 10^exponent, digits without leading
// or trailing zeros; zero has no digits.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace dynamodb {

struct Decimal {
  bool negative = false;
  std::string digits;  // '1'..'9' first and last; empty for zero
  int exponent = 0;    // meaningful only when digits is non-empty

  bool IsZero() const { return digits.empty(); }

  // Parses DynamoDB's number syntax ("-12.50e3"), checking precision and range. Errors are
  // InvalidArgument with DynamoDB's wording ("The parameter cannot be converted to a numeric
  // value: abc", "Number overflow. ...", "Attempting to store more than 38 significant digits ...").
  static base::StatusOr<Decimal> Parse(std::string_view text);

  // Plain notation as DynamoDB returns numbers: "1200", "-0.0015", "0".
  std::string ToString() const;

  // Bytes whose memcmp order is the numeric order (for SQLite key columns).
  std::string SortKey() const;
};

// <0, 0, >0 like strcmp, by numeric value.
int Compare(const Decimal& a, const Decimal& b);

// a + b and a - b, exactly; fails with DynamoDB's wording when the result leaves the range or
// needs more than 38 significant digits.
base::StatusOr<Decimal> Add(const Decimal& a, const Decimal& b);
base::StatusOr<Decimal> Subtract(const Decimal& a, const Decimal& b);

}  // namespace dynamodb
