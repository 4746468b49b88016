// SQS error names carried through base::Status.
//
// The store has no HTTP types, yet the wire API must answer with SQS's exact error names
// (QueueDoesNotExist, InvalidAttributeName, ...). A store error therefore carries its SQS name as
// the first word of its message: "QueueDoesNotExist: The specified queue does not exist."
// SqsErrorName() recovers it; the API maps the name to its query-protocol code and HTTP status.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace cloud::sqs {

// Builds a status whose message starts with "<name>: ". `code` is the generic category.
inline base::Status SqsError(base::Status::Code code, std::string_view name, std::string_view message) {
  std::string m;
  m.reserve(name.size() + 2 + message.size());
  m.append(name).append(": ").append(message);
  switch (code) {
    case base::Status::Code::kNotFound: return base::Status::NotFound(std::move(m));
    case base::Status::Code::kAlreadyExists: return base::Status::AlreadyExists(std::move(m));
    case base::Status::Code::kFailedPrecondition: return base::Status::FailedPrecondition(std::move(m));
    case base::Status::Code::kResourceExhausted: return base::Status::ResourceExhausted(std::move(m));
    default: return base::Status::InvalidArgument(std::move(m));
  }
}

inline base::Status InvalidParameterValue(std::string_view message) {
  return SqsError(base::Status::Code::kInvalidArgument, "InvalidParameterValue", message);
}
inline base::Status QueueDoesNotExist() {
  return SqsError(base::Status::Code::kNotFound, "QueueDoesNotExist",
                  "The specified queue does not exist for this wsdl version.");
}

// The SQS error name at the start of a status message ("QueueDoesNotExist"), or "" when the
// message has none (then the caller picks one from status.code()).
inline std::string_view SqsErrorName(const base::Status& s) {
  std::string_view m = s.message();
  size_t colon = m.find(": ");
  if (colon == std::string_view::npos || colon == 0 || colon > 40) return {};
  for (char c : m.substr(0, colon)) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return {};
  }
  return m.substr(0, colon);
}

// The message without its leading error name.
inline std::string_view SqsErrorMessage(const base::Status& s) {
  std::string_view name = SqsErrorName(s);
  std::string_view m = s.message();
  return name.empty() ? m : m.substr(name.size() + 2);
}

}  // namespace cloud::sqs
