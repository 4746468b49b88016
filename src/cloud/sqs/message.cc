#include "cloud/sqs/message.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>

#include "cloud/sqs/sqs_errors.h"

namespace cloud::sqs {
namespace {

void AppendU32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

void AppendField(std::string& out, std::string_view field) {
  AppendU32(out, static_cast<uint32_t>(field.size()));
  out.append(field);
}

bool ReadField(std::string_view& in, std::string& out) {
  if (in.size() < 4) return false;
  uint32_t n = (uint32_t(uint8_t(in[0])) << 24) | (uint32_t(uint8_t(in[1])) << 16) |
               (uint32_t(uint8_t(in[2])) << 8) | uint32_t(uint8_t(in[3]));
  in.remove_prefix(4);
  if (in.size() < n) return false;
  out.assign(in.substr(0, n));
  in.remove_prefix(n);
  return true;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// "Number", "Number.float" -> true. The custom suffix is any printable text.
bool HasBaseType(std::string_view type, std::string_view base) {
  if (!StartsWith(type, base)) return false;
  if (type.size() == base.size()) return true;
  return type[base.size()] == '.' && type.size() > base.size() + 1;
}

// SQS Number: optional sign, digits with an optional fraction, optional exponent.
bool IsSqsNumber(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++exp;
    if (exp == 0) return false;
  }
  return i == s.size();
}

bool IsValidAttributeName(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  if (name.front() == '.' || name.back() == '.') return false;
  if (name.find("..") != std::string_view::npos) return false;
  std::string prefix(name.substr(0, std::min<size_t>(name.size(), 7)));
  if (EqualsIgnoreCase(std::string_view(prefix).substr(0, 4), "aws.") ||
      EqualsIgnoreCase(prefix, "amazon.")) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

// Decodes one UTF-8 code point at s[i]; returns its length or 0 when malformed.
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t& cp) {
  auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t c = b(i);
  size_t n;
  if (c < 0x80) { cp = c; return 1; }
  if ((c & 0xE0) == 0xC0) { n = 2; cp = c & 0x1F; }
  else if ((c & 0xF0) == 0xE0) { n = 3; cp = c & 0x0F; }
  else if ((c & 0xF8) == 0xF0) { n = 4; cp = c & 0x07; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

bool IsAllowedCodePoint(uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

bool IsAllowedText(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    size_t n = DecodeUtf8(s, i, cp);
    if (n == 0 || !IsAllowedCodePoint(cp)) return false;
    i += n;
  }
  return true;
}

}  // namespace

bool MessageAttribute::is_binary() const { return HasBaseType(data_type, "Binary"); }

std::string Md5Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_md5(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(len * 2, '0');
  for (unsigned i = 0; i < len; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return out;
}

std::string EncodeAttributes(const MessageAttributes& attributes) {
  std::string out;
  for (const MessageAttribute& a : attributes) {
    AppendField(out, a.name);
    AppendField(out, a.data_type);
    out.push_back(a.is_binary() ? 2 : 1);
    AppendField(out, a.value);
  }
  return out;
}

std::string Md5OfAttributes(const MessageAttributes& attributes) {
  if (attributes.empty()) return {};
  return Md5Hex(EncodeAttributes(attributes));
}

base::StatusOr<MessageAttributes> DecodeAttributes(std::string_view in) {
  MessageAttributes out;
  while (!in.empty()) {
    MessageAttribute a;
    if (!ReadField(in, a.name) || !ReadField(in, a.data_type) || in.empty()) {
      return base::Status::Corruption("stored message attributes are truncated");
    }
    in.remove_prefix(1);  // transport byte, implied by the type
    if (!ReadField(in, a.value)) return base::Status::Corruption("stored message attributes are truncated");
    out.push_back(std::move(a));
  }
  return out;
}

base::Status NormalizeAttributes(MessageAttributes& attributes) {
  if (attributes.size() > kMaxMessageAttributes) {
    return InvalidParameterValue("Number of message attributes [" + std::to_string(attributes.size()) +
                                 "] exceeds the allowed maximum [10].");
  }
  for (const MessageAttribute& a : attributes) {
    if (!IsValidAttributeName(a.name)) {
      return InvalidParameterValue("Message attribute name '" + a.name + "' is invalid.");
    }
    if (a.data_type.empty()) {
      return InvalidParameterValue("The message attribute '" + a.name + "' must contain non-empty message attribute type.");
    }
    if (a.data_type.size() > 256 || !IsAllowedText(a.data_type)) {
      return InvalidParameterValue("The message attribute '" + a.name + "' has an invalid message attribute type.");
    }
    bool is_string = HasBaseType(a.data_type, "String");
    bool is_number = HasBaseType(a.data_type, "Number");
    if (!is_string && !is_number && !a.is_binary()) {
      return InvalidParameterValue("The type of message attribute '" + a.name +
                                   "' is invalid. You must use only the following supported type prefixes: Binary, Number, String.");
    }
    if (a.value.empty()) {
      return InvalidParameterValue("The message attribute '" + a.name + "' must contain non-empty message attribute value for message attribute type '" + a.data_type + "'.");
    }
    if (!a.is_binary() && !IsAllowedText(a.value)) {
      return SqsError(base::Status::Code::kInvalidArgument, "InvalidMessageContents",
                      "Invalid characters found in the message attribute '" + a.name + "'.");
    }
    if (is_number && !IsSqsNumber(a.value)) {
      return InvalidParameterValue("Can't cast the value of message (user) attribute '" + a.name + "' to a number.");
    }
  }
  std::sort(attributes.begin(), attributes.end(),
            [](const MessageAttribute& x, const MessageAttribute& y) { return x.name < y.name; });
  for (size_t i = 1; i < attributes.size(); ++i) {
    if (attributes[i].name == attributes[i - 1].name) {
      return InvalidParameterValue("Message (user) attribute '" + attributes[i].name + "' was specified twice.");
    }
  }
  return base::Status::Ok();
}

base::Status ValidateBody(std::string_view body) {
  if (body.empty()) {
    return SqsError(base::Status::Code::kInvalidArgument, "MissingParameter",
                    "The request must contain the parameter MessageBody.");
  }
  if (!IsAllowedText(body)) {
    return SqsError(base::Status::Code::kInvalidArgument, "InvalidMessageContents",
                    "Invalid binary character found in the message body; see the allowed characters in the SQS documentation.");
  }
  return base::Status::Ok();
}

size_t MessageSize(std::string_view body, const MessageAttributes& attributes) {
  size_t n = body.size();
  for (const MessageAttribute& a : attributes) n += a.name.size() + a.data_type.size() + a.value.size();
  return n;
}


}  // namespace cloud::sqs
