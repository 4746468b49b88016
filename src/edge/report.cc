#include "edge/report.h"

namespace edge {
namespace {

std::string Quoted(const nlohmann::json& record, const char* field) {
  if (!record.is_object() || !record.contains(field)) return "\"\"";
  const nlohmann::json& v = record[field];
  return "\"" + (v.is_string() ? v.get<std::string>() : v.dump()) + "\"";
}

}  // namespace

nlohmann::json Answer::ToJson() const {
  nlohmann::json j = {{"n", n}, {"source", source}, {"capture_ms", capture_ms}, {"ok", ok}};
  if (!ok) {
    j["error"] = error;
    return j;
  }
  j["latency_s"] = latency_s;
  j["status"] = status;
  j["name"] = name.empty() ? nlohmann::json(nullptr) : nlohmann::json(name);
  j["record"] = record;
  if (!request_id.empty()) j["request_id"] = request_id;
  if (!timings.is_null()) j["timings_ms"] = timings;
  if (!expected.empty()) {
    j["expected"] = expected;
    j["correct"] = name == expected;
  }
  return j;
}

Report::Report(std::string pipeline, bool json, FILE* out, FILE* err) : json_(json), out_(out), err_(err) {
  summary_.pipeline = std::move(pipeline);
}

void Report::RequestSent() {
  std::lock_guard<std::mutex> lock(mu_);
  ++summary_.frames_sent;
}

void Report::Event(const std::string& message) {
  std::lock_guard<std::mutex> lock(mu_);
  std::fprintf(err_, "edgeface edge: %s\n", message.c_str());
  std::fflush(err_);
}

void Report::AddAnswer(const Answer& a) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!a.ok) {
    ++summary_.failures;
  } else {
    ++summary_.answers;
    summary_.latency.Add(a.latency_s);
    if (!a.name.empty() && a.status != "unknown" && a.status != "no_face") ++summary_.recognized;
    if (!a.expected.empty()) {
      ++summary_.labelled;
      if (a.name == a.expected) ++summary_.correct;
    }
  }
  if (json_) {
    std::fprintf(out_, "%s\n", a.ToJson().dump().c_str());
  } else if (!a.ok) {
    std::fprintf(out_, "The %lld request failed: %s\n", static_cast<long long>(a.n), a.error.c_str());
  } else {
    if (a.status == "recognized") {
      std::fprintf(out_, "The %lld person recognized: %s, %s, %s\n", static_cast<long long>(a.n),
                   Quoted(a.record, "name").c_str(), Quoted(a.record, "major").c_str(),
                   Quoted(a.record, "year").c_str());
    } else if (a.status == "no_record") {
      std::fprintf(out_, "The %lld person recognized: \"%s\" (no record in the table)\n",
                   static_cast<long long>(a.n), a.name.c_str());
    } else if (a.status == "no_face") {
      std::fprintf(out_, "The %lld person: no face in the frame\n", static_cast<long long>(a.n));
    } else {
      std::fprintf(out_, "The %lld person: unknown face\n", static_cast<long long>(a.n));
    }
    std::fprintf(out_, "Latency: %.3f seconds\n", a.latency_s);
  }
  std::fflush(out_);
}

const Summary& Report::Finish(double wall_s) {
  std::lock_guard<std::mutex> lock(mu_);
  summary_.wall_s = wall_s;
  if (json_) {
    std::fprintf(out_, "%s\n", summary_.ToJson().dump().c_str());
  } else {
    std::fprintf(out_, "%s", summary_.Format().c_str());
  }
  std::fflush(out_);
  return summary_;
}

}  // namespace edge
