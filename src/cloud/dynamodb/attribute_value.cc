#include "cloud/dynamodb/attribute_value.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "cloud/dynamodb/codec.h"
#include "cloud/dynamodb/number.h"

namespace dynamodb {
namespace {

constexpr std::string_view kTypeNames[] = {"S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS"};
constexpr int kMaxDepth = 32;  // DynamoDB allows 32 levels of nesting

base::Status Invalid(std::string msg) { return base::Status::InvalidArgument(std::move(msg)); }
base::Status Serialization(std::string msg) {
  return base::Status::InvalidArgument("SerializationException: " + std::move(msg));
}

base::StatusOr<std::string> ReadString(const nlohmann::json& j) {
  if (!j.is_string()) return Serialization("Unexpected value type in payload");
  return j.get<std::string>();
}

base::StatusOr<std::string> ReadBinary(const nlohmann::json& j) {
  if (!j.is_string()) return Serialization("Unexpected value type in payload");
  const std::string& text = j.get_ref<const std::string&>();
  std::optional<std::string> bytes = Base64Decode(text);
  if (!bytes) {
    return Serialization("Base64 encoded length is expected a multiple of 4 bytes but found: " +
                         std::to_string(text.size()));
  }
  return std::move(*bytes);
}

base::StatusOr<std::string> ReadNumber(const nlohmann::json& j) {
  if (!j.is_string()) return Serialization("Unexpected value type in payload");
  base::StatusOr<Decimal> d = Decimal::Parse(j.get_ref<const std::string&>());
  if (!d.ok()) return d.status();
  return d->ToString();
}

base::StatusOr<Value> ReadValue(const nlohmann::json& json, int depth);

base::StatusOr<Map> ReadMap(const nlohmann::json& json, int depth) {
  if (!json.is_object()) return Serialization("Unexpected value type in payload");
  Map map;
  for (auto it = json.begin(); it != json.end(); ++it) {
    base::StatusOr<Value> v = ReadValue(it.value(), depth + 1);
    if (!v.ok()) return v.status();
    map.emplace(it.key(), std::move(*v));
  }
  return map;
}

base::StatusOr<Value> ReadSet(Type type, const nlohmann::json& j) {
  if (!j.is_array()) return Serialization("Unexpected value type in payload");
  static constexpr std::string_view kSetWords[] = {"string", "number", "binary"};
  std::string_view word = kSetWords[type == Type::kSS ? 0 : (type == Type::kNS ? 1 : 2)];
  if (j.empty()) {
    return Invalid("One or more parameter values were invalid: An " + std::string(word) +
                   " set  may not be empty");
  }
  Value v;
  v.type = type;
  std::set<std::string> seen;
  for (const nlohmann::json& e : j) {
    base::StatusOr<std::string> s = type == Type::kSS   ? ReadString(e)
                                    : type == Type::kNS ? ReadNumber(e)
                                                        : ReadBinary(e);
    if (!s.ok()) return s.status();
    if (!seen.insert(*s).second) {
      std::string shown;
      for (const nlohmann::json& x : j) {
        if (!shown.empty()) shown += ", ";
        shown += x.is_string() ? x.get<std::string>() : x.dump();
      }
      return Invalid("One or more parameter values were invalid: Input collection [" + shown +
                     "] contains duplicates.");
    }
    v.set.push_back(std::move(*s));
  }
  return v;
}

base::StatusOr<Value> ReadValue(const nlohmann::json& json, int depth) {
  if (depth > kMaxDepth) return Invalid("Nesting Levels have exceeded supported limits");
  if (!json.is_object()) return Serialization("Unexpected value type in payload");
  if (json.empty()) {
    return Invalid("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  }
  if (json.size() > 1) {
    return Invalid(
        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
        "supported datatypes");
  }
  auto it = json.begin();
  std::optional<Type> type = TypeFromName(it.key());
  if (!type) return Serialization("Unknown attribute value type: " + it.key());
  const nlohmann::json& j = it.value();
  Value v;
  v.type = *type;
  switch (*type) {
    case Type::kS: {
      base::StatusOr<std::string> s = ReadString(j);
      if (!s.ok()) return s.status();
      v.scalar = std::move(*s);
      return v;
    }
    case Type::kN: {
      base::StatusOr<std::string> s = ReadNumber(j);
      if (!s.ok()) return s.status();
      v.scalar = std::move(*s);
      return v;
    }
    case Type::kB: {
      base::StatusOr<std::string> s = ReadBinary(j);
      if (!s.ok()) return s.status();
      v.scalar = std::move(*s);
      return v;
    }
    case Type::kBool:
      if (!j.is_boolean()) return Serialization("Unexpected value type in payload");
      v.boolean = j.get<bool>();
      return v;
    case Type::kNull:
      if (!j.is_boolean()) return Serialization("Unexpected value type in payload");
      if (!j.get<bool>()) {
        return Invalid("One or more parameter values were invalid: Null attribute value types must have the value of true");
      }
      v.boolean = true;
      return v;
    case Type::kL:
      if (!j.is_array()) return Serialization("Unexpected value type in payload");
      for (const nlohmann::json& e : j) {
        base::StatusOr<Value> ev = ReadValue(e, depth + 1);
        if (!ev.ok()) return ev.status();
        v.list.push_back(std::move(*ev));
      }
      return v;
    case Type::kM: {
      base::StatusOr<Map> m = ReadMap(j, depth);
      if (!m.ok()) return m.status();
      v.map = std::move(*m);
      return v;
    }
    case Type::kSS:
    case Type::kNS:
    case Type::kBS:
      return ReadSet(*type, j);
  }
  return Invalid("unreachable");
}

size_t NumberSize(const std::string& canonical) {
  size_t digits = 0;
  for (char c : canonical) digits += c >= '1' && c <= '9';
  return (digits + 1) / 2 + 1;
}

size_t ValueSize(const Value& v) {
  switch (v.type) {
    case Type::kS:
    case Type::kB:
      return v.scalar.size();
    case Type::kN:
      return NumberSize(v.scalar);
    case Type::kBool:
    case Type::kNull:
      return 1;
    case Type::kL: {
      size_t n = 3;
      for (const Value& e : v.list) n += 1 + ValueSize(e);
      return n;
    }
    case Type::kM: {
      size_t n = 3;
      for (const auto& [k, e] : v.map) n += 1 + k.size() + ValueSize(e);
      return n;
    }
    case Type::kSS:
    case Type::kBS: {
      size_t n = 0;
      for (const std::string& s : v.set) n += s.size();
      return n;
    }
    case Type::kNS: {
      size_t n = 0;
      for (const std::string& s : v.set) n += NumberSize(s);
      return n;
    }
  }
  return 0;
}

}  // namespace

std::string_view TypeName(Type type) { return kTypeNames[static_cast<int>(type)]; }

std::optional<Type> TypeFromName(std::string_view name) {
  for (int i = 0; i < 10; ++i) {
    if (kTypeNames[i] == name) return static_cast<Type>(i);
  }
  return std::nullopt;
}

base::StatusOr<Value> ValueFromJson(const nlohmann::json& json) { return ReadValue(json, 0); }

base::StatusOr<Item> ItemFromJson(const nlohmann::json& json) { return ReadMap(json, 0); }

void AppendJsonString(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (u < 0x20) {
      switch (c) {
        case '\n': *out += "\\n"; break;
        case '\r': *out += "\\r"; break;
        case '\t': *out += "\\t"; break;
        default:
          *out += "\\u00";
          out->push_back(kHex[u >> 4]);
          out->push_back(kHex[u & 15]);
      }
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

void AppendJson(const Value& v, std::string* out) {
  out->push_back('{');
  AppendJsonString(TypeName(v.type), out);
  out->push_back(':');
  switch (v.type) {
    case Type::kS:
    case Type::kN:
      AppendJsonString(v.scalar, out);
      break;
    case Type::kB:
      AppendJsonString(Base64Encode(v.scalar), out);
      break;
    case Type::kBool:
      *out += v.boolean ? "true" : "false";
      break;
    case Type::kNull:
      *out += "true";
      break;
    case Type::kL:
      out->push_back('[');
      for (size_t i = 0; i < v.list.size(); ++i) {
        if (i) out->push_back(',');
        AppendJson(v.list[i], out);
      }
      out->push_back(']');
      break;
    case Type::kM:
      AppendItemJson(v.map, out);
      break;
    case Type::kSS:
    case Type::kNS:
    case Type::kBS:
      out->push_back('[');
      for (size_t i = 0; i < v.set.size(); ++i) {
        if (i) out->push_back(',');
        AppendJsonString(v.type == Type::kBS ? Base64Encode(v.set[i]) : v.set[i], out);
      }
      out->push_back(']');
      break;
  }
  out->push_back('}');
}

void AppendItemJson(const Item& item, std::string* out) {
  out->push_back('{');
  bool first = true;
  for (const auto& [name, value] : item) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(name, out);
    out->push_back(':');
    AppendJson(value, out);
  }
  out->push_back('}');
}

bool Equal(const Value& a, const Value& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case Type::kS:
    case Type::kN:  // canonical text, so equal numbers have equal text
    case Type::kB:
      return a.scalar == b.scalar;
    case Type::kBool:
      return a.boolean == b.boolean;
    case Type::kNull:
      return true;
    case Type::kL:
      if (a.list.size() != b.list.size()) return false;
      for (size_t i = 0; i < a.list.size(); ++i) {
        if (!Equal(a.list[i], b.list[i])) return false;
      }
      return true;
    case Type::kM: {
      if (a.map.size() != b.map.size()) return false;
      for (auto ia = a.map.begin(), ib = b.map.begin(); ia != a.map.end(); ++ia, ++ib) {
        if (ia->first != ib->first || !Equal(ia->second, ib->second)) return false;
      }
      return true;
    }
    case Type::kSS:
    case Type::kNS:
    case Type::kBS: {
      if (a.set.size() != b.set.size()) return false;
      std::vector<std::string> x = a.set, y = b.set;
      std::sort(x.begin(), x.end());
      std::sort(y.begin(), y.end());
      return x == y;
    }
  }
  return false;
}

std::optional<int> CompareOrdered(const Value& a, const Value& b) {
  if (a.type != b.type) return std::nullopt;
  if (a.type == Type::kS || a.type == Type::kB) {
    int c = a.scalar.compare(b.scalar);  // byte order, as DynamoDB compares UTF-8 and binary
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.type == Type::kN) {
    base::StatusOr<Decimal> x = Decimal::Parse(a.scalar), y = Decimal::Parse(b.scalar);
    if (!x.ok() || !y.ok()) return std::nullopt;
    return Compare(*x, *y);
  }
  return std::nullopt;
}

size_t ItemSize(const Item& item) {
  size_t n = 0;
  for (const auto& [name, value] : item) n += name.size() + ValueSize(value);
  return n;
}

}  // namespace dynamodb
