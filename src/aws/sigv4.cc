#include "aws/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "http/url.h"

namespace aws {
namespace {

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Trims and collapses runs of spaces (and folded-line breaks) into one space.
std::string CanonicalHeaderValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool space = false;
  for (char c : Trim(v)) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// Removes "." and ".." segments and empty segments; keeps a trailing slash.
std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view seg = path.substr(pos, slash - pos);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    pos = slash + 1;
  }
  std::string out;
  for (auto seg : segments) {
    out.push_back('/');
    out.append(seg);
  }
  bool trailing = path.size() > 1 && (path.back() == '/' || path.ends_with("/.") || path.ends_with("/.."));
  if (out.empty() || trailing) out.push_back('/');
  return out;
}

std::string Scope(std::string_view date, std::string_view region, std::string_view service) {
  std::string s;
  s.append(date).append("/").append(region).append("/").append(service).append("/aws4_request");
  return s;
}

bool IsHex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

// Parses "AK/20150830/us-east-1/service/aws4_request" into info.
bool ParseCredential(std::string_view cred, AuthorizationInfo& info) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (true) {
    size_t slash = cred.find('/', pos);
    parts.push_back(cred.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  // The access key itself never contains '/', the scope has exactly four parts.
  if (parts.size() != 5 || parts[4] != "aws4_request" || parts[0].empty() || parts[1].size() != 8 ||
      parts[2].empty() || parts[3].empty())
    return false;
  info.access_key = parts[0];
  info.date = parts[1];
  info.region = parts[2];
  info.service = parts[3];
  return true;
}

std::vector<std::string> SplitSignedHeaders(std::string_view s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t semi = s.find(';', pos);
    if (semi == std::string_view::npos) semi = s.size();
    if (semi > pos) out.push_back(Lower(s.substr(pos, semi - pos)));
    pos = semi + 1;
  }
  return out;
}

std::string JoinSignedHeaders(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out.push_back(';');
    out.append(n);
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string HexEncode(std::string_view raw) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return HexEncode(std::string_view(reinterpret_cast<char*>(digest), sizeof(digest)));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string DeriveSigningKey(std::string_view secret, std::string_view date, std::string_view region,
                             std::string_view service) {
  std::string k = HmacSha256("AWS4" + std::string(secret), date);
  k = HmacSha256(k, region);
  k = HmacSha256(k, service);
  return HmacSha256(k, "aws4_request");
}

namespace {

// The signing key changes once a day per (secret, region, service): deriving it is four HMACs
// (OpenSSL 3 sets up a context for each), so the verifier keeps the last few per thread.
std::string CachedSigningKey(std::string_view secret, std::string_view date, std::string_view region,
                             std::string_view service) {
  struct Entry {
    std::string secret, date, region, service, key;
  };
  thread_local Entry cache[4];
  thread_local unsigned next = 0;
  for (const Entry& e : cache) {
    if (!e.key.empty() && e.date == date && e.service == service && e.region == region && e.secret == secret) {
      return e.key;
    }
  }
  Entry& e = cache[next++ % 4];
  e = Entry{std::string(secret), std::string(date), std::string(region), std::string(service),
            DeriveSigningKey(secret, date, region, service)};
  return e.key;
}

}  // namespace

UriMode UriModeForService(std::string_view service) {
  return service == "s3" ? UriMode::kS3AsSent : UriMode::kNormalizeAndEncode;
}

std::string CanonicalUri(std::string_view raw_path, UriMode mode) {
  if (raw_path.empty()) return "/";
  if (mode == UriMode::kS3AsSent) return std::string(raw_path);
  return http::UriEncode(NormalizePath(raw_path), /*keep_slash=*/true);
}

std::string CanonicalQuery(std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t pos = 0;
  while (pos < raw_query.size()) {
    size_t amp = raw_query.find('&', pos);
    if (amp == std::string_view::npos) amp = raw_query.size();
    std::string_view item = raw_query.substr(pos, amp - pos);
    pos = amp + 1;
    if (item.empty()) continue;
    size_t eq = item.find('=');
    std::string_view k = item.substr(0, eq);
    std::string_view v = eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
    // A malformed escape is signed as sent (decoding failed): the signature then simply differs.
    auto dk = http::PercentDecode(k);
    auto dv = http::PercentDecode(v);
    std::string key = dk ? http::UriEncode(*dk) : std::string(k);
    if (key == "X-Amz-Signature") continue;
    params.emplace_back(std::move(key), dv ? http::UriEncode(*dv) : std::string(v));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    out.append(k).append("=").append(v);
  }
  return out;
}

CanonicalParts ComputeSignature(const http::Request& request, const std::vector<std::string>& signed_headers,
                                std::string_view payload_hash, std::string_view amz_date,
                                std::string_view scope, std::string_view signing_key, UriMode mode) {
  CanonicalParts parts;
  std::string& c = parts.canonical_request;
  c.reserve(256 + request.target.size());
  c.append(request.method).push_back('\n');
  c.append(CanonicalUri(request.raw_path, mode)).push_back('\n');
  c.append(CanonicalQuery(request.raw_query)).push_back('\n');
  for (const auto& name : signed_headers) {
    c.append(name).push_back(':');
    bool first = true;
    for (const auto& [n, v] : request.headers.fields()) {
      if (!http::EqualsIgnoreCase(n, name)) continue;
      if (!first) c.push_back(',');
      c.append(CanonicalHeaderValue(v));
      first = false;
    }
    c.push_back('\n');
  }
  c.push_back('\n');
  c.append(JoinSignedHeaders(signed_headers)).push_back('\n');
  c.append(payload_hash);

  parts.string_to_sign.append(kSigV4Algorithm).append("\n").append(amz_date).append("\n").append(scope);
  parts.string_to_sign.append("\n").append(Sha256Hex(c));
  parts.signature = HexEncode(HmacSha256(signing_key, parts.string_to_sign));
  return parts;
}

std::string FormatAmzDate(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::optional<std::chrono::system_clock::time_point> ParseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14}) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
    return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

