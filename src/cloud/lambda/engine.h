// The function engine of `edgeface cloud`: Lambda's execution model without any HTTP type.
//
// - Functions are registered with a command; each instance is a child process of ours (its own
//   process group) that talks to its own Runtime API endpoint (AWS_LAMBDA_RUNTIME_API), made by
//   the RuntimeEndpointFactory the API layer gives us. One invocation per instance at a time.
// - Invoke uses an idle instance, else one that has just answered (its next /next is imminent),
//   else starts one (a cold start, timed as Init Duration) while the function's reserved
//   concurrency and the account limit allow; otherwise the call is throttled.
// - A timeout, a crash or exit, exceeding the memory size (peak RSS) or an init error fails
//   exactly that instance's invocation with Lambda's error type, and the instance is replaced by
//   the next cold start. Idle instances stop after `idle_timeout`.
// - Each instance's stdout/stderr goes to the function's log, framed by START/END/REPORT lines;
//   the last 4 KB of one invocation's part can be returned to the invoker (LogType Tail).
// - Asynchronous invocations are stored in SQLite (<data_dir>/async.db) before InvokeAsync
//   returns, survive a restart, are retried `max_retry_attempts` times after
//   `async_retry_delays`, then sent to the on-failure destination.
//
// Thread-safety: every method may be called from any thread. Callbacks run on engine threads
// (or the caller's) without engine locks held; they must not block for long.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/sqlite.h"
#include "cloud/lambda/function.h"

namespace cloud::lambda {

// Told about what CloudWatch counts (Invocations, Errors, Throttles, Duration,
// ConcurrentExecutions). Called on engine threads WITH the engine's lock held: must return
// quickly and must not call the engine.
class EngineObserver {
 public:
  virtual ~EngineObserver() = default;
  // An invocation ended: success or function error. `duration_ms` < 0 when it never ran (the
  // instance failed to start or to initialise).
  virtual void OnInvocation(const std::string& function, double duration_ms, bool error) = 0;
  virtual void OnThrottle(const std::string& function) = 0;
  // Instances in use (running an invocation or starting for one) changed.
  virtual void OnConcurrency(const std::string& function, int function_in_use, int account_in_use) = 0;
};

struct EngineOptions {
  std::string data_dir;  // async.db lives here
  // CloudWatch Logs root (cloudwatch/log_store.h layout): group /aws/lambda/<name>, one stream per
  // instance. Default: <data_dir>/logs.
  std::string log_dir;
  std::shared_ptr<EngineObserver> observer;  // optional
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::string endpoint;  // AWS_ENDPOINT_URL given to functions, e.g. "http://127.0.0.1:4566"
  std::string access_key = "test";  // the credentials given to functions
  std::string secret_key = "test";
  int account_concurrency = 1000;
  // Instances of one function that an asynchronous event may have initialising at once; 0 means
  // as many as the machine has cores (at least 2). Queued events wait for those (they are polled
  // every 100 ms) instead of each starting a process: a burst of S3 uploads would otherwise start
  // one instance per upload, all loading their models at once on the same cores (pipeline 3 saw
  // dozens on 2 cores), and every one of them would be ready later than the first few. Synchronous
  // calls are not limited: a caller is waiting, as on Lambda.
  int async_cold_starts = 0;
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds init_timeout{10'000};  // Lambda's 10 s init phase
  // Delay before retry 1 and retry 2 of a failed asynchronous invocation (Lambda: ~1 and ~2 min).
  std::vector<std::chrono::milliseconds> async_retry_delays{std::chrono::minutes(1), std::chrono::minutes(2)};
  RuntimeEndpointFactory endpoint_factory;  // required
  DestinationSender destination_sender;     // optional: without it destinations are only logged
};

struct FunctionStats {
  int instances = 0;         // processes alive now
  int busy = 0;              // instances not idle (starting, running, returning)
  int starting = 0;          // of those, instances whose init is still running (dashboard)
  int64_t cold_starts = 0;
  int64_t invocations = 0;
  int64_t errors = 0;        // function errors
  int64_t throttles = 0;
  int peak_concurrency = 0;
  int peak_starting = 0;     // most instances initialising at once
  int64_t async_pending = 0; // asynchronous events stored and not finished
  int provisioned_ready = 0;  // provisioned instances initialised (idle or busy)
};

class Engine {
 public:
  static base::StatusOr<std::unique_ptr<Engine>> Open(EngineOptions options);
  // Stops every instance (SIGKILL to their process groups) and the engine's threads. Pending
  // synchronous callbacks are answered with kServiceError; stored async events stay stored.
  ~Engine();

