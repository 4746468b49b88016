// cloud::Gateway: the one http::Handler of `edgeface cloud`. For each request it
//   1. picks the service (routing.h),
//   2. verifies the SigV4 signature against the configured keys (unless auth is off or the
//      route is unsigned by design), answering failures in that service's own error format,
//   3. decodes aws-chunked bodies (checking each chunk signature), and rewrites virtual-hosted
//      S3 requests to path style,
//   4. hands the request to the service's handler.
// Handle() is the pure request → response path: unit tests call it without a socket.
//
// Thread-safety: Register() before serving; Handle() from any number of threads.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "cloud/gateway/routing.h"
#include "http/message.h"

namespace cloud {

struct GatewayOptions {
  bool require_auth = true;
  // access key → secret key. Default: test/test (DESIGN.md §4).
  std::map<std::string, std::string> keys = {{"test", "test"}};
  // The server's clock, for X-Amz-Date skew and presigned expiry.
  std::function<std::chrono::system_clock::time_point()> clock = [] { return std::chrono::system_clock::now(); };
};

class Gateway {
 public:
  explicit Gateway(GatewayOptions options = {});

  // Adds a service. Fails when a service with that name exists.
  base::Status Register(ServiceRoute route, http::Handler handler);
  bool Has(std::string_view name) const;
  std::vector<std::string> ServiceNames() const;

  // Answers `request` through `reply` (exactly once, possibly later, from the service's thread).
  // REQUIRES: request.ParseTarget() succeeded (net::Server does it).
  void Handle(http::Request&& request, http::Reply reply) const;

  // Adds something to run when the cloud stops (before the server drains): services that hold
  // requests for later (SQS long polls) answer them here. Call before serving.
  void OnStop(std::function<void()> hook) { stop_hooks_.push_back(std::move(hook)); }
  // Runs the OnStop hooks once, in the order added. Call before net::Server::Stop(), so their
  // answers are written during its drain. Later calls do nothing.
  void Stop();

  // The handler to give net::Server. The Gateway must outlive the server's use of it.
  http::Handler AsHandler() const {
    return [this](http::Request&& r, http::Reply reply) { Handle(std::move(r), std::move(reply)); };
  }

 private:
  GatewayOptions options_;
  std::vector<ServiceRoute> routes_;
  std::vector<http::Handler> handlers_;  // parallel to routes_
  std::vector<std::function<void()>> stop_hooks_;
};

}  // namespace cloud
