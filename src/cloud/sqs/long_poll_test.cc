#include "cloud/sqs/long_poll.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace cloud::sqs {
namespace {

TEST(LongPoller, NotifyRetriesOnlyThatQueueInArrivalOrder) {
  FakeClock clock;
  LongPoller poller(&clock, [](const std::string&) { return std::nullopt; });
  std::atomic<int> available{0};
  std::promise<int> first, second;
  std::atomic<int> order{0};
  auto make = [&](std::promise<int>& done) {
    LongPoller::Waiter w;
    w.deadline_ms = clock.NowMs() + 20000;
    w.attempt = [&] {
      if (available.load() == 0) return false;
      --available;
      done.set_value(++order);
      return true;
    };
    w.expire = [&] { done.set_value(-1); };
    return w;
  };
  poller.Add("q", make(first));
  poller.Add("q", make(second));
  available = 1;
  poller.Notify("other");
  poller.Notify("q");
  EXPECT_EQ(first.get_future().get(), 1);
  poller.Stop();
  EXPECT_EQ(second.get_future().get(), -1) << "stop answers the waiter that is left";
}

TEST(LongPoller, WakesAtTheNextVisibleTime) {
  FakeClock clock;
  const int64_t visible_at = clock.NowMs() + 3000;
  LongPoller poller(&clock, [&](const std::string&) -> std::optional<int64_t> { return visible_at; });
  std::promise<bool> done;
  LongPoller::Waiter w;
  w.deadline_ms = clock.NowMs() + 20000;
  w.attempt = [&] {
    if (clock.NowMs() < visible_at) return false;
    done.set_value(true);
    return true;
  };
  w.expire = [&] { done.set_value(false); };
  poller.Add("q", std::move(w));
  clock.AdvanceSeconds(3);
  poller.Wake();
  EXPECT_TRUE(done.get_future().get());
}

}  // namespace
}  // namespace cloud::sqs
