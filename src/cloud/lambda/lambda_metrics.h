// The engine's CloudWatch metrics (namespace AWS/Lambda) and Prometheus counters: an
// EngineObserver that records each event twice in the metric store, once with the dimension
// FunctionName and once with none (the account-wide series the console shows), and counts it
// in the Prometheus registry (edgeface_lambda_*).
//
//   Invocations (Count, 1 per invocation that ran or failed to start), Errors (Count, 0 or 1 per
//   invocation: Sum = errors, Average = error rate), Throttles (Count), Duration (Milliseconds,
//   with percentiles), ConcurrentExecutions (Count: instances in use at each change; read Maximum).
//
// Thread-safety: as EngineObserver (quick, no I/O: the store buffers in memory).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "cloud/cloudwatch/metric_store.h"
#include "cloud/cloudwatch/prometheus.h"
#include "cloud/lambda/engine.h"

namespace cloud::lambda {

class LambdaMetrics : public EngineObserver {
 public:
  // Either may be null.
  LambdaMetrics(std::shared_ptr<cloudwatch::MetricStore> store, std::shared_ptr<cloudwatch::PromRegistry> prom);

  void OnInvocation(const std::string& function, double duration_ms, bool error) override;
  void OnThrottle(const std::string& function) override;
  void OnConcurrency(const std::string& function, int function_in_use, int account_in_use) override;

  // Adds a collector that sets edgeface_lambda_instances{function} (and cold starts, async
  // events pending) from the engine's stats while `engine` is alive.
  static void CollectEngineGauges(cloudwatch::PromRegistry& prom, std::weak_ptr<Engine> engine);

 private:
  enum Metric { kInvocations, kErrors, kThrottles, kDuration, kConcurrentExecutions, kMetricCount };
  // Built once per function: the events of every invocation then allocate nothing here.
  struct FunctionIds {
    cloudwatch::MetricId with_function[kMetricCount];  // dimension FunctionName=<name>
    std::string prom_labels;                           // {function="<name>"}
  };
  const FunctionIds& Ids(const std::string& function);
  void Put(const FunctionIds& ids, Metric metric, double value, int64_t now_ms);

  std::shared_ptr<cloudwatch::MetricStore> store_;
  std::shared_ptr<cloudwatch::PromRegistry> prom_;
  cloudwatch::MetricId account_[kMetricCount];  // no dimension
  std::mutex ids_mu_;  // guards ids_ (entries are never erased or changed: references stay valid)
  std::map<std::string, FunctionIds, std::less<>> ids_;
};

}  // namespace cloud::lambda
