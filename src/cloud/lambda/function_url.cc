#include "cloud/lambda/function_url.h"

#include <ctime>
#include <optional>

#include "base/base64.h"
#include "cloud/lambda/engine_internal.h"
#include "net/server.h"

namespace cloud::lambda {
namespace {

using json = nlohmann::json;

bool IsTextual(std::string_view content_type) {
  return content_type.empty() || content_type.starts_with("text/") || content_type.find("json") != std::string_view::npos ||
         content_type.find("xml") != std::string_view::npos ||
         content_type.find("x-www-form-urlencoded") != std::string_view::npos ||
         content_type.find("javascript") != std::string_view::npos;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string ClfTime(int64_t epoch_ms) {
  std::time_t t = epoch_ms / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%d/%b/%Y:%H:%M:%S +0000", &tm);
  return buf;
}

http::Response Plain(int status, std::string message) {
  http::Response r;
  r.status = status;
  r.headers.Add("Content-Type", "application/json");
  r.body = json{{"Message", std::move(message)}}.dump();
  return r;
}

}  // namespace

namespace {
// Everything of the event but its body.
json UrlEventHead(const http::Request& request, const std::string& url_id, const std::string& request_id) {
  json headers = json::object();
  json cookies = json::array();
  for (const auto& [name, value] : request.headers.fields()) {
    std::string key = Lower(name);
    if (key == "cookie") {
      std::string_view v = value;
      while (!v.empty()) {
        size_t semi = v.find(';');
        std::string_view c = v.substr(0, semi);
        while (!c.empty() && c.front() == ' ') c.remove_prefix(1);
        if (!c.empty()) cookies.push_back(std::string(c));
        if (semi == std::string_view::npos) break;
        v.remove_prefix(semi + 1);
      }
      continue;
    }
    if (headers.contains(key)) {
      headers[key] = headers[key].get<std::string>() + "," + value;
    } else {
      headers[key] = value;
    }
  }
  json query = json::object();
  for (const auto& [k, v] : request.query) {
    query[k] = query.contains(k) ? query[k].get<std::string>() + "," + v : v;
  }
  const int64_t now = EpochMs();
  std::string host(request.headers.GetOr("Host", "127.0.0.1"));
  json event = {
      {"version", "2.0"},
      {"routeKey", "$default"},
      {"rawPath", request.raw_path.empty() ? "/" : request.raw_path},
      {"rawQueryString", request.raw_query},
      {"headers", headers},
      {"requestContext",
       {{"accountId", "anonymous"},
        {"apiId", url_id},
        {"domainName", host},
        {"domainPrefix", url_id},
        {"http",
         {{"method", request.method},
          {"path", request.path.empty() ? "/" : request.path},
          {"protocol", "HTTP/1.1"},
          {"sourceIp", request.remote_addr.substr(0, request.remote_addr.rfind(':'))},
          {"userAgent", std::string(request.headers.GetOr("User-Agent", ""))}}},
        {"requestId", request_id},
        {"routeKey", "$default"},
        {"stage", "$default"},
        {"time", ClfTime(now)},
        {"timeEpoch", now}}},
      {"isBase64Encoded", false}};
  if (!cookies.empty()) event["cookies"] = cookies;
  if (!query.empty()) event["queryStringParameters"] = query;
  return event;
}

bool HasBinaryBody(const http::Request& request) {
  return !request.body.empty() && !IsTextual(request.headers.GetOr("Content-Type", ""));
}
}  // namespace

json UrlEvent(const http::Request& request, const std::string& url_id, const std::string& request_id) {
  json event = UrlEventHead(request, url_id, request_id);
  if (!request.body.empty()) {
    if (IsTextual(request.headers.GetOr("Content-Type", ""))) {
      event["body"] = request.body;
    } else {
      event["body"] = base::Base64Encode(request.body);
      event["isBase64Encoded"] = true;
    }
  }
  return event;
}

std::string UrlEventPayload(const http::Request& request, const std::string& url_id, const std::string& request_id) {
  if (!HasBinaryBody(request)) {
    return UrlEvent(request, url_id, request_id).dump(-1, ' ', false, json::error_handler_t::replace);
  }
  // Pipeline 1's frame is a ~200 KB binary body. Its base64 text needs no JSON escaping, so it is
  // appended to the event's text rather than stored in a json value that dump() then copies
  // character by character through its escaper (8-20 ms per event on a loaded machine).
  json head = UrlEventHead(request, url_id, request_id);
  head["isBase64Encoded"] = true;
  std::string payload = head.dump(-1, ' ', false, json::error_handler_t::replace);
  const std::string body = base::Base64Encode(request.body);
  payload.pop_back();  // the closing brace of the head object
  payload.reserve(payload.size() + body.size() + 12);
  payload += ",\"body\":\"";
  payload += body;
  payload += "\"}";
  return payload;
}

http::Response UrlResponse(const InvokeResult& result) {
  using Kind = InvokeResult::Kind;
  http::Response r;
  switch (result.kind) {
    case Kind::kThrottled: return Plain(429, "Rate Exceeded.");
    case Kind::kNotFound: return Plain(404, "Not Found");
    case Kind::kServiceError: return Plain(500, "Internal Server Error");
    case Kind::kFunctionError: return Plain(502, "Internal Server Error");
    case Kind::kSuccess: break;
  }
  r.headers.Add("x-amzn-RequestId", result.request_id);
  json payload = json::parse(result.payload, nullptr, false);
  if (payload.is_object() && payload.contains("statusCode")) {
    try {
      r.status = payload["statusCode"].get<int>();
      bool has_type = false;
      if (payload.contains("headers") && payload["headers"].is_object()) {
        for (const auto& [k, v] : payload["headers"].items()) {
          if (http::EqualsIgnoreCase(k, "content-type")) has_type = true;
          r.headers.Add(k, v.is_string() ? v.get<std::string>() : v.dump());
        }
      }
      if (payload.contains("cookies") && payload["cookies"].is_array()) {
        for (const auto& c : payload["cookies"]) r.headers.Add("Set-Cookie", c.get<std::string>());
      }
      if (payload.contains("body")) {
        const json& body = payload["body"];
        r.body = body.is_string() ? body.get<std::string>() : body.dump();
        if (payload.value("isBase64Encoded", false)) {
          // A body that says it is base64 and is not: the function's answer is malformed (502).
          std::optional<std::string> decoded = base::Base64Decode(r.body, base::Base64Mode::kLenient);
          if (!decoded) return Plain(502, "Internal Server Error");
          r.body = std::move(*decoded);
        }
      }
      if (!has_type) r.headers.Add("Content-Type", "application/json");
      return r;
    } catch (const json::exception&) {
      return Plain(502, "Internal Server Error");
    }
  }
  // Any other result is the body of a 200 (Lambda's inference for a plain return value).
  r.status = 200;
  r.headers.Add("Content-Type", "application/json");
  r.body = result.payload;
  return r;
}

struct FunctionUrls::Entry {
  UrlConfig config;
  std::unique_ptr<net::Server> server;
};

FunctionUrls::FunctionUrls(Engine* engine) : engine_(engine) {}
FunctionUrls::~FunctionUrls() { StopAll(); }

void FunctionUrls::StopAll() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [name, e] : entries_) e->server->Stop();
}

