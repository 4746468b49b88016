#include "aws/sigv2.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace aws {
namespace {

// The sub-resources S3 includes in the signed resource, in the documented set.
constexpr std::string_view kSubresources[] = {
    "acl", "cors", "delete", "lifecycle", "location", "logging", "notification", "partNumber", "policy",
    "requestPayment", "response-cache-control", "response-content-disposition", "response-content-encoding",
    "response-content-language", "response-content-type", "response-expires", "restore", "tagging", "torrent",
    "uploadId", "uploads", "versionId", "versioning", "versions", "website"};

std::string Base64(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

bool IsS3PresignedV2(const http::Request& request) {
  return request.HasQuery("AWSAccessKeyId") && request.HasQuery("Signature") && request.HasQuery("Expires");
}

VerifyResult VerifyS3PresignedV2(const http::Request& request, std::string_view resource_path,
                                 const SecretLookup& secret_for, std::chrono::system_clock::time_point now) {
  VerifyResult r;
  r.info.presigned = true;
  r.info.service = "s3";
  auto fail = [&r](AuthError e, std::string msg) {
    r.error = e;
    r.message = std::move(msg);
    return r;
  };
  std::string access_key(request.Query("AWSAccessKeyId").value_or(""));
  std::string signature(request.Query("Signature").value_or(""));
  std::string expires(request.Query("Expires").value_or(""));
  char* end = nullptr;
  long long expires_at = std::strtoll(expires.c_str(), &end, 10);
  if (expires.empty() || *end || expires_at < 0) return fail(AuthError::kMalformed, "Expires must be a number of seconds");
  r.info.access_key = access_key;
  auto secret = secret_for(access_key);
  if (!secret) return fail(AuthError::kUnknownAccessKey, "The AWS Access Key Id you provided does not exist in our records.");
  if (std::chrono::system_clock::to_time_t(now) > expires_at) return fail(AuthError::kExpired, "Request has expired");

  std::string sts = request.method + "\n";
  sts.append(request.headers.GetOr("content-md5", "")).append("\n");
  sts.append(request.headers.GetOr("content-type", "")).append("\n");
  sts.append(expires).append("\n");
  std::vector<std::pair<std::string, std::string>> amz;
  for (const auto& [n, v] : request.headers.fields()) {
    std::string name = Lower(n);
    if (name.rfind("x-amz-", 0) == 0) amz.emplace_back(name, v);
  }
  std::sort(amz.begin(), amz.end());
  for (size_t i = 0; i < amz.size(); ++i) {
    if (i > 0 && amz[i].first == amz[i - 1].first) {
      sts.back() = ',';
      sts.append(amz[i].second).append("\n");
      continue;
    }
    sts.append(amz[i].first).append(":").append(amz[i].second).append("\n");
  }
  sts.append(resource_path);
  std::vector<std::pair<std::string, std::string>> sub;
  for (const auto& [k, v] : request.query) {
    if (std::find(std::begin(kSubresources), std::end(kSubresources), k) != std::end(kSubresources)) sub.emplace_back(k, v);
  }
  std::sort(sub.begin(), sub.end());
  for (size_t i = 0; i < sub.size(); ++i) {
    sts.append(i == 0 ? "?" : "&").append(sub[i].first);
    if (!sub[i].second.empty()) sts.append("=").append(sub[i].second);
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), secret->data(), static_cast<int>(secret->size()), reinterpret_cast<const unsigned char*>(sts.data()),
       sts.size(), mac, &len);
  std::string expected = Base64(std::string_view(reinterpret_cast<char*>(mac), len));
  r.string_to_sign = sts;
  if (expected.size() != signature.size() || CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) != 0) {
    return fail(AuthError::kSignatureMismatch,
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.");
  }
  r.payload_hash = std::string(kUnsignedPayload);
  return r;
}

}  // namespace aws
