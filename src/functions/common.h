// What every built-in function shares: the Function interface `edgeface fn` runs, configuration
// from the environment (PRODUCT.md's names and defaults), answers and function errors, timing.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "functions/events.h"
#include "runtime/runtime.h"

namespace functions {

// A function: Init once per instance (cold start), then Handle per invocation, on one thread.
class Function {
 public:
  virtual ~Function() = default;
  // Loads what every invocation needs (models, clients, the gallery). An error fails the
  // instance's init (/runtime/init/error) with its message.
  virtual base::Status Init() = 0;
  // Never throws on bad input: a bad event is a Failure of type InvalidEvent.
  virtual runtime::InvocationResponse Handle(const runtime::InvocationRequest& request) = 0;
};

// $name, or `fallback` when unset or empty.
std::string EnvOr(const char* name, std::string_view fallback);

// Function error types (errorType), one per thing a caller can act on.
inline constexpr char kInvalidEvent[] = "InvalidEvent";        // the event's shape is wrong
inline constexpr char kInvalidImage[] = "InvalidImage";        // the image or video does not decode
inline constexpr char kNotFound[] = "NotFound";                // the named object does not exist
inline constexpr char kServiceError[] = "ServiceError";        // S3/DynamoDB/SQS/Lambda failed
inline constexpr char kDownstreamError[] = "DownstreamFunctionError";  // an invoked function failed

runtime::InvocationResponse Fail(std::string_view error_type, const std::string& message);
// InvalidArgument → InvalidEvent, NotFound → NotFound, anything else → ServiceError.
runtime::InvocationResponse FailWith(const base::Status& status);
runtime::InvocationResponse Answer(const nlohmann::json& body);

// Runs `work` on each object the event names (ParseObjectRefs), in turn, and answers
// {answer_key: [each result]}. The first object that fails ends the invocation with a function
// error naming s3://bucket/key, logged to stderr under `function_name` (a status of
// InvalidArgument from `work` means the object itself is bad: InvalidImage), so that an
// asynchronous invocation is retried as a whole (the results of objects before it are then
// produced again: their effects must be idempotent).
runtime::InvocationResponse ForEachObject(std::string_view function_name, const runtime::InvocationRequest& request,
                                          const char* answer_key,
                                          const std::function<base::StatusOr<nlohmann::json>(const ObjectRef&)>& work);

// Parses the payload as a JSON object (nullopt-like: is_discarded() when it is not JSON).
nlohmann::json ParsePayload(const std::string& payload);

// Milliseconds between two points, rounded to 0.01 ms (answers stay readable).
inline double MsBetween(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(b - a).count() / 10) / 100.0;
}

}  // namespace functions
