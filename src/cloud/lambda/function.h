// The values the function engine works with: a function's configuration, an invocation and its
// outcome, and the Runtime API of one instance as plain calls (lambda_api maps HTTP onto them).
// No HTTP type appears here.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cloud::lambda {

struct FunctionConfig {
  std::string name;
  // What an instance runs: argv, e.g. {"build/bin/edgeface", "fn", "echo"} or {"/tmp/f/bootstrap"}.
  // A relative path is resolved against the server's working directory at registration.
  std::vector<std::string> command;
  std::string handler = "function.handler";  // passed as _HANDLER
  std::string runtime = "provided.al2023";   // reported only
  std::string description;
  int memory_mb = 128;   // 128..10240; exceeding it is a Runtime.OutOfMemory function error
  int timeout_s = 3;     // 1..900
  std::map<std::string, std::string> environment;
  std::optional<int> reserved_concurrency;  // nullopt: shares the account's limit
  // Instances kept started ahead of demand (PutProvisionedConcurrencyConfig): they are never
  // stopped for idleness, report no Init Duration, and count against reserved_concurrency.
  int provisioned_concurrency = 0;
  // The directory instances run in (LAMBDA_TASK_ROOT); default: the command's directory.
  std::string task_root;
  // Asynchronous invocation (PutFunctionEventInvokeConfig).
  int max_retry_attempts = 2;           // 0..2
  int max_event_age_s = 21600;          // 60..21600
  std::string on_failure_destination;   // an SQS queue ARN, or ""
  std::string on_success_destination;
  int64_t last_modified_ms = 0;
};

// Checks ranges and names as Lambda does; InvalidArgument with Lambda's wording otherwise.
base::Status ValidateConfig(const FunctionConfig& config);

struct InvokeRequest {
  std::string function_name;
  std::string payload;
  std::string client_context;    // base64 JSON, passed through
  std::string cognito_identity;
  std::string trace_id;          // generated when empty
  bool want_log_tail = false;
};

struct InvokeResult {
  enum class Kind {
    kSuccess,        // payload is the function's response
    kFunctionError,  // payload is the error JSON {errorMessage, errorType, ...}
    kThrottled,      // concurrency limit reached (message names the reason)
    kNotFound,       // no such function
    kServiceError,   // we could not run it (spawn failed, ...), message says why
  };
  Kind kind = Kind::kSuccess;
  std::string request_id;
  std::string payload;
  std::string content_type = "application/json";
  std::string error_type;  // kFunctionError: the errorType; kThrottled: the Reason
  std::string message;     // kThrottled/kNotFound/kServiceError
  std::string log_tail;    // the last 4 KB of this invocation's log, when asked for
};

using InvokeCallback = std::function<void(InvokeResult)>;

// One event handed to an instance by GET /runtime/invocation/next.
struct RuntimeEvent {
  std::string request_id;
  // The invocation's payload (up to 6 MB), not copied: it stays valid while `owner` lives.
  std::string_view payload;
  std::shared_ptr<const void> owner;
  int64_t deadline_ms = 0;  // epoch ms
  std::string function_arn;
  std::string trace_id;
  std::string client_context;
  std::string cognito_identity;
};

// The Runtime API of one instance, as the engine implements it. Thread-safe.
class InstanceRuntime {
 public:
  enum class PostStatus {
    kAccepted,        // 202
    kTooLarge,        // 413: the invocation fails with Function.ResponseSizeTooLarge
    kUnknownRequest,  // 400: not this instance's current invocation
    kGone,            // 500: the instance is being stopped; the runtime must exit
  };
  virtual ~InstanceRuntime() = default;
  // Calls `deliver` exactly once, when the next invocation is assigned (maybe much later), or
  // never if the instance is stopped first.
  virtual void Next(std::function<void(const RuntimeEvent&)> deliver) = 0;
  virtual PostStatus PostResponse(const std::string& request_id, std::string payload, std::string content_type) = 0;
  virtual PostStatus PostError(const std::string& request_id, std::string error_type, std::string body) = 0;
  virtual PostStatus PostInitError(std::string error_type, std::string body) = 0;
};

// Where an instance's Runtime API listens. Destroying it stops the listener (and drops a pending
// /next without answering it).
class RuntimeEndpoint {
 public:
  virtual ~RuntimeEndpoint() = default;
  virtual std::string address() const = 0;  // "127.0.0.1:PORT", the AWS_LAMBDA_RUNTIME_API value
};
using RuntimeEndpointFactory =
    std::function<base::StatusOr<std::unique_ptr<RuntimeEndpoint>>(InstanceRuntime* runtime)>;

// Delivers an asynchronous invocation record to a destination ARN (an SQS queue).
using DestinationSender = std::function<base::Status(const std::string& destination_arn, const std::string& record)>;

}  // namespace cloud::lambda
