// CloudWatch's query API (credential scope "monitoring", form POST Action=..., XML replies) over
// the MetricStore: GetMetricStatistics, GetMetricData (MetricStat queries; no math expressions),
// ListMetrics and PutMetricData. Also the Prometheus text endpoint (GET /metrics).
//
// Thread-safety: Handle may be called from any number of threads. Queries flush the store and
// read SQLite on the calling thread (milliseconds).
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "cloud/cloudwatch/metric_store.h"
#include "cloud/cloudwatch/prometheus.h"
#include "cloud/gateway/routing.h"
#include "http/message.h"

namespace cloudwatch {

// Credential scope "monitoring"; errors as query-protocol XML.
cloud::ServiceRoute MonitoringRoute();
// Unsigned GET /metrics (Prometheus scrapers do not sign). Path-style S3 requests for a bucket
// named "metrics" must be signed to reach S3.
cloud::ServiceRoute PrometheusRoute();

class MonitoringApi {
 public:
  // `store` must outlive the API.
  explicit MonitoringApi(MetricStore* store) : store_(store) {}
  void Handle(http::Request&& request, http::Reply reply) { reply(HandleNow(request)); }
  http::Response HandleNow(const http::Request& request);

 private:
  MetricStore* store_;
};

// GET /metrics → the registry in Prometheus text format.
http::Response PrometheusResponse(const http::Request& request, PromRegistry& registry);

// ISO 8601 ("2026-11-23T13:00:00Z", fractions and +hh:mm offsets allowed) or epoch seconds →
// epoch seconds; nullopt when unparseable.
std::optional<int64_t> ParseTimestamp(std::string_view text);
std::string FormatTimestamp(int64_t epoch_s);

}  // namespace cloudwatch
