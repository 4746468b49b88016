// LogFollower: what the dashboard learns from the functions' CloudWatch logs, read incrementally
// (each Update reads only the bytes written since the previous one, so a page polling every
// second costs the pipelines nothing but a directory listing per function).
//
// From the logs it keeps:
//  - the web function's answers: one line per answer, "EDGEFACE_RECOGNITION <answer JSON>",
//    written by src/functions/web.cc (the latest-recognitions panel, and the devices' answers
//    per minute and latency);
//  - each function's init durations ("Init Duration: X ms" in REPORT and INIT_REPORT lines).
//
// Memory is bounded: answers of the last kHistoryMinutes and at most kMaxRecognitions of them,
// the last kMaxInits init durations per function. A stream seen for the first time is read from
// at most kCatchUpBytes before its end (a page opened after hours of traffic does not read hours).
//
// Thread-safety: every method may be called from any thread (one mutex).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dashboard {

inline constexpr std::string_view kRecognitionTag = "EDGEFACE_RECOGNITION ";

struct Recognition {
  int64_t logged_ms = 0;   // when web wrote the line (= when it answered)
  nlohmann::json answer;   // web's answer (PRODUCT.md), with "box"
  std::string stream;      // log stream (the web instance)
};

struct InitDurations {
  int64_t count = 0;        // init durations seen (cold starts)
  double last_ms = 0;
  int64_t last_logged_ms = 0;
  std::vector<double> recent_ms;  // the last kMaxInits, oldest first
};

class LogFollower {
 public:
  static constexpr size_t kMaxRecognitions = 5000;
  static constexpr size_t kMaxInits = 100;
  static constexpr int64_t kCatchUpBytes = 256 * 1024;

  // `log_root` as in cloudwatch/log_store.h ("" = nothing to follow); `web_function` is the
  // function whose log carries the recognition lines.
  LogFollower(std::string log_root, std::string web_function, int64_t keep_ms)
      : log_root_(std::move(log_root)), web_function_(std::move(web_function)), keep_ms_(keep_ms) {}

  // Reads what was appended to the log groups of `functions` since the last call, and forgets
  // answers older than keep_ms before `now_ms`.
  void Update(const std::vector<std::string>& functions, int64_t now_ms);

  // The newest `limit` answers, newest first.
  std::vector<Recognition> Latest(size_t limit) const;
  // Every answer logged at or after `since_ms`, oldest first.
  std::vector<Recognition> Since(int64_t since_ms) const;
  InitDurations Inits(const std::string& function) const;

 private:
  void Follow(const std::string& function, bool is_web);

  const std::string log_root_, web_function_;
  const int64_t keep_ms_;
  mutable std::mutex mu_;
  std::map<std::string, int64_t> offsets_;  // "<group>\n<stream>" → bytes already read
  std::deque<Recognition> recognitions_;    // by log time (streams merged on arrival)
  std::map<std::string, InitDurations> inits_;
};

// Parses "Init Duration: 123.45 ms" out of a REPORT/INIT_REPORT line; false when absent.
bool ParseInitDuration(std::string_view message, double* ms);

}  // namespace dashboard
