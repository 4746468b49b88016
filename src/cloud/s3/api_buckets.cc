// Bucket operations: ListBuckets, Create/Delete/HeadBucket, the three listings, DeleteObjects,
// Put/GetBucketNotificationConfiguration.
#include "aws/xml_reader.h"
#include "aws/xml_writer.h"
#include "cloud/s3/api_internal.h"
#include "cloud/s3/notification.h"
#include "cloud/s3/wire.h"
#include "http/url.h"

namespace s3::api {
namespace {

constexpr size_t kMaxKeysLimit = 1000;

void WriteOwner(aws::XmlWriter& w) {
  w.Open("Owner").Element("ID", kOwnerId).Element("DisplayName", kOwnerName).Close();
}

// Parses max-keys-like parameters: absent → fallback; negative or not a number → nullopt.
std::optional<size_t> ParseCount(const http::Request& req, std::string_view name, size_t fallback) {
  auto v = req.Query(name);
  if (!v) return fallback;
  if (v->empty() || v->size() > 9) return std::nullopt;
  size_t n = 0;
  for (char c : *v) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  return std::min(n, kMaxKeysLimit);
}

}  // namespace

http::Response ListBuckets(const Call& call) {
  auto buckets = call.store.ListBuckets();
  if (!buckets.ok()) return ErrorFrom(call, buckets.status());
  aws::XmlWriter w;
  w.Declaration().Open("ListAllMyBucketsResult", kXmlns);
  WriteOwner(w);
  w.Open("Buckets");
  for (const BucketInfo& b : *buckets) {
    w.Open("Bucket").Element("Name", b.name).Element("CreationDate", IsoDate(b.created_ms)).Close();
  }
  w.Close();
  return Xml(w.Take());
}

http::Response CreateBucket(const Call& call) {
  if (!IsValidBucketName(call.bucket)) {
    return Error(call, "InvalidBucketName", "The specified bucket is not valid.");
  }
  if (!call.req.body.empty()) {
    auto doc = aws::ParseXml(call.req.body);
    if (!doc.ok() || doc->name != "CreateBucketConfiguration") {
      return Error(call, "MalformedXML",
                   "The XML you provided was not well-formed or did not validate against our published schema");
    }
    std::string_view location = doc->ChildText("LocationConstraint");
    if (location == call.service.region) {
      if (location == "us-east-1") {
        return Error(call, "InvalidLocationConstraint", "The specified location-constraint is not valid");
      }
    } else if (!location.empty()) {
      return Error(call, "IllegalLocationConstraintException",
                   "The " + std::string(location) +
                       " location constraint is incompatible for the region specific endpoint this request was sent to.");
    }
  }
  base::Status s = call.store.CreateBucket(call.bucket);
  if (!s.ok()) return ErrorFrom(call, s);
  http::Response r;
  r.headers.Set("Location", "/" + call.bucket);
  return r;
}

http::Response DeleteBucket(const Call& call) {
  base::Status s = call.store.DeleteBucket(call.bucket);
  if (!s.ok()) return ErrorFrom(call, s);
  http::Response r;
  r.status = 204;
  return r;
}

http::Response HeadBucket(const Call& call) {
  auto b = call.store.GetBucket(call.bucket);
  if (!b.ok()) return ErrorFrom(call, b.status());
  http::Response r;
  r.headers.Set("x-amz-bucket-region", call.service.region);
  return r;
}

http::Response ListObjects(const Call& call, int version) {
  const http::Request& req = call.req;
  auto max_keys = ParseCount(req, "max-keys", kMaxKeysLimit);
  if (!max_keys) return Error(call, "InvalidArgument", "Provided max-keys not an integer or within integer range");
  auto encoding = req.Query("encoding-type");
  if (encoding && *encoding != "url") return Error(call, "InvalidArgument", "Invalid Encoding Method specified in Request");
  bool url = encoding.has_value();
  auto enc = [&](std::string_view s) { return url ? http::UriEncode(s, true) : std::string(s); };

  ListOptions opt;
  opt.prefix = req.Query("prefix").value_or("");
  opt.delimiter = req.Query("delimiter").value_or("");
  opt.max_keys = *max_keys;
  std::string token, start_after, marker;
  if (version == 2) {
    start_after = req.Query("start-after").value_or("");
    opt.after = start_after;
    if (auto t = req.Query("continuation-token")) {
      token = *t;
      auto decoded = Base64Decode(token);
      if (!decoded || decoded->empty()) {
        return Error(call, "InvalidArgument", "The continuation token provided is incorrect");
      }
      opt.after = *decoded;
    }
  } else {
    marker = req.Query("marker").value_or("");
    opt.after = marker;
  }
  auto result = call.store.ListObjects(call.bucket, opt);
  if (!result.ok()) return ErrorFrom(call, result.status());

  aws::XmlWriter w;
  w.Declaration().Open("ListBucketResult", kXmlns);
  w.Element("Name", call.bucket).Element("Prefix", enc(opt.prefix));
  if (version == 2) {
    if (!token.empty()) w.Element("ContinuationToken", token);
    if (!start_after.empty()) w.Element("StartAfter", enc(start_after));
    w.Element("KeyCount", static_cast<int64_t>(result->objects.size() + result->common_prefixes.size()));
  } else {
    w.Element("Marker", enc(marker));
  }
  w.Element("MaxKeys", static_cast<int64_t>(opt.max_keys));
  if (!opt.delimiter.empty()) w.Element("Delimiter", enc(opt.delimiter));
  if (url) w.Element("EncodingType", "url");
  w.Element("IsTruncated", result->truncated);
  if (result->truncated) {
    if (version == 2) {
      w.Element("NextContinuationToken", Base64Encode(result->last));
    } else {
      w.Element("NextMarker", enc(result->last));
    }
  }
  for (const ObjectInfo& o : result->objects) {
    w.Open("Contents").Element("Key", enc(o.key)).Element("LastModified", IsoDate(o.last_modified_ms));
    w.Element("ETag", Quoted(o.etag)).Element("Size", static_cast<int64_t>(o.size));
    if (version == 1) WriteOwner(w);
    w.Element("StorageClass", "STANDARD").Close();
  }
  for (const std::string& p : result->common_prefixes) {
    w.Open("CommonPrefixes").Element("Prefix", enc(p)).Close();
  }
  return Xml(w.Take());
}

http::Response ListObjectVersions(const Call& call) {
  const http::Request& req = call.req;
  auto max_keys = ParseCount(req, "max-keys", kMaxKeysLimit);
  if (!max_keys) return Error(call, "InvalidArgument", "Provided max-keys not an integer or within integer range");
  bool url = req.Query("encoding-type").has_value();
  auto enc = [&](std::string_view s) { return url ? http::UriEncode(s, true) : std::string(s); };
  ListOptions opt;
  opt.prefix = req.Query("prefix").value_or("");
  opt.delimiter = req.Query("delimiter").value_or("");
  opt.max_keys = *max_keys;
  opt.after = req.Query("key-marker").value_or("");
  auto result = call.store.ListObjects(call.bucket, opt);
  if (!result.ok()) return ErrorFrom(call, result.status());
  aws::XmlWriter w;
  w.Declaration().Open("ListVersionsResult", kXmlns);
  w.Element("Name", call.bucket).Element("Prefix", enc(opt.prefix));
  w.Element("KeyMarker", enc(opt.after)).Element("VersionIdMarker", req.Query("version-id-marker").value_or(""));
  w.Element("MaxKeys", static_cast<int64_t>(opt.max_keys));
  if (!opt.delimiter.empty()) w.Element("Delimiter", enc(opt.delimiter));
  if (url) w.Element("EncodingType", "url");
  w.Element("IsTruncated", result->truncated);
  if (result->truncated) w.Element("NextKeyMarker", enc(result->last)).Element("NextVersionIdMarker", "null");
  for (const ObjectInfo& o : result->objects) {
    w.Open("Version").Element("Key", enc(o.key)).Element("VersionId", "null").Element("IsLatest", true);
    w.Element("LastModified", IsoDate(o.last_modified_ms)).Element("ETag", Quoted(o.etag));
    w.Element("Size", static_cast<int64_t>(o.size)).Element("StorageClass", "STANDARD");
    WriteOwner(w);
    w.Close();
  }
  for (const std::string& p : result->common_prefixes) {
    w.Open("CommonPrefixes").Element("Prefix", enc(p)).Close();
  }
  return Xml(w.Take());
}

http::Response DeleteObjects(const Call& call) {
  std::string_view bad = CheckContentMd5(call.req, Md5Hex(call.req.body));
  if (bad == "InvalidDigest") return Error(call, bad, "The Content-MD5 you specified was invalid.");
  if (bad == "BadDigest") return Error(call, bad, "The Content-MD5 you specified did not match what we received.");
  constexpr const char* kMalformed =
      "The XML you provided was not well-formed or did not validate against our published schema";
  auto doc = aws::ParseXml(call.req.body);
  if (!doc.ok() || doc->name != "Delete") return Error(call, "MalformedXML", kMalformed);
  auto objects = doc->Children("Object");
  if (objects.empty() || objects.size() > 1000) return Error(call, "MalformedXML", kMalformed);
  for (const aws::XmlNode* o : objects) {
    if (!o->Child("Key")) return Error(call, "MalformedXML", kMalformed);
  }
  bool quiet = doc->ChildText("Quiet") == "true";
  auto bucket = call.store.GetBucket(call.bucket);
  if (!bucket.ok()) return ErrorFrom(call, bucket.status());
  aws::XmlWriter w;
  w.Declaration().Open("DeleteResult", kXmlns);
  for (const aws::XmlNode* o : objects) {
    std::string key(o->ChildText("Key"));
    base::Status s = key.empty() ? base::Status::InvalidArgument("InvalidArgument: empty key")
                                 : call.store.DeleteObject(call.bucket, key);
    if (s.ok()) {
      if (!quiet) w.Open("Deleted").Element("Key", key).Close();
    } else {
      std::string code = ErrorCodeOf(s);
      w.Open("Error").Element("Key", key).Element("Code", code).Element("Message", s.message()).Close();
    }
  }
  return Xml(w.Take());
}

http::Response PutNotification(const Call& call) {
  auto config = ParseNotificationConfig(call.req.body);
  if (!config.ok()) {
    std::string code = ErrorCodeOf(config.status());
    std::string_view message = config.status().message();
    message.remove_prefix(std::min(message.size(), code.size() + 2));
    return Error(call, code, message);
  }
  base::Status s = call.store.PutNotification(call.bucket, NotificationConfigXml(*config));
  if (!s.ok()) return ErrorFrom(call, s);
  return http::Response{};
}

http::Response GetNotification(const Call& call) {
  auto stored = call.store.GetNotification(call.bucket);
  if (!stored.ok()) return ErrorFrom(call, stored.status());
  if (stored->empty()) return Xml(NotificationConfigXml(NotificationConfig{}));
  return Xml(std::move(*stored));
}

}  // namespace s3::api
