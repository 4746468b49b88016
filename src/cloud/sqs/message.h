// Message bodies and message attributes: validation, the binary encoding, and the MD5 digests that
// SQS returns (MD5OfMessageBody, MD5OfMessageAttributes) and that SDKs check.
//
// The attribute digest is MD5 over the attributes sorted by name, each encoded as
//   u32be(len(name)) name  u32be(len(type)) type  u8(transport)  u32be(len(value)) value
// with transport 1 for String/Number types (value = the UTF-8 string) and 2 for Binary types
// (value = the raw bytes). We store attributes in exactly this encoding (EncodeAttributes), so the
// stored form and the digest cannot disagree.
#pragma once

#include "base/base64.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cloud::sqs {

struct MessageAttribute {
  std::string name;
  std::string data_type;  // "String", "Number", "Binary", or one of them + ".custom"
  std::string value;      // the string, or the raw (decoded) bytes for Binary types
  bool is_binary() const;
};
// Sorted by name, names unique (NormalizeAttributes makes it so).
using MessageAttributes = std::vector<MessageAttribute>;

// Largest message SQS accepts (body + attribute names, types and values), and at most 10 attributes.
constexpr size_t kMaxMessageBytes = 262144;
constexpr size_t kMaxMessageAttributes = 10;

// Lower-case hex MD5.
std::string Md5Hex(std::string_view bytes);

// MD5OfMessageAttributes for `attributes` (must be sorted by name); "" when there are none.
std::string Md5OfAttributes(const MessageAttributes& attributes);

// The binary layout above, concatenated in order.
std::string EncodeAttributes(const MessageAttributes& attributes);
// Inverse of EncodeAttributes; Corruption on truncated or trailing bytes.
base::StatusOr<MessageAttributes> DecodeAttributes(std::string_view encoded);

// Checks names, types and values as SQS does, sorts by name, rejects duplicates. Errors carry the
// SQS error name (InvalidParameterValue / InvalidParameterCombination...).
base::Status NormalizeAttributes(MessageAttributes& attributes);

// The body must be non-empty and contain only the characters SQS allows:
// #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF, as valid UTF-8.
base::Status ValidateBody(std::string_view body);

// Bytes that count towards MaximumMessageSize.
size_t MessageSize(std::string_view body, const MessageAttributes& attributes);

// Base64 (standard alphabet, padded), for BinaryValue on the wire.
inline std::string Base64Encode(std::string_view bytes) { return base::Base64Encode(bytes); }
// Accepts padded or unpadded standard base64, ignoring whitespace; nullopt on anything else.
inline std::optional<std::string> Base64Decode(std::string_view text) {
  return base::Base64Decode(text, base::Base64Mode::kLenient);
}

}  // namespace cloud::sqs
