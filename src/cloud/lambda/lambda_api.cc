#include "cloud/lambda/lambda_api.h"

#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

#include "aws/sigv4.h"
#include "base/files.h"
#include "client/http_client.h"
#include "cloud/lambda/engine_internal.h"
#include "cloud/lambda/errors.h"
#include "cloud/lambda/runtime_api.h"
#include "cloud/lambda/sqs_client.h"
#include "runtime/protocol.h"

namespace cloud::lambda {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxSyncPayload = 6 * 1024 * 1024;  // 6 MB (RequestResponse)
constexpr size_t kMaxAsyncPayload = 1024 * 1024;     // 1 MB (Event; 256 KB before 2025)

std::string Base64(std::string_view in) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i < in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    if (i + 1 < in.size()) v |= uint8_t(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string LastModified(int64_t epoch_ms) {
  std::time_t t = epoch_ms / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%s.%03d+0000", buf, static_cast<int>(epoch_ms % 1000));
  return out;
}

http::Response Error(int status, std::string_view code, const std::string& message) {
  http::Response r;
  r.status = status;
  r.headers.Add("Content-Type", "application/json");
  r.headers.Add("x-amzn-ErrorType", std::string(code));
  r.body = json{{"Type", "User"}, {"message", message}}.dump();
  return r;
}

http::Response ErrorFor(const base::Status& s) {
  using Code = base::Status::Code;
  switch (s.code()) {
    case Code::kNotFound: return Error(404, "ResourceNotFoundException", s.message());
    case Code::kAlreadyExists: return Error(409, "ResourceConflictException", s.message());
    case Code::kInvalidArgument: return Error(400, "InvalidParameterValueException", s.message());
    default: return Error(500, "ServiceException", s.message());
  }
}

http::Response Json(int status, const json& body) {
  http::Response r;
  r.status = status;
  r.headers.Add("Content-Type", "application/json");
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

// "echo", "arn:aws:lambda:us-east-1:000000000000:function:echo[:qualifier]", "000000000000:function:echo".
std::string FunctionNameOf(std::string_view ref) {
  auto pos = ref.find("function:");
  if (pos != std::string_view::npos) {
    ref = ref.substr(pos + 9);
    auto colon = ref.find(':');
    if (colon != std::string_view::npos) ref = ref.substr(0, colon);
    return std::string(ref);
  }
  auto colon = ref.find(':');  // "name:qualifier"
  return std::string(colon == std::string_view::npos ? ref : ref.substr(0, colon));
}

json ConfigJson(const FunctionConfig& c, const std::string& arn, const ServiceContext& ctx) {
  json vars = json::object();
  for (const auto& [k, v] : c.environment) vars[k] = v;
  json j = {{"FunctionName", c.name},
            {"FunctionArn", arn},
            {"Runtime", c.runtime},
            {"Role", "arn:aws:iam::" + ctx.account_id + ":role/lambda-role"},
            {"Handler", c.handler},
            {"CodeSize", 0},
            {"Description", c.description},
            {"Timeout", c.timeout_s},
            {"MemorySize", c.memory_mb},
            {"LastModified", LastModified(c.last_modified_ms)},
            {"CodeSha256", ""},
            {"Version", "$LATEST"},
            {"Environment", {{"Variables", vars}}},
            {"TracingConfig", {{"Mode", "PassThrough"}}},
            {"State", "Active"},
            {"LastUpdateStatus", "Successful"},
            {"PackageType", "Zip"},
            {"Architectures", json::array({"x86_64"})},
            {"EphemeralStorage", {{"Size", 512}}},
            {"Command", c.command}};
  return j;
}

// Applies the Lambda fields present in `j` to `c`. InvalidArgument for wrong types.
base::Status ApplyConfigJson(const json& j, FunctionConfig& c) {
  try {
    if (j.contains("FunctionName")) c.name = j.at("FunctionName").get<std::string>();
    if (j.contains("Command")) {
      const json& cmd = j.at("Command");
      c.command = cmd.is_string() ? std::vector<std::string>{cmd.get<std::string>()} : cmd.get<std::vector<std::string>>();
    }
    if (j.contains("Handler")) c.handler = j.at("Handler").get<std::string>();
    if (j.contains("Runtime")) c.runtime = j.at("Runtime").get<std::string>();
    if (j.contains("Description")) c.description = j.at("Description").get<std::string>();
    if (j.contains("MemorySize")) c.memory_mb = j.at("MemorySize").get<int>();
    if (j.contains("Timeout")) c.timeout_s = j.at("Timeout").get<int>();
    if (j.contains("TaskRoot")) c.task_root = j.at("TaskRoot").get<std::string>();
    if (j.contains("Environment")) {
      c.environment.clear();
      const json& env = j.at("Environment");
      if (env.contains("Variables")) {
        for (const auto& [k, v] : env.at("Variables").items()) c.environment[k] = v.get<std::string>();
      }
    }
    if (j.contains("ReservedConcurrentExecutions")) {
      if (j.at("ReservedConcurrentExecutions").is_null()) {
        c.reserved_concurrency.reset();
      } else {
        c.reserved_concurrency = j.at("ReservedConcurrentExecutions").get<int>();
      }
    }
    if (j.contains("ProvisionedConcurrentExecutions")) {
      c.provisioned_concurrency = j.at("ProvisionedConcurrentExecutions").get<int>();
    }
    if (j.contains("MaximumRetryAttempts")) c.max_retry_attempts = j.at("MaximumRetryAttempts").get<int>();
    if (j.contains("MaximumEventAgeInSeconds")) c.max_event_age_s = j.at("MaximumEventAgeInSeconds").get<int>();
    if (j.contains("DestinationConfig")) {
      const json& d = j.at("DestinationConfig");
      if (d.contains("OnFailure")) c.on_failure_destination = d["OnFailure"].value("Destination", "");
      if (d.contains("OnSuccess")) c.on_success_destination = d["OnSuccess"].value("Destination", "");
    }
  } catch (const json::exception& e) {
    return base::Status::InvalidArgument(std::string("bad request body: ") + e.what());
  }
  return base::Status::Ok();
}

json RegistryEntry(const FunctionConfig& c) {
  json vars = json::object();
  for (const auto& [k, v] : c.environment) vars[k] = v;
  json j = {{"FunctionName", c.name}, {"Command", c.command}, {"Handler", c.handler},
            {"Runtime", c.runtime}, {"Description", c.description}, {"MemorySize", c.memory_mb},
            {"Timeout", c.timeout_s}, {"Environment", {{"Variables", vars}}}, {"TaskRoot", c.task_root},
            {"MaximumRetryAttempts", c.max_retry_attempts}, {"MaximumEventAgeInSeconds", c.max_event_age_s},
            {"DestinationConfig", {{"OnFailure", {{"Destination", c.on_failure_destination}}},
                                   {"OnSuccess", {{"Destination", c.on_success_destination}}}}}};
  if (c.reserved_concurrency) j["ReservedConcurrentExecutions"] = *c.reserved_concurrency;
  if (c.provisioned_concurrency) j["ProvisionedConcurrentExecutions"] = c.provisioned_concurrency;
  return j;
}

json EventInvokeConfigJson(const FunctionConfig& c, const std::string& arn) {
  json dest = json::object();
  dest["OnFailure"] = c.on_failure_destination.empty() ? json::object() : json{{"Destination", c.on_failure_destination}};
  dest["OnSuccess"] = c.on_success_destination.empty() ? json::object() : json{{"Destination", c.on_success_destination}};
  return {{"FunctionArn", arn + ":$LATEST"}, {"MaximumRetryAttempts", c.max_retry_attempts},
          {"MaximumEventAgeInSeconds", c.max_event_age_s}, {"LastModified", c.last_modified_ms / 1000.0},
          {"DestinationConfig", dest}};
}

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
  // /VERSION/functions[/NAME[/SUB]]
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
  const std::string& version = seg[0];
  auto json_body = [&]() -> std::optional<json> {
    json j = request.body.empty() ? json::object() : json::parse(request.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    return j;
  };
  auto bad_json = [&] { reply(Error(400, "InvalidRequestContentException", "Could not parse request body into json")); };

  if (seg.size() == 2) {
    if (m == "GET") {
      json list = json::array();
      for (const auto& c : engine_->ListFunctions()) list.push_back(ConfigJson(c, engine_->FunctionArn(c.name), ctx_));
      reply(Json(200, {{"Functions", list}}));
      return;
    }
    if (m == "POST") {  // CreateFunction
      auto j = json_body();
      if (!j) return bad_json();
      FunctionConfig c;
      base::Status s = ApplyConfigJson(*j, c);
      if (s.ok() && c.command.empty()) {
        s = base::Status::InvalidArgument(
            "edgeface runs functions as local commands: give \"Command\": [argv...] (zip and image code are not supported)");
      }
      if (s.ok()) s = engine_->CreateFunction(c);
      if (s.ok()) s = SaveRegistry();
      if (!s.ok()) return reply(ErrorFor(s));
      auto created = engine_->GetFunction(c.name);
      return reply(Json(201, ConfigJson(*created, engine_->FunctionArn(c.name), ctx_)));
    }
  }
  if (seg.size() < 3) {
    reply(Error(404, "ResourceNotFoundException", "Unknown Lambda operation: " + m + " " + request.path));
    return;
  }
  const std::string name = FunctionNameOf(seg[2]);
  const std::string sub = seg.size() > 3 ? seg[3] : "";
  auto config = engine_->GetFunction(name);
  if (!config.ok()) return reply(ErrorFor(config.status()));
  const std::string arn = engine_->FunctionArn(name);

  if (sub == "invocations" && m == "POST") return Invoke(name, std::move(request), std::move(reply));
  if (sub == "url") return HandleUrlConfig(name, std::move(request), std::move(reply));
  if (sub.empty() && m == "GET") {
    json concurrency = json::object();
    if (config->reserved_concurrency) concurrency["ReservedConcurrentExecutions"] = *config->reserved_concurrency;
    return reply(Json(200, {{"Configuration", ConfigJson(*config, arn, ctx_)},
                            {"Code", {{"RepositoryType", "Local"}, {"Location", ""}}},
                            {"Concurrency", concurrency}}));
  }
  if (sub.empty() && m == "DELETE") {
    (void)urls_->Delete(name);
    base::Status s = engine_->DeleteFunction(name);
    if (s.ok()) s = SaveRegistry();
    if (!s.ok()) return reply(ErrorFor(s));
    http::Response r;
    r.status = 204;
    return reply(std::move(r));
  }
  if (sub == "configuration" && m == "GET") return reply(Json(200, ConfigJson(*config, arn, ctx_)));
  if (sub == "configuration" && m == "PUT") {
    auto j = json_body();
    if (!j) return bad_json();
    (*j)["FunctionName"] = name;  // the path names the function
    FunctionConfig c = *config;
    base::Status s = ApplyConfigJson(*j, c);
    if (s.ok()) s = engine_->UpdateFunction(c);
    if (s.ok()) s = SaveRegistry();
    if (!s.ok()) return reply(ErrorFor(s));
    return reply(Json(200, ConfigJson(*engine_->GetFunction(name), arn, ctx_)));
  }
  if (sub == "concurrency") {
    FunctionConfig c = *config;
    if (m == "GET") {
      json j = json::object();
      if (c.reserved_concurrency) j["ReservedConcurrentExecutions"] = *c.reserved_concurrency;
      return reply(Json(200, j));
    }
    if (m == "PUT" || m == "DELETE") {
      if (m == "PUT") {
        auto j = json_body();
        if (!j) return bad_json();
        if (!j->contains("ReservedConcurrentExecutions") || !(*j)["ReservedConcurrentExecutions"].is_number_integer()) {
          return reply(Error(400, "InvalidParameterValueException", "ReservedConcurrentExecutions is required"));
        }
        int n = (*j)["ReservedConcurrentExecutions"].get<int>();
        if (n < 0 || n > engine_->options().account_concurrency) {
          return reply(Error(400, "InvalidParameterValueException",
                             "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [0]."));
        }
        c.reserved_concurrency = n;
      } else {
        c.reserved_concurrency.reset();
      }
      base::Status s = engine_->UpdateFunction(c);
      if (s.ok()) s = SaveRegistry();
      if (!s.ok()) return reply(ErrorFor(s));
      if (m == "DELETE") {
        http::Response r;
        r.status = 204;
        return reply(std::move(r));
      }
      return reply(Json(200, {{"ReservedConcurrentExecutions", *c.reserved_concurrency}}));
    }
  }
  if (sub == "provisioned-concurrency") {
    // Put/Get/DeleteProvisionedConcurrencyConfig; the qualifier (an alias or version on AWS) is
    // ignored: the count applies to the function.
    FunctionConfig c = *config;
    auto status_json = [&](const FunctionConfig& fc) {
      auto stats = engine_->Stats(name);
      int ready = stats.ok() ? std::min(stats->provisioned_ready, fc.provisioned_concurrency) : 0;
      return json{{"RequestedProvisionedConcurrentExecutions", fc.provisioned_concurrency},
                  {"AvailableProvisionedConcurrentExecutions", ready},
                  {"AllocatedProvisionedConcurrentExecutions", ready},
                  {"Status", ready >= fc.provisioned_concurrency ? "READY" : "IN_PROGRESS"},
                  {"LastModified", LastModified(fc.last_modified_ms)}};
    };
    if (m == "GET") {
      if (c.provisioned_concurrency == 0) {
        return reply(Error(404, "ProvisionedConcurrencyConfigNotFoundException",
                           "No Provisioned Concurrency Config found for this function"));
      }
      return reply(Json(200, status_json(c)));
    }
    if (m == "PUT" || m == "DELETE") {
      if (m == "PUT") {
        auto j = json_body();
        if (!j) return bad_json();
        if (!j->contains("ProvisionedConcurrentExecutions") || !(*j)["ProvisionedConcurrentExecutions"].is_number_integer() ||
            (*j)["ProvisionedConcurrentExecutions"].get<int>() < 1) {
          return reply(Error(400, "InvalidParameterValueException", "ProvisionedConcurrentExecutions must be at least 1"));
        }
        c.provisioned_concurrency = (*j)["ProvisionedConcurrentExecutions"].get<int>();
      } else {
        c.provisioned_concurrency = 0;
      }
      base::Status s = engine_->UpdateFunction(c);
      if (s.ok()) s = SaveRegistry();
      if (!s.ok()) return reply(ErrorFor(s));
      if (m == "DELETE") {
        http::Response r;
        r.status = 204;
        return reply(std::move(r));
      }
      return reply(Json(202, status_json(*engine_->GetFunction(name))));
    }
  }
  if (sub == "event-invoke-config") {
    FunctionConfig c = *config;
    if (m == "GET") return reply(Json(200, EventInvokeConfigJson(c, arn)));
    if (m == "PUT" || m == "POST") {
      auto j = json_body();
      if (!j) return bad_json();
      if (m == "PUT") {  // Put replaces, Update (POST) merges
        c.max_retry_attempts = 2;
        c.max_event_age_s = 21600;
        c.on_failure_destination.clear();
        c.on_success_destination.clear();
      }
      (*j)["FunctionName"] = name;
      base::Status s = ApplyConfigJson(*j, c);
      if (s.ok()) s = engine_->UpdateFunction(c);
      if (s.ok()) s = SaveRegistry();
      if (!s.ok()) return reply(ErrorFor(s));
      return reply(Json(200, EventInvokeConfigJson(c, arn)));
    }
  }
  (void)version;
  reply(Error(404, "ResourceNotFoundException", "Unknown Lambda operation: " + m + " " + request.path));
}

void LambdaApi::HandleMappings(const std::vector<std::string>& seg, http::Request&& request, http::Reply reply) {
  const std::string& m = request.method;
  auto describe = [&](const MappingConfig& mc, const char* state) {
    return MappingJson(mc, engine_->FunctionArn(mc.function), state);
  };
  if (seg.size() == 2 && m == "POST") {
    json body = json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
    if (!body.is_object()) return reply(Error(400, "InvalidRequestContentException", "Could not parse request body into json"));
    MappingConfig mc;
    try {
      mc.function = FunctionNameOf(body.value("FunctionName", ""));
      mc.event_source_arn = body.value("EventSourceArn", "");
      mc.batch_size = body.value("BatchSize", 10);
      mc.max_batching_window_s = body.value("MaximumBatchingWindowInSeconds", 0);
      mc.enabled = body.value("Enabled", true);
    } catch (const json::exception& e) {
      return reply(Error(400, "InvalidParameterValueException", e.what()));
    }
    auto created = mappings_->Create(mc);
    if (!created.ok()) return reply(ErrorFor(created.status()));
    base::Status s = SaveRegistry();
    if (!s.ok()) return reply(ErrorFor(s));
    return reply(Json(202, describe(*created, created->enabled ? "Enabled" : "Disabled")));
  }
  if (seg.size() == 2 && m == "GET") {
    std::string function = FunctionNameOf(std::string(request.Query("FunctionName").value_or("")));
    std::string source(request.Query("EventSourceArn").value_or(""));
    json list = json::array();
    for (const auto& mc : mappings_->List()) {
      if (!function.empty() && mc.function != function) continue;
      if (!source.empty() && mc.event_source_arn != source) continue;
      list.push_back(describe(mc, mc.enabled ? "Enabled" : "Disabled"));
    }
    return reply(Json(200, {{"EventSourceMappings", list}}));
  }
  if (seg.size() == 3 && m == "GET") {
    auto mc = mappings_->Get(seg[2]);
    if (!mc.ok()) return reply(ErrorFor(mc.status()));
    return reply(Json(200, describe(*mc, mc->enabled ? "Enabled" : "Disabled")));
  }
  if (seg.size() == 3 && m == "DELETE") {
    auto mc = mappings_->Delete(seg[2]);
    if (!mc.ok()) return reply(ErrorFor(mc.status()));
    base::Status s = SaveRegistry();
    if (!s.ok()) return reply(ErrorFor(s));
    return reply(Json(202, describe(*mc, "Deleting")));
  }
  reply(Error(404, "ResourceNotFoundException", "Unknown Lambda operation: " + m + " " + request.path));
}

void LambdaApi::HandleUrlConfig(const std::string& name, http::Request&& request, http::Reply reply) {
  const std::string& m = request.method;
  const std::string arn = engine_->FunctionArn(name);
  auto describe = [&](const UrlConfig& u, bool with_modified) {
    json j = {{"FunctionUrl", u.url()}, {"FunctionArn", arn}, {"AuthType", u.auth_type},
              {"CreationTime", LastModified(u.created_ms)}, {"InvokeMode", "BUFFERED"}};
    if (with_modified) j["LastModifiedTime"] = LastModified(u.modified_ms);
    return j;
  };
  json body = request.body.empty() ? json::object() : json::parse(request.body, nullptr, false);
  if (!body.is_object()) return reply(Error(400, "InvalidRequestContentException", "Could not parse request body into json"));
  std::string auth = body.value("AuthType", "NONE");
  if ((m == "POST" || m == "PUT") && auth != "NONE" && auth != "AWS_IAM") {
    return reply(Error(400, "ValidationException", "1 validation error detected: Value '" + auth +
                                                       "' at 'authType' failed to satisfy constraint: Member must satisfy enum value set: [NONE, AWS_IAM]"));
  }
  if (m == "POST") {
    UrlConfig u;
    u.function = name;
    u.auth_type = auth;
    auto created = urls_->Create(u);
    if (!created.ok()) return reply(ErrorFor(created.status()));
    base::Status s = SaveRegistry();
    if (!s.ok()) return reply(ErrorFor(s));
    std::fprintf(stderr, "edgeface cloud: function URL of %s: %s\n", name.c_str(), created->url().c_str());
    return reply(Json(201, describe(*created, false)));
  }
  if (m == "GET") {
    auto u = urls_->Get(name);
    if (!u.ok()) return reply(ErrorFor(u.status()));
    return reply(Json(200, describe(*u, true)));
  }
  if (m == "PUT") {
    base::Status s = urls_->Update(name, auth);
    if (s.ok()) s = SaveRegistry();
    if (!s.ok()) return reply(ErrorFor(s));
    return reply(Json(200, describe(*urls_->Get(name), true)));
  }
  if (m == "DELETE") {
    base::Status s = urls_->Delete(name);
    if (s.ok()) s = SaveRegistry();
    if (!s.ok()) return reply(ErrorFor(s));
    http::Response r;
    r.status = 204;
    return reply(std::move(r));
  }
  reply(Error(404, "ResourceNotFoundException", "Unknown Lambda operation: " + m + " " + request.path));
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
        if (!result.log_tail.empty()) r.headers.Add("X-Amz-Log-Result", Base64(result.log_tail));
        r.body = std::move(result.payload);
        break;
    }
    r.headers.Add("x-amzn-RequestId", result.request_id);
    reply(std::move(r));
  });
}

}  // namespace cloud::lambda
