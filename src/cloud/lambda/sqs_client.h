// The few SQS calls the Lambda service makes (destinations, event source mappings), sent as
// SigV4-signed JSON 1.0 requests to the cloud's own endpoint, as any AWS client would.
//
// Thread-safety: one SqsClient per thread.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "client/http_client.h"
#include "cloud/gateway/service.h"

namespace cloud::lambda {

class SqsClient {
 public:
  explicit SqsClient(ServiceContext ctx) : ctx_(std::move(ctx)) {}
  // "arn:aws:sqs:REGION:ACCOUNT:NAME" → "<endpoint>/ACCOUNT/NAME". InvalidArgument otherwise.
  base::StatusOr<std::string> QueueUrl(const std::string& arn) const;
  // Calls AmazonSQS.<action> with `params`; the parsed JSON answer, or the error SQS gave.
  base::StatusOr<nlohmann::json> Call(const std::string& action, const nlohmann::json& params,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(30));

 private:
  ServiceContext ctx_;
  client::HttpClient http_;
};

}  // namespace cloud::lambda
