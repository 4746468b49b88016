#include "cloud/lambda/engine.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "base/files.h"
#include "base/ids.h"
#include "cloud/lambda/engine_internal.h"
#include "cloud/lambda/errors.h"
#include "runtime/protocol.h"

namespace cloud::lambda {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string RandomHex(size_t digits) { return base::RandomString(digits, "0123456789abcdef"); }

std::string NewRequestId() { return base::NewUuid(); }

int64_t EpochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

namespace {

std::string NewTraceId() {
  char time_hex[16];
  std::snprintf(time_hex, sizeof time_hex, "%08llx", static_cast<unsigned long long>(EpochMs() / 1000));
  return "Root=1-" + std::string(time_hex) + "-" + RandomHex(24) + ";Parent=" + RandomHex(16) + ";Sampled=0";
}

}  // namespace

base::Status ValidateConfig(const FunctionConfig& c) {
  if (c.name.empty() || c.name.size() > 64) {
    return base::Status::InvalidArgument("1 validation error detected: Value '" + c.name +
                                         "' at 'functionName' failed to satisfy constraint: Member must have length between 1 and 64");
  }
  for (char ch : c.name) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_') {
      return base::Status::InvalidArgument("1 validation error detected: Value '" + c.name +
                                           "' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+");
    }
  }
  if (c.command.empty() || c.command[0].empty()) return base::Status::InvalidArgument("function " + c.name + " has no command");
  if (c.memory_mb < 128 || c.memory_mb > 10240) {
    return base::Status::InvalidArgument("1 validation error detected: Value '" + std::to_string(c.memory_mb) +
                                         "' at 'memorySize' failed to satisfy constraint: Member must have value between 128 and 10240");
  }
  if (c.timeout_s < 1 || c.timeout_s > 900) {
    return base::Status::InvalidArgument("1 validation error detected: Value '" + std::to_string(c.timeout_s) +
                                         "' at 'timeout' failed to satisfy constraint: Member must have value between 1 and 900");
  }
  if (c.reserved_concurrency && *c.reserved_concurrency < 0) {
    return base::Status::InvalidArgument("ReservedConcurrentExecutions must be at least 0");
  }
  if (c.provisioned_concurrency < 0 ||
      (c.reserved_concurrency && c.provisioned_concurrency > *c.reserved_concurrency)) {
    return base::Status::InvalidArgument(
        "ProvisionedConcurrentExecutions must be between 0 and the function's reserved concurrency");
  }
  if (c.max_retry_attempts < 0 || c.max_retry_attempts > 2) {
    return base::Status::InvalidArgument("MaximumRetryAttempts must be between 0 and 2");
  }
  return base::Status::Ok();
}

Engine::Engine(EngineOptions options) : options_(std::move(options)) {}

base::StatusOr<std::unique_ptr<Engine>> Engine::Open(EngineOptions options) {
  if (!options.endpoint_factory) return base::Status::InvalidArgument("lambda engine: no runtime endpoint factory");
  if (options.data_dir.empty()) return base::Status::InvalidArgument("lambda engine: no data directory");
  if (options.log_dir.empty()) options.log_dir = options.data_dir + "/logs";
  EF_RETURN_IF_ERROR(base::MakeDirs(options.log_dir));
  // kFull: an Event invocation answered 202 survives a power loss, not only a kill -9.
  auto db = base::Db::Open(options.data_dir + "/async.db", base::Db::Sync::kFull);
  if (!db.ok()) return db.status();
  EF_RETURN_IF_ERROR(db->Exec(
      "CREATE TABLE IF NOT EXISTS events ("
      "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
      "  request_id TEXT NOT NULL, function TEXT NOT NULL, payload BLOB NOT NULL,"
      "  attempts INTEGER NOT NULL DEFAULT 0, next_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL,"
      "  destination TEXT, record TEXT);"));
  std::unique_ptr<Engine> engine(new Engine(std::move(options)));
  engine->db_.emplace(std::move(*db));
  engine->reaper_ = std::thread(&Engine::ReaperLoop, engine.get());
  engine->async_thread_ = std::thread(&Engine::AsyncLoop, engine.get());
  return engine;
}

