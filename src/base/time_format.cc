#include "base/time_format.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace base {

std::string UtcMillisTime(int64_t epoch_ms, std::string_view zone) {
  const std::time_t t = epoch_ms / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char ms[8];
  std::snprintf(ms, sizeof ms, ".%03d", static_cast<int>(epoch_ms % 1000));
  std::string out(buf);
  out += ms;
  out += zone;
  return out;
}

int64_t EpochMillisNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace base
