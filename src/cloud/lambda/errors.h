// Lambda's error bodies, as the engine produces them for failures it detects itself
// (timeouts, crashes, out of memory, init errors, throttles).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace cloud::lambda {

// {"errorMessage": ..., "errorType": ...} — the body an invoker gets with X-Amz-Function-Error.
inline std::string ErrorJson(const std::string& message, const std::string& type) {
  nlohmann::json j = {{"errorMessage", message}, {"errorType", type}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace cloud::lambda
