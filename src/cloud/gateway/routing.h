// How a request finds its service: the table of services and the pure routing function.
// Adding a service (Lambda, CloudWatch Logs, metrics) is one ServiceRoute; no code changes here.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace cloud {

// The wire format a service answers errors in (the gateway's own auth errors use it too).
enum class ErrorFormat {
  kS3Xml,        // <Error><Code>..</Code><Message>..</Message>..</Error>, x-amz-request-id
  kJson10,       // DynamoDB-style JSON 1.0: {"__type": "...#Code", "message": ...}, x-amzn-RequestId
  kSqs,          // query XML <ErrorResponse> for form requests, JSON 1.0 for X-Amz-Target requests
  kRestJson,     // Lambda-style REST-JSON: {"Type":"User","message":..} + x-amzn-ErrorType
};

struct ServiceRoute {
  std::string name;  // "s3", "dynamodb", "sqs": also the SigV4 credential-scope service name
  ErrorFormat error_format = ErrorFormat::kJson10;
  // X-Amz-Target prefixes that select this service ("DynamoDB_20120810.").
  std::vector<std::string> target_prefixes;
  // Path prefixes that select it when no credential scope decides ("/2015-03-31/functions/").
  std::vector<std::string> path_prefixes;
  // Query-protocol requests (Action= in the query or a form body) with no better match come here.
  bool takes_query_actions = false;
  // Everything that matches nothing else comes here (S3, as AWS clients address it by host/path).
  bool fallback = false;
  // False for endpoints that AWS leaves unsigned (the Lambda Runtime API, function URLs).
  bool requires_auth = true;
  // JSON error "__type" prefix for kJson10/kSqs ("com.amazonaws.dynamodb.v20120810#").
  std::string json_type_prefix;
};

// The routes of the services we know; services.cc registers those that are built.
ServiceRoute S3Route();
ServiceRoute DynamoDbRoute();
ServiceRoute SqsRoute();

// Picks the route for `request` (nullptr when none fits and there is no fallback), in this order:
//   1. X-Amz-Target prefix (DynamoDB_20120810.*, AmazonSQS.*); an unknown target → nullptr;
//   2. the SigV4 credential scope's service (Authorization header or X-Amz-Credential);
//   3. a path prefix (Lambda REST paths, the Runtime API);
//   4. a query-protocol Action= (in the query string or a form-urlencoded body);
//   5. the fallback (S3).
// REQUIRES: request.ParseTarget() succeeded. Pure: no I/O, no state.
const ServiceRoute* Route(const http::Request& request, const std::vector<ServiceRoute>& routes);

// For S3: "bucket.localhost:4566", "bucket.s3.localhost" → "bucket" (virtual-hosted style).
// nullopt for path-style hosts (127.0.0.1, localhost, s3.localhost).
std::optional<std::string> VirtualHostedBucket(std::string_view host);

// Rewrites a virtual-hosted S3 request to path style: Host "b.localhost", "/k" → "/b/k".
// Returns false (and leaves the request alone) when the host names no bucket.
bool RewriteVirtualHosted(http::Request& request);

}  // namespace cloud
