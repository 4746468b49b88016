// Lambda's management operations (everything but Invoke): functions, their configuration,
// concurrency, provisioned concurrency, event-invoke configuration, function URLs and event
// source mappings. Every change is written to the registry (SaveRegistry).
#include <optional>

#include <nlohmann/json.hpp>

#include "cloud/lambda/lambda_api.h"
#include "cloud/lambda/lambda_wire.h"

namespace cloud::lambda {

namespace {
http::Response NoContent() {
  http::Response r;
  r.status = 204;
  return r;
}
}  // namespace

using json = nlohmann::json;

// /VERSION/functions[/NAME[/SUB]] for everything but POST .../invocations.
void LambdaApi::HandleFunctions(const std::vector<std::string>& seg, http::Request&& request, http::Reply reply) {
  const std::string& m = request.method;
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
    return reply(NoContent());
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
      if (m == "DELETE") return reply(NoContent());
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
      if (m == "DELETE") return reply(NoContent());
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
    return reply(NoContent());
  }
  reply(Error(404, "ResourceNotFoundException", "Unknown Lambda operation: " + m + " " + request.path));
}

}  // namespace cloud::lambda
