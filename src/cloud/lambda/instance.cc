// Instances: their Runtime API calls, their logs, their exit, and the reaper that enforces
// timeouts, memory and keep-alive.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "base/files.h"
#include "cloud/lambda/engine_internal.h"
#include "cloud/lambda/errors.h"
#include "runtime/protocol.h"
#include "base/time_format.h"

namespace cloud::lambda {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

std::string StreamName(const std::string& id) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[16];
  std::strftime(date, sizeof date, "%Y/%m/%d", &tm);
  return std::string(date) + "/[$LATEST]" + id;
}


std::string Fixed2(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

}  // namespace

// ---- Instance ----

Engine::Instance::Instance(Engine* engine, std::shared_ptr<Function> fn, std::string id)
    : engine(engine), fn(std::move(fn)), id(std::move(id)), log_stream(StreamName(this->id)) {}

Engine::Instance::~Instance() {
  endpoint.reset();  // stops the Runtime API listener; a held /next is dropped
  if (process) process->KillGroup();
  if (monitor.joinable()) monitor.join();
  process.reset();
}

void Engine::Instance::Next(std::function<void(const RuntimeEvent&)> deliver) { engine->OnNext(*this, std::move(deliver)); }

InstanceRuntime::PostStatus Engine::Instance::PostResponse(const std::string& request_id, std::string payload,
                                                           std::string content_type) {
  return engine->OnResult(*this, request_id, true, std::move(payload), std::move(content_type), "");
}

InstanceRuntime::PostStatus Engine::Instance::PostError(const std::string& request_id, std::string error_type,
                                                        std::string body) {
  return engine->OnResult(*this, request_id, false, std::move(body), "application/json", std::move(error_type));
}

InstanceRuntime::PostStatus Engine::Instance::PostInitError(std::string error_type, std::string body) {
  return engine->OnInitError(*this, std::move(error_type), std::move(body));
}

void Engine::Instance::OpenLog(const std::string& root, const std::string& group) {
  std::lock_guard<std::mutex> lock(log_mu_);
  base::Status s = log_.Open(root, group, log_stream);
  // START, END and REPORT of a warm invocation reach the file in one write (FlushLog); the
  // function's own output is written as the monitor reads it.
  log_.set_buffered(true);
  if (!s.ok()) std::fprintf(stderr, "lambda: log of %s: %s\n", group.c_str(), s.ToString().c_str());
}

void Engine::Instance::CaptureLocked(std::string_view data) {
  if (capturing_) {
    capture_.append(data);
    if (capture_.size() > kMaxCaptureBytes) capture_.erase(0, capture_.size() - kMaxCaptureBytes / 2);
  }
}

void Engine::Instance::DrainOutput() {
  std::lock_guard<std::mutex> lock(log_mu_);
  if (!process || process->output_fd() < 0) return;
  char buf[16384];
  for (;;) {
    ssize_t n = read(process->output_fd(), buf, sizeof buf);
    if (n > 0) {
      log_.AppendOutput(std::string_view(buf, static_cast<size_t>(n)));
      CaptureLocked(std::string_view(buf, static_cast<size_t>(n)));
      continue;
    }
    if (n == 0) process->CloseOutput();
    break;  // EAGAIN, EOF or error
  }
}

void Engine::Instance::WriteLogLine(const std::string& line) {
  std::lock_guard<std::mutex> lock(log_mu_);
  log_.AppendLine(line);
  CaptureLocked(line);
  CaptureLocked("\n");
}

void Engine::Instance::FlushLog() {
  std::lock_guard<std::mutex> lock(log_mu_);
  log_.Flush();
}

void Engine::Instance::StartCapture(bool capture) {
  std::lock_guard<std::mutex> lock(log_mu_);
  capturing_ = capture;
  capture_.clear();
}

std::string Engine::Instance::StopCapture() {
  std::lock_guard<std::mutex> lock(log_mu_);
  capturing_ = false;
  return std::move(capture_);
}

void Engine::Instance::MonitorLoop() {
  for (;;) {
    pollfd fds[2];
    int n = 0;
    fds[n++] = {process->exit_fd(), POLLIN, 0};
    int out_fd;
    {
      std::lock_guard<std::mutex> lock(log_mu_);
      out_fd = process->output_fd();
    }
    if (out_fd >= 0) fds[n++] = {out_fd, POLLIN, 0};
    int r = poll(fds, n, -1);
    if (r < 0 && errno == EINTR) continue;
    if (n > 1 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      DrainOutput();
      FlushLog();
    }
    if (fds[0].revents & POLLIN) break;
  }
  int status = 0;
  for (;;) {
    auto reaped = process->Reap();
    if (reaped) {
      status = *reaped;
      break;
    }
    std::this_thread::sleep_for(1ms);
  }
  DrainOutput();
  engine->OnExit(*this, status);
  FlushLog();
}

