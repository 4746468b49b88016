#include "cloud/lambda/lambda_api.h"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "base/files.h"
#include "cloud/lambda/engine_internal.h"
#include "cloud/lambda/lambda_wire.h"
#include "cloud/lambda/runtime_api.h"
#include "cloud/lambda/sqs_client.h"

namespace cloud::lambda {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxSyncPayload = 6 * 1024 * 1024;  // 6 MB (RequestResponse)
constexpr size_t kMaxAsyncPayload = 1024 * 1024;     // 1 MB (Event; 256 KB before 2025)

// Sends a destination record to an SQS queue ARN through our own endpoint, signed as any client.
DestinationSender SqsDestinationSender(const ServiceContext& ctx) {
  return [ctx](const std::string& arn, const std::string& record) -> base::Status {
    SqsClient sqs(ctx);  // called from the engine's one async thread; a connection per record is fine
    auto url = sqs.QueueUrl(arn);
    if (!url.ok()) return url.status();
    auto sent = sqs.Call("SendMessage", {{"QueueUrl", *url}, {"MessageBody", record}});
    return sent.status();
  };
}

}  // namespace

ServiceRoute LambdaRoute() {
  ServiceRoute r;
  r.name = "lambda";
  r.error_format = ErrorFormat::kRestJson;
  r.path_prefixes = {"/2015-03-31/functions", "/2017-10-31/functions", "/2019-09-30/functions",
                     "/2019-09-25/functions", "/2021-10-31/functions", "/2015-03-31/event-source-mappings"};
  return r;
}

base::StatusOr<std::unique_ptr<LambdaApi>> LambdaApi::Open(const ServiceContext& ctx) {
  EngineOptions options;
  options.data_dir = ctx.data_dir;
  return Open(ctx, std::move(options));
}

base::StatusOr<std::unique_ptr<LambdaApi>> LambdaApi::Open(const ServiceContext& ctx, EngineOptions options) {
  std::unique_ptr<LambdaApi> api(new LambdaApi(ctx));
  json registry = json::object();
  auto text = base::ReadFile(ctx.data_dir + "/functions.json", 16 << 20);
  if (text.ok()) {
    registry = json::parse(*text, nullptr, false);
    if (registry.is_discarded() || !registry.is_object()) {
      return base::Status::Corruption(ctx.data_dir + "/functions.json: not a JSON object");
    }
  }
  if (registry.contains("Settings")) {
    const json& s = registry["Settings"];
    try {
      if (s.contains("AccountConcurrency")) options.account_concurrency = s["AccountConcurrency"].get<int>();
      if (s.contains("IdleTimeoutMs")) options.idle_timeout = std::chrono::milliseconds(s["IdleTimeoutMs"].get<int64_t>());
      if (s.contains("AsyncRetryDelaysMs")) {
        options.async_retry_delays.clear();
        for (const auto& d : s["AsyncRetryDelaysMs"]) options.async_retry_delays.emplace_back(d.get<int64_t>());
      }
    } catch (const json::exception& e) {
      return base::Status::Corruption(ctx.data_dir + "/functions.json: Settings: " + e.what());
    }
  }
  if (options.endpoint.empty()) options.endpoint = ctx.endpoint;
  options.region = ctx.region;
  options.account_id = ctx.account_id;
  if (!options.endpoint_factory) options.endpoint_factory = LoopbackRuntimeEndpointFactory();
  if (!options.destination_sender) options.destination_sender = SqsDestinationSender(ctx);
  auto engine = Engine::Open(std::move(options));
  if (!engine.ok()) return engine.status();
  api->engine_ = std::move(*engine);
  api->urls_ = std::make_unique<FunctionUrls>(api->engine_.get());
  api->mappings_ = std::make_unique<EventSourceMappings>(api->engine_.get(), ctx);
  if (registry.contains("Functions")) {
    for (const json& f : registry["Functions"]) {
      FunctionConfig c;
      base::Status s = ApplyConfigJson(f, c);
      if (s.ok()) s = api->engine_->CreateFunction(c);
      if (s.ok() && f.contains("FunctionUrlConfig")) {
        const json& u = f["FunctionUrlConfig"];
        UrlConfig url;
        url.function = c.name;
        url.auth_type = u.value("AuthType", "NONE");
        url.url_id = u.value("UrlId", "");
        url.port = u.value("Port", 0);
        url.created_ms = u.value("CreationTimeMs", int64_t{0});
        auto created = api->urls_->Create(url);
        s = created.status();
        if (s.ok()) std::fprintf(stderr, "edgeface cloud: function URL of %s: %s\n", c.name.c_str(), created->url().c_str());
      }
      if (!s.ok()) return s.WithContext(ctx.data_dir + "/functions.json");
    }
  }
  if (registry.contains("EventSourceMappings")) {
    for (const json& j : registry["EventSourceMappings"]) {
      MappingConfig mc;
      mc.uuid = j.value("UUID", "");
      mc.function = j.value("FunctionName", "");
      mc.event_source_arn = j.value("EventSourceArn", "");
      mc.batch_size = j.value("BatchSize", 10);
      mc.max_batching_window_s = j.value("MaximumBatchingWindowInSeconds", 0);
      mc.enabled = j.value("Enabled", true);
      auto created = api->mappings_->Create(mc);
      if (!created.ok()) return created.status().WithContext(ctx.data_dir + "/functions.json");
    }
  }
  return api;
}

