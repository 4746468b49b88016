// AwsTransport: sign (SigV4), send, retry with backoff and jitter, map service errors to Status.
#include <algorithm>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "aws/xml_reader.h"
#include "client/aws.h"
#include "client/aws_errors.h"

namespace client {
namespace {

// Legacy-mode base delay of the SDKs (100 ms), doubled per attempt, capped as standard mode caps it.
constexpr std::chrono::milliseconds kBackoffBase{100};
constexpr std::chrono::milliseconds kBackoffCap{20'000};

std::string HostOf(const std::string& endpoint) {
  size_t start = endpoint.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = endpoint.find('/', start);
  return endpoint.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::chrono::milliseconds Backoff(int attempt) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  auto ceiling = std::min<int64_t>(kBackoffCap.count(), kBackoffBase.count() << std::min(attempt, 16));
  std::uniform_int_distribution<int64_t> pick(0, ceiling);  // full jitter
  return std::chrono::milliseconds(pick(rng));
}

}  // namespace

ServiceError ParseServiceError(int status, const http::Headers& headers, std::string_view body) {
  ServiceError e;
  e.status = status;
  // Lambda (REST-JSON) names the type in a header: "ResourceNotFoundException:http://internal...".
  if (auto t = headers.Get("x-amzn-ErrorType")) e.code = std::string(t->substr(0, t->find(':')));
  if (!body.empty() && (body.front() == '{')) {
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_object()) {
      if (e.code.empty() && j.contains("__type") && j["__type"].is_string()) {
        std::string t = j["__type"];
        e.code = t.substr(t.find('#') == std::string::npos ? 0 : t.find('#') + 1);
      }
      if (e.code.empty() && j.contains("code") && j["code"].is_string()) e.code = j["code"];
      for (const char* key : {"message", "Message", "errorMessage"}) {
        if (j.contains(key) && j[key].is_string()) {
          e.message = j[key];
          break;
        }
      }
    }
  } else if (!body.empty() && body.front() == '<') {
    auto root = aws::ParseXml(body);
    if (root.ok()) {
      const aws::XmlNode* err = root->name == "Error" ? &*root : root->Child("Error");
      if (err) {
        e.code = std::string(err->ChildText("Code"));
        e.message = std::string(err->ChildText("Message"));
      }
    }
  }
  if (e.code.empty()) {
    e.code = status == 404 ? "NotFound" : status == 403 ? "Forbidden" : status == 429 ? "TooManyRequestsException"
                                                                                       : "HTTP" + std::to_string(status);
  }
  if (e.message.empty()) e.message = "HTTP status " + std::to_string(status);
  return e;
}

bool IsThrottling(const ServiceError& e) {
  static const char* const kCodes[] = {
      "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
      "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
      "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
      "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException"};
  if (e.status == 429) return true;
  return std::any_of(std::begin(kCodes), std::end(kCodes), [&](const char* c) { return e.code == c; });
}

base::Status ToStatus(const ServiceError& e) {
  std::string text = e.code + ": " + e.message;
  static const char* const kNotFound[] = {"NoSuchKey", "NoSuchBucket", "NoSuchUpload", "NotFound",
                                          "ResourceNotFoundException", "QueueDoesNotExist",
                                          "AWS.SimpleQueueService.NonExistentQueue"};
  if (e.status == 404 || std::any_of(std::begin(kNotFound), std::end(kNotFound), [&](const char* c) { return e.code == c; })) {
    return base::Status::NotFound(text);
  }
  if (e.code == "ConditionalCheckFailedException" || e.code == "PreconditionFailed") {
    return base::Status::FailedPrecondition(text);
  }
  if (IsThrottling(e)) return base::Status::ResourceExhausted(text);
  if (e.status >= 500) return base::Status::Unavailable(text);
  if (e.status == 403 || e.code.find("Validation") != std::string::npos || e.code.find("Invalid") != std::string::npos ||
      e.status == 400) {
    return base::Status::InvalidArgument(text);
  }
  return base::Status::Internal(text);
}

AwsTransport::AwsTransport(AwsConfig config, std::string service)
    : config_(std::move(config)), service_(std::move(service)), endpoint_(config_.EndpointFor(service_)) {}

base::StatusOr<HttpResponse> AwsTransport::Send(std::string_view method, const std::string& raw_path,
                                                const std::string& raw_query, http::Headers headers,
                                                std::string_view body, std::chrono::milliseconds timeout) {
  auto response = Exchange(method, raw_path, raw_query, std::move(headers), body, timeout);
  if (!response.ok()) return response.status();
  if (response->status < 300) return response;
  return ToStatus(ParseServiceError(response->status, response->headers, response->body));
}

base::StatusOr<HttpResponse> AwsTransport::Exchange(std::string_view method, const std::string& raw_path,
                                                    const std::string& raw_query, http::Headers headers,
                                                    std::string_view body, std::chrono::milliseconds timeout) {
  const std::string url = endpoint_ + raw_path + (raw_query.empty() ? "" : "?" + raw_query);
  // Hashing once: the signature of every attempt covers the same body; the body itself is never
  // copied into the request we sign.
  const std::string payload_hash = aws::Sha256Hex(body);
  headers.Set("Host", HostOf(endpoint_));
  RequestOptions options;
  options.timeout = timeout.count() > 0 ? timeout : config_.timeout;
  options.connect_timeout = config_.connect_timeout;

  base::Status last = base::Status::Internal("no attempt made");
  for (int attempt = 0; attempt < std::max(1, config_.max_attempts); ++attempt) {
    last_attempts_ = attempt + 1;
    if (attempt > 0) std::this_thread::sleep_for(Backoff(attempt));
    http::Request request;
    request.method = std::string(method);
    request.raw_path = raw_path;
    request.raw_query = raw_query;
    request.headers = headers;
    aws::SignOptions sign;
    sign.region = config_.region;
    sign.service = service_;
    sign.payload_hash = payload_hash;
    sign.add_content_sha256 = service_ == "s3";
    aws::SignRequest(request, config_.credentials, sign);
    request.headers.Remove("Host");  // libcurl sends the same Host from the URL

    auto response = http_.Send(method, url, request.headers, body, options);
    if (!response.ok()) {
      last = response.status().WithContext(std::string(method) + " " + url);
      if (response.status().code() == base::Status::Code::kInvalidArgument) return last;  // malformed URL
      continue;  // connection refused/reset, timeout: retryable
    }
    const bool last_attempt = attempt + 1 >= std::max(1, config_.max_attempts);
    if (response->status < 300 || last_attempt) return response;
    ServiceError error = ParseServiceError(response->status, response->headers, response->body);
    if (!(response->status >= 500 || IsThrottling(error))) return response;
  }
  return last;
}

}  // namespace client