// ---- Runtime API events ----

void Engine::OnNext(Instance& inst, std::function<void(const RuntimeEvent&)> deliver) {
  Pending after;
  {
    std::lock_guard<std::mutex> lock(mu_);
    using State = Instance::State;
    if (inst.state == State::kDead) return;
    if (inst.state == State::kStarting) inst.init_ms = MsSince(inst.spawned_at);
    inst.waiter = std::move(deliver);
    if (inst.state == State::kStarting || inst.state == State::kReturning || inst.state == State::kIdle) {
      ReadyLocked(inst, after);
    }
    // kBusy: a /next before the result; it is served once the invocation ends.
  }
  RunPending(after);
}

InstanceRuntime::PostStatus Engine::OnResult(Instance& inst, const std::string& request_id, bool success,
                                             std::string payload, std::string content_type, std::string error_type) {
  Pending after;
  InstanceRuntime::PostStatus status = InstanceRuntime::PostStatus::kAccepted;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (inst.state == Instance::State::kDead) return InstanceRuntime::PostStatus::kGone;
    if (!inst.current || !inst.delivered || inst.current->request_id != request_id) {
      return InstanceRuntime::PostStatus::kUnknownRequest;
    }
    InvokeResult r;
    r.request_id = request_id;
    if (success && payload.size() > runtime::protocol::kMaxResponseBytes) {
      r.kind = InvokeResult::Kind::kFunctionError;
      r.error_type = "Function.ResponseSizeTooLarge";
      r.payload = ErrorJson("Response payload size exceeded maximum allowed payload size (" +
                                std::to_string(runtime::protocol::kMaxResponseBytes) + " bytes).",
                            r.error_type);
      status = InstanceRuntime::PostStatus::kTooLarge;
    } else if (success) {
      r.kind = InvokeResult::Kind::kSuccess;
      r.payload = std::move(payload);
      if (!content_type.empty()) r.content_type = std::move(content_type);
    } else {
      r.kind = InvokeResult::Kind::kFunctionError;
      r.error_type = error_type.empty() ? "Unhandled" : std::move(error_type);
      r.payload = payload.empty() ? ErrorJson("Unhandled error", r.error_type) : std::move(payload);
    }
    FinishLocked(inst, std::move(r), after);
  }
  RunPending(after);
  return status;
}

InstanceRuntime::PostStatus Engine::OnInitError(Instance& inst, std::string error_type, std::string body) {
  Pending after;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (inst.state == Instance::State::kDead) return InstanceRuntime::PostStatus::kGone;
    if (error_type.empty()) error_type = "Runtime.InitError";
    inst.DrainOutput();
    inst.WriteLogLine("INIT_REPORT Init Duration: " + Fixed2(MsSince(inst.spawned_at)) +
                      " ms\tPhase: init\tStatus: error\tError Type: " + error_type);
    inst.FlushLog();
    if (inst.current) {
      // The invocation that waited for this instance gets the runtime's own error, as on AWS.
      InvokeResult r;
      r.kind = InvokeResult::Kind::kFunctionError;
      r.request_id = inst.current->request_id;
      r.error_type = error_type;
      r.payload = body.empty() ? ErrorJson("init failed", error_type) : std::move(body);
      ++inst.fn->stats.errors;
      if (options_.observer) options_.observer->OnInvocation(inst.fn->config.name, -1, true);
      after.completions.emplace_back(std::move(inst.current->done), std::move(r));
      inst.current.reset();
    }
    KillLocked(inst, "init error");
  }
  RunPending(after);
  return InstanceRuntime::PostStatus::kAccepted;
}

