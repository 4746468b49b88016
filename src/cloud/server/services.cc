#include "cloud/server/services.h"

#include <array>
#include <atomic>
#include <map>
#include <mutex>

// Service API headers, one line each.
#include "cloud/s3/s3_api.h"
#include "cloud/dynamodb/dynamodb_api.h"
#include "cloud/sqs/sqs_api.h"
#include "cloud/lambda/lambda_api.h"
#include "cloud/cloudwatch/logs_api.h"
#include "cloud/cloudwatch/monitoring_api.h"
#include "cloud/lambda/lambda_metrics.h"
#include "cloud/lambda/s3_trigger.h"
#include "cloud/dashboard/dashboard.h"

namespace cloud {
namespace {

// Requests per service and status class (index status / 100), counted without locks.
struct ServiceCounts {
  std::array<std::atomic<uint64_t>, 6> by_class{};
};
std::mutex counts_mu;
std::map<std::string, std::unique_ptr<ServiceCounts>>& AllCounts() {
  static auto* counts = new std::map<std::string, std::unique_ptr<ServiceCounts>>();
  return *counts;
}

void CollectRequestCounts(cloudwatch::PromRegistry& r) {
  std::lock_guard<std::mutex> lock(counts_mu);
  for (const auto& [service, counts] : AllCounts()) {
    for (size_t c = 1; c < counts->by_class.size(); ++c) {
      uint64_t n = counts->by_class[c].load(std::memory_order_relaxed);
      if (n) r.Set("edgeface_gateway_requests_total", {{"service", service}, {"code", std::to_string(c) + "xx"}}, double(n));
    }
  }
}

// S3 and Lambda joined by the ObjectCreated trigger. Members are destroyed bottom-up: S3 first
// (it finishes queued writes, which may still notify), then the trigger, then Lambda.
struct ObjectsAndFunctions {
  std::shared_ptr<lambda::LambdaApi> lambda;
  std::unique_ptr<lambda::S3Trigger> trigger;
  std::shared_ptr<s3::S3Api> s3;
};

// S3, Lambda (logs under <data_root>/logs, metrics in <data_root>/cloudwatch), the S3 → Lambda
// trigger, CloudWatch Logs and metrics APIs, and GET /metrics.
base::Status AddStorageFunctionsAndObservability(Gateway& gateway, const ServiceOptions& options,
                                                 dashboard::Sources& shown) {
  auto prom = std::make_shared<cloudwatch::PromRegistry>();
  prom->Describe("edgeface_gateway_requests_total", "Requests answered, per service and status class.",
                 cloudwatch::PromRegistry::Type::kCounter);
  prom->AddCollector(CollectRequestCounts);
  auto cw_ctx = ServiceContextFor(options, "cloudwatch");
  if (!cw_ctx.ok()) return cw_ctx.status();
  auto opened_store = cloudwatch::MetricStore::Open(cw_ctx->data_dir);
  if (!opened_store.ok()) return opened_store.status().WithContext("cloudwatch");
  std::shared_ptr<cloudwatch::MetricStore> metrics(std::move(opened_store).value());

  auto bundle = std::make_shared<ObjectsAndFunctions>();
  auto s3_ctx = ServiceContextFor(options, "s3");
  if (!s3_ctx.ok()) return s3_ctx.status();
  auto s3 = s3::S3Api::Open(*s3_ctx);
  if (!s3.ok()) return s3.status().WithContext("s3");
  auto lambda_ctx = ServiceContextFor(options, "lambda");
  if (!lambda_ctx.ok()) return lambda_ctx.status();
  lambda::EngineOptions engine_options;
  engine_options.data_dir = lambda_ctx->data_dir;
  engine_options.log_dir = options.data_root + "/logs";
  engine_options.access_key = options.access_key;
  engine_options.secret_key = options.secret_key;
  engine_options.observer = std::make_shared<lambda::LambdaMetrics>(metrics, prom);
  auto lambda = lambda::LambdaApi::Open(*lambda_ctx, std::move(engine_options));
  if (!lambda.ok()) return lambda.status().WithContext("lambda");
  bundle->lambda = std::move(*lambda);
  bundle->s3 = std::move(*s3);
  bundle->trigger = std::make_unique<lambda::S3Trigger>(&bundle->s3->store(), &bundle->lambda->engine(), options.region);
  bundle->s3->store().AddListener(bundle->trigger.get());
  lambda::LambdaMetrics::CollectEngineGauges(
      *prom, std::shared_ptr<lambda::Engine>(bundle->lambda, &bundle->lambda->engine()));
  shown.engine = std::shared_ptr<lambda::Engine>(bundle->lambda, &bundle->lambda->engine());
  shown.metrics = metrics;
  shown.log_root = options.data_root + "/logs";
  shown.objects = std::shared_ptr<s3::ObjectStore>(bundle, &bundle->s3->store());

  EF_RETURN_IF_ERROR(gateway.Register(S3Route(), CountRequests("s3", [bundle](http::Request&& r, http::Reply reply) {
    bundle->s3->Handle(std::move(r), std::move(reply));
  })));
  std::shared_ptr<lambda::LambdaApi> lambda_api = bundle->lambda;
  EF_RETURN_IF_ERROR(gateway.Register(lambda::LambdaRoute(), CountRequests("lambda", [lambda_api](http::Request&& r, http::Reply reply) {
    lambda_api->Handle(std::move(r), std::move(reply));
  })));
  auto logs = std::make_shared<cloudwatch::LogsApi>(options.data_root + "/logs");
  EF_RETURN_IF_ERROR(gateway.Register(cloudwatch::LogsRoute(), CountRequests("logs", [logs](http::Request&& r, http::Reply reply) {
    logs->Handle(std::move(r), std::move(reply));
  })));
  auto monitoring = std::make_shared<cloudwatch::MonitoringApi>(metrics.get());
  EF_RETURN_IF_ERROR(gateway.Register(cloudwatch::MonitoringRoute(),
                                      CountRequests("monitoring", [monitoring, metrics](http::Request&& r, http::Reply reply) {
                                        monitoring->Handle(std::move(r), std::move(reply));
                                      })));
  return gateway.Register(cloudwatch::PrometheusRoute(), [prom](http::Request&& r, http::Reply reply) {
    reply(cloudwatch::PrometheusResponse(r, *prom));
  });
}

}  // namespace

http::Handler CountRequests(const std::string& service, http::Handler handler) {
  ServiceCounts* counts;
  {
    std::lock_guard<std::mutex> lock(counts_mu);
    auto& slot = AllCounts()[service];
    if (!slot) slot = std::make_unique<ServiceCounts>();
    counts = slot.get();
  }
  return [counts, handler = std::move(handler)](http::Request&& request, http::Reply reply) {
    handler(std::move(request), [counts, reply = std::move(reply)](http::Response response) {
      size_t c = static_cast<size_t>(response.status / 100);
      if (c < counts->by_class.size()) counts->by_class[c].fetch_add(1, std::memory_order_relaxed);
      reply(std::move(response));
    });
  };
}

base::Status RegisterServices(Gateway& gateway, const ServiceOptions& options) {
  EF_RETURN_IF_ERROR(base::MakeDirs(options.data_root));
  // EXTENSION POINT: each service adds ONE line here (and its *_api library to
  // target_link_libraries in src/cloud/server/CMakeLists.txt, and its header above), e.g.
  //   EF_RETURN_IF_ERROR(AddService<S3Api>(gateway, options, S3Route()));
  //   EF_RETURN_IF_ERROR(AddService<DynamoDbApi>(gateway, options, DynamoDbRoute()));
  //   EF_RETURN_IF_ERROR(AddService<SqsApi>(gateway, options, SqsRoute()));
  // Routes (X-Amz-Target prefixes, error format, ...) are in cloud/gateway/routing.{h,cc}.
  // S3 and Lambda are opened together (the ObjectCreated trigger joins them), with CloudWatch.
  dashboard::Sources shown;  // what GET /_dashboard/ shows (issue 6)
  EF_RETURN_IF_ERROR(AddStorageFunctionsAndObservability(gateway, options, shown));
  EF_RETURN_IF_ERROR(AddService<DynamoDbApi>(gateway, options, DynamoDbRoute(), &shown.tables));
  std::shared_ptr<SqsApi> sqs;
  EF_RETURN_IF_ERROR(AddService<SqsApi>(gateway, options, SqsRoute(), &sqs));
  gateway.OnStop([sqs] { sqs->Stop(); });  // parked long polls get their empty answer
  shown.queues = std::shared_ptr<sqs::SqsStore>(sqs, &sqs->store());
  auto board = std::make_shared<const dashboard::Dashboard>(std::move(shown));
  return gateway.Register(dashboard::DashboardRoute(), [board](http::Request&& r, http::Reply reply) {
    reply(board->Handle(r));
  });
}

}  // namespace cloud
