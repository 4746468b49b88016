#include "functions/identify.h"

#include "functions/common.h"

namespace functions {

using base::Status;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

void ChoosePerson(const json& face_answer, Identity* out) {
  const json* faces = face_answer.contains("faces") ? &face_answer["faces"] : nullptr;
  if (!faces || !faces->is_array() || faces->empty()) {
    out->status = "no_face";
    return;
  }
  const json* chosen = nullptr;
  for (const json& f : *faces) {
    if (f.is_object() && f.contains("name") && f["name"].is_string() && f["name"].get_ref<const std::string&>() != "unknown") {
      chosen = &f;
      break;
    }
  }
  if (!chosen) {
    out->status = "unknown";
    chosen = &(*faces)[0];
  } else {
    out->status = "recognized";
    out->name = (*chosen)["name"].get<std::string>();
  }
  if (chosen->is_object() && chosen->contains("distance") && (*chosen)["distance"].is_number()) {
    out->distance = (*chosen)["distance"].get<double>();
  }
  // The chosen face's box, for the dashboard's thumbnails (additive; web passes it on).
  if (chosen->is_object() && chosen->contains("box") && (*chosen)["box"].is_array()) out->box = (*chosen)["box"];
}

Identifier::Identifier(const client::AwsConfig& config)
    : lambda_(config),
      face_function_(EnvOr("FACE_FUNCTION", "face-recognition")),
      lookup_function_(EnvOr("LOOKUP_FUNCTION", "student-lookup")) {}

base::StatusOr<json> Identifier::InvokeJson(const std::string& function, std::string_view payload) {
  base::StatusOr<client::InvokeOutput> out = lambda_.Invoke(function, payload);
  if (!out.ok()) return out.status().WithContext("invoke " + function);
  json answer = json::parse(out->payload, nullptr, false);
  if (!out->function_error.empty()) {
    std::string why = out->payload;
    if (answer.is_object() && answer.contains("errorType") && answer["errorType"].is_string() &&
        answer.contains("errorMessage") && answer["errorMessage"].is_string()) {
      why = answer["errorType"].get<std::string>() + ": " + answer["errorMessage"].get<std::string>();
    }
    return Status::FailedPrecondition(function + ": " + why);
  }
  if (answer.is_discarded() || !answer.is_object()) return Status::Internal(function + " answered with something that is not a JSON object");
  return answer;
}

base::StatusOr<Identity> Identifier::Identify(std::string_view face_event) {
  Identity id;
  const auto t0 = Clock::now();
  base::StatusOr<json> faces = InvokeJson(face_function_, face_event);
  const auto t1 = Clock::now();
  id.recognition_ms = MsBetween(t0, t1);
  if (!faces.ok()) return faces.status();
  id.face_timings = faces->value("timings_ms", json(nullptr));
  ChoosePerson(*faces, &id);
  if (id.status != "recognized") return id;
  const std::string lookup_event = json{{"name", *id.name}}.dump();
  base::StatusOr<json> found = InvokeJson(lookup_function_, lookup_event);
  id.lookup_ms = MsBetween(t1, Clock::now());
  if (!found.ok()) return found.status();
  const json* is_found = found->contains("found") ? &(*found)["found"] : nullptr;
  if (is_found && is_found->is_boolean() && is_found->get<bool>() && found->contains("record")) {
    id.record = (*found)["record"];
  } else {
    id.status = "no_record";
  }
  return id;
}

}  // namespace functions