void Engine::FinishLocked(Instance& inst, InvokeResult result, Pending& after) {
  std::shared_ptr<Invocation> inv = std::move(inst.current);
  inst.current.reset();
  const bool was_delivered = inst.delivered;
  inst.delivered = false;
  const FunctionConfig& config = inst.fn->config;
  inst.DrainOutput();
  const double duration_ms = was_delivered ? MsSince(inv->started) : 0.0;
  int64_t peak_mb = inst.process ? inst.process->PeakRssMb() : 0;
  // Peak RSS above the memory size: on Lambda the sandbox would have been killed.
  if (peak_mb > config.memory_mb && inst.state != Instance::State::kDead) KillLocked(inst, "out of memory");
  if (inst.kill_reason && std::string_view(inst.kill_reason) == "out of memory" &&
      result.kind != InvokeResult::Kind::kFunctionError) {
    result.kind = InvokeResult::Kind::kFunctionError;
    result.error_type = "Runtime.OutOfMemory";
    result.payload = ErrorJson("RequestId: " + inv->request_id + " Error: Runtime exited with error: signal: killed",
                               result.error_type);
  }
  if (result.kind == InvokeResult::Kind::kFunctionError) ++inst.fn->stats.errors;
  if (options_.observer) {
    options_.observer->OnInvocation(config.name, was_delivered ? duration_ms : -1,
                                    result.kind == InvokeResult::Kind::kFunctionError);
  }
  if (!was_delivered) inst.StartCapture(inv->request.want_log_tail);
  if (result.kind == InvokeResult::Kind::kFunctionError &&
      (result.error_type.starts_with("Runtime.") || result.error_type.starts_with("Sandbox."))) {
    inst.WriteLogLine(base::UtcMillisTime(base::EpochMillisNow()) + " " + inv->request_id + " " + result.error_type);
  }
  inst.WriteLogLine("END RequestId: " + inv->request_id);
  std::string report = "REPORT RequestId: " + inv->request_id + "\tDuration: " + Fixed2(duration_ms) +
                       " ms\tBilled Duration: " + std::to_string(static_cast<int64_t>(std::ceil(duration_ms))) +
                       " ms\tMemory Size: " + std::to_string(config.memory_mb) +
                       " MB\tMax Memory Used: " + std::to_string(std::min<int64_t>(peak_mb, config.memory_mb)) + " MB";
  if (!inst.init_reported && inst.init_ms >= 0) {
    report += "\tInit Duration: " + Fixed2(inst.init_ms) + " ms";
    inst.init_reported = true;
  }
  if (result.kind == InvokeResult::Kind::kFunctionError &&
      (result.error_type.starts_with("Runtime.") || result.error_type.starts_with("Sandbox."))) {
    report += "\tStatus: error\tError Type: " + result.error_type;
  }
  inst.WriteLogLine(report);
  inst.FlushLog();
  std::string log = inst.StopCapture();
  if (inv->request.want_log_tail) {
    result.log_tail = log.size() > kLogTailBytes ? log.substr(log.size() - kLogTailBytes) : std::move(log);
  }
  after.completions.emplace_back(std::move(inv->done), std::move(result));
  if (inst.state != Instance::State::kDead) {
    inst.state = Instance::State::kReturning;
    if (inst.waiter) ReadyLocked(inst, after);  // it asked for /next early
  }
}

void Engine::OnExit(Instance& inst, int wait_status) {
  Pending after;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    if (inst.current) {
      if (inst.delivered || inst.state == Instance::State::kStarting) {
        InvokeResult r;
        r.kind = InvokeResult::Kind::kFunctionError;
        r.request_id = inst.current->request_id;
        const bool oom = inst.kill_reason && std::string_view(inst.kill_reason) == "out of memory";
        r.error_type = oom ? "Runtime.OutOfMemory" : "Runtime.ExitError";
        r.payload = ErrorJson("RequestId: " + r.request_id + " Error: Runtime exited with error: " +
                                  ChildProcess::DescribeWaitStatus(wait_status),
                              r.error_type);
        KillLocked(inst, "exited");
        FinishLocked(inst, std::move(r), after);
      } else {
        // Assigned to this instance while it was returning, never started: run it elsewhere.
        auto inv = std::move(inst.current);
        inst.current.reset();
        KillLocked(inst, "exited");
        if (functions_.count(inst.fn->config.name)) {
          AssignLocked(inst.fn, std::move(inv), after);
        } else {
          InvokeResult r;
          r.kind = InvokeResult::Kind::kNotFound;
          r.request_id = inv->request_id;
          r.message = "Function not found: " + FunctionArn(inst.fn->config.name);
          after.completions.emplace_back(std::move(inv->done), std::move(r));
        }
      }
    }
    KillLocked(inst, "exited");
    RemoveLocked(inst);
  }
  RunPending(after);
}

// ---- the reaper: timeouts, memory, keep-alive, provisioned instances, and destroying stopped ones ----