// ---- Signer ----

CanonicalParts SignRequest(http::Request& request, const Credentials& credentials, const SignOptions& options) {
  std::string amz_date = options.amz_date;
  if (auto existing = request.headers.Get("x-amz-date")) {
    amz_date = std::string(*existing);
  } else {
    if (amz_date.empty()) amz_date = FormatAmzDate(std::chrono::system_clock::now());
    request.headers.Set("X-Amz-Date", amz_date);
  }
  if (!credentials.session_token.empty()) request.headers.Set("X-Amz-Security-Token", credentials.session_token);
  std::string payload_hash = options.payload_hash.empty() ? Sha256Hex(request.body) : options.payload_hash;
  if (options.add_content_sha256) request.headers.Set("x-amz-content-sha256", payload_hash);
  request.headers.Remove("Authorization");

  static const char* const kUnsigned[] = {"user-agent", "expect", "x-amzn-trace-id", "connection",
                                          "transfer-encoding"};
  std::vector<std::string> names;
  for (const auto& [n, v] : request.headers.fields()) {
    std::string lower = Lower(n);
    if (std::any_of(std::begin(kUnsigned), std::end(kUnsigned), [&](const char* u) { return lower == u; })) continue;
    names.push_back(std::move(lower));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());

  std::string date = amz_date.substr(0, 8);
  std::string scope = Scope(date, options.region, options.service);
  std::string key = DeriveSigningKey(credentials.secret_key, date, options.region, options.service);
  CanonicalParts parts = ComputeSignature(request, names, payload_hash, amz_date, scope, key,
                                          UriModeForService(options.service));
  request.headers.Set("Authorization", std::string(kSigV4Algorithm) + " Credential=" + credentials.access_key +
                                           "/" + scope + ", SignedHeaders=" + JoinSignedHeaders(names) +
                                           ", Signature=" + parts.signature);
  return parts;
}

