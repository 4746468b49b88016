// Small wire codecs the DynamoDB API needs: base64 for B/BS values, CRC32 for the x-amz-crc32
// response header (botocore recomputes it and retries on a mismatch).
#pragma once

#include "base/base64.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dynamodb {

inline std::string Base64Encode(std::string_view bytes) { return base::Base64Encode(bytes); }
// Standard alphabet with padding; nullopt for anything else (DynamoDB rejects such values).
inline std::optional<std::string> Base64Decode(std::string_view text) {
  return base::Base64Decode(text, base::Base64Mode::kStrict);
}

// CRC-32 (IEEE 802.3, the zlib polynomial).
uint32_t Crc32(std::string_view bytes);

}  // namespace dynamodb
