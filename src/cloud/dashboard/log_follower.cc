#include "cloud/dashboard/log_follower.h"

#include <algorithm>
#include <charconv>

#include "cloud/cloudwatch/log_store.h"

namespace dashboard {

bool ParseInitDuration(std::string_view message, double* ms) {
  constexpr std::string_view kKey = "Init Duration: ";
  size_t at = message.find(kKey);
  if (at == std::string_view::npos) return false;
  const char* first = message.data() + at + kKey.size();
  const char* last = message.data() + message.size();
  auto [end, ec] = std::from_chars(first, last, *ms);
  return ec == std::errc() && end != first;
}

void LogFollower::Update(const std::vector<std::string>& functions, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!log_root_.empty()) {
    const size_t before = recognitions_.size();
    for (const auto& f : functions) Follow(f, f == web_function_);
    if (recognitions_.size() != before) {
      // Streams (instances) are read one after the other: merge their lines by time.
      std::stable_sort(recognitions_.begin(), recognitions_.end(),
                       [](const Recognition& a, const Recognition& b) { return a.logged_ms < b.logged_ms; });
    }
  }
  while (!recognitions_.empty() &&
         (recognitions_.size() > kMaxRecognitions || recognitions_.front().logged_ms < now_ms - keep_ms_)) {
    recognitions_.pop_front();
  }
}

void LogFollower::Follow(const std::string& function, bool is_web) {
  const std::string group = "/aws/lambda/" + function;
  auto streams = cloudwatch::ListStreams(log_root_, group);
  if (!streams.ok()) return;  // no invocation yet: no group
  for (const auto& s : *streams) {
    int64_t& offset = offsets_.try_emplace(group + "\n" + s.name, -1).first->second;
    if (offset == s.stored_bytes) continue;  // nothing new: the common case, no read at all
    bool skip_first = false;
    if (offset < 0 || offset > s.stored_bytes) {  // first sight (or the file was replaced)
      offset = std::max<int64_t>(0, s.stored_bytes - kCatchUpBytes);
      skip_first = offset > 0;  // reading from the middle: the first line may be cut
    }
    while (true) {
      int64_t end_offset = offset;
      auto events = cloudwatch::ReadEvents(log_root_, group, s.name, offset, 0, INT64_MAX, 10000, &end_offset);
      if (!events.ok() || end_offset == offset) break;
      offset = end_offset;
      for (size_t i = skip_first ? 1 : 0; i < events->size(); ++i) {
        const auto& e = (*events)[i];
        if (is_web && e.message.compare(0, kRecognitionTag.size(), kRecognitionTag) == 0) {
          auto answer = nlohmann::json::parse(e.message.begin() + kRecognitionTag.size(), e.message.end(), nullptr, false);
          if (answer.is_object()) recognitions_.push_back({e.timestamp, std::move(answer), s.name});
          continue;
        }
        double init_ms = 0;
        if ((e.message.starts_with("REPORT ") || e.message.starts_with("INIT_REPORT ")) &&
            ParseInitDuration(e.message, &init_ms)) {
          InitDurations& d = inits_[function];
          ++d.count;
          d.last_ms = init_ms;
          d.last_logged_ms = e.timestamp;
          d.recent_ms.push_back(init_ms);
          if (d.recent_ms.size() > kMaxInits) d.recent_ms.erase(d.recent_ms.begin());
        }
      }
      skip_first = false;
      if (events->size() < 10000) break;
    }
  }
}

std::vector<Recognition> LogFollower::Latest(size_t limit) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Recognition> out;
  for (auto it = recognitions_.rbegin(); it != recognitions_.rend() && out.size() < limit; ++it) out.push_back(*it);
  return out;
}

std::vector<Recognition> LogFollower::Since(int64_t since_ms) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto first = std::lower_bound(recognitions_.begin(), recognitions_.end(), since_ms,
                                [](const Recognition& r, int64_t t) { return r.logged_ms < t; });
  return std::vector<Recognition>(first, recognitions_.end());
}

InitDurations LogFollower::Inits(const std::string& function) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = inits_.find(function);
  return it == inits_.end() ? InitDurations{} : it->second;
}

}  // namespace dashboard
