// The JSON shapes of Lambda's REST API, shared by the invoke path (lambda_api.cc) and the
// management operations (lambda_manage.cc): error replies, FunctionConfiguration, the registry
// entry of <data_dir>/functions.json, and the event-invoke configuration.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "cloud/gateway/service.h"
#include "cloud/lambda/function.h"
#include "http/message.h"

namespace cloud::lambda {

// Lambda's error reply: x-amzn-ErrorType `code` and {"Type":"User","message":...}.
http::Response Error(int status, std::string_view code, const std::string& message);
// NotFound → 404 ResourceNotFoundException, AlreadyExists → 409 ResourceConflictException,
// InvalidArgument → 400 InvalidParameterValueException, anything else → 500 ServiceException.
http::Response ErrorFor(const base::Status& s);
http::Response Json(int status, const nlohmann::json& body);
// "2026-11-23T13:00:00.000+0000", Lambda's LastModified format.
std::string LastModified(int64_t epoch_ms);
// "echo", "arn:aws:lambda:us-east-1:000000000000:function:echo[:qualifier]", "000000000000:function:echo" → "echo".
std::string FunctionNameOf(std::string_view ref);
// FunctionConfiguration as GetFunctionConfiguration answers it (plus our local "Command").
nlohmann::json ConfigJson(const FunctionConfig& c, const std::string& arn, const ServiceContext& ctx);
// Applies the Lambda fields present in `j` to `c`. InvalidArgument for wrong types.
base::Status ApplyConfigJson(const nlohmann::json& j, FunctionConfig& c);
// One function of the registry file.
nlohmann::json RegistryEntry(const FunctionConfig& c);
// Get/Put/UpdateFunctionEventInvokeConfig's answer.
nlohmann::json EventInvokeConfigJson(const FunctionConfig& c, const std::string& arn);

}  // namespace cloud::lambda
