// The aws-chunked body encoding (Content-Encoding: aws-chunked) that S3 clients use for
// streaming uploads: each chunk carries its own signature, chained from the request's.
//
//   <hex-size>;chunk-signature=<64 hex>\r\n<data>\r\n ... 0;chunk-signature=<64 hex>\r\n[trailers]\r\n
//
// A chunk's string to sign:
//   AWS4-HMAC-SHA256-PAYLOAD \n amz-date \n scope \n previous-signature \n sha256("") \n sha256(data)
// (the first "previous" is the request's seed signature). With STREAMING-UNSIGNED-PAYLOAD-TRAILER
// the chunks carry no signature and a trailer (x-amz-checksum-crc32: ...) may follow the last one.
#pragma once

#include <string>
#include <string_view>

namespace aws {

// The chain's fixed parts, from the verified request (aws::VerifyResult).
struct ChunkSigning {
  std::string signing_key;  // raw
  std::string amz_date;
  std::string scope;
  std::string seed_signature;  // hex
};

enum class ChunkedError {
  kNone,
  kMalformed,     // not aws-chunked syntax
  kIncomplete,    // ends before the final 0-size chunk (a truncated upload)
  kBadSignature,  // a chunk signature does not match (or is missing when required)
};

struct ChunkedResult {
  ChunkedError error = ChunkedError::kNone;
  std::string message;
  std::string data;      // the decoded bytes
  std::string trailers;  // raw trailer lines, if any
  bool ok() const { return error == ChunkedError::kNone; }
};

// Decodes `body`. With `signing`, every chunk must carry a chunk-signature that matches the
// chain; without it, signatures (if present) are not checked. Never reads past `body`.
ChunkedResult DecodeAwsChunked(std::string_view body, const ChunkSigning* signing);

// Encodes `data` in chunks of `chunk_size` bytes (the last smaller, then the 0-size chunk),
// signing each when `signing` is given. For our clients, tests and the load generator.
std::string EncodeAwsChunked(std::string_view data, size_t chunk_size, const ChunkSigning* signing);

// The signature of one chunk following `previous_signature`.
std::string ChunkSignature(const ChunkSigning& signing, std::string_view previous_signature, std::string_view data);

}  // namespace aws