Engine::~Engine() {
  std::vector<std::shared_ptr<Instance>> all;
  Pending after;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (auto& [name, fn] : functions_) {
      for (auto& inst : fn->instances) {
        if (inst->current) {
          InvokeResult r;
          r.kind = InvokeResult::Kind::kServiceError;
          r.request_id = inst->current->request_id;
          r.message = "the server is shutting down";
          after.completions.emplace_back(std::move(inst->current->done), std::move(r));
          inst->current.reset();
        }
        KillLocked(*inst, "shutdown");
        all.push_back(inst);
      }
      fn->instances.clear();
    }
    for (auto& inst : graveyard_) all.push_back(inst);
    graveyard_.clear();
  }
  reaper_cv_.notify_all();
  {
    std::lock_guard<std::mutex> lock(async_mu_);
    async_wake_ = true;
  }
  async_cv_.notify_all();
  if (reaper_.joinable()) reaper_.join();
  if (async_thread_.joinable()) async_thread_.join();
  for (auto& [done, result] : after.completions) if (done) done(std::move(result));
  all.clear();  // joins monitors, stops endpoints
}

std::string Engine::FunctionArn(const std::string& name) const {
  return "arn:aws:lambda:" + options_.region + ":" + options_.account_id + ":function:" + name;
}

base::Status Engine::CreateFunction(FunctionConfig config) {
  EF_RETURN_IF_ERROR(ValidateConfig(config));
  // A relative command path is relative to our working directory, not to the task root the
  // instance starts in.
  if (config.command[0].find('/') != std::string::npos) {
    std::error_code ec;
    config.command[0] = std::filesystem::absolute(config.command[0], ec).lexically_normal().string();
  }
  if (config.task_root.empty()) {
    config.task_root = config.command[0].find('/') != std::string::npos
                           ? std::filesystem::path(config.command[0]).parent_path().string()
                           : std::filesystem::current_path().string();
  }
  config.last_modified_ms = EpochMs();
  std::lock_guard<std::mutex> lock(mu_);
  if (functions_.count(config.name)) {
    return base::Status::AlreadyExists("Function already exist: " + config.name);
  }
  auto fn = std::make_shared<Function>();
  fn->config = std::move(config);
  functions_.emplace(fn->config.name, std::move(fn));
  return base::Status::Ok();
}

base::Status Engine::UpdateFunction(FunctionConfig config) {
  EF_RETURN_IF_ERROR(ValidateConfig(config));
  config.last_modified_ms = EpochMs();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = functions_.find(config.name);
  if (it == functions_.end()) return base::Status::NotFound("Function not found: " + FunctionArn(config.name));
  Function& fn = *it->second;
  fn.config = std::move(config);
  ++fn.generation;
  for (auto& inst : fn.instances) {
    if (inst->state == Instance::State::kIdle) KillLocked(*inst, "configuration updated");
  }
  return base::Status::Ok();
}

base::Status Engine::DeleteFunction(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = functions_.find(name);
  if (it == functions_.end()) return base::Status::NotFound("Function not found: " + FunctionArn(name));
  for (auto& inst : it->second->instances) KillLocked(*inst, "function deleted");
  functions_.erase(it);  // instances are removed from the (still alive) Function as they exit
  return base::Status::Ok();
}

base::StatusOr<FunctionConfig> Engine::GetFunction(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = functions_.find(name);
  if (it == functions_.end()) return base::Status::NotFound("Function not found: " + FunctionArn(name));
  return it->second->config;
}

bool Engine::HasFunction(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  return functions_.count(name) > 0;
}

std::vector<FunctionConfig> Engine::ListFunctions() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<FunctionConfig> out;
  for (const auto& [name, fn] : functions_) out.push_back(fn->config);
  return out;
}

