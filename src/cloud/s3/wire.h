// Small parsers and formatters of S3's wire format that need no store and no HTTP server:
// Range headers, x-amz-copy-source, bucket-name rules, HTTP and ISO 8601 dates.
// Each parser takes untrusted text and answers nullopt / false instead of crashing.
#pragma once

#include "base/base64.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace s3 {

struct ByteRange {
  uint64_t first = 0;  // inclusive
  uint64_t last = 0;   // inclusive
};

enum class RangeResult { kWhole, kPartial, kUnsatisfiable };

// Interprets a Range header against an object of `size` bytes as S3 does: one range of the
// forms "bytes=a-b", "bytes=a-", "bytes=-n". A header S3 would ignore (other units, several
// ranges, syntax errors) gives kWhole; a range starting at or after the end (or "-0") gives
// kUnsatisfiable (416); otherwise kPartial with `*range` clamped to the object.
RangeResult ParseRange(std::string_view header, uint64_t size, ByteRange* range);

struct CopySource {
  std::string bucket;
  std::string key;
  std::string version_id;  // "" when absent
};

// Parses x-amz-copy-source: "bucket/key" or "/bucket/key", percent-encoded, optionally
// "?versionId=...". nullopt when malformed or the bucket or key is empty.
std::optional<CopySource> ParseCopySource(std::string_view header);

// S3's bucket naming rules: 3-63 characters of a-z 0-9 . -, starting and ending with a letter
// or digit, no "..", not an IPv4 address.
bool IsValidBucketName(std::string_view name);

// "Wed, 21 Oct 2015 07:28:00 GMT" (RFC 1123, for Last-Modified headers).
std::string HttpDate(int64_t epoch_ms);
// "2015-10-21T07:28:00.000Z" (ISO 8601, for XML bodies).
std::string IsoDate(int64_t epoch_ms);
// Parses an RFC 1123 date into epoch milliseconds; nullopt when malformed.
std::optional<int64_t> ParseHttpDate(std::string_view text);

// Standard base64 with padding (Content-MD5, continuation tokens). Decode answers nullopt on
// anything that is not canonical base64.
inline std::string Base64Encode(std::string_view bytes) { return base::Base64Encode(bytes); }
inline std::optional<std::string> Base64Decode(std::string_view text) {
  return base::Base64Decode(text, base::Base64Mode::kStrict);
}

// True when `s` is valid UTF-8 (S3 keys must be).
bool IsValidUtf8(std::string_view s);

}  // namespace s3
