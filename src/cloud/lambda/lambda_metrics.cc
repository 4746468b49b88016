#include "cloud/lambda/lambda_metrics.h"

#include <chrono>

namespace cloud::lambda {
namespace {

constexpr const char* kNamespace = "AWS/Lambda";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr const char* kMetricNames[] = {"Invocations", "Errors", "Throttles", "Duration", "ConcurrentExecutions"};
constexpr const char* kMetricUnits[] = {"Count", "Count", "Count", "Milliseconds", "Count"};

const std::string kPromInvocations = "edgeface_lambda_invocations_total";
const std::string kPromErrors = "edgeface_lambda_errors_total";
const std::string kPromThrottles = "edgeface_lambda_throttles_total";
const std::string kPromDurationSum = "edgeface_lambda_duration_seconds_sum";
const std::string kPromDurationCount = "edgeface_lambda_duration_seconds_count";
const std::string kPromConcurrent = "edgeface_lambda_concurrent_executions";

}  // namespace

LambdaMetrics::LambdaMetrics(std::shared_ptr<cloudwatch::MetricStore> store,
                             std::shared_ptr<cloudwatch::PromRegistry> prom)
    : store_(std::move(store)), prom_(std::move(prom)) {
  for (int m = 0; m < kMetricCount; ++m) account_[m] = {kNamespace, kMetricNames[m], {}};
  if (!prom_) return;
  using Type = cloudwatch::PromRegistry::Type;
  prom_->Describe(kPromInvocations, "Invocations that ran or failed to start.", Type::kCounter);
  prom_->Describe(kPromErrors, "Invocations that ended in a function error.", Type::kCounter);
  prom_->Describe(kPromThrottles, "Invocations refused for lack of concurrency.", Type::kCounter);
  prom_->Describe(kPromDurationSum, "Total run time of invocations.", Type::kCounter);
  prom_->Describe(kPromDurationCount, "Invocations with a run time.", Type::kCounter);
  prom_->Describe(kPromConcurrent, "Instances in use now.", Type::kGauge);
  prom_->Describe("edgeface_lambda_instances", "Instances alive now (busy or idle).", Type::kGauge);
  prom_->Describe("edgeface_lambda_cold_starts_total", "Instances started.", Type::kCounter);
  prom_->Describe("edgeface_lambda_async_pending", "Asynchronous events stored and not finished.", Type::kGauge);
}

const LambdaMetrics::FunctionIds& LambdaMetrics::Ids(const std::string& function) {
  std::lock_guard<std::mutex> lock(ids_mu_);
  auto it = ids_.find(function);
  if (it != ids_.end()) return it->second;
  FunctionIds ids;
  for (int m = 0; m < kMetricCount; ++m) ids.with_function[m] = {kNamespace, kMetricNames[m], {{"FunctionName", function}}};
  ids.prom_labels = cloudwatch::RenderPromLabels({{"function", function}});
  return ids_.emplace(function, std::move(ids)).first->second;
}

void LambdaMetrics::Put(const FunctionIds& ids, Metric metric, double value, int64_t now_ms) {
  const bool histogram = metric == kDuration;
  store_->Put(ids.with_function[metric], value, now_ms, kMetricUnits[metric], histogram);
  store_->Put(account_[metric], value, now_ms, kMetricUnits[metric], histogram);
}

void LambdaMetrics::OnInvocation(const std::string& function, double duration_ms, bool error) {
  const FunctionIds& ids = Ids(function);
  if (store_) {
    const int64_t now = NowMs();
    Put(ids, kInvocations, 1, now);
    Put(ids, kErrors, error ? 1 : 0, now);
    if (duration_ms >= 0) Put(ids, kDuration, duration_ms, now);
  }
  if (!prom_) return;
  prom_->AddRendered(kPromInvocations, ids.prom_labels, 1);
  prom_->AddRendered(kPromErrors, ids.prom_labels, error ? 1 : 0);
  if (duration_ms >= 0) {
    prom_->AddRendered(kPromDurationSum, ids.prom_labels, duration_ms / 1000);
    prom_->AddRendered(kPromDurationCount, ids.prom_labels, 1);
  }
}

void LambdaMetrics::OnThrottle(const std::string& function) {
  const FunctionIds& ids = Ids(function);
  if (store_) Put(ids, kThrottles, 1, NowMs());
  if (prom_) prom_->AddRendered(kPromThrottles, ids.prom_labels, 1);
}

void LambdaMetrics::OnConcurrency(const std::string& function, int function_in_use, int account_in_use) {
  const FunctionIds& ids = Ids(function);
  if (store_) {
    const int64_t now = NowMs();
    store_->Put(ids.with_function[kConcurrentExecutions], function_in_use, now, "Count");
    store_->Put(account_[kConcurrentExecutions], account_in_use, now, "Count");
  }
  if (prom_) prom_->SetRendered(kPromConcurrent, ids.prom_labels, function_in_use);
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
