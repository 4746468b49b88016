#include "cloud/cloudwatch/metric_store.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "base/files.h"
#include "http/url.h"

namespace cloudwatch {
namespace {

constexpr double kGrowth = 1.045;

int BucketOf(double v) {
  if (!(v > 0)) return 0;
  int b = static_cast<int>(std::log1p(v) / std::log(kGrowth));
  return std::clamp(b, 0, kHistogramBuckets - 1);
}

double BucketMid(int b) { return (std::pow(kGrowth, b) + std::pow(kGrowth, b + 1)) / 2 - 1; }

// Sparse text form of a histogram: "bucket:count,..." ("" when there is none).
std::string EncodeHistogram(const std::vector<uint32_t>& h) {
  std::string out;
  for (size_t i = 0; i < h.size(); ++i) {
    if (h[i] == 0) continue;
    if (!out.empty()) out.push_back(',');
    out += std::to_string(i) + ":" + std::to_string(h[i]);
  }
  return out;
}

std::vector<uint32_t> DecodeHistogram(std::string_view s) {
  std::vector<uint32_t> h;
  if (s.empty()) return h;
  h.assign(kHistogramBuckets, 0);
  while (!s.empty()) {
    size_t comma = s.find(',');
    std::string_view item = s.substr(0, comma);
    size_t colon = item.find(':');
    unsigned b = 0, c = 0;
    if (colon != std::string_view::npos) {
      std::from_chars(item.data(), item.data() + colon, b);
      std::from_chars(item.data() + colon + 1, item.data() + item.size(), c);
      if (b < h.size()) h[b] += c;
    }
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return h;
}

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '=' || c == ';') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string EncodeDimensions(const Dimensions& dims) {
  std::string out;
  for (const auto& [k, v] : dims) {
    if (!out.empty()) out.push_back(';');
    out += Escape(k) + "=" + Escape(v);
  }
  return out;
}

Dimensions DecodeDimensions(const std::string& text) {
  Dimensions out;
  std::string_view s = text;
  while (!s.empty()) {
    size_t semi = s.find(';');
    std::string_view item = s.substr(0, semi);
    size_t eq = item.find('=');
    if (eq != std::string_view::npos) {
      out[http::PercentDecode(item.substr(0, eq)).value_or("")] = http::PercentDecode(item.substr(eq + 1)).value_or("");
    }
    if (semi == std::string_view::npos) break;
    s.remove_prefix(semi + 1);
  }
  return out;
}

// ---- Aggregate ----

void Aggregate::Add(double value) {
  if (sample_count == 0) {
    minimum = maximum = value;
  } else {
    minimum = std::min(minimum, value);
    maximum = std::max(maximum, value);
  }
  sample_count += 1;
  sum += value;
  if (!histogram.empty()) ++histogram[BucketOf(value)];
}

void Aggregate::Merge(const Aggregate& o) {
  if (o.sample_count == 0) return;
  if (sample_count == 0) {
    minimum = o.minimum;
    maximum = o.maximum;
  } else {
    minimum = std::min(minimum, o.minimum);
    maximum = std::max(maximum, o.maximum);
  }
  sample_count += o.sample_count;
  sum += o.sum;
  if (unit == "None") unit = o.unit;
  if (!o.histogram.empty()) {
    if (histogram.empty()) histogram.assign(kHistogramBuckets, 0);
    for (int i = 0; i < kHistogramBuckets; ++i) histogram[i] += o.histogram[i];
  }
}

std::optional<double> Aggregate::Percentile(double p) const {
  if (histogram.empty() || sample_count == 0 || p <= 0 || p > 100) return std::nullopt;
  double total = 0;
  for (uint32_t c : histogram) total += c;
  if (total == 0) return std::nullopt;
  const double rank = p / 100 * total;
  double seen = 0;
  for (int i = 0; i < kHistogramBuckets; ++i) {
    seen += histogram[i];
    if (seen >= rank) return std::clamp(BucketMid(i), minimum, maximum);
  }
  return maximum;
}

// ---- MetricStore ----

base::StatusOr<std::unique_ptr<MetricStore>> MetricStore::Open(const std::string& dir,
                                                               std::chrono::milliseconds flush_interval) {
  EF_RETURN_IF_ERROR(base::MakeDirs(dir));
  // kNormal: metrics are not acknowledged writes; WAL with NORMAL survives a kill -9 of the
  // process, and a power loss costs at most the last commits.
  auto db = base::Db::Open(dir + "/metrics.db", base::Db::Sync::kNormal);
  if (!db.ok()) return db.status();
  EF_RETURN_IF_ERROR(db->Exec(
      "CREATE TABLE IF NOT EXISTS datapoints ("
      "  namespace TEXT NOT NULL, metric TEXT NOT NULL, dims TEXT NOT NULL, minute INTEGER NOT NULL,"
      "  unit TEXT NOT NULL, count REAL NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL,"
      "  histogram TEXT NOT NULL DEFAULT '',"
      "  PRIMARY KEY (namespace, metric, dims, minute)) WITHOUT ROWID;"));
  std::unique_ptr<MetricStore> store(new MetricStore());
  store->flush_interval_ = flush_interval;
  store->db_.emplace(std::move(*db));
  store->flusher_ = std::thread(&MetricStore::FlushLoop, store.get());
  return store;
}

MetricStore::~MetricStore() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  (void)Flush();
}

void MetricStore::FlushLoop() {
  std::unique_lock<std::mutex> lock(stop_mu_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, flush_interval_, [&] { return stopping_; });
    lock.unlock();
    base::Status s = Flush();
    if (!s.ok()) std::fprintf(stderr, "cloudwatch: metrics flush: %s\n", s.ToString().c_str());
    lock.lock();
  }
}

