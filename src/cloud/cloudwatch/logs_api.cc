#include "cloud/cloudwatch/logs_api.h"

#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include "base/ids.h"
#include "cloud/cloudwatch/log_store.h"

namespace cloudwatch {
namespace {

using json = nlohmann::json;

constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();

struct ApiError {
  int status;
  std::string code;
  std::string message;
};

http::Response JsonResponse(int status, const json& body) {
  http::Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  r.headers.Set("Content-Type", "application/x-amz-json-1.1");
  r.headers.Set("x-amzn-RequestId", base::NewUuid());
  return r;
}

ApiError Invalid(std::string message) { return {400, "InvalidParameterException", std::move(message)}; }
ApiError NotFound(std::string message) { return {400, "ResourceNotFoundException", std::move(message)}; }

std::string GroupArn(const std::string& group) {
  return "arn:aws:logs:us-east-1:000000000000:log-group:" + group + ":*";
}

// A count token ("" = 0); false when it is not one of ours.
bool ParseCountToken(const json& req, size_t* skip) {
  *skip = 0;
  if (!req.contains("nextToken")) return true;
  const json& t = req["nextToken"];
  if (!t.is_string()) return false;
  try {
    *skip = std::stoull(t.get<std::string>());
  } catch (...) {
    return false;
  }
  return true;
}

size_t Limit(const json& req, size_t fallback, size_t max) {
  if (!req.contains("limit") || !req["limit"].is_number_integer()) return fallback;
  int64_t v = req["limit"].get<int64_t>();
  return static_cast<size_t>(std::clamp<int64_t>(v, 1, static_cast<int64_t>(max)));
}

int64_t TimeField(const json& req, const char* name, int64_t fallback) {
  if (!req.contains(name) || !req[name].is_number()) return fallback;
  return req[name].get<int64_t>();
}

std::string GroupName(const json& req) {
  if (req.contains("logGroupName") && req["logGroupName"].is_string()) return req["logGroupName"];
  if (req.contains("logGroupIdentifier") && req["logGroupIdentifier"].is_string()) {
    std::string id = req["logGroupIdentifier"];
    // An ARN names the group after "log-group:".
    size_t at = id.find(":log-group:");
    if (at != std::string::npos) {
      id = id.substr(at + 11);
      if (id.size() >= 2 && id.compare(id.size() - 2, 2, ":*") == 0) id.resize(id.size() - 2);
    }
    return id;
  }
  return "";
}

json DescribeLogGroups(const std::string& root, const json& req) {
  std::string prefix = req.value("logGroupNamePrefix", "");
  size_t skip = 0;
  if (!ParseCountToken(req, &skip)) throw Invalid("The specified nextToken is invalid.");
  const size_t limit = Limit(req, 50, 50);
  auto groups = ListGroups(root, prefix);
  json out = {{"logGroups", json::array()}};
  for (size_t i = skip; i < groups.size() && i < skip + limit; ++i) {
    out["logGroups"].push_back({{"logGroupName", groups[i].name},
                                {"creationTime", groups[i].creation_time},
                                {"metricFilterCount", 0},
                                {"arn", GroupArn(groups[i].name)},
                                {"storedBytes", groups[i].stored_bytes}});
  }
  if (skip + limit < groups.size()) out["nextToken"] = std::to_string(skip + limit);
  return out;
}

json DescribeLogStreams(const std::string& root, const json& req) {
  std::string group = GroupName(req);
  if (group.empty()) throw Invalid("1 validation error detected: logGroupName must not be null");
  auto streams = ListStreams(root, group);
  if (!streams.ok()) throw NotFound(streams.status().message());
  std::string prefix = req.value("logStreamNamePrefix", "");
  std::string order = req.value("orderBy", "LogStreamName");
  if (order != "LogStreamName" && order != "LastEventTime") throw Invalid("Invalid orderBy: " + order);
  if (order == "LastEventTime" && !prefix.empty()) {
    throw Invalid("Cannot order by LastEventTime with a logStreamNamePrefix.");
  }
  std::vector<LogStreamInfo> list;
  for (auto& s : *streams) {
    if (s.name.compare(0, prefix.size(), prefix) == 0) list.push_back(std::move(s));
  }
  if (order == "LastEventTime") {
    std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.last_event < b.last_event; });
  }
  if (req.value("descending", false)) std::reverse(list.begin(), list.end());
  size_t skip = 0;
  if (!ParseCountToken(req, &skip)) throw Invalid("The specified nextToken is invalid.");
  const size_t limit = Limit(req, 50, 50);
  json out = {{"logStreams", json::array()}};
  for (size_t i = skip; i < list.size() && i < skip + limit; ++i) {
    const auto& s = list[i];
    json j = {{"logStreamName", s.name},
              {"creationTime", s.creation_time},
              {"lastIngestionTime", s.last_ingestion},
              {"arn", "arn:aws:logs:us-east-1:000000000000:log-group:" + group + ":log-stream:" + s.name},
              {"storedBytes", s.stored_bytes}};
    if (s.first_event) j["firstEventTimestamp"] = s.first_event;
    if (s.last_event) j["lastEventTimestamp"] = s.last_event;
    out["logStreams"].push_back(std::move(j));
  }
  if (skip + limit < list.size()) out["nextToken"] = std::to_string(skip + limit);
  return out;
}

