#include "cloud/gateway/gateway.h"

#include "aws/aws_chunked.h"
#include "aws/sigv2.h"
#include "aws/sigv4.h"
#include "cloud/gateway/errors.h"

namespace cloud {
namespace {

struct ErrorCode {
  int status;
  const char* code;
};

// How each service family names an authentication failure (as AWS answers them).
ErrorCode AuthErrorCode(ErrorFormat format, aws::AuthError e, bool presigned) {
  using aws::AuthError;
  switch (format) {
    case ErrorFormat::kS3Xml:
      switch (e) {
        case AuthError::kMissing: return {403, "AccessDenied"};
        case AuthError::kMalformed:
          return presigned ? ErrorCode{400, "AuthorizationQueryParametersError"}
                           : ErrorCode{400, "AuthorizationHeaderMalformed"};
        case AuthError::kUnknownAccessKey: return {403, "InvalidAccessKeyId"};
        case AuthError::kSignatureMismatch: return {403, "SignatureDoesNotMatch"};
        case AuthError::kTimeSkewed: return {403, "RequestTimeTooSkewed"};
        case AuthError::kExpired: return {403, "AccessDenied"};
        case AuthError::kContentSha256Mismatch: return {400, "XAmzContentSHA256Mismatch"};
        case AuthError::kNone: break;
      }
      break;
    case ErrorFormat::kSqs:
      switch (e) {
        case AuthError::kMissing: return {403, "MissingAuthenticationToken"};
        case AuthError::kMalformed: return {400, "IncompleteSignature"};
        case AuthError::kUnknownAccessKey: return {403, "InvalidClientTokenId"};
        case AuthError::kExpired:
        case AuthError::kTimeSkewed: return {400, "RequestExpired"};
        case AuthError::kSignatureMismatch:
        case AuthError::kContentSha256Mismatch: return {403, "SignatureDoesNotMatch"};
        case AuthError::kNone: break;
      }
      break;
    case ErrorFormat::kJson10:
    case ErrorFormat::kRestJson: {
      // DynamoDB and Lambda answer with the Coral framework's exception names.
      switch (e) {
        case AuthError::kMissing: return {400, "com.amazon.coral.service#MissingAuthenticationTokenException"};
        case AuthError::kMalformed: return {400, "com.amazon.coral.service#IncompleteSignatureException"};
        case AuthError::kUnknownAccessKey: return {400, "com.amazon.coral.service#UnrecognizedClientException"};
        case AuthError::kExpired:
        case AuthError::kTimeSkewed:
        case AuthError::kSignatureMismatch:
        case AuthError::kContentSha256Mismatch: return {400, "com.amazon.coral.service#InvalidSignatureException"};
        case AuthError::kNone: break;
      }
      break;
    }
  }
  return {500, "InternalError"};
}

// Lambda-style REST errors name the code without the Coral prefix in x-amzn-ErrorType.
std::string_view BareCode(ErrorFormat format, std::string_view code) {
  if (format != ErrorFormat::kRestJson) return code;
  size_t hash = code.find('#');
  return hash == std::string_view::npos ? code : code.substr(hash + 1);
}

// Drops the "aws-chunked" coding from Content-Encoding (other codings stay).
void RemoveAwsChunkedEncoding(http::Headers& headers) {
  auto ce = headers.Get("content-encoding");
  if (!ce) return;
  std::string kept;
  std::string_view v = *ce;
  size_t pos = 0;
  while (pos <= v.size()) {
    size_t comma = v.find(',', pos);
    if (comma == std::string_view::npos) comma = v.size();
    std::string_view item = v.substr(pos, comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty() && !http::EqualsIgnoreCase(item, "aws-chunked")) {
      if (!kept.empty()) kept.append(",");
      kept.append(item);
    }
    pos = comma + 1;
  }
  if (kept.empty()) {
    headers.Remove("content-encoding");
  } else {
    headers.Set("Content-Encoding", kept);
  }
}

bool IsAwsChunked(const http::Request& r) {
  std::string_view sha = r.headers.GetOr("x-amz-content-sha256", "");
  if (sha.substr(0, 10) == "STREAMING-") return true;
  std::string_view ce = r.headers.GetOr("content-encoding", "");
  for (size_t i = 0; i + 11 <= ce.size(); ++i) {
    if (http::EqualsIgnoreCase(ce.substr(i, 11), "aws-chunked")) return true;
  }
  return false;
}

// The route that answers when nothing matches and no fallback is registered.
const ServiceRoute& UnknownServiceRoute(const http::Request& r) {
  static const ServiceRoute json = [] {
    ServiceRoute route;
    route.name = "unknown";
    route.error_format = ErrorFormat::kJson10;
    route.json_type_prefix = "com.amazon.coral.service#";
    return route;
  }();
  static const ServiceRoute xml = [] {
    ServiceRoute route;
    route.name = "unknown";
    route.error_format = ErrorFormat::kS3Xml;
    return route;
  }();
  return r.headers.Has("x-amz-target") ? json : xml;
}

}  // namespace

Gateway::Gateway(GatewayOptions options) : options_(std::move(options)) {}

base::Status Gateway::Register(ServiceRoute route, http::Handler handler) {
  if (Has(route.name)) return base::Status::AlreadyExists("service '" + route.name + "' is registered twice");
  routes_.push_back(std::move(route));
  handlers_.push_back(std::move(handler));
  return base::Status::Ok();
}

void Gateway::Stop() {
  std::vector<std::function<void()>> hooks;
  hooks.swap(stop_hooks_);
  for (auto& hook : hooks) hook();
}

bool Gateway::Has(std::string_view name) const {
  for (const auto& r : routes_) {
    if (r.name == name) return true;
  }
  return false;
}

std::vector<std::string> Gateway::ServiceNames() const {
  std::vector<std::string> names;
  for (const auto& r : routes_) names.push_back(r.name);
  return names;
}

void Gateway::Handle(http::Request&& request, http::Reply reply) const {
  const ServiceRoute* route = Route(request, routes_);
  if (!route) {
    const ServiceRoute& unknown = UnknownServiceRoute(request);
    bool json = unknown.error_format == ErrorFormat::kJson10;
    return reply(ErrorResponse(unknown, request, json ? 400 : 501, json ? "UnknownOperationException" : "NotImplemented",
                               "edgeface cloud serves no service for this request"));
  }
  const http::Handler& handler = handlers_[static_cast<size_t>(route - routes_.data())];
  if (request.body_too_large) {
    // The body was not read, so the signature cannot be checked; no service sees the request.
    if (route->error_format == ErrorFormat::kS3Xml) {
      return reply(ErrorResponse(*route, request, 400, "EntityTooLarge",
                                 "Your proposed upload exceeds the maximum allowed size"));
    }
    return reply(ErrorResponse(*route, request, 413, "RequestEntityTooLarge",
                               "Request body exceeds the maximum allowed size"));
  }

  std::optional<aws::ChunkSigning> chain;
  if (options_.require_auth && route->requires_auth) {
    aws::SecretLookup lookup = [this](std::string_view access_key) -> std::optional<std::string> {
      auto it = options_.keys.find(std::string(access_key));
      if (it == options_.keys.end()) return std::nullopt;
      return it->second;
    };
    aws::VerifyResult v;
    if (route->error_format == ErrorFormat::kS3Xml && !request.headers.Has("authorization") &&
        aws::IsS3PresignedV2(request)) {
      // boto3 1.26 presigns S3 URLs with SigV2 by default; the resource is the path-style path.
      auto bucket = VirtualHostedBucket(request.headers.GetOr("host", ""));
      std::string resource = bucket ? "/" + *bucket + (request.raw_path == "/" ? "/" : request.raw_path) : request.raw_path;
      v = aws::VerifyS3PresignedV2(request, resource, lookup, options_.clock());
    } else {
      v = aws::VerifyRequest(request, lookup, options_.clock());
    }
    if (!v.ok()) {
      ErrorCode ec = AuthErrorCode(route->error_format, v.error, v.info.presigned);
      http::Response r = ErrorResponse(*route, request, ec.status, BareCode(route->error_format, ec.code), v.message);
      return reply(std::move(r));
    }
    if (v.payload_hash == aws::kStreamingPayload) {
      chain = aws::ChunkSigning{std::move(v.signing_key), std::move(v.amz_date), std::move(v.scope),
                                std::move(v.signature)};
    }
  }

  if (IsAwsChunked(request)) {
    aws::ChunkedResult decoded = aws::DecodeAwsChunked(request.body, chain ? &*chain : nullptr);
    if (!decoded.ok()) {
      bool bad_sig = decoded.error == aws::ChunkedError::kBadSignature;
      bool incomplete = decoded.error == aws::ChunkedError::kIncomplete;
      return reply(ErrorResponse(*route, request, bad_sig ? 403 : 400,
                                 bad_sig ? "SignatureDoesNotMatch" : incomplete ? "IncompleteBody" : "InvalidRequest",
                                 decoded.message));
    }
    if (auto declared = request.headers.Get("x-amz-decoded-content-length");
        declared && *declared != std::to_string(decoded.data.size())) {
      return reply(ErrorResponse(*route, request, 400, "IncompleteBody",
                                 "You did not provide the number of bytes specified by the x-amz-decoded-content-length header."));
    }
    request.body = std::move(decoded.data);
    RemoveAwsChunkedEncoding(request.headers);
    request.headers.Set("Content-Length", std::to_string(request.body.size()));
  }

  if (route->error_format == ErrorFormat::kS3Xml) RewriteVirtualHosted(request);
  handler(std::move(request), std::move(reply));
}

}  // namespace cloud