std::string PresignQuery(std::string_view method, std::string_view host, std::string_view raw_path,
                         std::string_view raw_query, const Credentials& credentials, const SignOptions& options,
                         int expires_seconds) {
  std::string amz_date = options.amz_date.empty() ? FormatAmzDate(std::chrono::system_clock::now()) : options.amz_date;
  std::string date = amz_date.substr(0, 8);
  std::string scope = Scope(date, options.region, options.service);
  std::string query(raw_query);
  auto add = [&](std::string_view k, std::string_view v) {
    if (!query.empty()) query.push_back('&');
    query.append(k).append("=").append(http::UriEncode(v));
  };
  add("X-Amz-Algorithm", kSigV4Algorithm);
  add("X-Amz-Credential", credentials.access_key + "/" + scope);
  add("X-Amz-Date", amz_date);
  add("X-Amz-Expires", std::to_string(expires_seconds));
  add("X-Amz-SignedHeaders", "host");
  if (!credentials.session_token.empty()) add("X-Amz-Security-Token", credentials.session_token);
  http::Request req;
  req.method = std::string(method);
  req.raw_path = std::string(raw_path);
  req.raw_query = query;
  req.headers.Add("host", std::string(host));
  std::string key = DeriveSigningKey(credentials.secret_key, date, options.region, options.service);
  CanonicalParts parts = ComputeSignature(req, {"host"}, kUnsignedPayload, amz_date, scope, key,
                                          UriModeForService(options.service));
  query.append("&X-Amz-Signature=").append(parts.signature);
  return query;
}

// ---- Verifier ----

base::StatusOr<AuthorizationInfo> ParseAuthorizationHeader(std::string_view value) {
  value = Trim(value);
  if (!StartsWith(value, kSigV4Algorithm) || value.size() == kSigV4Algorithm.size() ||
      value[kSigV4Algorithm.size()] != ' ')
    return base::Status::InvalidArgument("Authorization header is not AWS4-HMAC-SHA256");
  value.remove_prefix(kSigV4Algorithm.size() + 1);
  AuthorizationInfo info;
  bool have_cred = false, have_headers = false, have_sig = false;
  size_t pos = 0;
  while (pos < value.size()) {
    size_t comma = value.find(',', pos);
    if (comma == std::string_view::npos) comma = value.size();
    std::string_view item = Trim(value.substr(pos, comma - pos));
    pos = comma + 1;
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) return base::Status::InvalidArgument("Authorization component without '='");
    std::string_view k = item.substr(0, eq), v = item.substr(eq + 1);
    if (k == "Credential") {
      if (!ParseCredential(v, info)) return base::Status::InvalidArgument("malformed Credential in Authorization");
      have_cred = true;
    } else if (k == "SignedHeaders") {
      info.signed_headers = SplitSignedHeaders(v);
      have_headers = !info.signed_headers.empty();
    } else if (k == "Signature") {
      if (!IsHex(v)) return base::Status::InvalidArgument("Signature is not hexadecimal");
      info.signature = std::string(v);
      have_sig = true;
    }
  }
  if (!have_cred || !have_headers || !have_sig)
    return base::Status::InvalidArgument("Authorization lacks Credential, SignedHeaders or Signature");
  return info;
}

base::StatusOr<AuthorizationInfo> ParsePresignedQuery(const http::Request& request) {
  AuthorizationInfo info;
  info.presigned = true;
  auto alg = request.Query("X-Amz-Algorithm");
  auto cred = request.Query("X-Amz-Credential");
  auto date = request.Query("X-Amz-Date");
  auto headers = request.Query("X-Amz-SignedHeaders");
  auto sig = request.Query("X-Amz-Signature");
  auto expires = request.Query("X-Amz-Expires");
  if (!alg || !cred || !date || !headers || !sig)
    return base::Status::InvalidArgument("presigned URL lacks X-Amz-Algorithm, -Credential, -Date, -SignedHeaders or -Signature");
  if (*alg != kSigV4Algorithm) return base::Status::InvalidArgument("X-Amz-Algorithm must be AWS4-HMAC-SHA256");
  if (!ParseCredential(*cred, info)) return base::Status::InvalidArgument("malformed X-Amz-Credential");
  if (!IsHex(*sig)) return base::Status::InvalidArgument("X-Amz-Signature is not hexadecimal");
  info.signed_headers = SplitSignedHeaders(*headers);
  info.signature = std::string(*sig);
  info.amz_date = std::string(*date);
  info.expires_seconds = 604800;
  if (expires) {
    char* end = nullptr;
    std::string e(*expires);
    long v = std::strtol(e.c_str(), &end, 10);
    if (e.empty() || *end || v < 1 || v > 604800)
      return base::Status::InvalidArgument("X-Amz-Expires must be between 1 and 604800 seconds");
    info.expires_seconds = v;
  }
  return info;
}

