// Request templates for the load generator: one small text file per operation.
//
//   # comment
//   service: s3                 SigV4 scope service (s3, dynamodb, sqs)
//   peer: s3rver                which peer run.sh compares against (s3rver, dynalite, local-aws-sqs)
//   keys: 1000                  how many distinct requests to pre-sign ({i} = 0..keys-1)
//   body-bytes: 1024            (optional) the request body is this many bytes of filler
//   === setup                   (optional, repeatable) run once, in order, before the load
//   PUT /loadgen-bucket
//   === request                 the request under load
//   PUT /loadgen-bucket/obj-{i}
//   Content-Type: application/octet-stream
//                               (blank line, then the body, until the next === or the end)
//
// In request lines, headers and bodies {i} is the request index and {endpoint} the base URL
// ("http://127.0.0.1:4566"). Host and the SigV4 headers are added by the load generator.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace bench {

struct RequestSpec {
  std::string method;
  std::string target;  // path and query, may hold {i}
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct RequestTemplate {
  std::string name;  // file name without .tmpl
  std::string service;
  std::string peer;
  int keys = 1000;
  int body_bytes = -1;  // -1: use the literal body
  std::vector<RequestSpec> setup;
  RequestSpec request;
};

base::StatusOr<RequestTemplate> ParseTemplate(const std::string& name, const std::string& text);

// Replaces every {i} and {endpoint}.
std::string Expand(const std::string& s, int i, const std::string& endpoint);

}  // namespace bench
