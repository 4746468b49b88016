// The engine's private state: functions, instances and invocations (shared by engine.cc,
// instance.cc and async.cc; not part of the engine's interface).
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cloud/cloudwatch/log_store.h"
#include "cloud/lambda/engine.h"
#include "cloud/lambda/process.h"

namespace cloud::lambda {

using SteadyTime = std::chrono::steady_clock::time_point;

inline constexpr size_t kLogTailBytes = 4096;
inline constexpr size_t kMaxCaptureBytes = 64 * 1024;  // per invocation, kept in memory for Tail

struct Engine::Invocation {
  std::string request_id;
  InvokeRequest request;
  InvokeCallback done;
  bool async = false;
  SteadyTime started{};   // when delivered to the instance
  SteadyTime deadline{};  // started + timeout
  int64_t deadline_epoch_ms = 0;
};

struct Engine::Function {
  FunctionConfig config;
  uint64_t generation = 0;  // bumped by UpdateFunction; older instances retire
  std::vector<std::shared_ptr<Instance>> instances;
  int in_use = 0;  // instances not idle
  SteadyTime next_prewarm{};  // provisioned instances are (re)started at most once a second
  FunctionStats stats;
  int Cap(int account_limit) const { return config.reserved_concurrency.value_or(account_limit); }
};

struct Engine::Instance : public InstanceRuntime {
  enum class State {
    kStarting,   // spawned; has not called /next yet (init running)
    kBusy,       // an invocation was delivered and has no result yet
    kReturning,  // result posted; /next not called again yet
    kIdle,       // waiting in /next
    kDead,       // killed or exited; waiting to be removed
  };

  Instance(Engine* engine, std::shared_ptr<Function> fn, std::string id);
  ~Instance() override;

  // InstanceRuntime (called on the endpoint's I/O thread).
  void Next(std::function<void(const RuntimeEvent&)> deliver) override;
  PostStatus PostResponse(const std::string& request_id, std::string payload, std::string content_type) override;
  PostStatus PostError(const std::string& request_id, std::string error_type, std::string body) override;
  PostStatus PostInitError(std::string error_type, std::string body) override;

  // Log handling (log_mu_ inside; callable with the engine's mu_ held).
  // Opens stream `log_stream` of group /aws/lambda/<function> under the engine's log root.
  void OpenLog(const std::string& root, const std::string& group);
  void DrainOutput();                   // reads whatever the process wrote so far
  void WriteLogLine(const std::string& line);  // a line of ours (START/END/REPORT)
  void FlushLog();                      // writes the buffered lines (one write(2))
  void StartCapture(bool capture);      // capture this invocation's log for Tail?
  std::string StopCapture();            // this invocation's log, as captured
  void MonitorLoop();                   // thread: output → log; exit → engine

  Engine* const engine;
  const std::shared_ptr<Function> fn;
  const std::string id;            // 32 hex digits
  const std::string log_stream;    // "2026/11/23/[$LATEST]<id>"
  uint64_t generation = 0;

  // Guarded by engine->mu_.
  State state = State::kStarting;
  bool counted_in_use = true;       // contributes to Function::in_use and in_use_total_
  std::shared_ptr<Invocation> current;  // assigned invocation (maybe not delivered yet)
  bool delivered = false;
  std::function<void(const RuntimeEvent&)> waiter;  // held /next
  SteadyTime spawned_at{};
  SteadyTime idle_since{};
  double init_ms = -1;              // set at the first /next; reported once
  bool init_reported = false;
  bool provisioned = false;         // started ahead of demand (provisioned concurrency)
  const char* kill_reason = nullptr;  // set when we killed it

  // Set by StartInstance before the process runs; then read-only until destruction.
  std::unique_ptr<RuntimeEndpoint> endpoint;
  std::unique_ptr<ChildProcess> process;
  std::thread monitor;

 private:
  void CaptureLocked(std::string_view data);
  std::mutex log_mu_;
  cloudwatch::LogLineWriter log_;
  bool capturing_ = false;
  std::string capture_;
};

// Work decided under the engine's lock and done after releasing it.
struct Engine::Pending {
  std::vector<std::pair<std::function<void(const RuntimeEvent&)>, RuntimeEvent>> deliveries;
  std::vector<std::pair<InvokeCallback, InvokeResult>> completions;
  std::vector<std::shared_ptr<Instance>> to_start;
};

std::string RandomHex(size_t digits);
std::string NewRequestId();  // UUID v4
int64_t EpochMs();
inline double MsSince(SteadyTime t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace cloud::lambda