  // AlreadyExists / InvalidArgument.
  base::Status CreateFunction(FunctionConfig config);
  // Replaces the configuration; instances started with the old one stop when idle.
  base::Status UpdateFunction(FunctionConfig config);
  base::Status DeleteFunction(const std::string& name);
  base::StatusOr<FunctionConfig> GetFunction(const std::string& name) const;
  bool HasFunction(const std::string& name) const;
  std::vector<FunctionConfig> ListFunctions() const;
  base::StatusOr<FunctionStats> Stats(const std::string& name) const;
  std::string FunctionArn(const std::string& name) const;
  const EngineOptions& options() const { return options_; }

  // A synchronous (RequestResponse) invocation. `done` is called exactly once.
  void Invoke(InvokeRequest request, InvokeCallback done);
  // An asynchronous (Event) invocation: stored durably, then run. Returns the request id.
  // NotFound for an unknown function.
  base::StatusOr<std::string> InvokeAsync(InvokeRequest request);

 private:
  struct Function;
  struct Instance;
  struct Invocation;
  friend struct Instance;
  explicit Engine(EngineOptions options);

  // Assignment, under mu_. Returns the instance the invocation went to (nullptr: throttled).
  void Dispatch(std::shared_ptr<Invocation> inv, bool async);
  struct Pending;  // work to do after mu_ is released
  void AssignLocked(const std::shared_ptr<Function>& fn, std::shared_ptr<Invocation> inv, Pending& after);
  int AsyncColdStartCap() const;  // options_.async_cold_starts, or the machine's cores (>= 2)
  void StartInstance(std::shared_ptr<Instance> instance);
  void RunPending(Pending& after);

  // Instance events.
  void OnNext(Instance& instance, std::function<void(const RuntimeEvent&)> deliver);
  InstanceRuntime::PostStatus OnResult(Instance& instance, const std::string& request_id, bool success,
                                       std::string payload, std::string content_type, std::string error_type);
  InstanceRuntime::PostStatus OnInitError(Instance& instance, std::string error_type, std::string body);
  void OnExit(Instance& instance, int wait_status);
  void FinishLocked(Instance& instance, InvokeResult result, Pending& after);
  void KillLocked(Instance& instance, const char* why);
  void RemoveLocked(Instance& instance);

  void ReaperLoop();
  // Starts the provisioned instances `fn` lacks. REQUIRES: mu_ held.
  void PrewarmLocked(const std::shared_ptr<Function>& fn, std::chrono::steady_clock::time_point now, Pending& after);
  void AsyncLoop();
  struct AsyncEvent;
  void OnAsyncDone(const AsyncEvent& event, const InvokeResult& result);
  void SendStoredRecords();
  void SetInUseLocked(Function& fn, Instance& instance, bool in_use);
  void DeliverLocked(Instance& instance, std::function<void(const RuntimeEvent&)> deliver, Pending& after);
  void ReadyLocked(Instance& instance, Pending& after);
  std::vector<std::string> InstanceEnvironment(const FunctionConfig& config, const Instance& instance,
                                               const std::string& runtime_api) const;

  EngineOptions options_;

  mutable std::mutex mu_;  // guards everything below up to db_mu_
  std::condition_variable reaper_cv_;
  std::map<std::string, std::shared_ptr<Function>, std::less<>> functions_;
  std::vector<std::shared_ptr<Instance>> graveyard_;  // stopped; destroyed by the reaper outside mu_
  int in_use_total_ = 0;
  bool stopping_ = false;
  uint64_t next_instance_serial_ = 0;

  mutable std::mutex db_mu_;  // guards db_ and the async statements; never held while taking mu_
  mutable std::optional<base::Db> db_;
  std::condition_variable async_cv_;
  std::mutex async_mu_;  // guards async_wake_ and inflight_ (taken without mu_ or db_mu_ held)
  bool async_wake_ = false;
  std::map<int64_t, bool> inflight_;  // async event ids being invoked now

  std::thread reaper_;
  std::thread async_thread_;
};

}  // namespace cloud::lambda
