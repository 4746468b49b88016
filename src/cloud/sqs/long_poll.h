// Long polling (ReceiveMessage with WaitTimeSeconds) without busy waiting.
//
// A receive that finds nothing parks a Waiter on its queue. One thread sleeps on a condition
// variable until the earliest of: a waiter's deadline, the next time a message of a watched queue
// becomes visible (delay or visibility timeout ending; asked from the store), or a Notify() (a
// send, a visibility change, a redrive into the queue). Then it retries the queue's waiters in
// arrival order and answers the expired ones with an empty result. No loop polls on a timer.
//
// Thread-safety: Add, Notify and Wake may be called from any thread. Waiter callbacks run on the
// poller's thread without the poller's lock held.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "cloud/sqs/clock.h"

namespace cloud::sqs {

class LongPoller {
 public:
  struct Waiter {
    int64_t deadline_ms = 0;  // on the poller's clock
    // Tries to answer the request; true when it did (messages found, or an error answered).
    std::function<bool()> attempt;
    // Answers with no messages: the deadline passed or the poller is stopping.
    std::function<void()> expire;
  };
  using NextVisibleFn = std::function<std::optional<int64_t>(const std::string& queue)>;

  // `clock` must outlive the poller. Starts the poller's thread.
  LongPoller(Clock* clock, NextVisibleFn next_visible_ms);
  // Stop()s.
  ~LongPoller();

  // Parks `waiter` on `queue`; it is tried once soon (a message may have arrived meanwhile).
  void Add(const std::string& queue, Waiter waiter);
  // Messages may have become receivable in `queue`.
  void Notify(const std::string& queue);
  // Re-reads the clock now (after a FakeClock moved).
  void Wake();
  // Answers every parked waiter with an empty result and joins the thread. Idempotent.
  void Stop();
  size_t waiting() const;

 private:
  void Run();

  Clock* const clock_;
  const NextVisibleFn next_visible_ms_;

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  std::map<std::string, std::deque<Waiter>> waiters_;
  std::set<std::string> dirty_;                  // queues to retry now
  std::map<std::string, int64_t> next_visible_;  // queue -> when its next message becomes visible
  size_t count_ = 0;
  bool wake_ = false;
  bool stop_ = false;
  std::thread thread_;  // last: started after the members above exist
};

}  // namespace cloud::sqs
