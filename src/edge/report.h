// edge::Report: prints each answer as it arrives and keeps the tallies for the summary.
//
// Text mode, one answer:
//   The 12 person recognized: "vin_diesel", "computer_science", "sophomore"
//   Latency: 0.041 seconds
// (other outcomes: `The 12 person recognized: "floki" (no record in the table)`,
// `The 12 person: unknown face`, `The 12 person: no face in the frame`, `The 12 request failed: ...`).
// --json: one object per answer on one line (see Answer::ToJson), and the summary as one object.
//
// Thread-safety: all methods may be called from any thread; lines never interleave.
#pragma once

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "edge/stats.h"

namespace edge {

struct Answer {
  int64_t n = 0;              // request number, from 1
  std::string source;         // the file or URL the frame/clip/video came from
  int64_t capture_ms = 0;
  bool ok = false;            // false: the request failed (error says why)
  std::string error;
  double latency_s = 0;
  std::string status;         // "recognized" | "unknown" | "no_face" | "no_record" (the web answer's)
  std::string name;           // "" when no person
  nlohmann::json record;      // {name, major, year} or null
  std::string request_id;
  std::string expected;       // from --expect / --labels, "" when not labelled
  nlohmann::json timings;     // frame pipeline: where the ms went (device steps + web's timings_ms), or null

  nlohmann::json ToJson() const;
};

class Report {
 public:
  Report(std::string pipeline, bool json, FILE* out = stdout, FILE* err = stderr);

  void AddAnswer(const Answer& answer);
  void RequestSent();
  // A device event for the operator (outage, recovery, a clip that could not be stored): stderr.
  void Event(const std::string& message);

  // Counters owned by other parts are set before the summary is printed.
  Summary& summary() { return summary_; }
  // Prints the summary (text block, or one JSON object) and returns it.
  const Summary& Finish(double wall_s);

 private:
  std::mutex mu_;
  bool json_;
  FILE* out_;
  FILE* err_;
  Summary summary_;  // guarded by mu_
};

}  // namespace edge