base::StatusOr<FunctionStats> Engine::Stats(const std::string& name) const {
  FunctionStats stats;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = functions_.find(name);
    if (it == functions_.end()) return base::Status::NotFound("Function not found: " + FunctionArn(name));
    stats = it->second->stats;
    stats.instances = 0;
    for (const auto& inst : it->second->instances) {
      if (inst->state != Instance::State::kDead) ++stats.instances;
      if (inst->state == Instance::State::kStarting) ++stats.starting;
      if (inst->provisioned && inst->state != Instance::State::kDead && inst->state != Instance::State::kStarting) {
        ++stats.provisioned_ready;
      }
    }
    stats.busy = it->second->in_use;
  }
  std::lock_guard<std::mutex> db_lock(db_mu_);
  auto count = db_->Prepare("SELECT COUNT(*) FROM events WHERE function = ?");
  if (count.ok()) {
    count->Bind(1, name);
    auto row = count->Step();
    if (row.ok() && *row) stats.async_pending = count->Int(0);
  }
  return stats;
}

// ---- invocation ----

void Engine::Invoke(InvokeRequest request, InvokeCallback done) {
  auto inv = std::make_shared<Invocation>();
  inv->request_id = NewRequestId();
  if (request.trace_id.empty()) request.trace_id = NewTraceId();
  inv->request = std::move(request);
  inv->done = std::move(done);
  Dispatch(std::move(inv), false);
}

void Engine::Dispatch(std::shared_ptr<Invocation> inv, bool async) {
  inv->async = async;
  Pending after;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = functions_.find(inv->request.function_name);
    if (stopping_ || it == functions_.end()) {
      InvokeResult r;
      r.request_id = inv->request_id;
      r.kind = stopping_ ? InvokeResult::Kind::kServiceError : InvokeResult::Kind::kNotFound;
      r.message = stopping_ ? "the server is shutting down" : "Function not found: " + FunctionArn(inv->request.function_name);
      after.completions.emplace_back(std::move(inv->done), std::move(r));
    } else {
      AssignLocked(it->second, std::move(inv), after);
    }
  }
  RunPending(after);
}

void Engine::SetInUseLocked(Function& fn, Instance& instance, bool in_use) {
  if (instance.counted_in_use == in_use) return;
  instance.counted_in_use = in_use;
  int delta = in_use ? 1 : -1;
  fn.in_use += delta;
  in_use_total_ += delta;
  if (fn.in_use > fn.stats.peak_concurrency) fn.stats.peak_concurrency = fn.in_use;
  if (options_.observer) options_.observer->OnConcurrency(fn.config.name, fn.in_use, in_use_total_);
}

void Engine::AssignLocked(const std::shared_ptr<Function>& fn_ptr, std::shared_ptr<Invocation> inv, Pending& after) {
  using State = Instance::State;
  Function& fn = *fn_ptr;
  // 1. An idle instance of the current configuration: a warm start.
  for (auto& inst : fn.instances) {
    if (inst->state == State::kIdle && inst->generation == fn.generation) {
      inst->current = std::move(inv);
      SetInUseLocked(fn, *inst, true);
      DeliverLocked(*inst, std::move(inst->waiter), after);
      return;
    }
  }
  // 1b. A provisioned instance still initialising and not promised to anyone: it is ready sooner
  //     than a new process would be.
  for (auto& inst : fn.instances) {
    if (inst->state == State::kStarting && !inst->current && inst->generation == fn.generation) {
      inst->current = std::move(inv);
      SetInUseLocked(fn, *inst, true);
      return;
    }
  }
  // 2. One that has just posted a result: it calls /next within microseconds, far sooner than a
  //    new process would be ready.
  for (auto& inst : fn.instances) {
    if (inst->state == State::kReturning && !inst->current && inst->generation == fn.generation) {
      inst->current = std::move(inv);
      inst->delivered = false;
      return;
    }
  }
  // 3. A cold start, within the function's and the account's concurrency; an asynchronous event
  //    waits in its queue while enough instances are initialising already.
  int starting = 0;
  for (auto& inst : fn.instances) starting += inst->state == State::kStarting;
  if (inv->async && starting >= AsyncColdStartCap()) {
    InvokeResult r;
    r.kind = InvokeResult::Kind::kThrottled;  // the queue re-dispatches it; not a throttle
    r.request_id = inv->request_id;
    r.message = "waiting for instances that are initialising";
    after.completions.emplace_back(std::move(inv->done), std::move(r));
    return;
  }
  const int account = options_.account_concurrency;
  const bool function_full = fn.in_use >= fn.Cap(account);
  if (!function_full && in_use_total_ < account) {
    fn.stats.peak_starting = std::max(fn.stats.peak_starting, starting + 1);
    auto inst = std::make_shared<Instance>(this, fn_ptr, RandomHex(32));
    inst->generation = fn.generation;
    inst->state = State::kStarting;
    inst->spawned_at = Clock::now();
    inst->counted_in_use = false;
    inst->current = std::move(inv);
    SetInUseLocked(fn, *inst, true);
    ++fn.stats.cold_starts;
    fn.instances.push_back(inst);
    after.to_start.push_back(std::move(inst));
    return;
  }
  // 4. Throttled.
  ++fn.stats.throttles;
  // Synchronous calls only: a queued asynchronous event is re-dispatched every 100 ms while it
  // waits for capacity, and counting each of those would report throttles nobody experienced.
  if (options_.observer && !inv->async) options_.observer->OnThrottle(fn.config.name);
  InvokeResult r;
  r.kind = InvokeResult::Kind::kThrottled;
  r.request_id = inv->request_id;
  r.error_type = fn.config.reserved_concurrency && function_full ? "ReservedFunctionConcurrentInvocationLimitExceeded"
                                                                  : "ConcurrentInvocationLimitExceeded";
  r.message = "Rate Exceeded.";
  after.completions.emplace_back(std::move(inv->done), std::move(r));
}

