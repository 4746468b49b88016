// SigV4 against two oracles: every case of AWS's own test suite
// (../shared/data/aws/sigv4-testsuite) and botocore's signer run offline by /usr/bin/python3.
#include "aws/sigv4.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aws/aws_chunked.h"
#include "http/url.h"

namespace aws {
namespace {

namespace fs = std::filesystem;
const char kSuite[] = "../shared/data/aws/sigv4-testsuite";
const char kSuiteSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A suite request file: "METHOD target HTTP/1.1", "Name:value" lines, folded continuation lines
// (leading whitespace) joined to the previous value with one space, a blank line, the body.
// The target is kept as written: the suite writes paths decoded, so canonicalising encodes once.
http::Request ParseSuiteRequest(const std::string& text) {
  http::Request req;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  size_t sp = line.find(' ');
  size_t proto = line.rfind(" HTTP/");
  req.method = line.substr(0, sp);
  req.target = line.substr(sp + 1, proto - sp - 1);
  size_t q = req.target.find('?');
  req.raw_path = req.target.substr(0, q);
  req.raw_query = q == std::string::npos ? "" : req.target.substr(q + 1);
  std::vector<std::pair<std::string, std::string>> headers;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    if ((line[0] == ' ' || line[0] == '\t') && !headers.empty()) {
      size_t start = line.find_first_not_of(" \t");
      headers.back().second += " " + line.substr(start);
      continue;
    }
    size_t colon = line.find(':');
    headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  for (auto& [n, v] : headers) req.headers.Add(n, v);
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  req.body = body;
  return req;
}

std::vector<fs::path> SuiteCases() {
  std::vector<fs::path> cases;
  for (const auto& e : fs::recursive_directory_iterator(kSuite)) {
    if (e.is_regular_file() && e.path().extension() == ".req") cases.push_back(e.path());
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

fs::path With(const fs::path& req, const char* ext) {
  fs::path p = req;
  return p.replace_extension(ext);
}

std::string TrimEnd(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

TEST(SigV4Suite, SignerMatchesEveryCase) {
  auto cases = SuiteCases();
  ASSERT_GE(cases.size(), 30u) << "the suite is missing at " << kSuite;
  for (const auto& path : cases) {
    SCOPED_TRACE(path.string());
    http::Request req = ParseSuiteRequest(Slurp(path));
    std::string expected_authz = TrimEnd(Slurp(With(path, ".authz")));
    Credentials creds{"AKIDEXAMPLE", kSuiteSecret, ""};
    // The session-token case signs a token that only its .sreq shows.
    if (expected_authz.find("x-amz-security-token") != std::string::npos && !req.headers.Has("X-Amz-Security-Token")) {
      http::Request signed_req = ParseSuiteRequest(Slurp(With(path, ".sreq")));
      creds.session_token = std::string(*signed_req.headers.Get("X-Amz-Security-Token"));
    }
    SignOptions opts;
    opts.service = "service";
    CanonicalParts parts = SignRequest(req, creds, opts);
    EXPECT_EQ(parts.canonical_request, TrimEnd(Slurp(With(path, ".creq"))));
    EXPECT_EQ(parts.string_to_sign, TrimEnd(Slurp(With(path, ".sts"))));
    EXPECT_EQ(std::string(*req.headers.Get("Authorization")), expected_authz);
  }
}

TEST(SigV4Suite, VerifierAcceptsEverySignedRequestAndRejectsATamperedOne) {
  auto now = *ParseAmzDate("20150830T123600Z");
  SecretLookup lookup = [](std::string_view ak) -> std::optional<std::string> {
    if (ak == "AKIDEXAMPLE") return std::string(kSuiteSecret);
    return std::nullopt;
  };
  for (const auto& path : SuiteCases()) {
    SCOPED_TRACE(path.string());
    http::Request req = ParseSuiteRequest(Slurp(With(path, ".sreq")));
    // The session-token case's .sreq carries get-vanilla's signature (an upstream slip); the
    // .authz file is the reference, so the Authorization comes from there.
    req.headers.Set("Authorization", TrimEnd(Slurp(With(path, ".authz"))));
    VerifyResult r = VerifyRequest(req, lookup, now);
    EXPECT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.canonical_request, TrimEnd(Slurp(With(path, ".creq"))));
    req.body += "x";  // changes the payload hash
    EXPECT_EQ(VerifyRequest(req, lookup, now).error, AuthError::kSignatureMismatch);
  }
}

TEST(SigV4, VerifierRejectsUnknownKeySkewAndMalformedHeaders) {
  http::Request req;
  req.method = "GET";
  req.target = "/";
  ASSERT_TRUE(req.ParseTarget());
  req.headers.Add("Host", "127.0.0.1:4566");
  SignOptions opts;
  opts.service = "sqs";
  opts.amz_date = "20260101T000000Z";
  SignRequest(req, Credentials{}, opts);
  auto t = *ParseAmzDate("20260101T000000Z");
  SecretLookup test_only = [](std::string_view ak) -> std::optional<std::string> {
    return ak == "test" ? std::optional<std::string>("test") : std::nullopt;
  };
  EXPECT_TRUE(VerifyRequest(req, test_only, t + std::chrono::minutes(14)).ok());
  EXPECT_EQ(VerifyRequest(req, test_only, t + std::chrono::minutes(16)).error, AuthError::kTimeSkewed);
  EXPECT_EQ(VerifyRequest(req, test_only, t - std::chrono::minutes(16)).error, AuthError::kTimeSkewed);
  SecretLookup none = [](std::string_view) { return std::optional<std::string>(); };
  EXPECT_EQ(VerifyRequest(req, none, t).error, AuthError::kUnknownAccessKey);
  SecretLookup other = [](std::string_view) { return std::optional<std::string>("other"); };
  EXPECT_EQ(VerifyRequest(req, other, t).error, AuthError::kSignatureMismatch);

  for (const char* bad : {"", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 Credential=a/b/c", "Basic abc",
                          "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host",
                          "AWS4-HMAC-SHA256 Credential=test/2026/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=00",
                          "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=zz"}) {
    req.headers.Set("Authorization", bad);
    EXPECT_EQ(VerifyRequest(req, test_only, t).error, AuthError::kMalformed) << bad;
  }
  req.headers.Remove("Authorization");
  EXPECT_EQ(VerifyRequest(req, test_only, t).error, AuthError::kMissing);
}

TEST(SigV4, ContentSha256MustMatchTheBody) {
  http::Request req;
  req.method = "PUT";
  req.target = "/bucket/key";
  ASSERT_TRUE(req.ParseTarget());
  req.headers.Add("Host", "127.0.0.1");
  req.body = "payload";
  SignOptions opts;
  opts.service = "s3";
  opts.add_content_sha256 = true;
  SignRequest(req, Credentials{}, opts);
  auto now = *ParseAmzDate(std::string(*req.headers.Get("X-Amz-Date")));
  SecretLookup lookup = [](std::string_view) { return std::optional<std::string>("test"); };
  EXPECT_TRUE(VerifyRequest(req, lookup, now).ok());
  req.body = "PAYLOAD";
  EXPECT_EQ(VerifyRequest(req, lookup, now).error, AuthError::kContentSha256Mismatch);

  // UNSIGNED-PAYLOAD (S3 over https, presigned PUTs): the body is not part of the signature.
  http::Request unsigned_req;
  unsigned_req.method = "PUT";
  unsigned_req.target = "/bucket/key";
  ASSERT_TRUE(unsigned_req.ParseTarget());
  unsigned_req.headers.Add("Host", "127.0.0.1");
  unsigned_req.body = "payload";
  opts.payload_hash = std::string(kUnsignedPayload);
  SignRequest(unsigned_req, Credentials{}, opts);
  EXPECT_EQ(*unsigned_req.headers.Get("x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
  unsigned_req.body = "any other body";
  EXPECT_TRUE(VerifyRequest(unsigned_req, lookup, now).ok());
}

TEST(SigV4, PresignedUrlVerifiesUntilItExpires) {
  SignOptions opts;
  opts.service = "s3";
  opts.amz_date = "20260101T000000Z";
  http::Request req;
  req.method = "GET";
  req.target = "/bucket/a%20key?" + PresignQuery("GET", "127.0.0.1:4566", "/bucket/a%20key", "", Credentials{}, opts, 60);
  ASSERT_TRUE(req.ParseTarget());
  req.headers.Add("Host", "127.0.0.1:4566");
  SecretLookup lookup = [](std::string_view) { return std::optional<std::string>("test"); };
  auto t = *ParseAmzDate("20260101T000000Z");
  VerifyResult ok = VerifyRequest(req, lookup, t + std::chrono::seconds(59));
  EXPECT_TRUE(ok.ok()) << ok.message;
  EXPECT_EQ(ok.info.service, "s3");
  EXPECT_EQ(VerifyRequest(req, lookup, t + std::chrono::seconds(61)).error, AuthError::kExpired);
  req.headers.Set("Host", "evil:1");
  EXPECT_EQ(VerifyRequest(req, lookup, t).error, AuthError::kSignatureMismatch);
}

TEST(SigV4, CredentialScopeServiceRoutesWithoutVerifying) {
  http::Request req;
  req.headers.Add("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=ab");
  EXPECT_EQ(CredentialScopeService(req), "dynamodb");
  http::Request presigned;
  presigned.target = "/b/k?X-Amz-Credential=test%2F20260101%2Fus-east-1%2Fs3%2Faws4_request";
  ASSERT_TRUE(presigned.ParseTarget());
  EXPECT_EQ(CredentialScopeService(presigned), "s3");
  EXPECT_EQ(CredentialScopeService(http::Request{}), std::nullopt);
}

// botocore's signer as a second oracle: it signs requests offline with a fixed clock, we verify
// them and sign the same requests ourselves, expecting byte-identical Authorization headers.
TEST(SigV4Botocore, SameSignaturesAsBotocore) {
  const char* script = R"PY(
import json, datetime
from unittest import mock
from botocore.auth import SigV4Auth, S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
creds = Credentials("test", "test")
cases = [
  ("dynamodb", SigV4Auth, "POST", "http://127.0.0.1:4566/", {"X-Amz-Target": "DynamoDB_20120810.GetItem", "Content-Type": "application/x-amz-json-1.0"}, '{"TableName":"t"}'),
  ("sqs", SigV4Auth, "POST", "http://127.0.0.1:4566/", {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, "Action=ListQueues&Version=2012-11-05"),
  ("s3", S3SigV4Auth, "PUT", "http://127.0.0.1:4566/bucket/dir/a%20b%2Bc%21.txt", {"Content-MD5": "XrY7u+Ae7tCTyyK7j1rNww=="}, "hello world"),
  ("s3", S3SigV4Auth, "GET", "http://127.0.0.1:4566/bucket?list-type=2&prefix=a%2Fb&delimiter=%2F", {}, ""),
  ("lambda", SigV4Auth, "POST", "http://127.0.0.1:4566/2015-03-31/functions/my-fn%3A1/invocations", {}, "{}"),
]
out = []
fixed = datetime.datetime(2026, 1, 2, 3, 4, 5)
with mock.patch("botocore.auth.datetime") as dt:
  dt.datetime.utcnow.return_value = fixed
  for service, cls, method, url, headers, body in cases:
    req = AWSRequest(method=method, url=url, headers=headers, data=body)
    cls(creds, service, "us-east-1").add_auth(req)
    out.append({"method": method, "url": req.url, "headers": dict(req.headers.items()), "body": body, "service": service})
  req = AWSRequest(method="GET", url="http://127.0.0.1:4566/bucket/key%20x.jpg", headers={}, data="")
  S3SigV4QueryAuth(creds, "s3", "us-east-1", expires=300).add_auth(req)
  out.append({"method": "GET", "url": req.url, "headers": {}, "body": "", "service": "s3", "presigned": True})
print(json.dumps(out))
)PY";
  std::string path = ::testing::TempDir() + "/sigv4_botocore.py";
  std::ofstream(path) << script;
  FILE* p = popen(("/usr/bin/python3 " + path).c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string output;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) output.append(buf, n);
  ASSERT_EQ(pclose(p), 0) << output;
  auto cases = nlohmann::json::parse(output);
  ASSERT_EQ(cases.size(), 6u);
  auto now = *ParseAmzDate("20260102T030405Z");
  SecretLookup lookup = [](std::string_view ak) -> std::optional<std::string> {
    return ak == "test" ? std::optional<std::string>("test") : std::nullopt;
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.dump());
    http::Request req;
    req.method = c["method"];
    std::string url = c["url"];
    req.target = url.substr(url.find('/', 7));
    ASSERT_TRUE(req.ParseTarget());
    req.headers.Add("Host", "127.0.0.1:4566");
    for (const auto& [k, v] : c["headers"].items()) req.headers.Add(k, v.get<std::string>());
    req.body = c["body"];
    VerifyResult r = VerifyRequest(req, lookup, now);
    EXPECT_TRUE(r.ok()) << r.message << "\n" << r.canonical_request;
    if (c.contains("presigned")) continue;
    // Our signer, on the same request without botocore's signature, gives the same header.
    http::Request mine = req;
    mine.headers.Remove("Authorization");
    SignOptions opts;
    opts.service = c["service"];
    if (opts.service == "s3") opts.payload_hash = std::string(*req.headers.Get("X-Amz-Content-SHA256"));
    SignRequest(mine, Credentials{}, opts);
    EXPECT_EQ(*mine.headers.Get("Authorization"), *req.headers.Get("Authorization"));
  }
}

// The aws-chunked chain as the AWS S3 documentation's example shows it (64 KiB of 'a', then 1 KiB).
TEST(AwsChunked, DocumentationExampleSignatures) {
  ChunkSigning s;
  s.signing_key = DeriveSigningKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3");
  s.amz_date = "20130524T000000Z";
  s.scope = "20130524/us-east-1/s3/aws4_request";
  s.seed_signature = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
  std::string data(65536 + 1024, 'a');
  std::string encoded = EncodeAwsChunked(data, 65536, &s);
  EXPECT_NE(encoded.find("10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"),
            std::string::npos);
  EXPECT_NE(encoded.find("400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"),
            std::string::npos);
  EXPECT_NE(encoded.find("0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"),
            std::string::npos);
  ChunkedResult decoded = DecodeAwsChunked(encoded, &s);
  ASSERT_TRUE(decoded.ok()) << decoded.message;
  EXPECT_EQ(decoded.data, data);
}

TEST(AwsChunked, RejectsTamperedTruncatedAndMalformedBodies) {
  ChunkSigning s{DeriveSigningKey("test", "20260101", "us-east-1", "s3"), "20260101T000000Z",
                 "20260101/us-east-1/s3/aws4_request", std::string(64, 'a')};
  std::string data = "The quick brown fox jumps over the lazy dog";
  std::string encoded = EncodeAwsChunked(data, 10, &s);
  EXPECT_EQ(DecodeAwsChunked(encoded, &s).data, data);
  std::string tampered = encoded;
  tampered[tampered.find("quick")] = 'Q';
  EXPECT_EQ(DecodeAwsChunked(tampered, &s).error, ChunkedError::kBadSignature);
  ChunkSigning other = s;
  other.seed_signature = std::string(64, 'b');
  EXPECT_EQ(DecodeAwsChunked(encoded, &other).error, ChunkedError::kBadSignature);
  for (size_t cut : {size_t{0}, size_t{5}, encoded.size() / 2, encoded.size() - 90}) {
    EXPECT_EQ(DecodeAwsChunked(encoded.substr(0, cut), &s).error, ChunkedError::kIncomplete) << cut;
  }
  EXPECT_EQ(DecodeAwsChunked("zz;chunk-signature=00\r\n", &s).error, ChunkedError::kMalformed);
  EXPECT_EQ(DecodeAwsChunked("3;foo=1\r\nabc\r\n", nullptr).error, ChunkedError::kMalformed);
  EXPECT_EQ(DecodeAwsChunked("3\r\nabcX\r\n0\r\n\r\n", nullptr).error, ChunkedError::kMalformed);
  // Unsigned chunks (STREAMING-UNSIGNED-PAYLOAD-TRAILER) with a checksum trailer.
  ChunkedResult trailer = DecodeAwsChunked("3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n", nullptr);
  ASSERT_TRUE(trailer.ok()) << trailer.message;
  EXPECT_EQ(trailer.data, "abc");
  EXPECT_EQ(trailer.trailers, "x-amz-checksum-crc32:NSRBwg==");
  // Signatures are required when checking.
  EXPECT_EQ(DecodeAwsChunked("3\r\nabc\r\n0\r\n\r\n", &s).error, ChunkedError::kBadSignature);
}

}  // namespace
}  // namespace aws
