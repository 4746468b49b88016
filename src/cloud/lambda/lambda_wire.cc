#include "cloud/lambda/lambda_wire.h"

#include "base/time_format.h"

#include <cstdio>
#include <ctime>

namespace cloud::lambda {

using json = nlohmann::json;

std::string LastModified(int64_t epoch_ms) { return base::UtcMillisTime(epoch_ms, "+0000"); }

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

}  // namespace cloud::lambda
