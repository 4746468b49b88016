// The aws-chunked decoder on arbitrary bodies, with and without signature checking; what
// decodes must re-encode to the same data.
#include <cstddef>
#include <cstdint>
#include <string>

#include "aws/aws_chunked.h"
#include "aws/sigv4.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  static const aws::ChunkSigning signing{aws::DeriveSigningKey("test", "20260301", "us-east-1", "s3"),
                                         "20260301T120000Z", "20260301/us-east-1/s3/aws4_request",
                                         std::string(64, '0')};
  aws::ChunkedResult unsigned_result = aws::DecodeAwsChunked(body, nullptr);
  (void)aws::DecodeAwsChunked(body, &signing);
  if (unsigned_result.ok()) {
    std::string again = aws::EncodeAwsChunked(unsigned_result.data, 1000, &signing);
    aws::ChunkedResult round = aws::DecodeAwsChunked(again, &signing);
    if (!round.ok() || round.data != unsigned_result.data) __builtin_trap();
  }
  return 0;
}