json GetLogEvents(const std::string& root, const json& req) {
  std::string group = GroupName(req);
  std::string stream = req.value("logStreamName", "");
  if (group.empty() || stream.empty()) throw Invalid("logGroupName and logStreamName are required");
  const int64_t start = TimeField(req, "startTime", 0);
  const int64_t end = TimeField(req, "endTime", kMaxTime);
  const size_t limit = Limit(req, 10000, 10000);
  int64_t offset = 0;
  bool from_head = req.value("startFromHead", false);
  if (req.contains("nextToken") && req["nextToken"].is_string()) {
    std::string token = req["nextToken"];
    if (token.size() < 3 || (token[0] != 'f' && token[0] != 'b') || token[1] != '/') {
      throw Invalid("The specified nextToken is invalid.");
    }
    try {
      offset = std::stoll(token.substr(2));
    } catch (...) {
      throw Invalid("The specified nextToken is invalid.");
    }
    from_head = true;  // both directions read forward from the offset here
  }
  int64_t end_offset = 0;
  auto events = ReadEvents(root, group, stream, offset, start, end,
                           from_head ? limit : std::numeric_limits<size_t>::max(), &end_offset);
  if (!events.ok()) throw NotFound(events.status().message());
  // Without startFromHead, AWS returns the latest events.
  if (!from_head && events->size() > limit) events->erase(events->begin(), events->end() - static_cast<long>(limit));
  json out = {{"events", json::array()}};
  for (const auto& e : *events) {
    out["events"].push_back({{"timestamp", e.timestamp}, {"message", e.message}, {"ingestionTime", e.ingestion_time}});
  }
  out["nextForwardToken"] = "f/" + std::to_string(end_offset);
  out["nextBackwardToken"] = "b/" + std::to_string(events->empty() ? offset : events->front().offset);
  return out;
}

