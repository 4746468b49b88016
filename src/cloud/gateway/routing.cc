#include "cloud/gateway/routing.h"

#include "aws/sigv4.h"
#include "http/url.h"

namespace cloud {
namespace {

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool EndsWithIgnoreCase(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && http::EqualsIgnoreCase(s.substr(s.size() - suffix.size()), suffix);
}

bool IsFormPost(const http::Request& r) {
  auto ct = r.headers.GetOr("content-type", "");
  return ct.size() >= 33 && http::EqualsIgnoreCase(ct.substr(0, 33), "application/x-www-form-urlencoded");
}

bool HasQueryAction(const http::Request& r) {
  if (r.HasQuery("Action")) return true;
  if (!IsFormPost(r)) return false;
  // "Action=" as a whole parameter of the form body.
  std::string_view body = r.body;
  return StartsWith(body, "Action=") || body.find("&Action=") != std::string_view::npos;
}

}  // namespace

ServiceRoute S3Route() {
  ServiceRoute r;
  r.name = "s3";
  r.error_format = ErrorFormat::kS3Xml;
  r.fallback = true;
  return r;
}

ServiceRoute DynamoDbRoute() {
  ServiceRoute r;
  r.name = "dynamodb";
  r.error_format = ErrorFormat::kJson10;
  r.target_prefixes = {"DynamoDB_20120810."};
  r.json_type_prefix = "com.amazonaws.dynamodb.v20120810#";
  return r;
}

ServiceRoute SqsRoute() {
  ServiceRoute r;
  r.name = "sqs";
  r.error_format = ErrorFormat::kSqs;
  r.target_prefixes = {"AmazonSQS."};
  r.takes_query_actions = true;
  r.json_type_prefix = "com.amazonaws.sqs#";
  return r;
}

const ServiceRoute* Route(const http::Request& request, const std::vector<ServiceRoute>& routes) {
  if (auto target = request.headers.Get("x-amz-target")) {
    for (const auto& r : routes) {
      for (const auto& p : r.target_prefixes) {
        if (StartsWith(*target, p)) return &r;
      }
    }
    return nullptr;  // a JSON-protocol call for a service we do not serve; S3 never sends a target
  }
  if (auto scope = aws::CredentialScopeService(request)) {
    for (const auto& r : routes) {
      if (r.name == *scope) return &r;
    }
  }
  for (const auto& r : routes) {
    for (const auto& p : r.path_prefixes) {
      if (StartsWith(request.path, p)) return &r;
    }
  }
  if (HasQueryAction(request)) {
    for (const auto& r : routes) {
      if (r.takes_query_actions) return &r;
    }
  }
  for (const auto& r : routes) {
    if (r.fallback) return &r;
  }
  return nullptr;
}

std::optional<std::string> VirtualHostedBucket(std::string_view host) {
  // Strip the port (no IPv6 literal names a bucket).
  if (!host.empty() && host.front() == '[') return std::nullopt;
  host = host.substr(0, host.find(':'));
  static constexpr std::string_view kSuffixes[] = {".s3.localhost.localstack.cloud", ".localhost.localstack.cloud",
                                                   ".s3.localhost", ".localhost", ".s3.amazonaws.com"};
  for (std::string_view suffix : kSuffixes) {
    if (EndsWithIgnoreCase(host, suffix)) {
      std::string_view bucket = host.substr(0, host.size() - suffix.size());
      // "s3.localhost" itself is path style; so is an empty label.
      if (bucket.empty() || (suffix == ".localhost" && http::EqualsIgnoreCase(bucket, "s3"))) return std::nullopt;
      return std::string(bucket);
    }
  }
  return std::nullopt;
}

bool RewriteVirtualHosted(http::Request& request) {
  auto bucket = VirtualHostedBucket(request.headers.GetOr("host", ""));
  if (!bucket) return false;
  std::string encoded = http::UriEncode(*bucket);
  std::string raw_path = request.raw_path == "/" || request.raw_path.empty() ? "/" + encoded
                                                                             : "/" + encoded + request.raw_path;
  request.target = raw_path + (request.raw_query.empty() ? "" : "?" + request.raw_query);
  return request.ParseTarget();
}

}  // namespace cloud
