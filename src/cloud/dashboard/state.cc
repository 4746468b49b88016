// Dashboard::State and its parts: what the page polls every second. Each part reads one store
// through its public API; nothing here writes.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <chrono>
#include <map>

#include "cloud/cloudwatch/metric_store.h"
#include "cloud/dashboard/dashboard.h"
#include "cloud/dynamodb/dynamodb_api.h"
#include "cloud/lambda/engine.h"
#include "cloud/s3/object_store.h"
#include "cloud/sqs/sqs_store.h"

namespace dashboard {
namespace {

using nlohmann::json;

// Rounds a float for display (durations in ms to 0.01 ms): keeps the JSON short.
double Round2(double v) { return static_cast<double>(static_cast<int64_t>(v * 100 + (v >= 0 ? 0.5 : -0.5))) / 100; }

// Per-minute datapoints of AWS/Lambda `metric` for `function`, keyed by minute start (s).
std::map<int64_t, cloudwatch::Aggregate> Minutes(cloudwatch::MetricStore& store, const std::string& metric,
                                                 const std::string& function, int64_t start_s, int64_t end_s) {
  std::map<int64_t, cloudwatch::Aggregate> out;
  cloudwatch::MetricId id{"AWS/Lambda", metric, {{"FunctionName", function}}};
  auto points = store.Query(id, start_s, end_s, 60);
  if (!points.ok()) return out;
  for (auto& p : *points) out[p.timestamp_s] = std::move(p.stats);
  return out;
}

// Nearest-rank percentile of `v` (0 when empty).
double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

// A DynamoDB call answered in-process (no socket, no signature: the gateway is not involved).
json DynamoDbCall(cloud::DynamoDbApi& api, const std::string& op, const json& body) {
  http::Request r;
  r.method = "POST";
  r.target = "/";
  r.ParseTarget();
  r.headers.Set("X-Amz-Target", "DynamoDB_20120810." + op);
  r.headers.Set("Content-Type", "application/x-amz-json-1.0");
  r.body = body.dump();
  http::Response response = api.HandleSync(r);
  if (response.status != 200) return json();
  return json::parse(response.body, nullptr, false);
}

// "<device-id>/<digits>.mp4" → device id and capture time; false for any other key.
bool ParseClipKey(const std::string& key, std::string* device, int64_t* capture_ms) {
  size_t slash = key.rfind('/');
  if (slash == std::string::npos || slash == 0 || key.size() < slash + 6) return false;
  if (key.compare(key.size() - 4, 4, ".mp4") != 0) return false;
  std::string digits = key.substr(slash + 1, key.size() - 4 - slash - 1);
  if (digits.empty() || digits.size() > 18) return false;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  *device = key.substr(0, slash);
  *capture_ms = std::stoll(digits);
  return true;
}

}  // namespace

json Dashboard::State(int64_t now_ms) const {
  json state;
  state["time_ms"] = now_ms;
  state["history_minutes"] = kHistoryMinutes;
  FollowLogs(now_ms);
  state["functions"] = Functions(now_ms);
  json devices = json::array();
  state["buckets"] = CachedBuckets(now_ms, &devices);
  // Devices known from their clips and/or their answers: one row each.
  json answers = DeviceAnswers(now_ms);
  for (json& d : devices) {
    auto it = answers.find(d["device"].get<std::string>());
    d["answers"] = it != answers.end() ? *it : json(nullptr);
    if (it != answers.end()) answers.erase(it);
  }
  for (auto& [id, a] : answers.items()) {
    devices.push_back({{"device", id}, {"clips", 0}, {"bytes", 0}, {"last_capture_ms", nullptr},
                       {"last_stored_ms", nullptr}, {"counts_capped", false}, {"answers", a}});
  }
  state["devices"] = std::move(devices);
  state["recognitions"] = Recognitions(kStateRecognitions, now_ms)["recognitions"];
  state["tables"] = Tables();
  state["queues"] = Queues();
  return state;
}

json Dashboard::Functions(int64_t now_ms) const {
  json out = json::array();
  if (!sources_.engine) return out;
  const int64_t this_minute = now_ms / 1000 / 60 * 60;
  const int64_t start_s = this_minute - (kHistoryMinutes - 1) * 60;
  const int64_t end_s = this_minute + 60;
  for (const auto& config : sources_.engine->ListFunctions()) {
    auto stats = sources_.engine->Stats(config.name);
    if (!stats.ok()) continue;  // deleted meanwhile
    json f;
    f["name"] = config.name;
    f["memory_mb"] = config.memory_mb;
    f["timeout_s"] = config.timeout_s;
    f["reserved_concurrency"] = config.reserved_concurrency ? json(*config.reserved_concurrency) : json();
    f["instances"] = stats->instances;
    f["busy"] = stats->busy;
    f["starting"] = stats->starting;
    f["running"] = std::max(0, stats->busy - stats->starting);
    f["idle"] = std::max(0, stats->instances - stats->busy);
    f["cold_starts"] = stats->cold_starts;
    f["invocations"] = stats->invocations;
    f["errors"] = stats->errors;
    f["throttles"] = stats->throttles;
    f["peak_concurrency"] = stats->peak_concurrency;
    f["async_pending"] = stats->async_pending;
    f["provisioned_ready"] = stats->provisioned_ready;
    // Init durations of cold starts, from the REPORT lines of the function's log.
    InitDurations inits = follower_->Inits(config.name);
    if (inits.count > 0) {
      f["init"] = {{"count", inits.count}, {"last_ms", Round2(inits.last_ms)},
                   {"p50_ms", Round2(Percentile(inits.recent_ms, 50))},
                   {"max_ms", Round2(*std::max_element(inits.recent_ms.begin(), inits.recent_ms.end()))}};
    } else {
      f["init"] = nullptr;
    }

    json minutes = json::array();
    json window;  // the whole history window
    if (sources_.metrics) {
      auto& store = *sources_.metrics;
      auto inv = Minutes(store, "Invocations", config.name, start_s, end_s);
      auto err = Minutes(store, "Errors", config.name, start_s, end_s);
      auto thr = Minutes(store, "Throttles", config.name, start_s, end_s);
      auto dur = Minutes(store, "Duration", config.name, start_s, end_s);
      auto conc = Minutes(store, "ConcurrentExecutions", config.name, start_s, end_s);
      cloudwatch::Aggregate all_durations;
      double inv_sum = 0, err_sum = 0, thr_sum = 0;
      // Every minute of the window, zeros included, so charts need no gap logic.
      for (int64_t t = start_s; t < end_s; t += 60) {
        json m;
        m["t"] = t;
        auto sum = [t](const std::map<int64_t, cloudwatch::Aggregate>& series) {
          auto it = series.find(t);
          return it == series.end() ? 0.0 : it->second.sum;
        };
        m["invocations"] = sum(inv);
        m["errors"] = sum(err);
        m["throttles"] = sum(thr);
        inv_sum += sum(inv);
        err_sum += sum(err);
        thr_sum += sum(thr);
        auto c = conc.find(t);
        m["concurrency_max"] = c == conc.end() ? 0.0 : c->second.maximum;
        auto d = dur.find(t);
        if (d != dur.end() && d->second.sample_count > 0) {
          m["duration_p50_ms"] = Round2(d->second.Percentile(50).value_or(d->second.sum / d->second.sample_count));
          m["duration_p99_ms"] = Round2(d->second.Percentile(99).value_or(d->second.maximum));
          all_durations.Merge(d->second);
        } else {
          m["duration_p50_ms"] = nullptr;
          m["duration_p99_ms"] = nullptr;
        }
        minutes.push_back(std::move(m));
      }
      window["invocations"] = inv_sum;
      window["errors"] = err_sum;
      window["throttles"] = thr_sum;
      if (all_durations.sample_count > 0) {
        window["duration_p50_ms"] = Round2(all_durations.Percentile(50).value_or(all_durations.minimum));
        window["duration_p99_ms"] = Round2(all_durations.Percentile(99).value_or(all_durations.maximum));
        window["duration_max_ms"] = Round2(all_durations.maximum);
      } else {
        window["duration_p50_ms"] = nullptr;
        window["duration_p99_ms"] = nullptr;
        window["duration_max_ms"] = nullptr;
      }
    }
    f["minutes"] = std::move(minutes);
    f["window"] = std::move(window);
    out.push_back(std::move(f));
  }
  return out;
}

json Dashboard::CachedBuckets(int64_t now_ms, json* devices) const {
  std::lock_guard<std::mutex> lock(buckets_mu_);
  if (buckets_.is_null() || now_ms - buckets_counted_ms_ >= kBucketCountEveryMs || now_ms < buckets_counted_ms_) {
    bucket_devices_ = json::array();
    buckets_ = Buckets(&bucket_devices_);
    buckets_counted_ms_ = now_ms;
  }
  *devices = bucket_devices_;
  return buckets_;
}

json Dashboard::Buckets(json* devices) const {
  json out = json::array();
  if (!sources_.objects) return out;
  auto& store = *sources_.objects;
  auto buckets = store.ListBuckets();
  if (!buckets.ok()) return out;
  for (const auto& bucket : *buckets) {
    const bool is_clips = bucket.name == sources_.clips_bucket;
    struct Device {
      int64_t clips = 0;
      int64_t bytes = 0;
      int64_t last_capture_ms = 0;
      int64_t last_stored_ms = 0;
    };
    std::map<std::string, Device> by_device;
    int64_t count = 0, bytes = 0, last_modified_ms = 0;
    bool capped = false;
    s3::ListOptions options;
    options.max_keys = 1000;
    while (true) {
      auto page = store.ListObjects(bucket.name, options);
      if (!page.ok()) break;  // deleted meanwhile: report what was counted
      for (const auto& o : page->objects) {
        ++count;
        bytes += static_cast<int64_t>(o.size);
        last_modified_ms = std::max(last_modified_ms, o.last_modified_ms);
        std::string device;
        int64_t capture_ms = 0;
        if (is_clips && ParseClipKey(o.key, &device, &capture_ms)) {
          Device& d = by_device[device];
          ++d.clips;
          d.bytes += static_cast<int64_t>(o.size);
          d.last_capture_ms = std::max(d.last_capture_ms, capture_ms);
          d.last_stored_ms = std::max(d.last_stored_ms, o.last_modified_ms);
        }
      }
      if (!page->truncated) break;
      if (static_cast<size_t>(count) >= kMaxObjectsCounted) {
        capped = true;
        break;
      }
      options.after = page->last;
    }
    out.push_back({{"name", bucket.name}, {"created_ms", bucket.created_ms}, {"objects", count},
                   {"bytes", bytes}, {"objects_capped", capped}, {"last_modified_ms", last_modified_ms}});
    for (const auto& [id, d] : by_device) {
      devices->push_back({{"device", id}, {"clips", d.clips}, {"bytes", d.bytes},
                          {"last_capture_ms", d.last_capture_ms}, {"last_stored_ms", d.last_stored_ms},
                          {"counts_capped", capped}});
    }
  }
  return out;
}

json Dashboard::Tables() const {
  json out = json::array();
  if (!sources_.tables) return out;
  json start;
  // ListTables pages of 100; DescribeTable gives ItemCount and TableSizeBytes, kept exact by the store.
  for (int pages = 0; pages < 10; ++pages) {
    json request = {{"Limit", 100}};
    if (!start.is_null()) request["ExclusiveStartTableName"] = start;
    json listed = DynamoDbCall(*sources_.tables, "ListTables", request);
    if (!listed.is_object() || !listed.contains("TableNames")) break;
    for (const auto& name : listed["TableNames"]) {
      json d = DynamoDbCall(*sources_.tables, "DescribeTable", {{"TableName", name}});
      if (!d.is_object() || !d.contains("Table")) continue;
      const json& t = d["Table"];
      out.push_back({{"name", name}, {"items", t.value("ItemCount", 0)}, {"bytes", t.value("TableSizeBytes", 0)}});
    }
    if (!listed.contains("LastEvaluatedTableName")) break;
    start = listed["LastEvaluatedTableName"];
  }
  return out;
}

json Dashboard::FirstItems(const std::string& table, int limit, int* status) const {
  *status = 200;
  if (!sources_.tables) {
    *status = 404;
    return {{"error", "no table store"}};
  }
  if (table.empty()) {
    *status = 400;
    return {{"error", "missing ?table=NAME"}};
  }
  json scanned = DynamoDbCall(*sources_.tables, "Scan", {{"TableName", table}, {"Limit", limit}});
  if (!scanned.is_object() || !scanned.contains("Items")) {
    *status = 404;
    return {{"error", "no such table: " + table}};
  }
  return {{"table", table}, {"items", scanned["Items"]}, {"more", scanned.contains("LastEvaluatedKey")}};
}

json Dashboard::Queues() const {
  json out = json::array();
  if (!sources_.queues) return out;
  static const std::vector<std::string> kCounts = {"ApproximateNumberOfMessages",
                                                   "ApproximateNumberOfMessagesNotVisible",
                                                   "ApproximateNumberOfMessagesDelayed", "RedrivePolicy"};
  auto number = [](const cloud::sqs::AttributeMap& a, const char* name) -> int64_t {
    auto it = a.find(name);
    if (it == a.end()) return 0;
    try {
      return std::stoll(it->second);
    } catch (...) {
      return 0;
    }
  };
  for (const auto& name : sources_.queues->ListQueues("")) {
    auto attrs = sources_.queues->GetQueueAttributes(name, kCounts);
    if (!attrs.ok()) continue;
    json q = {{"name", name},
              {"visible", number(*attrs, "ApproximateNumberOfMessages")},
              {"in_flight", number(*attrs, "ApproximateNumberOfMessagesNotVisible")},
              {"delayed", number(*attrs, "ApproximateNumberOfMessagesDelayed")}};
    auto redrive = attrs->find("RedrivePolicy");
    if (redrive != attrs->end() && !redrive->second.empty()) {
      json policy = json::parse(redrive->second, nullptr, false);
      if (policy.is_object()) q["dead_letter_target"] = policy.value("deadLetterTargetArn", "");
    }
    out.push_back(std::move(q));
  }
  // A queue's dead-lettered messages are those in its dead-letter queue (named by the ARN's end).
  for (json& q : out) {
    if (!q.contains("dead_letter_target")) {
      q["dead_lettered"] = nullptr;
      continue;
    }
    std::string arn = q["dead_letter_target"].get<std::string>();
    std::string target = arn.substr(arn.rfind(':') + 1);
    q["dead_lettered"] = nullptr;
    for (json& t : out) {
      if (t["name"] != target) continue;
      q["dead_lettered"] = t["visible"].get<int64_t>() + t["in_flight"].get<int64_t>() + t["delayed"].get<int64_t>();
      t["is_dead_letter_queue"] = true;
    }
  }
  return out;
}

}  // namespace dashboard

