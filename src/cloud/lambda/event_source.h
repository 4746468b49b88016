// SQS event source mappings: a poller per mapping receives batches from the queue, invokes the
// function synchronously with {"Records": [...]} (Lambda's SQS event), deletes the batch when
// the invocation succeeds and leaves it otherwise, so the queue's visibility timeout and redrive
// policy decide what happens next, as on AWS. A throttled invocation is retried after 100 ms.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "cloud/gateway/service.h"
#include "cloud/lambda/engine.h"

namespace cloud::lambda {

struct MappingConfig {
  std::string uuid;
  std::string function;
  std::string event_source_arn;  // arn:aws:sqs:REGION:ACCOUNT:QUEUE
  int batch_size = 10;           // 1..10 (without a batching window)
  int max_batching_window_s = 0; // 0..300
  bool enabled = true;
  int64_t last_modified_ms = 0;
};

class EventSourceMappings {
 public:
  EventSourceMappings(Engine* engine, ServiceContext ctx);
  // Signals every poller to stop and joins them (at most about one receive wait).
  ~EventSourceMappings();
  void StopAll();

  // Validates, starts polling (when enabled) and returns the stored mapping (uuid filled).
  base::StatusOr<MappingConfig> Create(MappingConfig config);
  base::StatusOr<MappingConfig> Get(const std::string& uuid) const;
  base::StatusOr<MappingConfig> Delete(const std::string& uuid);
  std::vector<MappingConfig> List() const;

 private:
  struct Poller;
  void PollLoop(Poller* poller);

  Engine* const engine_;
  const ServiceContext ctx_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Poller>> pollers_;
  std::vector<std::unique_ptr<Poller>> retired_;  // deleted, stopping; joined by StopAll
};

nlohmann::json MappingJson(const MappingConfig& m, const std::string& function_arn, const char* state);

}  // namespace cloud::lambda
