#include "cloud/lambda/lambda_metrics.h"

#include <chrono>

namespace cloud::lambda {
namespace {

constexpr const char* kNamespace = "AWS/Lambda";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

LambdaMetrics::LambdaMetrics(std::shared_ptr<cloudwatch::MetricStore> store,
                             std::shared_ptr<cloudwatch::PromRegistry> prom)
    : store_(std::move(store)), prom_(std::move(prom)) {
  if (!prom_) return;
  using Type = cloudwatch::PromRegistry::Type;
  prom_->Describe("edgeface_lambda_invocations_total", "Invocations that ran or failed to start.", Type::kCounter);
  prom_->Describe("edgeface_lambda_errors_total", "Invocations that ended in a function error.", Type::kCounter);
  prom_->Describe("edgeface_lambda_throttles_total", "Invocations refused for lack of concurrency.", Type::kCounter);
  prom_->Describe("edgeface_lambda_duration_seconds_sum", "Total run time of invocations.", Type::kCounter);
  prom_->Describe("edgeface_lambda_duration_seconds_count", "Invocations with a run time.", Type::kCounter);
  prom_->Describe("edgeface_lambda_concurrent_executions", "Instances in use now.", Type::kGauge);
  prom_->Describe("edgeface_lambda_instances", "Instances alive now (busy or idle).", Type::kGauge);
  prom_->Describe("edgeface_lambda_cold_starts_total", "Instances started.", Type::kCounter);
  prom_->Describe("edgeface_lambda_async_pending", "Asynchronous events stored and not finished.", Type::kGauge);
}

void LambdaMetrics::Put(const std::string& function, const char* metric, double value, const char* unit,
                        bool histogram) {
  if (!store_) return;
  const int64_t now = NowMs();
  store_->Put({kNamespace, metric, {{"FunctionName", function}}}, value, now, unit, histogram);
  store_->Put({kNamespace, metric, {}}, value, now, unit, histogram);
}

void LambdaMetrics::OnInvocation(const std::string& function, double duration_ms, bool error) {
  Put(function, "Invocations", 1, "Count");
  Put(function, "Errors", error ? 1 : 0, "Count");
  if (duration_ms >= 0) Put(function, "Duration", duration_ms, "Milliseconds", true);
  if (!prom_) return;
  cloudwatch::Labels labels = {{"function", function}};
  prom_->Add("edgeface_lambda_invocations_total", labels, 1);
  prom_->Add("edgeface_lambda_errors_total", labels, error ? 1 : 0);
  if (duration_ms >= 0) {
    prom_->Add("edgeface_lambda_duration_seconds_sum", labels, duration_ms / 1000);
    prom_->Add("edgeface_lambda_duration_seconds_count", labels, 1);
  }
}

void LambdaMetrics::OnThrottle(const std::string& function) {
  Put(function, "Throttles", 1, "Count");
  if (prom_) prom_->Add("edgeface_lambda_throttles_total", {{"function", function}}, 1);
}

void LambdaMetrics::OnConcurrency(const std::string& function, int function_in_use, int account_in_use) {
  if (store_) {
    const int64_t now = NowMs();
    store_->Put({kNamespace, "ConcurrentExecutions", {{"FunctionName", function}}}, function_in_use, now, "Count");
    store_->Put({kNamespace, "ConcurrentExecutions", {}}, account_in_use, now, "Count");
  }
  if (prom_) prom_->Set("edgeface_lambda_concurrent_executions", {{"function", function}}, function_in_use);
}

void LambdaMetrics::CollectEngineGauges(cloudwatch::PromRegistry& prom, std::weak_ptr<Engine> weak) {
  prom.AddCollector([weak](cloudwatch::PromRegistry& r) {
    std::shared_ptr<Engine> engine = weak.lock();
    if (!engine) return;
    for (const FunctionConfig& config : engine->ListFunctions()) {
      auto stats = engine->Stats(config.name);
      if (!stats.ok()) continue;
      r.Set("edgeface_lambda_instances", {{"function", config.name}}, stats->instances);
      r.Set("edgeface_lambda_cold_starts_total", {{"function", config.name}}, static_cast<double>(stats->cold_starts));
      r.Set("edgeface_lambda_async_pending", {{"function", config.name}}, static_cast<double>(stats->async_pending));
    }
  });
}

}  // namespace cloud::lambda
