// Base64 with the standard alphabet (RFC 4648 §4), as AWS uses it on the wire (S3 Content-MD5,
// DynamoDB B, SQS BinaryValue, Lambda log tails, function URL bodies, JPEGs in events).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace base {

// Padded output.
std::string Base64Encode(std::string_view bytes);

enum class Base64Mode {
  kStrict,   // padding required, no whitespace, canonical trailing bits (S3 Content-MD5)
  kLenient,  // padding optional, ASCII whitespace skipped (JSON payloads from people and scripts)
};

// nullopt when `text` is not base64 under `mode`.
std::optional<std::string> Base64Decode(std::string_view text, Base64Mode mode = Base64Mode::kStrict);

}  // namespace base
