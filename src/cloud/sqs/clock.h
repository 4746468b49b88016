// Where the queue gets the time from. Visibility timeouts, delays, retention and long-poll
// deadlines all read a Clock, so tests drive time with FakeClock instead of sleeping.
//
// Thread-safety: NowMs() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace cloud::sqs {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch (SQS timestamps are epoch milliseconds).
  virtual int64_t NowMs() const = 0;
};

// The wall clock.
class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  // One shared instance; it has no state.
  static SystemClock* Get() {
    static SystemClock clock;
    return &clock;
  }
};

// A clock that moves only when told to.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'700'000'000'000) : now_ms_(start_ms) {}
  int64_t NowMs() const override { return now_ms_.load(); }
  void AdvanceMs(int64_t ms) { now_ms_ += ms; }
  void AdvanceSeconds(int64_t s) { now_ms_ += s * 1000; }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace cloud::sqs