std::optional<std::string> CredentialScopeService(const http::Request& request) {
  std::string_view cred;
  std::string from_query;
  if (auto auth = request.headers.Get("authorization")) {
    size_t p = auth->find("Credential=");
    if (p == std::string_view::npos) return std::nullopt;
    cred = auth->substr(p + 11);
    cred = cred.substr(0, cred.find_first_of(", "));
  } else if (auto q = request.Query("X-Amz-Credential")) {
    cred = *q;
  } else {
    return std::nullopt;
  }
  AuthorizationInfo info;
  if (!ParseCredential(cred, info)) return std::nullopt;
  return info.service;
}

VerifyResult VerifyRequest(const http::Request& request, const SecretLookup& secret_for,
                           std::chrono::system_clock::time_point now) {
  VerifyResult r;
  auto fail = [&r](AuthError e, std::string msg) {
    r.error = e;
    r.message = std::move(msg);
    return r;
  };
  base::StatusOr<AuthorizationInfo> parsed = base::Status::InvalidArgument("");
  if (auto auth = request.headers.Get("authorization")) {
    parsed = ParseAuthorizationHeader(*auth);
  } else if (request.HasQuery("X-Amz-Signature") || request.HasQuery("X-Amz-Credential")) {
    parsed = ParsePresignedQuery(request);
  } else {
    return fail(AuthError::kMissing, "Request is missing Authentication Token");
  }
  if (!parsed.ok()) return fail(AuthError::kMalformed, parsed.status().message());
  r.info = std::move(parsed).value();
  const AuthorizationInfo& info = r.info;

  if (info.presigned) {
    r.amz_date = info.amz_date;
  } else if (auto d = request.headers.Get("x-amz-date")) {
    r.amz_date = std::string(*d);
  } else {
    return fail(AuthError::kMalformed, "Authorization requires an X-Amz-Date header");
  }
  auto when = ParseAmzDate(r.amz_date);
  if (!when) return fail(AuthError::kMalformed, "X-Amz-Date '" + r.amz_date + "' is not YYYYMMDDTHHMMSSZ");
  if (r.amz_date.substr(0, 8) != info.date)
    return fail(AuthError::kSignatureMismatch, "credential scope date " + info.date + " does not match X-Amz-Date");

  std::optional<std::string> secret = secret_for(info.access_key);
  if (!secret) return fail(AuthError::kUnknownAccessKey, "The AWS Access Key Id you provided does not exist in our records.");

  if (info.presigned) {
    if (now > *when + std::chrono::seconds(info.expires_seconds)) return fail(AuthError::kExpired, "Request has expired");
    if (*when - now > kMaxClockSkew) return fail(AuthError::kTimeSkewed, "Request is not valid yet (X-Amz-Date in the future)");
  } else if (now - *when > kMaxClockSkew || *when - now > kMaxClockSkew) {
    return fail(AuthError::kTimeSkewed, "The difference between the request time (" + r.amz_date +
                                            ") and the current time is too large.");
  }

  if (info.presigned) {
    r.payload_hash = std::string(request.headers.GetOr("x-amz-content-sha256", kUnsignedPayload));
  } else if (auto declared = request.headers.Get("x-amz-content-sha256")) {
    r.payload_hash = std::string(*declared);
    bool special = r.payload_hash == kUnsignedPayload || StartsWith(r.payload_hash, "STREAMING-");
    if (!special && r.payload_hash != Sha256Hex(request.body))
      return fail(AuthError::kContentSha256Mismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.");
  } else {
    r.payload_hash = Sha256Hex(request.body);
  }

  r.scope = Scope(info.date, info.region, info.service);
  r.signing_key = CachedSigningKey(*secret, info.date, info.region, info.service);
  CanonicalParts parts = ComputeSignature(request, info.signed_headers, r.payload_hash, r.amz_date, r.scope,
                                          r.signing_key, UriModeForService(info.service));
  r.canonical_request = std::move(parts.canonical_request);
  r.string_to_sign = std::move(parts.string_to_sign);
  if (!ConstantTimeEquals(parts.signature, Lower(info.signature))) {
    return fail(AuthError::kSignatureMismatch,
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.");
  }
  r.signature = parts.signature;
  return r;
}

}  // namespace aws
