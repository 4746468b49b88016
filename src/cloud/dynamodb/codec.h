// Small wire codecs the DynamoDB API needs: base64 for B/BS values, CRC32 for the x-amz-crc32
// response header (botocore recomputes it and retries on a mismatch).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dynamodb {

std::string Base64Encode(std::string_view bytes);
// Standard alphabet with padding; nullopt for anything else (DynamoDB rejects such values).
std::optional<std::string> Base64Decode(std::string_view text);

// CRC-32 (IEEE 802.3, the zlib polynomial).
uint32_t Crc32(std::string_view bytes);

}  // namespace dynamodb
