#include "edge/request_pool.h"

namespace edge {

RequestPool::RequestPool(int threads, const client::AwsConfig& config, size_t max_backlog)
    : max_backlog_(max_backlog) {
  for (int i = 0; i < std::max(1, threads); ++i) {
    clients_.push_back(std::make_unique<WorkerClients>(config));
    threads_.emplace_back([this, c = clients_.back().get()] { Run(c); });
  }
}

RequestPool::~RequestPool() { Drain(); }

bool RequestPool::Submit(Task task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= max_backlog_) return false;
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

void RequestPool::Drain() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void RequestPool::Run(WorkerClients* clients) {
  while (true) {
    Task task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task(*clients);
  }
}

}  // namespace edge