void Engine::PrewarmLocked(const std::shared_ptr<Function>& fn, SteadyTime now, Pending& after) {
  const int wanted = fn->config.provisioned_concurrency;
  if (wanted <= 0 || now < fn->next_prewarm) return;
  int alive = 0;
  for (const auto& inst : fn->instances) {
    if (inst->provisioned && inst->state != Instance::State::kDead && inst->generation == fn->generation) ++alive;
  }
  if (alive >= wanted) return;
  fn->next_prewarm = now + 1s;  // a command that cannot start is retried once a second, not 50 times
  for (int i = alive; i < wanted; ++i) {
    auto inst = std::make_shared<Instance>(this, fn, RandomHex(32));
    inst->generation = fn->generation;
    inst->state = Instance::State::kStarting;
    inst->spawned_at = now;
    inst->counted_in_use = false;  // not running anything: no concurrency used
    inst->provisioned = true;
    inst->init_reported = true;    // AWS reports no Init Duration for provisioned instances
    ++fn->stats.cold_starts;
    fn->instances.push_back(inst);
    after.to_start.push_back(std::move(inst));
  }
}

void Engine::ReaperLoop() {
  auto next_concurrency_sample = Clock::now();
  for (;;) {
    std::vector<std::shared_ptr<Instance>> dead;
    Pending after;
    {
      std::unique_lock<std::mutex> lock(mu_);
      reaper_cv_.wait_for(lock, 20ms, [&] { return stopping_ || !graveyard_.empty(); });
      if (stopping_) return;
      dead.swap(graveyard_);
      const auto now = Clock::now();
      for (auto& [name, fn] : functions_) {
        for (auto& inst : fn->instances) {
          using State = Instance::State;
          const FunctionConfig& config = fn->config;
          if (inst->state == State::kBusy && inst->current) {
            bool timed_out = now >= inst->current->deadline;
            bool oom = !timed_out && inst->process && inst->process->PeakRssMb() > config.memory_mb;
            if (!timed_out && !oom) continue;
            InvokeResult r;
            r.kind = InvokeResult::Kind::kFunctionError;
            r.request_id = inst->current->request_id;
            if (timed_out) {
              std::string secs = Fixed2(config.timeout_s);
              r.error_type = "Sandbox.Timedout";
              r.payload = ErrorJson("RequestId: " + r.request_id + " Error: Task timed out after " + secs + " seconds",
                                    r.error_type);
              inst->DrainOutput();
              inst->WriteLogLine(base::UtcMillisTime(base::EpochMillisNow()) + " " + r.request_id + " Task timed out after " + secs + " seconds");
              KillLocked(*inst, "timeout");
            } else {
              KillLocked(*inst, "out of memory");
              r.error_type = "Runtime.OutOfMemory";
              r.payload = ErrorJson("RequestId: " + r.request_id + " Error: Runtime exited with error: signal: killed",
                                    r.error_type);
            }
            FinishLocked(*inst, std::move(r), after);
          } else if (inst->state == State::kStarting && inst->current &&
                     now - inst->spawned_at > options_.init_timeout + std::chrono::seconds(config.timeout_s)) {
            InvokeResult r;
            r.kind = InvokeResult::Kind::kFunctionError;
            r.request_id = inst->current->request_id;
            r.error_type = "Sandbox.Timedout";
            r.payload = ErrorJson("RequestId: " + r.request_id + " Error: Task timed out after " +
                                      Fixed2(config.timeout_s) + " seconds",
                                  r.error_type);
            KillLocked(*inst, "init timeout");
            FinishLocked(*inst, std::move(r), after);
          } else if (inst->state == State::kStarting && !inst->current && now - inst->spawned_at > options_.init_timeout) {
            KillLocked(*inst, "init timeout");  // a provisioned instance that never became ready
          } else if (inst->state == State::kIdle && now - inst->idle_since >= options_.idle_timeout &&
                     !inst->provisioned) {
            KillLocked(*inst, "idle");
          }
        }
        PrewarmLocked(fn, now, after);
      }
      // Concurrency is reported at every change; long invocations change nothing for minutes, so
      // it is also sampled every 10 s while in use (CloudWatch's per-minute Maximum needs a sample).
      if (options_.observer && now >= next_concurrency_sample) {
        next_concurrency_sample = now + 10s;
        for (auto& [name, fn] : functions_) {
          if (fn->in_use > 0) options_.observer->OnConcurrency(name, fn->in_use, in_use_total_);
        }
      }
    }
    dead.clear();  // stops endpoints, joins monitors: outside the lock
    RunPending(after);
  }
}

}  // namespace cloud::lambda