LambdaApi::~LambdaApi() {
  if (mappings_) mappings_->StopAll();
  if (urls_) urls_->StopAll();
  engine_.reset();
  urls_.reset();
  mappings_.reset();
}

base::Status LambdaApi::SaveRegistry() {
  std::lock_guard<std::mutex> lock(registry_mu_);
  json registry = json::object();
  auto text = base::ReadFile(ctx_.data_dir + "/functions.json", 16 << 20);
  if (text.ok()) {
    json old = json::parse(*text, nullptr, false);
    if (old.is_object() && old.contains("Settings")) registry["Settings"] = old["Settings"];
  }
  registry["Functions"] = json::array();
  auto urls = urls_->All();
  for (const auto& c : engine_->ListFunctions()) {
    json entry = RegistryEntry(c);
    if (auto u = urls.find(c.name); u != urls.end()) {
      entry["FunctionUrlConfig"] = {{"AuthType", u->second.auth_type}, {"UrlId", u->second.url_id},
                                    {"Port", u->second.port}, {"CreationTimeMs", u->second.created_ms}};
    }
    registry["Functions"].push_back(entry);
  }
  registry["EventSourceMappings"] = json::array();
  for (const auto& mc : mappings_->List()) {
    registry["EventSourceMappings"].push_back({{"UUID", mc.uuid}, {"FunctionName", mc.function},
                                                {"EventSourceArn", mc.event_source_arn}, {"BatchSize", mc.batch_size},
                                                {"MaximumBatchingWindowInSeconds", mc.max_batching_window_s},
                                                {"Enabled", mc.enabled}});
  }
  return base::WriteFileAtomic(ctx_.data_dir + "/functions.json", registry.dump(2));
}

