#include "cloud/lambda/runtime_api.h"

#include <memory>

#include "cloud/lambda/errors.h"
#include "net/server.h"
#include "runtime/protocol.h"

namespace cloud::lambda {
namespace {

namespace p = runtime::protocol;

http::Response JsonResponse(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.headers.Add("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

http::Response PostAnswer(InstanceRuntime::PostStatus status) {
  switch (status) {
    case InstanceRuntime::PostStatus::kAccepted:
      return JsonResponse(202, R"({"status":"OK"})");
    case InstanceRuntime::PostStatus::kTooLarge:
      return JsonResponse(413, ErrorJson("Exceeded maximum allowed payload size (" +
                                             std::to_string(p::kMaxResponseBytes) + " bytes).",
                                         "RequestEntityTooLarge"));
    case InstanceRuntime::PostStatus::kUnknownRequest:
      return JsonResponse(400, ErrorJson("Invalid request ID", "InvalidRequestID"));
    case InstanceRuntime::PostStatus::kGone:
      break;
  }
  return JsonResponse(500, ErrorJson("The sandbox is being stopped", "Runtime.Unavailable"));
}

class ServerEndpoint : public RuntimeEndpoint {
 public:
  ServerEndpoint(net::ServerOptions options, http::Handler handler) : server_(options, std::move(handler)) {}
  ~ServerEndpoint() override { server_.Stop(); }
  base::Status Start() { return server_.Start(); }
  std::string address() const override { return "127.0.0.1:" + std::to_string(server_.port()); }

 private:
  net::Server server_;
};

}  // namespace

http::Handler RuntimeApiHandler(InstanceRuntime* runtime) {
  return [runtime](http::Request&& request, http::Reply reply) {
    const std::string& path = request.path;
    if (request.method == "GET" && path == p::kNextPath) {
      runtime->Next([reply](const RuntimeEvent& e) {
        http::Response r;
        r.status = 200;
        r.headers.Add("Content-Type", "application/json");
        r.headers.Add(std::string(p::kRequestIdHeader), e.request_id);
        r.headers.Add(std::string(p::kDeadlineMsHeader), std::to_string(e.deadline_ms));
        r.headers.Add(std::string(p::kFunctionArnHeader), e.function_arn);
        r.headers.Add(std::string(p::kTraceIdHeader), e.trace_id);
        if (!e.client_context.empty()) r.headers.Add(std::string(p::kClientContextHeader), e.client_context);
        if (!e.cognito_identity.empty()) r.headers.Add(std::string(p::kCognitoIdentityHeader), e.cognito_identity);
        r.body = e.payload;
        reply(std::move(r));
      });
      return;
    }
    if (request.method == "POST" && path == p::kInitErrorPath) {
      std::string type(request.headers.GetOr(p::kFunctionErrorTypeHeader, ""));
      reply(PostAnswer(runtime->PostInitError(std::move(type), std::move(request.body))));
      return;
    }
    if (request.method == "POST" && path.starts_with(p::kInvocationPrefix)) {
      std::string_view rest = std::string_view(path).substr(p::kInvocationPrefix.size());
      if (rest.ends_with(p::kResponseSuffix)) {
        std::string id(rest.substr(0, rest.size() - p::kResponseSuffix.size()));
        std::string content_type(request.headers.GetOr("Content-Type", "application/json"));
        reply(PostAnswer(runtime->PostResponse(id, std::move(request.body), std::move(content_type))));
        return;
      }
      if (rest.ends_with(p::kErrorSuffix)) {
        std::string id(rest.substr(0, rest.size() - p::kErrorSuffix.size()));
        std::string type(request.headers.GetOr(p::kFunctionErrorTypeHeader, ""));
        reply(PostAnswer(runtime->PostError(id, std::move(type), std::move(request.body))));
        return;
      }
    }
    reply(JsonResponse(404, ErrorJson("Unknown Runtime API path: " + request.method + " " + path, "InvalidRequest")));
  };
}

RuntimeEndpointFactory LoopbackRuntimeEndpointFactory() {
  return [](InstanceRuntime* runtime) -> base::StatusOr<std::unique_ptr<RuntimeEndpoint>> {
    net::ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.io_threads = 1;
    // Larger than the 6 MB limit, so an oversized response reaches us and fails its invocation
    // with Lambda's error instead of the server's bare 413.
    options.max_body_bytes = 16ull << 20;
    // /next is held for as long as the instance is idle; the read timeout only covers reading.
    options.read_timeout = std::chrono::hours(24);
    auto endpoint = std::make_unique<ServerEndpoint>(options, RuntimeApiHandler(runtime));
    EF_RETURN_IF_ERROR(endpoint->Start());
    return std::unique_ptr<RuntimeEndpoint>(std::move(endpoint));
  };
}

}  // namespace cloud::lambda
