// Shared by the S3 API's source files (s3_api.cc, api_*.cc); not an interface.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "cloud/gateway/service.h"
#include "cloud/s3/object_store.h"
#include "http/message.h"

namespace s3::api {

inline constexpr const char* kXmlns = "http://s3.amazonaws.com/doc/2006-03-01/";
inline constexpr const char* kOwnerId = "6564676566616365206c6f63616c20636c6f7564206f776e6572206964203031";
inline constexpr const char* kOwnerName = "edgeface";

// One request in flight.
struct Call {
  ObjectStore& store;
  const cloud::ServiceContext& service;
  const http::Request& req;
  std::string bucket;  // "" for ListBuckets
  std::string key;     // "" for bucket operations
};

// S3's <Error> document (no body for HEAD), with the status S3 uses for `code`.
http::Response Error(const Call& call, std::string_view code, std::string_view message);
// The same, for a Status from the store (its S3 code, or InternalError).
http::Response ErrorFrom(const Call& call, const base::Status& status);
// 200 (or `status`) with an XML body.
http::Response Xml(std::string body, int status = 200);
std::string Quoted(std::string_view etag);

// Headers a client may set on PutObject / CreateMultipartUpload / CopyObject REPLACE that we
// keep and send back (Content-Type and friends, x-amz-meta-*).
StoredHeaders HeadersToStore(const http::Request& req);

// Checks Content-MD5 (if present) against the body: "" when fine, else the S3 error code.
std::string_view CheckContentMd5(const http::Request& req, const std::string& md5_hex);

// Operations, by file.
// api_objects.cc
http::Response PutObject(const Call& call);
http::Response CopyObject(const Call& call);
http::Response GetObject(const Call& call, bool head);
http::Response DeleteObject(const Call& call);
// api_buckets.cc
http::Response ListBuckets(const Call& call);
http::Response CreateBucket(const Call& call);
http::Response DeleteBucket(const Call& call);
http::Response HeadBucket(const Call& call);
http::Response ListObjects(const Call& call, int version);  // 1 or 2
http::Response ListObjectVersions(const Call& call);
http::Response DeleteObjects(const Call& call);
http::Response PutNotification(const Call& call);
http::Response GetNotification(const Call& call);
// api_multipart.cc
http::Response CreateMultipartUpload(const Call& call);
http::Response UploadPart(const Call& call);
http::Response CompleteMultipartUpload(const Call& call);
http::Response AbortMultipartUpload(const Call& call);
http::Response ListParts(const Call& call);
http::Response ListMultipartUploads(const Call& call);

}  // namespace s3::api