json FilterLogEvents(const std::string& root, const json& req) {
  std::string group = GroupName(req);
  if (group.empty()) throw Invalid("1 validation error detected: logGroupName must not be null");
  auto streams = ListStreams(root, group);
  if (!streams.ok()) throw NotFound(streams.status().message());
  auto pattern = FilterPattern::Parse(req.value("filterPattern", ""));
  if (!pattern.ok()) throw Invalid(pattern.status().message());
  std::vector<std::string> names;
  if (req.contains("logStreamNames") && req["logStreamNames"].is_array()) {
    if (req.contains("logStreamNamePrefix")) {
      throw Invalid("logStreamNames and logStreamNamePrefix are mutually exclusive");
    }
    for (const auto& n : req["logStreamNames"]) {
      if (n.is_string()) names.push_back(n);
    }
  } else {
    std::string prefix = req.value("logStreamNamePrefix", "");
    for (const auto& s : *streams) {
      if (s.name.compare(0, prefix.size(), prefix) == 0) names.push_back(s.name);
    }
  }
  const int64_t start = TimeField(req, "startTime", 0);
  const int64_t end = TimeField(req, "endTime", kMaxTime);
  size_t skip = 0;
  if (!ParseCountToken(req, &skip)) throw Invalid("The specified nextToken is invalid.");
  const size_t limit = Limit(req, 10000, 10000);
  std::vector<LogEvent> matched;
  json searched = json::array();
  for (const std::string& name : names) {
    int64_t end_offset = 0;
    auto events = ReadEvents(root, group, name, 0, start, end, std::numeric_limits<size_t>::max(), &end_offset);
    if (!events.ok()) continue;  // AWS ignores names that do not exist
    searched.push_back({{"logStreamName", name}, {"searchedCompletely", true}});
    for (auto& e : *events) {
      if (!pattern->Matches(e.message)) continue;
      e.stream = name;
      matched.push_back(std::move(e));
    }
  }
  std::stable_sort(matched.begin(), matched.end(), [](const LogEvent& a, const LogEvent& b) {
    return std::tie(a.timestamp, a.stream, a.offset) < std::tie(b.timestamp, b.stream, b.offset);
  });
  json out = {{"events", json::array()}, {"searchedLogStreams", searched}};
  for (size_t i = skip; i < matched.size() && i < skip + limit; ++i) {
    const LogEvent& e = matched[i];
    out["events"].push_back({{"logStreamName", e.stream},
                             {"timestamp", e.timestamp},
                             {"message", e.message},
                             {"ingestionTime", e.ingestion_time},
                             {"eventId", std::to_string(e.timestamp) + "-" + std::to_string(e.offset)}});
  }
  if (skip + limit < matched.size()) out["nextToken"] = std::to_string(skip + limit);
  return out;
}

}  // namespace

cloud::ServiceRoute LogsRoute() {
  cloud::ServiceRoute r;
  r.name = "logs";
  r.error_format = cloud::ErrorFormat::kJson10;
  r.target_prefixes = {"Logs_20140328."};
  return r;
}

base::StatusOr<std::unique_ptr<LogsApi>> LogsApi::Open(const cloud::ServiceContext& ctx) {
  return std::make_unique<LogsApi>(ctx.data_dir);
}

http::Response LogsApi::HandleNow(const http::Request& request) {
  std::string target(request.headers.GetOr("x-amz-target", ""));
  const std::string prefix = "Logs_20140328.";
  std::string op = target.rfind(prefix, 0) == 0 ? target.substr(prefix.size()) : "";
  try {
    json req = request.body.empty() ? json::object() : json::parse(request.body, nullptr, false);
    if (req.is_discarded() || !req.is_object()) throw ApiError{400, "SerializationException", "body is not a JSON object"};
    if (op == "DescribeLogGroups") return JsonResponse(200, DescribeLogGroups(root_, req));
    if (op == "DescribeLogStreams") return JsonResponse(200, DescribeLogStreams(root_, req));
    if (op == "GetLogEvents") return JsonResponse(200, GetLogEvents(root_, req));
    if (op == "FilterLogEvents") return JsonResponse(200, FilterLogEvents(root_, req));
    throw ApiError{400, "UnknownOperationException", "Operation " + op + " is not supported"};
  } catch (const ApiError& e) {
    return JsonResponse(e.status, {{"__type", e.code}, {"message", e.message}});
  } catch (const json::exception& e) {
    return JsonResponse(400, {{"__type", "SerializationException"}, {"message", e.what()}});
  }
}

}  // namespace cloudwatch