int Engine::AsyncColdStartCap() const {
  if (options_.async_cold_starts > 0) return options_.async_cold_starts;
  return std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
}

void Engine::DeliverLocked(Instance& inst, std::function<void(const RuntimeEvent&)> deliver, Pending& after) {
  inst.waiter = nullptr;  // moved into `deliver`
  Invocation& inv = *inst.current;
  const FunctionConfig& config = inst.fn->config;
  inst.delivered = true;
  inst.state = Instance::State::kBusy;
  inv.started = Clock::now();
  inv.deadline = inv.started + std::chrono::seconds(config.timeout_s);
  inv.deadline_epoch_ms = EpochMs() + int64_t{config.timeout_s} * 1000;
  ++inst.fn->stats.invocations;
  inst.StartCapture(inv.request.want_log_tail);
  inst.WriteLogLine("START RequestId: " + inv.request_id + " Version: $LATEST");
  RuntimeEvent event;
  event.request_id = inv.request_id;
  event.payload = inv.request.payload;
  event.owner = inst.current;  // keeps the payload alive until the event is written
  event.deadline_ms = inv.deadline_epoch_ms;
  event.function_arn = FunctionArn(config.name);
  event.trace_id = inv.request.trace_id;
  event.client_context = inv.request.client_context;
  event.cognito_identity = inv.request.cognito_identity;
  after.deliveries.emplace_back(std::move(deliver), std::move(event));
}

// The instance holds a /next and has no running invocation.
void Engine::ReadyLocked(Instance& inst, Pending& after) {
  if (inst.generation != inst.fn->generation || stopping_) {
    if (inst.current && !inst.delivered) {
      auto inv = std::move(inst.current);
      KillLocked(inst, "configuration updated");
      AssignLocked(inst.fn, std::move(inv), after);
    } else {
      KillLocked(inst, "configuration updated");
    }
    return;
  }
  if (inst.current && !inst.delivered) {
    DeliverLocked(inst, std::move(inst.waiter), after);
    return;
  }
  inst.state = Instance::State::kIdle;
  inst.idle_since = Clock::now();
  SetInUseLocked(*inst.fn, inst, false);
}

void Engine::RunPending(Pending& after) {
  for (auto& inst : after.to_start) StartInstance(std::move(inst));
  for (auto& [deliver, event] : after.deliveries) {
    if (deliver) deliver(event);
  }
  for (auto& [done, result] : after.completions) {
    if (done) done(std::move(result));
  }
  after = Pending();
}

