// AWS service clients for the functions, the device and the tools: S3, DynamoDB, SQS and Lambda
// calls signed with SigV4, against AWS itself or any compatible endpoint (`edgeface cloud`,
// s3rver, dynalite, local-aws-sqs: tested against all three, aws_peers_test).
//
// Configuration follows the AWS SDKs' standard chains (AwsConfig::FromEnvironment):
//   credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, then the profile
//     (AWS_PROFILE, default "default") in AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials) and
//     AWS_CONFIG_FILE (~/.aws/config), then the container credentials endpoint
//     (AWS_CONTAINER_CREDENTIALS_FULL_URI, or 169.254.170.2 + _RELATIVE_URI, with
//     AWS_CONTAINER_AUTHORIZATION_TOKEN);
//   region: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else us-east-1;
//   endpoint: AWS_ENDPOINT_URL_<SERVICE> (S3, DYNAMODB, SQS, LAMBDA), then AWS_ENDPOINT_URL,
//     else AWS's own https://<service>.<region>.amazonaws.com.
// Requests are retried as the SDKs' "standard" mode retries them: on connection failures,
// timeouts, HTTP 5xx, 429 and throttling error codes, up to max_attempts in all, with capped
// exponential backoff and full jitter.
//
// Errors: a service error becomes a Status whose message is "<Code>: <Message>" (the code as the
// service spells it, e.g. "NoSuchKey: The specified key does not exist."), with the Status code
// mapped: NotFound for missing things (NoSuchKey, NoSuchBucket, ResourceNotFoundException,
// QueueDoesNotExist, 404), InvalidArgument for validation errors, FailedPrecondition for
// ConditionalCheckFailedException, ResourceExhausted for throttling after the last attempt,
// Unavailable/DeadlineExceeded for transport failures, Internal otherwise.
//
// Thread-safety: a client object is used by one thread at a time (it owns one keep-alive
// connection); make one per thread. AwsConfig is a value, safe to share.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/sigv4.h"
#include "base/status.h"
#include "client/http_client.h"

