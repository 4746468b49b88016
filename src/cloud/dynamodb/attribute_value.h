// DynamoDB attribute values (S, N, B, BOOL, NULL, L, M, SS, NS, BS): the in-memory form, the wire
// JSON form ({"S":"x"}, {"N":"1"}, {"B":"<base64>"} ...), validation with DynamoDB's wording,
// equality, ordering and the item size DynamoDB charges against its 400 KB limit.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/status.h"

namespace dynamodb {

enum class Type : uint8_t { kS, kN, kB, kBool, kNull, kL, kM, kSS, kNS, kBS };

// "S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS".
std::string_view TypeName(Type type);
std::optional<Type> TypeFromName(std::string_view name);

struct Value;
using Map = std::map<std::string, Value>;
using Item = Map;  // an item is its top-level attribute map

struct Value {
  Type type = Type::kNull;
  std::string scalar;            // S: UTF-8 text; N: canonical number text; B: raw bytes
  bool boolean = false;          // BOOL (NULL is always true)
  std::vector<Value> list;       // L
  Map map;                       // M
  std::vector<std::string> set;  // SS / NS (canonical) / BS (raw bytes); no duplicates, non-empty

  static Value S(std::string s) { Value v; v.type = Type::kS; v.scalar = std::move(s); return v; }
  // REQUIRES: `canonical` is a canonical number (Decimal::ToString()).
  static Value N(std::string canonical) { Value v; v.type = Type::kN; v.scalar = std::move(canonical); return v; }
  static Value B(std::string bytes) { Value v; v.type = Type::kB; v.scalar = std::move(bytes); return v; }
  static Value Bool(bool b) { Value v; v.type = Type::kBool; v.boolean = b; return v; }
  static Value Null() { Value v; v.type = Type::kNull; v.boolean = true; return v; }
};

constexpr size_t kMaxItemBytes = 400 * 1024;

// Reads one wire attribute value. Errors carry DynamoDB's ValidationException wording; a value of
// the wrong JSON kind ({"S": 5}) is InvalidArgument prefixed "SerializationException: ".
base::StatusOr<Value> ValueFromJson(const nlohmann::json& json);
// Reads an attribute map ({"id": {"S": "a"}, ...}).
base::StatusOr<Item> ItemFromJson(const nlohmann::json& json);

// Appends the wire JSON of a value / an attribute map.
void AppendJson(const Value& value, std::string* out);
void AppendItemJson(const Item& item, std::string* out);
// Appends a JSON string literal with escapes.
void AppendJsonString(std::string_view text, std::string* out);

// DynamoDB equality: same type and same contents; sets compare as sets.
bool Equal(const Value& a, const Value& b);
// Ordering for <, <=, >, >=: only between two N, two S or two B values; nullopt otherwise.
std::optional<int> CompareOrdered(const Value& a, const Value& b);

// Bytes DynamoDB counts for an item (attribute names + values).
size_t ItemSize(const Item& item);

}  // namespace dynamodb
