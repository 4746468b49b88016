// Identify: the two synchronous calls of pipelines 1 and 2 — face-recognition, then (for a known
// face) student-lookup — and the answer they make together.
//
// Thread-safety: none (the LambdaClient it uses is one connection).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "client/aws.h"

namespace functions {

struct Identity {
  std::string status;              // "recognized" | "unknown" | "no_face" | "no_record"
  std::optional<std::string> name; // set for recognized and no_record
  nlohmann::json record;           // {name, major, year} when recognized, else null
  std::optional<double> distance;  // of the chosen face (the first one when none is known)
  double recognition_ms = 0;       // the face-recognition invoke, as the caller saw it
  double lookup_ms = 0;            // the student-lookup invoke (0 when not needed)
  nlohmann::json face_timings;     // face-recognition's own timings_ms
  nlohmann::json box;              // [l,t,r,b] of the chosen face in the frame's pixels, else null (dashboard)
};

// The person of a face-recognition answer: the first face whose name is not "unknown".
// Fills status ("recognized" provisionally for a known face), name and distance.
void ChoosePerson(const nlohmann::json& face_answer, Identity* out);

class Identifier {
 public:
  // Function names from $FACE_FUNCTION and $LOOKUP_FUNCTION (defaults face-recognition,
  // student-lookup).
  explicit Identifier(const client::AwsConfig& config);

  // `face_event` is the face-recognition event as JSON text ({"image": ...} or {"bucket","key"}).
  // Errors: the invoke failed (Unavailable, ...) or a function answered with an error
  // (FailedPrecondition carrying "<function>: <errorType>: <errorMessage>").
  base::StatusOr<Identity> Identify(std::string_view face_event);

 private:
  base::StatusOr<nlohmann::json> InvokeJson(const std::string& function, std::string_view payload);
  client::LambdaClient lambda_;
  std::string face_function_, lookup_function_;
};

}  // namespace functions
