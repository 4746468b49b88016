// S3's legacy query-string authentication (Signature Version 2), verification only: boto3 1.26's
// generate_presigned_url for S3 still produces these URLs by default
// (?AWSAccessKeyId=..&Signature=..&Expires=..), so the local cloud must accept them.
//   string to sign = VERB \n Content-MD5 \n Content-Type \n Expires \n x-amz-headers resource
//   signature      = base64(HMAC-SHA1(secret, string to sign))
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "aws/sigv4.h"
#include "http/message.h"

namespace aws {

// True when the query carries AWSAccessKeyId, Signature and Expires.
bool IsS3PresignedV2(const http::Request& request);

// Verifies a SigV2 presigned S3 request. `resource_path` is the path-style resource as signed:
// "/bucket/key" (the raw, still-encoded path; for virtual-hosted requests the caller prefixes the
// bucket). Errors use the AuthError kinds of SigV4.
VerifyResult VerifyS3PresignedV2(const http::Request& request, std::string_view resource_path,
                                 const SecretLookup& secret_for, std::chrono::system_clock::time_point now);

}  // namespace aws
