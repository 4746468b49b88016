// The Lambda Runtime API (version 2018-06-01), written down once: the paths, headers and limits
// that both sides use — our runtime client (src/runtime) and the Runtime API that
// `edgeface cloud` serves to each function instance (src/cloud/lambda).
//
// https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
//   GET  /2018-06-01/runtime/invocation/next          blocks until an event; 200 + headers below
//   POST /2018-06-01/runtime/invocation/{id}/response 202; 413 over 6 MB; 500 → the runtime exits
//   POST /2018-06-01/runtime/invocation/{id}/error    202; body {errorMessage, errorType, stackTrace}
//   POST /2018-06-01/runtime/init/error               202; the instance is then stopped
#pragma once

#include <cstddef>
#include <string_view>

namespace runtime::protocol {

inline constexpr std::string_view kEnvRuntimeApi = "AWS_LAMBDA_RUNTIME_API";  // "host:port"
inline constexpr std::string_view kEnvTraceId = "_X_AMZN_TRACE_ID";

inline constexpr std::string_view kVersionPrefix = "/2018-06-01";
inline constexpr std::string_view kNextPath = "/2018-06-01/runtime/invocation/next";
inline constexpr std::string_view kInvocationPrefix = "/2018-06-01/runtime/invocation/";
inline constexpr std::string_view kResponseSuffix = "/response";
inline constexpr std::string_view kErrorSuffix = "/error";
inline constexpr std::string_view kInitErrorPath = "/2018-06-01/runtime/init/error";

// Headers of the /next response.
inline constexpr std::string_view kRequestIdHeader = "Lambda-Runtime-Aws-Request-Id";
inline constexpr std::string_view kDeadlineMsHeader = "Lambda-Runtime-Deadline-Ms";  // epoch ms
inline constexpr std::string_view kFunctionArnHeader = "Lambda-Runtime-Invoked-Function-Arn";
inline constexpr std::string_view kTraceIdHeader = "Lambda-Runtime-Trace-Id";
inline constexpr std::string_view kClientContextHeader = "Lambda-Runtime-Client-Context";
inline constexpr std::string_view kCognitoIdentityHeader = "Lambda-Runtime-Cognito-Identity";
// Sent by `edgeface cloud` on /next responses: this Runtime API accepts a GET /next pipelined
// right behind a POST /response or /error on the same connection (HTTP/1.1 pipelining) and
// answers both in order. Our runtime client then sends the two requests in one write, which saves
// a round trip and two thread wake-ups per invocation; without the header (AWS) it waits for
// each answer, as every runtime does.
inline constexpr std::string_view kPipeliningHeader = "Lambda-Runtime-Edgeface-Pipelining";
// Header of /error and /init/error posts.
inline constexpr std::string_view kFunctionErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";

// Largest synchronous response (and synchronous invoke payload): 6 MB.
inline constexpr size_t kMaxResponseBytes = 6 * 1024 * 1024;

}  // namespace runtime::protocol
