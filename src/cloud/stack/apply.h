// Creates what a stack declares in a running `edgeface cloud`, through the services' own wire
// APIs (S3 REST, DynamoDB and SQS JSON, Lambda REST), signed with SigV4 as any AWS client would:
// the stack owns no store and works the same against any endpoint speaking those APIs.
//
// Idempotent: what exists is left alone and reported "exists"; only what is missing is created.
// Data (table items, bucket objects) is written when it is missing (an item whose key is absent,
// an object whose key is absent or whose content differs), or always with `reload_data`.
//
// Order: queues (dead-letter queues first), buckets and their objects, tables and their items,
// functions, then what refers to functions (function URLs, SQS event source mappings, bucket
// notifications).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "aws/sigv4.h"
#include "base/status.h"
#include "cloud/stack/template.h"

namespace cloud::stack {

struct ApplyOptions {
  std::string endpoint = "http://127.0.0.1:4566";
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  aws::Credentials credentials;  // the keys `edgeface cloud` accepts
  bool reload_data = false;      // write every item and object again
  // Receives one line per resource as it is handled, e.g. "bucket edgeface-clips created",
  // "table students exists", "items students 8 loaded", "function web url http://127.0.0.1:PORT/".
  std::function<void(const std::string&)> report;
};

// Applies `stack`. Stops at the first failure, with the resource and the service's answer.
base::Status ApplyStack(const Stack& stack, const ApplyOptions& options);

}  // namespace cloud::stack