// ---- from the functions' logs (log_follower.h) ----

namespace dashboard {

void Dashboard::FollowLogs(int64_t now_ms) const {
  if (!sources_.engine) return;
  std::vector<std::string> names;
  for (const auto& config : sources_.engine->ListFunctions()) names.push_back(config.name);
  follower_->Update(names, now_ms);
}

json Dashboard::DeviceAnswers(int64_t now_ms) const {
  struct Tally {
    int64_t answers = 0, recognized = 0;
    std::vector<double> latency_ms, web_ms;
    json last_name;
    int64_t last_ms = 0;
  };
  std::map<std::string, Tally> by_device;
  for (const Recognition& r : follower_->Since(now_ms - kDeviceWindowMs)) {
    const json& a = r.answer;
    std::string device = a.value("device_id", json(nullptr)).is_string() ? a["device_id"].get<std::string>() : "(no device id)";
    Tally& t = by_device[device];
    ++t.answers;
    if (a.value("status", json(nullptr)) == "recognized") ++t.recognized;
    if (a.contains("capture_ms") && a["capture_ms"].is_number()) {
      t.latency_ms.push_back(static_cast<double>(r.logged_ms - a["capture_ms"].get<int64_t>()));
    }
    if (a.contains("timings_ms") && a["timings_ms"].is_object() && a["timings_ms"].contains("total") &&
        a["timings_ms"]["total"].is_number()) {
      t.web_ms.push_back(a["timings_ms"]["total"].get<double>());
    }
    t.last_name = a.value("name", json(nullptr));
    t.last_ms = r.logged_ms;
  }
  json out = json::object();
  auto pct = [](const std::vector<double>& v, double p) { return v.empty() ? json(nullptr) : json(Round2(Percentile(v, p))); };
  for (const auto& [device, t] : by_device) {
    out[device] = {{"window_s", kDeviceWindowMs / 1000}, {"answers", t.answers}, {"recognized", t.recognized},
                   {"answers_per_min", Round2(static_cast<double>(t.answers) * 60'000.0 / kDeviceWindowMs)},
                   {"latency_p50_ms", pct(t.latency_ms, 50)}, {"latency_p99_ms", pct(t.latency_ms, 99)},
                   {"web_p50_ms", pct(t.web_ms, 50)}, {"last_name", t.last_name}, {"last_answer_ms", t.last_ms}};
  }
  return out;
}

json Dashboard::ClipOf(const std::string& device, int64_t capture_ms) const {
  if (!sources_.objects || device.empty()) return nullptr;
  // Keys are "<device>/<13-digit ms>.mp4": the clip holding the frame is the last one that
  // started at or before it, at most 5 s before (clips are 0.5 s; a few frames longer at most).
  s3::ListOptions options;
  options.prefix = device + "/";
  options.after = device + "/" + std::to_string(capture_ms - 5000);
  options.max_keys = 16;
  auto page = sources_.objects->ListObjects(sources_.clips_bucket, options);
  if (!page.ok()) return nullptr;
  json best;
  int64_t best_ms = 0;
  for (const auto& o : page->objects) {
    std::string d;
    int64_t ms = 0;
    if (!ParseClipKey(o.key, &d, &ms) || d != device || ms > capture_ms) continue;
    if (best.is_null() || ms > best_ms) {
      best_ms = ms;
      best = {{"bucket", sources_.clips_bucket}, {"key", o.key}, {"start_ms", ms},
              {"offset_s", static_cast<double>(capture_ms - ms) / 1000.0}, {"size", o.size}};
    }
  }
  return best;
}

json Dashboard::Recognitions(size_t limit, int64_t now_ms) const {
  json out = json::array();
  for (const Recognition& r : follower_->Latest(limit)) {
    const json& a = r.answer;
    json item = {{"t", r.logged_ms}, {"request_id", a.value("request_id", json(nullptr))},
                 {"device_id", a.value("device_id", json(nullptr))}, {"capture_ms", a.value("capture_ms", json(nullptr))},
                 {"status", a.value("status", json(nullptr))}, {"name", a.value("name", json(nullptr))},
                 {"record", a.value("record", json(nullptr))}, {"distance", a.value("distance", json(nullptr))},
                 {"box", a.value("box", json(nullptr))}, {"timings_ms", a.value("timings_ms", json(nullptr))},
                 {"instance", r.stream}};
    const bool has_capture = a.contains("capture_ms") && a["capture_ms"].is_number();
    item["latency_ms"] = has_capture ? json(r.logged_ms - a["capture_ms"].get<int64_t>()) : json(nullptr);
    item["clip"] = has_capture && a.contains("device_id") && a["device_id"].is_string()
                       ? ClipOf(a["device_id"].get<std::string>(), a["capture_ms"].get<int64_t>())
                       : json(nullptr);
    out.push_back(std::move(item));
  }
  return {{"time_ms", now_ms}, {"recognitions", std::move(out)}};
}

}  // namespace dashboard
