#include "runtime/runtime.h"

#include <cxxabi.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <typeinfo>

#include <nlohmann/json.hpp>

#include "runtime/connection.h"
#include "runtime/protocol.h"

namespace runtime {
namespace {

namespace p = protocol;
using namespace std::chrono_literals;

std::string Demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(abi::__cxa_demangle(name, nullptr, nullptr, &status), std::free);
  return status == 0 && out ? std::string(out.get()) : std::string(name);
}

// The Runtime API as three calls; the transport is runtime::Connection.
class RuntimeApi {
 public:
  explicit RuntimeApi(std::string address) : connection_(std::move(address)) {}

  // Blocks (no timeout: Lambda may keep an instance idle for minutes) until an invocation comes.
  base::StatusOr<InvocationRequest> Next() {
    auto r = connection_.Request("GET", p::kNextPath, {}, {});
    if (!r.ok()) return r.status();
    return ParseNext(*r);
  }

  // Posts the result of `request_id`; then, unless the post was answered with a 5xx (the runtime
  // must exit), waits for the next invocation. With a Runtime API that advertises pipelining, the
  // GET /next travels in the same write as the post. `post_status` receives the post's status.
  base::StatusOr<InvocationRequest> PostResultAndNext(const std::string& request_id, const InvocationResponse& response,
                                                      int* post_status) {
    OutgoingRequest post = ResultRequest(request_id, response);
    if (!pipelining_) {
      auto r = connection_.Request(post.method, post.target, post.headers, post.body);
      if (!r.ok()) return r.status();
      *post_status = r->status;
      if (r->status >= 500) return base::Status::Unavailable("the Runtime API answered " + std::to_string(r->status));
      return Next();
    }
    std::vector<OutgoingRequest> both = {std::move(post), OutgoingRequest{"GET", p::kNextPath, {}, {}}};
    auto replies = connection_.Pipeline(both);
    if (!replies.ok()) return replies.status();
    *post_status = (*replies)[0].status;
    if (*post_status >= 500) return base::Status::Unavailable("the Runtime API answered " + std::to_string(*post_status));
    return ParseNext((*replies)[1]);
  }

  base::StatusOr<int> PostInitError(const std::string& message, const std::string& type) {
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Content-Type", "application/json"}, {std::string(p::kFunctionErrorTypeHeader), type}};
    auto r = connection_.Request("POST", p::kInitErrorPath, headers, ErrorJson(message, type));
    if (!r.ok()) return r.status();
    return r->status;
  }

 private:
  base::StatusOr<InvocationRequest> ParseNext(HttpReply& r) {
    if (r.status != 200) {
      return base::Status::Unavailable("GET next answered " + std::to_string(r.status) + ": " + r.body);
    }
    InvocationRequest request;
    request.request_id = r.Header(p::kRequestIdHeader);
    if (request.request_id.empty()) return base::Status::Unavailable("GET next: no request id header");
    request.payload = std::move(r.body);
    request.xray_trace_id = r.Header(p::kTraceIdHeader);
    request.client_context = r.Header(p::kClientContextHeader);
    request.cognito_identity = r.Header(p::kCognitoIdentityHeader);
    request.function_arn = r.Header(p::kFunctionArnHeader);
    std::string deadline = r.Header(p::kDeadlineMsHeader);
    request.deadline = std::chrono::system_clock::time_point(std::chrono::milliseconds(std::strtoll(deadline.c_str(), nullptr, 10)));
    pipelining_ = r.Header(p::kPipeliningHeader) == "1";
    return request;
  }

  OutgoingRequest ResultRequest(const std::string& request_id, const InvocationResponse& response) {
    OutgoingRequest r;
    r.method = "POST";
    target_ = std::string(p::kInvocationPrefix) + request_id;
    if (response.is_success()) {
      target_ += p::kResponseSuffix;
      r.headers.emplace_back("Content-Type", response.content_type().empty() ? "application/json" : response.content_type());
    } else {
      target_ += p::kErrorSuffix;
      r.headers.emplace_back("Content-Type", "application/json");
      r.headers.emplace_back(std::string(p::kFunctionErrorTypeHeader), response.error_type());
    }
    r.target = target_;
    r.body = response.payload();
    return r;
  }

  std::string target_;        // of the last result post (OutgoingRequest holds a view of it)
  bool pipelining_ = false;   // the last /next answer advertised kPipeliningHeader

  Connection connection_;
};

InvocationResponse CallHandler(const Handler& handler, const InvocationRequest& request) {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    return InvocationResponse::Failure(e.what(), Demangle(typeid(e).name()));
  } catch (...) {
    return InvocationResponse::Failure("the handler threw a non-standard exception", "UnknownException");
  }
}

}  // namespace

InvocationResponse InvocationResponse::Success(std::string payload, std::string content_type) {
  InvocationResponse r;
  r.success_ = true;
  r.payload_ = std::move(payload);
  r.content_type_ = std::move(content_type);
  return r;
}

InvocationResponse InvocationResponse::Failure(std::string error_message, std::string error_type) {
  InvocationResponse r;
  r.success_ = false;
  r.payload_ = ErrorJson(error_message, error_type);
  r.content_type_ = "application/json";
  r.error_type_ = std::move(error_type);
  return r;
}

std::string ErrorJson(const std::string& error_message, const std::string& error_type) {
  nlohmann::json j = {{"errorMessage", error_message}, {"errorType", error_type}, {"stackTrace", nlohmann::json::array()}};
  // Replace invalid UTF-8 from a handler's message rather than throwing.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

int RunHandler(const Handler& handler) { return RunHandler(InitFunction(), handler); }

int RunHandler(const InitFunction& init, const Handler& handler) {
  const char* api = std::getenv(std::string(protocol::kEnvRuntimeApi).c_str());
  if (!api || !*api) {
    std::fprintf(stderr, "runtime: %s is not set; run this under a Lambda Runtime API\n",
                 std::string(protocol::kEnvRuntimeApi).c_str());
    return 2;
  }
  RuntimeApi rt(api);

  if (init) {
    std::string error, type = "Runtime.InitError";
    try {
      error = init();
    } catch (const std::exception& e) {
      error = e.what();
      type = Demangle(typeid(e).name());
      if (error.empty()) error = type;
    } catch (...) {
      error = "init threw a non-standard exception";
    }
    if (!error.empty()) {
      std::fprintf(stderr, "runtime: init failed: %s\n", error.c_str());
      std::fflush(stderr);
      (void)rt.PostInitError(error, type);
      return 1;
    }
  }

  auto next = rt.Next();
  for (;;) {
    if (!next.ok()) {
      std::fprintf(stderr, "runtime: %s\n", next.status().ToString().c_str());
      return 1;
    }
    const InvocationRequest& request = *next;
    if (request.xray_trace_id.empty()) {
      unsetenv(std::string(protocol::kEnvTraceId).c_str());
    } else {
      setenv(std::string(protocol::kEnvTraceId).c_str(), request.xray_trace_id.c_str(), 1);
    }
    InvocationResponse response = CallHandler(handler, request);
    // The function's output belongs to this invocation's log: flush it before we report.
    std::fflush(stdout);
    std::fflush(stderr);
    int posted = 0;
    next = rt.PostResultAndNext(request.request_id, response, &posted);
    if (posted >= 500) {
      std::fprintf(stderr, "runtime: the Runtime API answered %d; exiting as Lambda requires\n", posted);
      return 1;
    }
    // 413 (response too large) and 4xx: Lambda has recorded the error for this invocation.
  }
}

}  // namespace runtime
