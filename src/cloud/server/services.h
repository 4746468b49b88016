// Wires every service of `edgeface cloud` into the gateway. Each service lives in its own
// directory under <data_root>/<service name> and is registered with one line in services.cc.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "base/files.h"
#include "base/status.h"
#include "cloud/gateway/gateway.h"
#include "cloud/gateway/routing.h"
#include "cloud/gateway/service.h"

namespace cloud {

struct ServiceOptions {
  std::string data_root = ".edgeface-data";  // --data
  std::string endpoint = "http://127.0.0.1:4566";  // what clients use; SQS QueueUrls are built on it
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  // The keys function instances get (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY): the cloud's own,
  // so their calls back into it pass signature checking.
  std::string access_key = "test";
  std::string secret_key = "test";
};

// Opens every built service (creating <data_root>/<name>) and registers it with `gateway`.
// Fails with the first service that cannot open (its name in the message).
base::Status RegisterServices(Gateway& gateway, const ServiceOptions& options);

// Counts the requests `handler` answers, per service and status class, for GET /metrics
// (edgeface_gateway_requests_total{service,code="2xx"}); counters are process-wide atomics.
http::Handler CountRequests(const std::string& service, http::Handler handler);

// The context of service `name`: its directory <data_root>/<name> (created) and the options.
inline base::StatusOr<ServiceContext> ServiceContextFor(const ServiceOptions& options, const std::string& name) {
  ServiceContext ctx;
  ctx.data_dir = options.data_root + "/" + name;
  ctx.region = options.region;
  ctx.account_id = options.account_id;
  ctx.endpoint = options.endpoint;
  EF_RETURN_IF_ERROR(base::MakeDirs(ctx.data_dir).WithContext(name));
  return ctx;
}

// Opens `Api` (anything with `static StatusOr<std::unique_ptr<Api>> Open(const ServiceContext&)`
// and `void Handle(http::Request&&, http::Reply)`) in <data_root>/<route.name> and registers it
// under `route`. The gateway's handler keeps the service alive.
// `opened_out`, when given, receives the service too (the dashboard reads its store).
template <class Api>
base::Status AddService(Gateway& gateway, const ServiceOptions& options, ServiceRoute route,
                        std::shared_ptr<Api>* opened_out = nullptr) {
  auto ctx = ServiceContextFor(options, route.name);
  if (!ctx.ok()) return ctx.status();
  auto opened = Api::Open(*ctx);
  if (!opened.ok()) return opened.status().WithContext(route.name);
  std::shared_ptr<Api> api(std::move(opened).value());
  if (opened_out) *opened_out = api;
  std::string name = route.name;
  return gateway.Register(std::move(route), CountRequests(name, [api](http::Request&& request, http::Reply reply) {
    api->Handle(std::move(request), std::move(reply));
  }));
}

}  // namespace cloud
