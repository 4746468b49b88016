// SQS's two wire protocols reduced to one request shape.
//
// Operations are written once against the JSON 1.0 shapes ({"QueueUrl": ..., "Entries": [...]}).
// The query protocol (form-encoded `Action=SendMessage&MessageAttribute.1.Name=...`) is parsed
// into that same shape, and results are written back either as JSON or as query-protocol XML
// (<SendMessageResponse><SendMessageResult>...). Error names come from sqs_errors.h.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace cloud::sqs {

constexpr std::string_view kQueryXmlns = "http://queue.amazonaws.com/doc/2012-11-05/";

struct QueryRequest {
  std::string action;      // "SendMessage"
  nlohmann::json params;   // JSON-protocol shape, every scalar a string
};

// Builds the JSON-shaped parameters of a query-protocol request from its decoded form fields
// (body and URL query string together). Flattened lists ("AttributeName.1") become arrays,
// Attribute/Tag/MessageAttribute lists become maps, "<X>BatchRequestEntry.N" become "Entries".
// InvalidParameterValue for a malformed key (a list index that is not 1..1000, a field that is
// both a value and a structure); MissingParameter when there is no Action.
base::StatusOr<QueryRequest> ParseQueryParams(const std::vector<std::pair<std::string, std::string>>& fields);

// <ActionResponse xmlns=...><ActionResult>result</ActionResult><ResponseMetadata>...
std::string QueryXmlResponse(std::string_view action, const nlohmann::json& result, std::string_view request_id);

// How an SQS error name is spelled on each protocol, and its HTTP status.
struct ErrorInfo {
  std::string_view query_code;  // "AWS.SimpleQueueService.NonExistentQueue"
  std::string_view json_type;   // "QueueDoesNotExist" (prefixed with "com.amazonaws.sqs#")
  int http_status;
  bool sender_fault;
};
// Unknown names are answered as themselves, 400, sender fault.
ErrorInfo LookupError(std::string_view name);

std::string QueryXmlError(const ErrorInfo& e, std::string_view message, std::string_view request_id);
std::string JsonError(const ErrorInfo& e, std::string_view message);

}  // namespace cloud::sqs
