// What every service of `edgeface cloud` (S3, DynamoDB, SQS, later Lambda, CloudWatch) is
// constructed with. The server (src/cloud/server/services.cc) fills one per service.
#pragma once

#include <string>

namespace cloud {

struct ServiceContext {
  std::string data_dir;        // this service's own directory: <--data>/s3, <--data>/dynamodb, <--data>/sqs
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::string endpoint;        // "http://127.0.0.1:4566", for URLs we hand out (SQS QueueUrl)
};

}  // namespace cloud
