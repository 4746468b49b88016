// Signed calls to the AWS wire APIs of one endpoint, for applying a stack: client::AwsTransport
// (one per service, each with its keep-alive connection) with the raw answers the stack reads.
// Not thread-safe: one caller per thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "aws/sigv4.h"
#include "base/status.h"
#include "client/aws.h"

namespace cloud::stack {

class AwsCaller {
 public:
  AwsCaller(std::string endpoint, std::string region, aws::Credentials credentials);

  // A REST request to `service` ("s3", "lambda"): `path` already URI-encoded, `query` raw.
  // Returns the response whatever its status; fails only when the endpoint cannot be reached
  // (5xx and throttling are retried first, as the SDKs do).
  base::StatusOr<client::HttpResponse> Rest(const std::string& service, const std::string& method,
                                            const std::string& path, const std::string& query, std::string_view body,
                                            const std::string& content_type = "");

  // A JSON 1.0 call (DynamoDB: target "DynamoDB_20120810.Op", SQS: "AmazonSQS.Op").
  // The parsed answer on 200; otherwise an error whose message holds __type and the message, and
  // `error_type` (when given) receives the __type's last part ("ResourceNotFoundException").
  base::StatusOr<nlohmann::json> Json(const std::string& service, const std::string& target,
                                      const nlohmann::json& params, std::string* error_type = nullptr);

 private:
  client::AwsTransport& For(const std::string& service);

  client::AwsConfig config_;
  std::map<std::string, std::unique_ptr<client::AwsTransport>> transports_;
};

}  // namespace cloud::stack
