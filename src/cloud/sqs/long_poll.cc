#include "cloud/sqs/long_poll.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <vector>

namespace cloud::sqs {

LongPoller::LongPoller(Clock* clock, NextVisibleFn next_visible_ms)
    : clock_(clock), next_visible_ms_(std::move(next_visible_ms)), thread_([this] { Run(); }) {}

LongPoller::~LongPoller() { Stop(); }

void LongPoller::Add(const std::string& queue, Waiter waiter) {
  bool stopped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped = stop_;
    if (!stopped) {
      waiters_[queue].push_back(std::move(waiter));
      ++count_;
      // A send may have landed between the caller's empty receive and now: try once more.
      dirty_.insert(queue);
    }
  }
  if (stopped) {
    waiter.expire();
    return;
  }
  cv_.notify_one();
}

void LongPoller::Notify(const std::string& queue) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!waiters_.count(queue)) return;  // nobody waits: the common case costs one lookup
    dirty_.insert(queue);
  }
  cv_.notify_one();
}

void LongPoller::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    wake_ = true;
  }
  cv_.notify_one();
}

size_t LongPoller::waiting() const {
  std::lock_guard<std::mutex> lock(mu_);
  return count_;
}

void LongPoller::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  std::map<std::string, std::deque<Waiter>> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    left.swap(waiters_);
    count_ = 0;
  }
  for (auto& [queue, list] : left) {
    for (Waiter& w : list) w.expire();
  }
}

void LongPoller::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    const int64_t now = clock_->NowMs();
    for (const auto& [queue, at] : next_visible_) {
      if (at <= now) dirty_.insert(queue);
    }

    if (!dirty_.empty()) {
      const std::string queue = *dirty_.begin();
      dirty_.erase(dirty_.begin());
      auto it = waiters_.find(queue);
      if (it == waiters_.end()) {
        next_visible_.erase(queue);
        continue;
      }
      std::deque<Waiter> batch = std::move(it->second);
      waiters_.erase(it);
      lock.unlock();
      // Oldest first; stop at the first one that finds nothing (the rest would find nothing too).
      size_t answered = 0;
      while (answered < batch.size() && batch[answered].attempt()) ++answered;
      batch.erase(batch.begin(), batch.begin() + static_cast<long>(answered));
      std::optional<int64_t> next = batch.empty() ? std::nullopt : next_visible_ms_(queue);
      lock.lock();
      count_ -= answered;
      if (!batch.empty()) {
        std::deque<Waiter>& list = waiters_[queue];  // newcomers stay behind the older waiters
        list.insert(list.begin(), std::make_move_iterator(batch.begin()), std::make_move_iterator(batch.end()));
      }
      if (next && waiters_.count(queue)) next_visible_[queue] = *next;
      else next_visible_.erase(queue);
      continue;
    }

    std::vector<Waiter> expired;
    int64_t wake_at = std::numeric_limits<int64_t>::max();
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      std::deque<Waiter>& list = it->second;
      for (auto w = list.begin(); w != list.end();) {
        if (w->deadline_ms <= now) {
          expired.push_back(std::move(*w));
          w = list.erase(w);
        } else {
          wake_at = std::min(wake_at, w->deadline_ms);
          ++w;
        }
      }
      if (list.empty()) {
        next_visible_.erase(it->first);
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
    if (!expired.empty()) {
      count_ -= expired.size();
      lock.unlock();
      for (Waiter& w : expired) w.expire();
      lock.lock();
      continue;
    }
    for (const auto& [queue, at] : next_visible_) wake_at = std::min(wake_at, at);

    auto ready = [this] { return stop_ || wake_ || !dirty_.empty(); };
    if (wake_at == std::numeric_limits<int64_t>::max()) {
      cv_.wait(lock, ready);
    } else {
      cv_.wait_for(lock, std::chrono::milliseconds(wake_at - now), ready);
    }
    wake_ = false;
  }
}

}  // namespace cloud::sqs
