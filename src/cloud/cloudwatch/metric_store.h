// CloudWatch metrics without HTTP: samples aggregated per minute (SampleCount, Sum, Minimum,
// Maximum, and a coarse histogram for percentiles) per namespace, metric name and dimension set,
// kept in SQLite (<dir>/metrics.db).
//
// Put() only touches memory (a map of open minutes under a mutex), so it may be called on hot
// paths and with other locks held. A flusher thread merges the open minutes into SQLite every
// `flush_interval` (and the destructor does a last flush): a clean stop loses nothing, a kill -9
// loses at most the last interval's samples. Query() flushes first, so it sees every Put that
// happened before it.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/sqlite.h"
#include "base/status.h"

namespace cloudwatch {

// Dimensions as name → value (CloudWatch compares the whole set: a metric with
// {FunctionName=f} and one with no dimension are different metrics).
using Dimensions = std::map<std::string, std::string>;

// Values from 0 to ~1e9 in buckets of ~4.5% width (log scale), enough for p50/p90/p99 of
// durations in ms; negatives go to bucket 0.
inline constexpr int kHistogramBuckets = 480;

struct Aggregate {
  double sample_count = 0;
  double sum = 0;
  double minimum = 0;
  double maximum = 0;
  std::string unit = "None";
  std::vector<uint32_t> histogram;  // kHistogramBuckets counts, or empty when none was kept

  void Add(double value);
  void Merge(const Aggregate& other);
  // Approximate percentile (0 < p < 100) from the histogram, clamped to [minimum, maximum].
  std::optional<double> Percentile(double p) const;
};

struct Datapoint {
  int64_t timestamp_s = 0;  // start of the period, epoch seconds (a multiple of the period)
  Aggregate stats;
};

struct MetricId {
  std::string namespace_;
  std::string name;
  Dimensions dimensions;
  bool operator<(const MetricId& o) const {
    return std::tie(namespace_, name, dimensions) < std::tie(o.namespace_, o.name, o.dimensions);
  }
};

// Orders (metric, minute) keys, and finds one from a reference without copying the metric (Put
// is called several times per Lambda invocation).
struct MetricMinuteLess {
  using is_transparent = void;
  using Key = std::pair<MetricId, int64_t>;
  struct Ref {
    const MetricId& metric;
    int64_t minute;
  };
  bool operator()(const Key& a, const Key& b) const { return a < b; }
  bool operator()(const Key& a, const Ref& b) const {
    return a.first < b.metric || (!(b.metric < a.first) && a.second < b.minute);
  }
  bool operator()(const Ref& a, const Key& b) const {
    return a.metric < b.first || (!(b.first < a.metric) && a.minute < b.second);
  }
};

class MetricStore {
 public:
  // Opens (creating) <dir>/metrics.db.
  static base::StatusOr<std::unique_ptr<MetricStore>> Open(
      const std::string& dir, std::chrono::milliseconds flush_interval = std::chrono::seconds(1));
  ~MetricStore();  // flushes

  // Records one sample at `time_ms` (epoch ms). `keep_histogram` keeps percentiles for it.
  void Put(const MetricId& metric, double value, int64_t time_ms, const std::string& unit = "None",
           bool keep_histogram = false);

  // Writes the open minutes to SQLite now.
  base::Status Flush();

  // Datapoints of `metric` with start_s <= minute < end_s, combined per `period_s` (a multiple of
  // 60; InvalidArgument otherwise), in time order. Periods without samples are absent.
  base::StatusOr<std::vector<Datapoint>> Query(const MetricId& metric, int64_t start_s, int64_t end_s,
                                               int64_t period_s);

  // Metrics that have data, optionally limited to a namespace and name ("" = any).
  base::StatusOr<std::vector<MetricId>> List(const std::string& namespace_, const std::string& name);

 private:
  MetricStore() = default;
  void FlushLoop();

  std::chrono::milliseconds flush_interval_{1000};
  std::mutex mu_;  // guards open_
  std::map<std::pair<MetricId, int64_t>, Aggregate, MetricMinuteLess> open_;  // (metric, minute start s) → samples

  std::mutex db_mu_;  // guards db_
  std::optional<base::Db> db_;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread flusher_;
};

// "FunctionName=echo;Resource=x" (sorted, '=' and ';' and '%' percent-escaped) and back.
std::string EncodeDimensions(const Dimensions& dims);
Dimensions DecodeDimensions(const std::string& text);

}  // namespace cloudwatch
