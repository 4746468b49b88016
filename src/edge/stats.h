// The device's end-of-run summary: counts, latency percentiles, accuracy; and the labels file
// that turns answers into accuracy.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace edge {

// Latencies in seconds. Percentile uses the nearest-rank method: the smallest sample such that
// at least p% of the samples are <= it (so p99 of 100 samples is the 99th smallest, and every
// reported figure is a latency that really happened).
class LatencyStats {
 public:
  void Add(double seconds) { samples_.push_back(seconds); }
  size_t count() const { return samples_.size(); }
  // REQUIRES: 0 < p <= 100. 0 when there are no samples.
  double Percentile(double p) const;
  double Max() const;
  double Mean() const;

 private:
  std::vector<double> samples_;
};

struct Summary {
  std::string pipeline;
  double wall_s = 0;           // run time
  int64_t frames_sent = 0;     // requests made (frames, clips, or videos per pipeline)
  int64_t answers = 0;         // requests answered
  int64_t failures = 0;        // requests that got an error or no answer in time
  int64_t recognized = 0;      // answers naming a person
  int64_t clips_captured = 0;
  int64_t clips_uploaded = 0;  // this run (includes ones left by a previous run)
  int64_t clips_recovered = 0; // found in the spool at start
  int64_t clips_pending = 0;   // still in the spool at exit (uploaded by the next run)
  int64_t clips_dropped = 0;   // captured but neither uploaded nor kept: must be 0
  int64_t upload_outages = 0;
  int64_t labelled = 0;        // answers with an expected name
  int64_t correct = 0;         // ... that named it
  LatencyStats latency;

  // The human-readable block printed at the end of a run.
  std::string Format() const;
  nlohmann::json ToJson() const;
};

// Expected names per source file (matched by basename). Two formats:
//   ../shared/data/cse546/ground_truth.csv (a header naming "file" and "expected_person"), or
//   lines "<file>,<name>" (no header; '#' starts a comment).
// Errors: NotFound for a missing file, InvalidArgument for a line that fits neither format.
base::StatusOr<std::map<std::string, std::string>> LoadLabels(const std::string& path);

std::string Basename(const std::string& path);

}  // namespace edge
