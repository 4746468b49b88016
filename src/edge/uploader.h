// edge::Uploader: drains the spool into the object store, oldest clip first, on its own thread,
// so capture never waits for the network.
//
// A clip leaves the spool only after `put` returned ok (the store acknowledged it). When `put`
// fails (the store is down, a timeout, a 5xx) the clip stays, the uploader reports the outage
// once, waits (exponential backoff from `initial_backoff` up to `max_backoff`) and tries the same
// clip again; the device keeps capturing meanwhile and the spool grows. On Start, clips a
// previous run left in the spool are queued before any new one.
//
// Thread-safety: Enqueue, counters and Stop may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "base/status.h"
#include "edge/spool.h"

namespace edge {

struct UploaderOptions {
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{5'000};
  std::string device_id;  // non-empty: only this device's clips are taken from the spool at Start
  // Called on the uploader thread (keep it short).
  std::function<void(const std::string& key)> on_uploaded;   // after the clip left the spool
  std::function<void(const std::string& message)> on_event;  // outage begins / ends
};

class Uploader {
 public:
  // Stores one clip; returns ok once the store acknowledged it. Called on the uploader thread only.
  using PutFn = std::function<base::Status(const std::string& key, const std::string& bytes)>;

  Uploader(const Spool* spool, PutFn put, UploaderOptions options = {});
  ~Uploader();  // Stop(0)

  // Queues what the spool already holds, then starts the thread.
  base::Status Start();
  // Queues a clip already written to the spool.
  void Enqueue(const std::string& key);
  // Stops after the queue drained or `drain_for` passed, whichever comes first. Clips not yet
  // uploaded stay in the spool for the next run.
  void Stop(std::chrono::milliseconds drain_for);

  int64_t uploaded() const { return uploaded_; }
  int64_t recovered() const { return recovered_; }     // left by a previous run, queued at Start
  int64_t failed_attempts() const { return failed_attempts_; }
  int64_t outages() const { return outages_; }
  size_t queued() const;

 private:
  void Run();

  const Spool* spool_;
  PutFn put_;
  UploaderOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;  // guarded by mu_
  bool stopping_ = false;          // guarded by mu_
  std::chrono::steady_clock::time_point drain_deadline_;  // guarded by mu_
  std::thread thread_;
  std::atomic<int64_t> uploaded_{0}, recovered_{0}, failed_attempts_{0}, outages_{0};
};

}  // namespace edge
