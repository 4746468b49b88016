// edge::ResultsPoller: the clip pipeline's answers. Long-polls the results queue and matches each
// message to an outstanding clip by device id and capture ms. Messages of other devices are left
// on the queue (they come back after a short visibility timeout for their device); messages of
// this device that match nothing (answers to an earlier run) are deleted.
//
// Thread-safety: Expect, Forget, Outstanding and Finish may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "client/aws.h"
#include "edge/report.h"

namespace edge {

class ResultsPoller {
 public:
  ResultsPoller(client::AwsConfig config, std::string queue_name, std::string device_id, Report* report);
  ~ResultsPoller();

  void Start();
  // An answer is awaited for `capture_ms`; `pending` holds n, source, expected; its latency is
  // measured from `base_ms`.
  void Expect(int64_t capture_ms, Answer pending, int64_t base_ms);
  void Forget(int64_t capture_ms);
  size_t Outstanding();
  // Waits up to `wait` for the outstanding answers, stops polling, and reports each one still
  // missing as a failure.
  void Finish(std::chrono::milliseconds wait);

 private:
  void Run();
  bool Handle(const client::SqsMessage& m);  // true: delete it

  client::AwsConfig config_;
  std::string queue_name_;
  std::string device_id_;
  Report* report_;
  std::mutex mu_;
  std::condition_variable cv_;
  struct Pending {
    Answer answer;
    int64_t base_ms;
  };
  std::map<int64_t, Pending> outstanding_;  // by capture ms; guarded by mu_
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace edge