void LambdaApi::Handle(http::Request&& request, http::Reply reply) {
  // /VERSION/functions[/NAME[/SUB]] or /VERSION/event-source-mappings[/UUID]
  std::vector<std::string> seg;
  {
    std::string_view p = request.path;
    size_t start = 1;
    while (start <= p.size()) {
      size_t slash = p.find('/', start);
      if (slash == std::string_view::npos) slash = p.size();
      if (slash > start) seg.emplace_back(p.substr(start, slash - start));
      start = slash + 1;
    }
  }
  const std::string& m = request.method;
  if (seg.size() >= 2 && seg[1] == "event-source-mappings") return HandleMappings(seg, std::move(request), std::move(reply));
  if (seg.size() < 2 || seg[1] != "functions") {
    reply(Error(404, "ResourceNotFoundException", "Unknown Lambda operation: " + m + " " + request.path));
    return;
  }
  if (seg.size() > 3 && seg[3] == "invocations" && m == "POST") {  // the hot path: no copy of the configuration
    const std::string name = FunctionNameOf(seg[2]);
    if (!engine_->HasFunction(name)) {
      return reply(Error(404, "ResourceNotFoundException", "Function not found: " + engine_->FunctionArn(name)));
    }
    return Invoke(name, std::move(request), std::move(reply));
  }
  HandleFunctions(seg, std::move(request), std::move(reply));
}

void LambdaApi::Invoke(const std::string& name, http::Request&& request, http::Reply reply) {
  std::string type(request.headers.GetOr("X-Amz-Invocation-Type", "RequestResponse"));
  if (type == "DryRun") {
    http::Response r;
    r.status = 204;
    r.headers.Add("x-amzn-RequestId", NewRequestId());
    return reply(std::move(r));
  }
  InvokeRequest req;
  req.function_name = name;
  req.payload = std::move(request.body);
  if (req.payload.empty()) req.payload = "{}";
  req.client_context = std::string(request.headers.GetOr("X-Amz-Client-Context", ""));
  req.trace_id = std::string(request.headers.GetOr("X-Amzn-Trace-Id", ""));
  if (type == "Event") {
    if (req.payload.size() > kMaxAsyncPayload) {
      return reply(Error(413, "RequestTooLargeException",
                         "Request must be smaller than " + std::to_string(kMaxAsyncPayload) + " bytes for the InvokeAsync operation"));
    }
    auto id = engine_->InvokeAsync(std::move(req));
    if (!id.ok()) return reply(ErrorFor(id.status()));
    http::Response r;
    r.status = 202;
    r.headers.Add("x-amzn-RequestId", *id);
    return reply(std::move(r));
  }
  if (type != "RequestResponse") {
    return reply(Error(400, "InvalidParameterValueException",
                       "1 validation error detected: Value '" + type +
                           "' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"));
  }
  if (req.payload.size() > kMaxSyncPayload) {
    return reply(Error(413, "RequestTooLargeException",
                       "Request must be smaller than " + std::to_string(kMaxSyncPayload) + " bytes for the InvokeFunction operation"));
  }
  req.want_log_tail = request.headers.GetOr("X-Amz-Log-Type", "None") == "Tail";
  engine_->Invoke(std::move(req), [reply](InvokeResult result) {
    using Kind = InvokeResult::Kind;
    http::Response r;
    switch (result.kind) {
      case Kind::kThrottled: {
        r = Error(429, "TooManyRequestsException", result.message);
        r.body = json{{"Reason", result.error_type}, {"Type", "User"}, {"message", result.message}}.dump();
        r.headers.Add("Retry-After", "1");
        break;
      }
      case Kind::kNotFound: r = Error(404, "ResourceNotFoundException", result.message); break;
      case Kind::kServiceError: r = Error(500, "ServiceException", result.message); break;
      case Kind::kSuccess:
      case Kind::kFunctionError:
        r.status = 200;
        r.headers.Add("Content-Type", result.content_type.empty() ? "application/json" : result.content_type);
        r.headers.Add("X-Amz-Executed-Version", "$LATEST");
        if (result.kind == Kind::kFunctionError) r.headers.Add("X-Amz-Function-Error", "Unhandled");
        if (!result.log_tail.empty()) r.headers.Add("X-Amz-Log-Result", base::Base64Encode(result.log_tail));
        r.body = std::move(result.payload);
        break;
    }
    r.headers.Add("x-amzn-RequestId", result.request_id);
    reply(std::move(r));
  });
}


}  // namespace cloud::lambda
