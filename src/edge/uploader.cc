#include "edge/uploader.h"

#include <algorithm>

namespace edge {

using Clock = std::chrono::steady_clock;

Uploader::Uploader(const Spool* spool, PutFn put, UploaderOptions options)
    : spool_(spool), put_(std::move(put)), options_(std::move(options)) {}

Uploader::~Uploader() { Stop(std::chrono::milliseconds(0)); }

base::Status Uploader::Start() {
  auto pending = spool_->Pending(options_.device_id);
  if (!pending.ok()) return pending.status();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (std::string& key : *pending) queue_.push_back(std::move(key));
    recovered_ = static_cast<int64_t>(queue_.size());
  }
  thread_ = std::thread([this] { Run(); });
  return base::Status::Ok();
}

void Uploader::Enqueue(const std::string& key) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(key);
  }
  cv_.notify_all();
}

size_t Uploader::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void Uploader::Stop(std::chrono::milliseconds drain_for) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      drain_deadline_ = Clock::now() + drain_for;
    }
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Uploader::Run() {
  auto backoff = options_.initial_backoff;
  bool down = false;
  Clock::time_point down_since;
  std::string last_error;
  while (true) {
    std::string key;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() || (stopping_ && Clock::now() >= drain_deadline_)) return;
      key = queue_.front();
    }
    base::Status st;
    auto bytes = spool_->Read(key);
    if (!bytes.ok()) {
      // Gone from the spool (another process drained it): nothing to send.
      std::lock_guard<std::mutex> lock(mu_);
      queue_.pop_front();
      continue;
    }
    st = put_(key, *bytes);
    if (st.ok()) {
      // Acknowledged: only now may the clip leave the spool.
      spool_->Remove(key);
      {
        std::lock_guard<std::mutex> lock(mu_);
        queue_.pop_front();
      }
      ++uploaded_;
      if (down) {
        down = false;
        const double secs = std::chrono::duration<double>(Clock::now() - down_since).count();
        if (options_.on_event) {
          options_.on_event("object store back after " + std::to_string(secs).substr(0, 5) + " s; " +
                            std::to_string(queued()) + " clips still queued");
        }
      }
      backoff = options_.initial_backoff;
      if (options_.on_uploaded) options_.on_uploaded(key);
      continue;
    }
    ++failed_attempts_;
    if (!down) {
      down = true;
      down_since = Clock::now();
      ++outages_;
      if (options_.on_event) {
        options_.on_event("upload of " + key + " failed (" + st.ToString() + "); clips stay in the spool, retrying");
      }
    }
    std::unique_lock<std::mutex> lock(mu_);
    const auto wake = std::min(Clock::now() + backoff, stopping_ ? drain_deadline_ : Clock::time_point::max());
    const bool was_stopping = stopping_;
    cv_.wait_until(lock, wake, [&] { return stopping_ != was_stopping; });
    if (stopping_ != was_stopping) continue;  // Stop arrived: retry now, then honour its deadline
    if (stopping_ && Clock::now() >= drain_deadline_) return;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

}  // namespace edge