namespace client {

struct AwsConfig {
  std::string region = "us-east-1";
  aws::Credentials credentials;       // default test/test, the local cloud's keys
  std::string endpoint;               // all services; empty: AWS's own per-service endpoints
  std::map<std::string, std::string> service_endpoints;  // "s3" → URL; overrides `endpoint`
  int max_attempts = 3;               // 1 disables retries
  std::chrono::milliseconds timeout{30'000};  // per attempt
  std::chrono::milliseconds connect_timeout{3'000};

  // The standard chains above. Fails only when a source that is set is broken (an unreadable
  // container credentials endpoint, a profile named in AWS_PROFILE that does not exist).
  static base::StatusOr<AwsConfig> FromEnvironment();
  // The local cloud's defaults: http://127.0.0.1:4566, us-east-1, test/test.
  static AwsConfig Local(std::string endpoint = "http://127.0.0.1:4566");

  // "http://127.0.0.1:4566" or "https://s3.us-east-1.amazonaws.com"; no trailing slash.
  std::string EndpointFor(std::string_view service) const;
};

// The part every client shares: sign, send, retry, turn service errors into Status.
class AwsTransport {
 public:
  AwsTransport(AwsConfig config, std::string service);  // service: SigV4 name ("s3", "sqs", ...)
  const AwsConfig& config() const { return config_; }

  // `raw_path` is already URI-encoded; `raw_query` likewise ("a=1&b=2", may be empty).
  // Returns the response of the last attempt when its status is < 300; otherwise the error.
  // `timeout` overrides config().timeout for this call (long polls) when non-zero.
  base::StatusOr<HttpResponse> Send(std::string_view method, const std::string& raw_path,
                                    const std::string& raw_query, http::Headers headers,
                                    std::string_view body, std::chrono::milliseconds timeout = {});
  // Send's signing and retries, but the final response comes back whatever its status, for
  // callers that read the service's answer themselves (the stack treats 409 as "exists").
  base::StatusOr<HttpResponse> Exchange(std::string_view method, const std::string& raw_path,
                                        const std::string& raw_query, http::Headers headers,
                                        std::string_view body, std::chrono::milliseconds timeout = {});
  // Which attempt count the last Send used (tests of the retry policy read it).
  int last_attempts() const { return last_attempts_; }

 private:
  AwsConfig config_;
  std::string service_;
  std::string endpoint_;  // resolved once
  HttpClient http_;
  int last_attempts_ = 0;
};

// ---- S3 (REST, path-style addressing, which every compatible server understands) ----
struct S3Object {
  std::string key;
  uint64_t size = 0;
  std::string etag;            // with quotes, as S3 sends it
  std::string last_modified;   // ISO 8601 from listings; HTTP date from HEAD
};

class S3Client {
 public:
  explicit S3Client(AwsConfig config) : t_(std::move(config), "s3") {}
  // Returns the ETag. `content_type` may be empty; `metadata` become x-amz-meta-* headers.
  base::StatusOr<std::string> PutObject(const std::string& bucket, const std::string& key,
                                        std::string_view body, const std::string& content_type = "",
                                        const std::map<std::string, std::string>& metadata = {});
  base::StatusOr<std::string> GetObject(const std::string& bucket, const std::string& key,
                                        std::string* etag = nullptr);
  base::StatusOr<S3Object> HeadObject(const std::string& bucket, const std::string& key);
  base::Status DeleteObject(const std::string& bucket, const std::string& key);
  // Every object under `prefix` (follows continuation tokens), in key order.
  base::StatusOr<std::vector<S3Object>> ListObjects(const std::string& bucket, const std::string& prefix = "");
  base::Status CreateBucket(const std::string& bucket);  // already owning it is not an error
  AwsTransport& transport() { return t_; }

 private:
  AwsTransport t_;
};

// ---- DynamoDB (JSON 1.0) ----
class DynamoDbClient {
 public:
  explicit DynamoDbClient(AwsConfig config) : t_(std::move(config), "dynamodb") {}
  // Any operation: `operation` is "GetItem", "Query", ...; the parsed answer.
  base::StatusOr<nlohmann::json> Call(const std::string& operation, const nlohmann::json& request);
  // The item as plain JSON (see FromAttributeValues), or nullopt when there is none.
  base::StatusOr<std::optional<nlohmann::json>> GetItem(const std::string& table, const nlohmann::json& plain_key);
  base::Status PutItem(const std::string& table, const nlohmann::json& plain_item);
  AwsTransport& transport() { return t_; }

 private:
  AwsTransport t_;
};

// Plain JSON ↔ DynamoDB attribute values: strings ↔ S, numbers ↔ N, bools ↔ BOOL, null ↔ NULL,
// arrays ↔ L, objects ↔ M (sets become arrays; B becomes its base64 text).
nlohmann::json ToAttributeValues(const nlohmann::json& plain_object);
nlohmann::json FromAttributeValues(const nlohmann::json& item);

// ---- SQS (AWS JSON 1.0 protocol, as the current SDKs; MD5OfBody checked: Corruption on a mismatch) ----
struct SqsMessage {
  std::string message_id;
  std::string receipt_handle;
  std::string body;
  std::map<std::string, std::string> attributes;          // system attributes asked for
  std::map<std::string, std::string> message_attributes;  // String/Number values
};

class SqsClient {
 public:
  explicit SqsClient(AwsConfig config) : t_(std::move(config), "sqs") {}
  base::StatusOr<std::string> GetQueueUrl(const std::string& queue_name);
  base::StatusOr<std::string> CreateQueue(const std::string& queue_name);  // the URL
  // Returns the MessageId. `string_attributes` are MessageAttributes of DataType String.
  base::StatusOr<std::string> SendMessage(const std::string& queue_url, std::string_view body,
                                          const std::map<std::string, std::string>& string_attributes = {});
  // Long-polls up to `wait_seconds` (0..20); an empty vector when nothing arrived.
  base::StatusOr<std::vector<SqsMessage>> ReceiveMessages(const std::string& queue_url, int max_messages = 10,
                                                          int wait_seconds = 20, int visibility_timeout = -1);
  base::Status DeleteMessage(const std::string& queue_url, const std::string& receipt_handle);
  AwsTransport& transport() { return t_; }

 private:
  AwsTransport t_;
};

// ---- Lambda (Invoke API) ----
struct InvokeOutput {
  int status = 0;               // 200 RequestResponse, 202 Event, 204 DryRun
  std::string function_error;   // X-Amz-Function-Error ("Unhandled"), empty on success
  std::string payload;
  std::string log_result;       // decoded X-Amz-Log-Result when asked for
  std::string executed_version;
};

enum class InvocationType { kRequestResponse, kEvent, kDryRun };

class LambdaClient {
 public:
  explicit LambdaClient(AwsConfig config) : t_(std::move(config), "lambda") {}
  // A function error is not a transport error: it comes back as ok() with function_error set.
  // Throttling (429) is retried per the config, then ResourceExhausted.
  base::StatusOr<InvokeOutput> Invoke(const std::string& function_name, std::string_view payload,
                                      InvocationType type = InvocationType::kRequestResponse,
                                      bool log_tail = false);
  // GetFunctionUrlConfig: the function URL; NotFound when the function or its URL does not exist.
  base::StatusOr<std::string> GetFunctionUrl(const std::string& function_name);
  AwsTransport& transport() { return t_; }

 private:
  AwsTransport t_;
};

}  // namespace client
