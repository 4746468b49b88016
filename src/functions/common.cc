#include "functions/common.h"

#include <cstdlib>

namespace functions {

std::string EnvOr(const char* name, std::string_view fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : std::string(fallback);
}

runtime::InvocationResponse Fail(std::string_view error_type, const std::string& message) {
  return runtime::InvocationResponse::Failure(message, std::string(error_type));
}

runtime::InvocationResponse FailWith(const base::Status& status) {
  switch (status.code()) {
    case base::Status::Code::kInvalidArgument:
      return Fail(kInvalidEvent, status.message());
    case base::Status::Code::kNotFound:
      return Fail(kNotFound, status.message());
    default:
      return Fail(kServiceError, status.message());
  }
}

runtime::InvocationResponse Answer(const nlohmann::json& body) {
  return runtime::InvocationResponse::Success(body.dump(), "application/json");
}

nlohmann::json ParsePayload(const std::string& payload) { return nlohmann::json::parse(payload, nullptr, false); }

}  // namespace functions
