// The Lambda runtime client for C++ handlers (the shape of awslabs/aws-lambda-cpp).
//
// A function's main() is one call:
//
//   int main() {
//     return runtime::RunHandler([](const runtime::InvocationRequest& request) {
//       return runtime::InvocationResponse::Success(request.payload, "application/json");
//     });
//   }
//
// RunHandler reads AWS_LAMBDA_RUNTIME_API, then loops: GET next → handler → POST response (or
// error). A handler that throws becomes a function error (errorType = the exception's type name,
// errorMessage = what()); the loop goes on. An init function that fails (or throws) is posted to
// /runtime/init/error and RunHandler returns non-zero, as Lambda expects the process to exit.
// RunHandler also returns (non-zero) when the Runtime API is gone or answers a post with 500,
// which Lambda defines as "the runtime must exit". Before each handler call _X_AMZN_TRACE_ID is
// set to the invocation's trace id.
//
// Thread-safety: call RunHandler once, from one thread; the handler runs on that thread.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace runtime {

struct InvocationRequest {
  std::string payload;           // the event, as the invoker sent it
  std::string request_id;        // unique per invocation
  std::string xray_trace_id;     // Lambda-Runtime-Trace-Id
  std::string client_context;    // Lambda-Runtime-Client-Context (mobile SDK invokes)
  std::string cognito_identity;  // Lambda-Runtime-Cognito-Identity
  std::string function_arn;      // the ARN the invoker named
  std::chrono::system_clock::time_point deadline;  // the instance is killed after this

  // Time left before the deadline (negative once past).
  std::chrono::milliseconds remaining_time() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::system_clock::now());
  }
};

// What a handler returns. Built only through Success() or Failure().
class InvocationResponse {
 public:
  static InvocationResponse Success(std::string payload, std::string content_type = "application/json");
  // A function error: the invoker sees X-Amz-Function-Error and
  // {"errorMessage": error_message, "errorType": error_type, "stackTrace": []}.
  static InvocationResponse Failure(std::string error_message, std::string error_type);

  bool is_success() const { return success_; }
  const std::string& payload() const { return payload_; }            // the error JSON on failure
  const std::string& content_type() const { return content_type_; }
  const std::string& error_type() const { return error_type_; }      // empty on success

 private:
  InvocationResponse() = default;
  bool success_ = false;
  std::string payload_;
  std::string content_type_;
  std::string error_type_;
};

using Handler = std::function<InvocationResponse(const InvocationRequest&)>;

// Runs once before the first `next`. Return an empty string on success, or a message describing
// why the function cannot start (posted as errorType "Runtime.InitError" unless it throws, in
// which case the exception's type is used).
using InitFunction = std::function<std::string()>;

// Serves invocations until the Runtime API goes away. Returns the process exit code.
int RunHandler(const Handler& handler);
int RunHandler(const InitFunction& init, const Handler& handler);

// {"errorMessage": ..., "errorType": ..., "stackTrace": []} (exposed for tests and for runtimes
// that format their own errors).
std::string ErrorJson(const std::string& error_message, const std::string& error_type);

}  // namespace runtime
