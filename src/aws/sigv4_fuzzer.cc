// SigV4 parsing and verification on arbitrary bytes: the Authorization header parser, the
// presigned-query parser (through the request-target parser), canonicalisation and the verifier.
// Input: first line = request target, second line = Authorization value, rest = body.
#include <cstddef>
#include <cstdint>
#include <string>

#include "aws/sigv2.h"
#include "aws/sigv4.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t a = in.find('\n');
  size_t b = a == std::string_view::npos ? std::string_view::npos : in.find('\n', a + 1);
  http::Request req;
  req.method = "GET";
  req.target = std::string(in.substr(0, a));
  std::string auth = a == std::string_view::npos ? "" : std::string(in.substr(a + 1, b == std::string_view::npos ? b : b - a - 1));
  if (b != std::string_view::npos) req.body = std::string(in.substr(b + 1));
  (void)aws::ParseAuthorizationHeader(auth);
  (void)aws::ParseAmzDate(auth);
  (void)aws::CanonicalQuery(req.target);
  (void)aws::CanonicalUri(req.target, aws::UriMode::kNormalizeAndEncode);
  if (!req.ParseTarget()) return 0;
  req.headers.Add("Host", "127.0.0.1:4566");
  req.headers.Add("X-Amz-Date", "20260301T120000Z");
  if (!auth.empty()) req.headers.Add("Authorization", auth);
  aws::SecretLookup lookup = [](std::string_view ak) -> std::optional<std::string> {
    if (ak == "test") return std::string("test");
    return std::nullopt;
  };
  auto now = std::chrono::system_clock::from_time_t(1772366400);
  (void)aws::CredentialScopeService(req);
  (void)aws::VerifyRequest(req, lookup, now);
  if (aws::IsS3PresignedV2(req)) (void)aws::VerifyS3PresignedV2(req, req.raw_path, lookup, now);
  req.headers.Remove("Authorization");
  (void)aws::VerifyRequest(req, lookup, now);
  return 0;
}
