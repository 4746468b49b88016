// edge::RequestPool: the device's requests in flight. A few threads, each with its own HTTP and
// AWS clients (a client is single-threaded), take requests from one queue, so a slow answer holds
// one thread while the next frame goes out on another.
//
// Thread-safety: Submit and Drain may be called from any thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "client/aws.h"
#include "client/http_client.h"

namespace edge {

// Per-thread clients, made on first use.
class WorkerClients {
 public:
  explicit WorkerClients(const client::AwsConfig& config) : config_(config) {}
  client::HttpClient& http() { return http_; }
  client::LambdaClient& lambda() {
    if (!lambda_) lambda_ = std::make_unique<client::LambdaClient>(config_);
    return *lambda_;
  }
  client::S3Client& s3() {
    if (!s3_) s3_ = std::make_unique<client::S3Client>(config_);
    return *s3_;
  }

 private:
  client::AwsConfig config_;
  client::HttpClient http_;
  std::unique_ptr<client::LambdaClient> lambda_;
  std::unique_ptr<client::S3Client> s3_;
};

class RequestPool {
 public:
  using Task = std::function<void(WorkerClients&)>;

  // `threads` >= 1 requests in flight; at most `max_backlog` waiting beyond those.
  RequestPool(int threads, const client::AwsConfig& config, size_t max_backlog = 1024);
  ~RequestPool();  // Drain()

  // Queues `task`; false (task not run) when the backlog is full.
  bool Submit(Task task);
  // Runs everything queued, then stops the threads.
  void Drain();

 private:
  void Run(WorkerClients* clients);

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;  // guarded by mu_
  bool stopping_ = false;   // guarded by mu_
  size_t max_backlog_;
  std::vector<std::unique_ptr<WorkerClients>> clients_;
  std::vector<std::thread> threads_;
};

}  // namespace edge