void MetricStore::Put(const MetricId& metric, double value, int64_t time_ms, const std::string& unit,
                      bool keep_histogram) {
  if (!std::isfinite(value)) return;
  const int64_t minute = (time_ms / 1000) / 60 * 60;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = open_.find(MetricMinuteLess::Ref{metric, minute});
  if (it == open_.end()) it = open_.emplace(std::make_pair(metric, minute), Aggregate{}).first;
  Aggregate& a = it->second;
  if (a.sample_count == 0) {
    a.unit = unit;
    if (keep_histogram && a.histogram.empty()) a.histogram.assign(kHistogramBuckets, 0);
  }
  a.Add(value);
}

base::Status MetricStore::Flush() {
  std::lock_guard<std::mutex> db_lock(db_mu_);  // before taking open_: flushes stay in order
  std::map<std::pair<MetricId, int64_t>, Aggregate, MetricMinuteLess> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(open_);
  }
  if (batch.empty()) return base::Status::Ok();
  base::Transaction tx(*db_);
  EF_RETURN_IF_ERROR(tx.status());
  auto select = db_->Prepare(
      "SELECT count, sum, min, max, histogram FROM datapoints WHERE namespace = ? AND metric = ? AND dims = ? AND minute = ?");
  EF_RETURN_IF_ERROR(select.status());
  auto upsert = db_->Prepare("INSERT OR REPLACE INTO datapoints VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  EF_RETURN_IF_ERROR(upsert.status());
  for (auto& [key, agg] : batch) {
    const auto& [metric, minute] = key;
    const std::string dims = EncodeDimensions(metric.dimensions);
    select->Reset();
    select->Bind(1, metric.namespace_).Bind(2, metric.name).Bind(3, dims).Bind(4, minute);
    auto row = select->Step();
    EF_RETURN_IF_ERROR(row.status());
    Aggregate merged;
    merged.unit = agg.unit;
    if (*row) {
      merged.sample_count = select->Double(0);
      merged.sum = select->Double(1);
      merged.minimum = select->Double(2);
      merged.maximum = select->Double(3);
      merged.histogram = DecodeHistogram(select->Text(4));
    }
    select->Reset();
    merged.Merge(agg);
    upsert->Bind(1, metric.namespace_).Bind(2, metric.name).Bind(3, dims).Bind(4, minute).Bind(5, merged.unit);
    upsert->Bind(6, merged.sample_count).Bind(7, merged.sum).Bind(8, merged.minimum).Bind(9, merged.maximum);
    upsert->Bind(10, EncodeHistogram(merged.histogram));
    EF_RETURN_IF_ERROR(upsert->Run());
  }
  return tx.Commit();
}

base::StatusOr<std::vector<Datapoint>> MetricStore::Query(const MetricId& metric, int64_t start_s, int64_t end_s,
                                                          int64_t period_s) {
  if (period_s <= 0 || period_s % 60 != 0) {
    return base::Status::InvalidArgument("The parameter Period must be a multiple of 60.");
  }
  EF_RETURN_IF_ERROR(Flush());
  std::lock_guard<std::mutex> db_lock(db_mu_);
  auto select = db_->Prepare(
      "SELECT minute, unit, count, sum, min, max, histogram FROM datapoints "
      "WHERE namespace = ? AND metric = ? AND dims = ? AND minute >= ? AND minute < ? ORDER BY minute");
  EF_RETURN_IF_ERROR(select.status());
  // CloudWatch rounds the start time down to the minute (for recent data) and aligns periods on it.
  start_s = start_s / 60 * 60;
  const int64_t first_minute = start_s;
  select->Bind(1, metric.namespace_).Bind(2, metric.name).Bind(3, EncodeDimensions(metric.dimensions));
  select->Bind(4, first_minute).Bind(5, end_s);
  std::vector<Datapoint> out;
  for (;;) {
    auto row = select->Step();
    EF_RETURN_IF_ERROR(row.status());
    if (!*row) break;
    const int64_t minute = select->Int(0);
    Aggregate a;
    a.unit = std::string(select->Text(1));
    a.sample_count = select->Double(2);
    a.sum = select->Double(3);
    a.minimum = select->Double(4);
    a.maximum = select->Double(5);
    a.histogram = DecodeHistogram(select->Text(6));
    // Periods are aligned to the request's start time, as CloudWatch aligns them.
    const int64_t period_start = start_s + (minute - start_s) / period_s * period_s;
    if (out.empty() || out.back().timestamp_s != period_start) out.push_back({period_start, Aggregate{}});
    out.back().stats.Merge(a);
  }
  return out;
}

base::StatusOr<std::vector<MetricId>> MetricStore::List(const std::string& namespace_, const std::string& name) {
  EF_RETURN_IF_ERROR(Flush());
  std::lock_guard<std::mutex> db_lock(db_mu_);
  auto select = db_->Prepare(
      "SELECT DISTINCT namespace, metric, dims FROM datapoints WHERE (?1 = '' OR namespace = ?1) AND "
      "(?2 = '' OR metric = ?2) ORDER BY namespace, metric, dims");
  EF_RETURN_IF_ERROR(select.status());
  select->Bind(1, namespace_).Bind(2, name);
  std::vector<MetricId> out;
  for (;;) {
    auto row = select->Step();
    EF_RETURN_IF_ERROR(row.status());
    if (!*row) break;
    out.push_back({std::string(select->Text(0)), std::string(select->Text(1)),
                   DecodeDimensions(std::string(select->Text(2)))});
  }
  return out;
}

}  // namespace cloudwatch
