// AWS Signature Version 4: the signer our clients use and the verifier `edgeface cloud` runs.
// Both build the same canonical request, so one set of functions serves both and the AWS test
// suite (../shared/data/aws/sigv4-testsuite) checks them together.
//
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html, in short:
//   canonical request = METHOD \n URI \n QUERY \n name:value\n... \n signed;names \n payload-hash
//   string to sign    = AWS4-HMAC-SHA256 \n amz-date \n date/region/service/aws4_request \n hex(sha256(creq))
//   signing key       = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request")
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "http/message.h"

namespace aws {

inline constexpr std::string_view kSigV4Algorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kStreamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
inline constexpr std::string_view kStreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
inline constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// Requests whose X-Amz-Date is further than this from the server's clock are refused (as AWS does).
inline constexpr std::chrono::minutes kMaxClockSkew{15};

// Hashing (OpenSSL). Hex is lower-case.
std::string Sha256Hex(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string HexEncode(std::string_view raw);
std::string DeriveSigningKey(std::string_view secret, std::string_view date,  // date: "20150830"
                             std::string_view region, std::string_view service);

// How the path enters the canonical request. S3 signs the path exactly as sent; every other
// service signs the sent path with dot segments and repeated slashes removed, URI-encoded again
// (so "%20" on the wire is "%2520" in the canonical request, as botocore does).
enum class UriMode { kNormalizeAndEncode, kS3AsSent };
UriMode UriModeForService(std::string_view service);

std::string CanonicalUri(std::string_view raw_path, UriMode mode);
// Decodes and re-encodes each parameter, sorts by name then value; drops X-Amz-Signature.
std::string CanonicalQuery(std::string_view raw_query);

struct CanonicalParts {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // hex
};
// Computes all three for `signed_headers` (lower-case names, sorted, as in SignedHeaders).
CanonicalParts ComputeSignature(const http::Request& request, const std::vector<std::string>& signed_headers,
                                std::string_view payload_hash, std::string_view amz_date,
                                std::string_view scope, std::string_view signing_key, UriMode mode);

// "20150830T123600Z" for a time point, and back (nullopt when malformed).
std::string FormatAmzDate(std::chrono::system_clock::time_point t);
std::optional<std::chrono::system_clock::time_point> ParseAmzDate(std::string_view amz_date);

// ---- Signer (our clients) ----
struct Credentials {
  std::string access_key = "test";
  std::string secret_key = "test";
  std::string session_token;  // sent as X-Amz-Security-Token (signed) when set
};

struct SignOptions {
  std::string region = "us-east-1";
  std::string service;  // "s3", "dynamodb", "sqs", ...
  // When empty: the request's X-Amz-Date header if present, else the current time.
  std::string amz_date;
  // When empty: hex SHA-256 of the body. S3 callers pass kUnsignedPayload or kStreamingPayload.
  std::string payload_hash;
  // Adds x-amz-content-sha256 (S3 requires it).
  bool add_content_sha256 = false;
};

// Signs `request` in place: adds X-Amz-Date (unless present), X-Amz-Security-Token,
// x-amz-content-sha256 (if asked) and Authorization, signing every header present except
// user-agent, expect, x-amzn-trace-id, connection, transfer-encoding.
// REQUIRES: request.headers has Host; raw_path/raw_query are filled (ParseTarget).
// Returns the parts, for tests and for starting a chunk-signature chain (aws-chunked).
CanonicalParts SignRequest(http::Request& request, const Credentials& credentials, const SignOptions& options);

// A presigned URL's query string (existing query + X-Amz-* + X-Amz-Signature) for a request with
// only `host` signed and UNSIGNED-PAYLOAD, valid for `expires_seconds` from options.amz_date/now.
std::string PresignQuery(std::string_view method, std::string_view host, std::string_view raw_path,
                         std::string_view raw_query, const Credentials& credentials,
                         const SignOptions& options, int expires_seconds);

// ---- Verifier (the server) ----

// What an Authorization header or a presigned query carries.
struct AuthorizationInfo {
  std::string access_key;
  std::string date;     // "20150830"
  std::string region;
  std::string service;
  std::vector<std::string> signed_headers;  // lower-case, in the order given
  std::string signature;                    // hex as sent
  bool presigned = false;
  std::string amz_date;  // presigned: X-Amz-Date from the query
  long expires_seconds = 0;
};

// Parses "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/service/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=abc" (spaces after commas optional).
base::StatusOr<AuthorizationInfo> ParseAuthorizationHeader(std::string_view value);
// Parses the X-Amz-* parameters of a presigned URL.
base::StatusOr<AuthorizationInfo> ParsePresignedQuery(const http::Request& request);

// The credential scope's service of a signed request ("s3", "dynamodb"), without verifying
// anything; nullopt for unsigned requests. Cheap: the gateway routes on it.
std::optional<std::string> CredentialScopeService(const http::Request& request);

enum class AuthError {
  kNone,
  kMissing,            // no Authorization header and no presigned query
  kMalformed,          // cannot parse them
  kUnknownAccessKey,   // InvalidAccessKeyId / UnrecognizedClientException
  kSignatureMismatch,  // SignatureDoesNotMatch
  kTimeSkewed,         // RequestTimeTooSkewed
  kExpired,            // presigned URL past X-Amz-Expires
  kContentSha256Mismatch,  // x-amz-content-sha256 differs from the body's hash
};

struct VerifyResult {
  AuthError error = AuthError::kNone;
  std::string message;  // for the error response
  AuthorizationInfo info;
  // For the aws-chunked chain and for S3's SignatureDoesNotMatch details.
  std::string signing_key;
  std::string amz_date;
  std::string scope;
  std::string signature;  // the verified seed signature
  std::string canonical_request;
  std::string string_to_sign;
  std::string payload_hash;  // as declared (x-amz-content-sha256) or computed
  bool ok() const { return error == AuthError::kNone; }
};

// The secret key for an access key, or nullopt when unknown.
using SecretLookup = std::function<std::optional<std::string>(std::string_view access_key)>;

// Verifies a request's signature (header or presigned) against `secret_for`, at time `now`.
// The path is canonicalised by the scope's service (UriModeForService).
VerifyResult VerifyRequest(const http::Request& request, const SecretLookup& secret_for,
                           std::chrono::system_clock::time_point now);

}  // namespace aws
