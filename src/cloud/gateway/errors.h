// Error responses in each service's own wire format, for the errors the gateway itself raises
// (authentication, aws-chunked bodies, unknown services). Services format their own errors.
#pragma once

#include <string>
#include <string_view>

#include "cloud/gateway/routing.h"
#include "http/message.h"

namespace cloud {

// A fresh request id (also used as S3's x-amz-id-2 seed): 32 hex characters.
std::string NewRequestId();

// `code` is the bare error code ("SignatureDoesNotMatch"); for JSON formats the route's
// json_type_prefix is put in front of it unless `code` already carries a '#'.
// `request` decides SQS's flavour (X-Amz-Target → JSON, otherwise query XML) and S3's Resource.
http::Response ErrorResponse(const ServiceRoute& route, const http::Request& request, int status,
                             std::string_view code, std::string_view message);

}  // namespace cloud