base::StatusOr<UrlConfig> FunctionUrls::Create(UrlConfig config) {
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.count(config.function)) {
    return base::Status::AlreadyExists("Failed to create function url config for [functionArn = " +
                                       engine_->FunctionArn(config.function) + "]. Error message:  FunctionUrlConfig exists for this Lambda function");
  }
  if (config.url_id.empty()) config.url_id = RandomHex(32);
  if (config.created_ms == 0) config.created_ms = EpochMs();
  config.modified_ms = EpochMs();
  Engine* engine = engine_;
  std::string function = config.function;
  std::string url_id = config.url_id;
  http::Handler handler = [engine, function, url_id](http::Request&& request, http::Reply reply) {
    InvokeRequest invoke;
    invoke.function_name = function;
    std::string request_id = NewRequestId();
    invoke.payload = UrlEventPayload(request, url_id, request_id);
    if (invoke.payload.size() > 6 * 1024 * 1024) return reply(Plain(413, "Request Entity Too Large"));
    engine->Invoke(std::move(invoke), [reply](InvokeResult result) { reply(UrlResponse(result)); });
  };
  auto entry = std::make_unique<Entry>();
  net::ServerOptions options;
  options.host = "127.0.0.1";
  options.io_threads = 1;
  options.max_body_bytes = 8ull << 20;
  options.port = static_cast<uint16_t>(config.port);
  entry->server = std::make_unique<net::Server>(options, handler);
  base::Status started = entry->server->Start();
  if (!started.ok() && config.port != 0) {  // the old port is taken: any port
    options.port = 0;
    entry->server = std::make_unique<net::Server>(options, handler);
    started = entry->server->Start();
  }
  if (!started.ok()) return started;
  config.port = entry->server->port();
  entry->config = config;
  entries_.emplace(config.function, std::move(entry));
  return config;
}

base::StatusOr<UrlConfig> FunctionUrls::Get(const std::string& function) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(function);
  if (it == entries_.end()) {
    return base::Status::NotFound("The resource you requested does not exist.");
  }
  return it->second->config;
}

base::Status FunctionUrls::Update(const std::string& function, const std::string& auth_type) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(function);
  if (it == entries_.end()) return base::Status::NotFound("The resource you requested does not exist.");
  it->second->config.auth_type = auth_type;
  it->second->config.modified_ms = EpochMs();
  return base::Status::Ok();
}

base::Status FunctionUrls::Delete(const std::string& function) {
  std::unique_ptr<Entry> gone;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(function);
    if (it == entries_.end()) return base::Status::NotFound("The resource you requested does not exist.");
    gone = std::move(it->second);
    entries_.erase(it);
  }
  gone->server->Stop();
  // Running invocations may still hold replies on its connections: the server object lives
  // until this FunctionUrls goes (after the engine, see LambdaApi's destructor).
  std::lock_guard<std::mutex> lock(mu_);
  retired_.push_back(std::move(gone));
  return base::Status::Ok();
}

std::map<std::string, UrlConfig> FunctionUrls::All() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, UrlConfig> out;
  for (const auto& [name, e] : entries_) out[name] = e->config;
  return out;
}

}  // namespace cloud::lambda
