// Function URLs: an HTTP endpoint per function whose requests become payload-format-2.0 events
// and whose results map back to HTTP responses, as Lambda function URLs do.
//
// Locally each URL is its own listener on 127.0.0.1 (http://127.0.0.1:PORT/); the port is kept
// in the registry and bound again after a restart when it is free. Requests are not
// authenticated (AuthType AWS_IAM is recorded but not enforced).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "cloud/lambda/engine.h"
#include "http/message.h"

namespace net {
class Server;
}

namespace cloud::lambda {

// The 2.0 event for a request that arrived at a function URL.
nlohmann::json UrlEvent(const http::Request& request, const std::string& url_id, const std::string& request_id);
// The same event as JSON text, the invocation's payload (binary bodies spliced in as base64
// without passing through a json value: the hot path of pipeline 1).
std::string UrlEventPayload(const http::Request& request, const std::string& url_id, const std::string& request_id);
// The HTTP response for an invocation result: {statusCode, headers, cookies, body,
// isBase64Encoded}, or any other payload as a 200 application/json body; a function error → 502.
http::Response UrlResponse(const InvokeResult& result);

struct UrlConfig {
  std::string function;
  std::string auth_type = "NONE";
  std::string url_id;      // 32 lower-case letters/digits, as in <url-id>.lambda-url.<region>.on.aws
  int port = 0;            // bound port; 0 before Start
  int64_t created_ms = 0;
  int64_t modified_ms = 0;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port) + "/"; }
};

class FunctionUrls {
 public:
  explicit FunctionUrls(Engine* engine);
  // Stops every listener. REQUIRES: the engine (which may hold replies of these listeners'
  // connections in running invocations) was destroyed first, after StopAll().
  ~FunctionUrls();
  // Stops accepting and joins the listeners' threads (replies after this are dropped).
  void StopAll();

  // Starts the listener for `config` (on config.port when free, else any port) and records it.
  // AlreadyExists when the function has one.
  base::StatusOr<UrlConfig> Create(UrlConfig config);
  base::StatusOr<UrlConfig> Get(const std::string& function) const;
  base::Status Update(const std::string& function, const std::string& auth_type);
  base::Status Delete(const std::string& function);
  std::map<std::string, UrlConfig> All() const;

 private:
  struct Entry;
  Engine* const engine_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Entry>> entries_;
  std::vector<std::unique_ptr<Entry>> retired_;  // deleted URLs' stopped servers
};

}  // namespace cloud::lambda
