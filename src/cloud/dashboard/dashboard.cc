// Dashboard::Handle (routing under /_dashboard, static files) and the on-demand documents: log
// tail, bucket listing, object bytes. The polled state is in state.cc.
#include "cloud/dashboard/dashboard.h"

#include <algorithm>
#include <chrono>

#include "cloud/cloudwatch/log_store.h"
#include "cloud/dashboard/static_files.h"
#include "cloud/s3/object_store.h"

namespace dashboard {
namespace {

using nlohmann::json;

constexpr std::string_view kPrefix = "/_dashboard";
// How far back from the end of a stream file the log tail reads (about 400 events).
constexpr int64_t kTailBytes = 64 * 1024;
// Streams (instances) the log tail merges, newest first.
constexpr size_t kTailStreams = 4;

http::Response JsonResponse(int status, const json& body) {
  http::Response r;
  r.status = status;
  r.headers.Set("Content-Type", "application/json");
  r.headers.Set("Cache-Control", "no-store");
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

http::Response Error(int status, const std::string& message) { return JsonResponse(status, {{"error", message}}); }

std::string_view ContentType(std::string_view name) {
  auto ends = [&](std::string_view s) { return name.size() >= s.size() && name.substr(name.size() - s.size()) == s; };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

std::string Param(const http::Request& r, const std::string& name) {
  for (const auto& [k, v] : r.query) {
    if (k == name) return v;
  }
  return "";
}

}  // namespace

cloud::ServiceRoute DashboardRoute() {
  cloud::ServiceRoute r;
  r.name = "dashboard";
  r.error_format = cloud::ErrorFormat::kRestJson;
  r.path_prefixes = {std::string(kPrefix)};
  r.requires_auth = false;
  return r;
}

http::Response Dashboard::Handle(const http::Request& request) const {
  if (request.method != "GET" && request.method != "HEAD") return Error(405, "the dashboard only reads: GET");
  std::string_view path = request.path;
  if (path.substr(0, kPrefix.size()) != kPrefix) return Error(404, "not a dashboard path");
  path.remove_prefix(kPrefix.size());
  if (path.empty()) {  // "/_dashboard": relative URLs in the page need the trailing slash
    http::Response r;
    r.status = 302;
    r.headers.Set("Location", "/_dashboard/");
    return r;
  }
  if (path == "/api/state") {
    int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    return JsonResponse(200, State(now_ms));
  }
  if (path == "/api/logs") {
    std::string function = Param(request, "function");
    if (function.empty()) return Error(400, "missing ?function=NAME");
    size_t limit = 100;
    std::string l = Param(request, "limit");
    if (!l.empty()) {
      try {
        limit = std::clamp<size_t>(std::stoul(l), 1, 1000);
      } catch (...) {
        return Error(400, "limit must be a number");
      }
    }
    return JsonResponse(200, LogTail(function, limit));
  }
  if (path == "/api/objects") {
    int status = 200;
    json listing = Listing(Param(request, "bucket"), Param(request, "prefix"), &status);
    return JsonResponse(status, listing);
  }
  if (path == "/api/recognitions") {
    size_t limit = 20;
    std::string l = Param(request, "limit");
    if (!l.empty()) {
      try {
        limit = std::clamp<size_t>(std::stoul(l), 1, 200);
      } catch (...) {
        return Error(400, "limit must be a number");
      }
    }
    int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    FollowLogs(now_ms);
    return JsonResponse(200, Recognitions(limit, now_ms));
  }
  if (path == "/api/object") return Object(Param(request, "bucket"), Param(request, "key"));
  if (path == "/api/items") {
    int limit = 20;
    std::string l = Param(request, "limit");
    if (!l.empty()) {
      try {
        limit = std::clamp(std::stoi(l), 1, 100);
      } catch (...) {
        return Error(400, "limit must be a number");
      }
    }
    int status = 200;
    json items = FirstItems(Param(request, "table"), limit, &status);
    return JsonResponse(status, items);
  }
  std::string_view name = path == "/" ? std::string_view("index.html") : path.substr(1);
  for (const StaticFile* f = StaticFilesBegin(); f != StaticFilesEnd(); ++f) {
    if (f->name != name) continue;
    http::Response r;
    r.headers.Set("Content-Type", std::string(ContentType(name)));
    r.headers.Set("Cache-Control", "no-cache");
    r.body = std::string(f->content);
    return r;
  }
  return Error(404, "no such dashboard file");
}

json Dashboard::LogTail(const std::string& function, size_t limit) const {
  json out = {{"function", function}, {"events", json::array()}};
  if (sources_.log_root.empty()) return out;
  const std::string group = "/aws/lambda/" + function;
  auto streams = cloudwatch::ListStreams(sources_.log_root, group);
  if (!streams.ok()) return out;  // no invocation yet: no group
  std::sort(streams->begin(), streams->end(),
            [](const auto& a, const auto& b) { return a.last_event > b.last_event; });
  if (streams->size() > kTailStreams) streams->resize(kTailStreams);
  std::vector<cloudwatch::LogEvent> events;
  for (const auto& s : *streams) {
    int64_t offset = std::max<int64_t>(0, s.stored_bytes - kTailBytes);
    int64_t end_offset = 0;
    auto read = cloudwatch::ReadEvents(sources_.log_root, group, s.name, offset, 0, INT64_MAX, 100000, &end_offset);
    if (!read.ok()) continue;
    // Reading from the middle of the file: the first line may be the end of a longer one.
    size_t skip = offset > 0 && !read->empty() ? 1 : 0;
    for (size_t i = skip; i < read->size(); ++i) {
      (*read)[i].stream = s.name;
      events.push_back(std::move((*read)[i]));
    }
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const auto& a, const auto& b) { return a.timestamp < b.timestamp; });
  size_t first = events.size() > limit ? events.size() - limit : 0;
  for (size_t i = first; i < events.size(); ++i) {
    const auto& e = events[i];
    out["events"].push_back({{"t", e.timestamp}, {"stream", e.stream}, {"message", e.message},
                             {"report", e.message.rfind("REPORT ", 0) == 0}});
  }
  return out;
}

json Dashboard::Listing(const std::string& bucket, const std::string& prefix, int* status) const {
  *status = 200;
  if (!sources_.objects) {
    *status = 404;
    return {{"error", "no object store"}};
  }
  if (bucket.empty()) {
    *status = 400;
    return {{"error", "missing ?bucket=NAME"}};
  }
  s3::ListOptions options;
  options.prefix = prefix;
  options.delimiter = "/";
  options.max_keys = 1000;
  auto page = sources_.objects->ListObjects(bucket, options);
  if (!page.ok()) {
    *status = s3::ErrorCodeOf(page.status()) == "NoSuchBucket" ? 404 : 500;
    return {{"error", page.status().ToString()}};
  }
  json out = {{"bucket", bucket}, {"prefix", prefix}, {"truncated", page->truncated},
              {"prefixes", page->common_prefixes}, {"objects", json::array()}};
  for (const auto& o : page->objects) {
    out["objects"].push_back({{"key", o.key}, {"size", o.size}, {"last_modified_ms", o.last_modified_ms}});
  }
  return out;
}

http::Response Dashboard::Object(const std::string& bucket, const std::string& key) const {
  if (!sources_.objects) return Error(404, "no object store");
  if (bucket.empty() || key.empty()) return Error(400, "missing ?bucket=NAME&key=KEY");
  auto object = sources_.objects->GetObject(bucket, key);
  if (!object.ok()) {
    std::string code = s3::ErrorCodeOf(object.status());
    return Error(code == "NoSuchKey" || code == "NoSuchBucket" ? 404 : 500, object.status().ToString());
  }
  http::Response r;
  std::string type = "application/octet-stream";
  for (const auto& [name, value] : object->headers) {
    if (name == "content-type") type = value;
  }
  // Keys name their own type more reliably than the uploader's header (boto3 sends none).
  if (key.size() > 4 && key.compare(key.size() - 4, 4, ".mp4") == 0) type = "video/mp4";
  if (key.size() > 4 && key.compare(key.size() - 4, 4, ".jpg") == 0) type = "image/jpeg";
  r.headers.Set("Content-Type", type);
  if (object->is_inline()) {  // small objects live in the store's database, not in a file
    r.body = std::move(object->data);
    return r;
  }
  r.file_path = sources_.objects->BlobPath(*object);
  r.file_offset = 0;
  r.file_length = object->size;
  return r;
}

}  // namespace dashboard