std::vector<std::string> Engine::InstanceEnvironment(const FunctionConfig& c, const Instance& inst,
                                                     const std::string& runtime_api) const {
  std::map<std::string, std::string> env = c.environment;
  auto set = [&](const std::string& k, const std::string& v) { env[k] = v; };
  const char* path = std::getenv("PATH");
  if (!env.count("PATH")) set("PATH", path ? path : "/usr/local/bin:/usr/bin:/bin");
  if (const char* ld = std::getenv("LD_LIBRARY_PATH"); ld && !env.count("LD_LIBRARY_PATH")) set("LD_LIBRARY_PATH", ld);
  if (!env.count("LANG")) set("LANG", "C.UTF-8");
  if (!env.count("TZ")) set("TZ", ":UTC");
  // The reserved variables Lambda sets; a function's own Environment cannot override them.
  set(std::string(runtime::protocol::kEnvRuntimeApi), runtime_api);
  set("AWS_LAMBDA_FUNCTION_NAME", c.name);
  set("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
  set("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", std::to_string(c.memory_mb));
  set("AWS_LAMBDA_INITIALIZATION_TYPE", inst.provisioned ? "provisioned-concurrency" : "on-demand");
  set("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + c.name);
  set("AWS_LAMBDA_LOG_STREAM_NAME", inst.log_stream);
  set("AWS_EXECUTION_ENV", "AWS_Lambda_" + c.runtime);
  set("_HANDLER", c.handler);
  set("AWS_REGION", options_.region);
  set("AWS_DEFAULT_REGION", options_.region);
  set("AWS_ACCESS_KEY_ID", options_.access_key);
  set("AWS_SECRET_ACCESS_KEY", options_.secret_key);
  if (!options_.endpoint.empty()) set("AWS_ENDPOINT_URL", options_.endpoint);
  set("LAMBDA_TASK_ROOT", c.task_root);
  set("LAMBDA_RUNTIME_DIR", c.task_root);
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

void Engine::StartInstance(std::shared_ptr<Instance> inst) {
  FunctionConfig config;
  {
    std::lock_guard<std::mutex> lock(mu_);
    config = inst->fn->config;
  }
  base::Status failure;
  auto endpoint = options_.endpoint_factory(inst.get());
  std::unique_ptr<ChildProcess> process;
  if (!endpoint.ok()) {
    failure = endpoint.status();
  } else {
    inst->endpoint = std::move(*endpoint);
    inst->OpenLog(options_.log_dir, "/aws/lambda/" + config.name);
    SpawnSpec spec;
    spec.argv = config.command;
    spec.env = InstanceEnvironment(config, *inst, inst->endpoint->address());
    spec.cwd = config.task_root;
    auto spawned = ChildProcess::Spawn(spec);
    if (spawned.ok()) {
      process = std::move(*spawned);
    } else {
      failure = spawned.status();
    }
  }
  Pending after;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (failure.ok()) {
      inst->process = std::move(process);
      inst->monitor = std::thread(&Instance::MonitorLoop, inst.get());
      if (stopping_) inst->process->KillGroup();
      return;
    }
    // Lambda's words for a bootstrap it cannot execute.
    inst->WriteLogLine("Error: " + failure.message());
    if (inst->current) {
      InvokeResult r;
      r.kind = InvokeResult::Kind::kFunctionError;
      r.request_id = inst->current->request_id;
      r.error_type = "Runtime.InvalidEntrypoint";
      r.payload = ErrorJson("RequestId: " + r.request_id + " Error: " + failure.message(), r.error_type);
      ++inst->fn->stats.errors;
      if (options_.observer) options_.observer->OnInvocation(config.name, -1, true);
      after.completions.emplace_back(std::move(inst->current->done), std::move(r));
      inst->current.reset();
    }
    KillLocked(*inst, "spawn failed");
    RemoveLocked(*inst);
  }
  RunPending(after);
}

void Engine::KillLocked(Instance& inst, const char* why) {
  if (inst.state == Instance::State::kDead) return;
  if (!inst.kill_reason) inst.kill_reason = why;
  SetInUseLocked(*inst.fn, inst, false);
  inst.state = Instance::State::kDead;
  inst.waiter = nullptr;
  if (inst.process) inst.process->KillGroup();
}

void Engine::RemoveLocked(Instance& inst) {
  auto& list = inst.fn->instances;
  for (auto it = list.begin(); it != list.end(); ++it) {
    if (it->get() == &inst) {
      graveyard_.push_back(std::move(*it));
      list.erase(it);
      reaper_cv_.notify_all();
      return;
    }
  }
}

}  // namespace cloud::lambda
