// How the AWS clients read a service's error reply (internal to src/client, exposed for tests).
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "http/message.h"

namespace client {

struct ServiceError {
  int status = 0;
  std::string code;     // "NoSuchKey", "ResourceNotFoundException", "AWS.SimpleQueueService.NonExistentQueue"
  std::string message;
};

// Reads S3 XML <Error>, SQS query <ErrorResponse><Error>, JSON {"__type","message"} and Lambda's
// x-amzn-ErrorType header. Never fails: unknown shapes give "HTTP<status>".
ServiceError ParseServiceError(int status, const http::Headers& headers, std::string_view body);

// The SDKs' throttling list (and any 429): these are retried.
bool IsThrottling(const ServiceError& error);

// "<Code>: <Message>" with the Status code described in aws.h.
base::Status ToStatus(const ServiceError& error);

}  // namespace client
