// The live dashboard of `edgeface cloud` (issue 6): a static page under /_dashboard/ fed by JSON
// endpoints built from the stores' own C++ APIs (no HTTP round trip through the AWS protocols,
// except DynamoDB's DescribeTable/ListTables, answered in-process by DynamoDbApi::HandleSync).
//
//   GET /_dashboard/                    index.html (static files are embedded in the binary)
//   GET /_dashboard/<file>              dashboard.js, dashboard.css
//   GET /_dashboard/api/state           functions, storage and devices (shape in docs/dashboard.md)
//   GET /_dashboard/api/logs?function=NAME[&limit=N]   the newest N (default 100) log events
//   GET /_dashboard/api/objects?bucket=B[&prefix=P]    one level of B under P ('/' delimiter)
//   GET /_dashboard/api/object?bucket=B&key=K          the object's bytes (open a clip or frame)
//   GET /_dashboard/api/items?table=T[&limit=N]         the first N (default 20) items of T
//   GET /_dashboard/api/recognitions[?limit=N]          the web function's newest N answers
//
// The endpoints only read. They are unauthenticated, like GET /metrics: the server listens on
// 127.0.0.1 unless told otherwise. Every source is optional (a null one is left out of the state).
//
// Thread-safety: Handle may be called from any thread; the sources are thread-safe themselves.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "cloud/dashboard/log_follower.h"
#include "cloud/gateway/routing.h"
#include "http/message.h"
#include <nlohmann/json.hpp>

namespace cloud {
class DynamoDbApi;
namespace sqs {
class SqsStore;
}
namespace lambda {
class Engine;
}
}  // namespace cloud
namespace cloudwatch {
class MetricStore;
}
namespace s3 {
class ObjectStore;
}

namespace dashboard {

struct Sources {
  std::shared_ptr<cloud::lambda::Engine> engine;
  std::shared_ptr<cloudwatch::MetricStore> metrics;
  std::string log_root;  // CloudWatch Logs root (<data>/logs); "" = no log tail
  std::shared_ptr<s3::ObjectStore> objects;
  std::shared_ptr<cloud::DynamoDbApi> tables;
  std::shared_ptr<cloud::sqs::SqsStore> queues;
  // The bucket whose keys are `<device-id>/<capture-ms>.mp4` (the devices panel).
  std::string clips_bucket = "edgeface-clips";
  // The function whose log carries one EDGEFACE_RECOGNITION line per answer (pipeline 1).
  std::string web_function = "web";
};

// Bucket summaries count at most this many objects per bucket ("objects_capped" says so).
inline constexpr size_t kMaxObjectsCounted = 20000;
// Minutes of history in the state's per-minute series (the Lambda console's default view).
inline constexpr int kHistoryMinutes = 15;
// Answers per minute and latency of a device are taken over this window.
inline constexpr int64_t kDeviceWindowMs = 60'000;
// Bucket and clip counts (a listing of every bucket, up to kMaxObjectsCounted keys each, under the
// object store's lock) are recomputed at most this often; the rest of the state every poll.
inline constexpr int64_t kBucketCountEveryMs = 5'000;
// Recognitions in the polled state (the page's panel); the endpoint gives up to 200.
inline constexpr size_t kStateRecognitions = 12;

class Dashboard {
 public:
  explicit Dashboard(Sources sources)
      : sources_(std::move(sources)),
        follower_(std::make_shared<LogFollower>(sources_.log_root, sources_.web_function,
                                                int64_t{kHistoryMinutes} * 60'000)) {}

  // Answers every request under /_dashboard (GET/HEAD only; 405 otherwise).
  http::Response Handle(const http::Request& request) const;

  // The JSON documents behind the endpoints (public for tests).
  nlohmann::json State(int64_t now_ms) const;
  nlohmann::json LogTail(const std::string& function, size_t limit) const;
  // NotFound-like failures come back as {"error": "..."} with `*status` set.
  nlohmann::json Listing(const std::string& bucket, const std::string& prefix, int* status) const;
  // The first `limit` items of `table` in DynamoDB's wire JSON ({"name": {"S": "..."}}).
  nlohmann::json FirstItems(const std::string& table, int limit, int* status) const;
  // The newest `limit` answers of the web function, newest first, each with the stored clip that
  // holds its frame ({"clip": {"bucket","key","offset_s"}} or null while not uploaded yet).
  nlohmann::json Recognitions(size_t limit, int64_t now_ms) const;

 private:
  nlohmann::json Functions(int64_t now_ms) const;
  nlohmann::json Buckets(nlohmann::json* devices) const;
  // Buckets(), cached for kBucketCountEveryMs.
  nlohmann::json CachedBuckets(int64_t now_ms, nlohmann::json* devices) const;
  nlohmann::json Tables() const;
  nlohmann::json Queues() const;
  http::Response Object(const std::string& bucket, const std::string& key) const;
  // Reads the functions' logs written since the last call (log_follower.h).
  void FollowLogs(int64_t now_ms) const;
  // Answers per minute and capture→answer latency per device over kDeviceWindowMs.
  nlohmann::json DeviceAnswers(int64_t now_ms) const;
  nlohmann::json ClipOf(const std::string& device, int64_t capture_ms) const;

  Sources sources_;
  std::shared_ptr<LogFollower> follower_;  // shared_ptr: updated from const methods (thread-safe)
  mutable std::mutex buckets_mu_;
  mutable int64_t buckets_counted_ms_ = 0;
  mutable nlohmann::json buckets_, bucket_devices_;
};

// The gateway route: path prefix /_dashboard, no signature required.
cloud::ServiceRoute DashboardRoute();

}  // namespace dashboard
