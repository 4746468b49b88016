// PutObject, CopyObject, GetObject/HeadObject, DeleteObject.
#include "aws/xml_writer.h"
#include "cloud/s3/api_internal.h"
#include "cloud/s3/wire.h"

namespace s3::api {
namespace {

// Objects up to this size (or range) are read into the response; larger ones stream from disk.
constexpr uint64_t kInlineReadLimit = 256 * 1024;

// Writes the object's stored and standard headers.
void AddObjectHeaders(const ObjectInfo& o, http::Response& r) {
  bool has_type = false;
  for (const auto& [name, value] : o.headers) {
    r.headers.Add(name, value);
    has_type |= name == "content-type";
  }
  if (!has_type) r.headers.Set("Content-Type", "binary/octet-stream");
  r.headers.Set("ETag", Quoted(o.etag));
  r.headers.Set("Last-Modified", HttpDate(o.last_modified_ms));
  r.headers.Set("Accept-Ranges", "bytes");
}

bool EtagMatches(std::string_view header, const std::string& etag) {
  // "a", "b" or *; quotes optional.
  size_t pos = 0;
  while (pos <= header.size()) {
    size_t comma = header.find(',', pos);
    std::string_view one = header.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
    while (!one.empty() && one.back() == ' ') one.remove_suffix(1);
    if (one.substr(0, 2) == "W/") one.remove_prefix(2);
    if (one.size() >= 2 && one.front() == '"' && one.back() == '"') one = one.substr(1, one.size() - 2);
    if (one == "*" || one == etag) return true;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return false;
}

// The conditional-request rules of RFC 7232 as S3 applies them: "" to go on, else the code.
std::string_view CheckConditions(const http::Request& req, const ObjectInfo& o) {
  int64_t modified_s = o.last_modified_ms / 1000;
  if (auto m = req.headers.Get("If-Match")) {
    if (!EtagMatches(*m, o.etag)) return "PreconditionFailed";
  } else if (auto u = req.headers.Get("If-Unmodified-Since")) {
    auto t = ParseHttpDate(*u);
    if (t && modified_s > *t / 1000) return "PreconditionFailed";
  }
  if (auto n = req.headers.Get("If-None-Match")) {
    if (EtagMatches(*n, o.etag)) return "NotModified";
  } else if (auto s = req.headers.Get("If-Modified-Since")) {
    auto t = ParseHttpDate(*s);
    if (t && modified_s <= *t / 1000) return "NotModified";
  }
  return {};
}

}  // namespace

http::Response PutObject(const Call& call) {
  const std::string& body = call.req.body;
  std::string md5 = Md5Hex(body);
  std::string_view bad = CheckContentMd5(call.req, md5);
  if (bad == "InvalidDigest") return Error(call, bad, "The Content-MD5 you specified was invalid.");
  if (bad == "BadDigest") return Error(call, bad, "The Content-MD5 you specified did not match what we received.");
  auto o = call.store.PutObject(call.bucket, call.key, body, md5, HeadersToStore(call.req));
  if (!o.ok()) return ErrorFrom(call, o.status());
  http::Response r;
  r.headers.Set("ETag", Quoted(o->etag));
  return r;
}

http::Response CopyObject(const Call& call) {
  auto src = ParseCopySource(call.req.headers.GetOr("x-amz-copy-source", ""));
  if (!src) return Error(call, "InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
  if (!src->version_id.empty() && src->version_id != "null") {
    return Error(call, "NoSuchVersion", "The specified version does not exist.");
  }
  std::string_view directive = call.req.headers.GetOr("x-amz-metadata-directive", "COPY");
  if (directive != "COPY" && directive != "REPLACE") {
    return Error(call, "InvalidArgument", "Unknown metadata directive.");
  }
  if (src->bucket == call.bucket && src->key == call.key && directive == "COPY") {
    return Error(call, "InvalidRequest",
                 "This copy request is illegal because it is trying to copy an object to itself "
                 "without changing the object's metadata, storage class, website redirect location "
                 "or encryption attributes.");
  }
  // x-amz-copy-source-if-* preconditions.
  if (call.req.headers.Has("x-amz-copy-source-if-match") ||
      call.req.headers.Has("x-amz-copy-source-if-none-match")) {
    auto current = call.store.GetObject(src->bucket, src->key);
    if (!current.ok()) return ErrorFrom(call, current.status());
    auto m = call.req.headers.Get("x-amz-copy-source-if-match");
    auto n = call.req.headers.Get("x-amz-copy-source-if-none-match");
    if ((m && !EtagMatches(*m, current->etag)) || (n && EtagMatches(*n, current->etag))) {
      return Error(call, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
    }
  }
  std::optional<StoredHeaders> headers;
  if (directive == "REPLACE") headers = HeadersToStore(call.req);
  auto o = call.store.CopyObject(src->bucket, src->key, call.bucket, call.key, std::move(headers));
  if (!o.ok()) return ErrorFrom(call, o.status());
  aws::XmlWriter w;
  w.Declaration().Open("CopyObjectResult", kXmlns);
  w.Element("LastModified", IsoDate(o->last_modified_ms)).Element("ETag", Quoted(o->etag));
  return Xml(w.Take());
}

http::Response GetObject(const Call& call, bool head) {
  if (auto v = call.req.Query("versionId"); v && *v != "null") {
    return Error(call, "NoSuchVersion", "The specified version does not exist.");
  }
  auto o = call.store.GetObject(call.bucket, call.key);
  if (!o.ok()) return ErrorFrom(call, o.status());
  std::string_view failed = CheckConditions(call.req, *o);
  if (!failed.empty()) {
    http::Response r = Error(call, failed, "At least one of the pre-conditions you specified did not hold");
    if (failed == "NotModified") {
      r.headers.Set("ETag", Quoted(o->etag));
      r.headers.Set("Last-Modified", HttpDate(o->last_modified_ms));
    }
    return r;
  }
  http::Response r;
  uint64_t offset = 0, length = o->size;
  if (auto range_header = call.req.headers.Get("Range")) {
    ByteRange range;
    switch (ParseRange(*range_header, o->size, &range)) {
      case RangeResult::kWhole:
        break;
      case RangeResult::kUnsatisfiable: {
        http::Response e = Error(call, "InvalidRange", "The requested range is not satisfiable");
        e.headers.Set("Content-Range", "bytes */" + std::to_string(o->size));
        return e;
      }
      case RangeResult::kPartial:
        offset = range.first;
        length = range.last - range.first + 1;
        r.status = 206;
        r.headers.Set("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                           std::to_string(range.last) + "/" + std::to_string(o->size));
        break;
    }
  }
  AddObjectHeaders(*o, r);
  // S3 lets a GET override some response headers (presigned download links use this).
  static constexpr std::pair<std::string_view, std::string_view> kOverrides[] = {
      {"response-content-type", "Content-Type"},
      {"response-content-disposition", "Content-Disposition"},
      {"response-content-encoding", "Content-Encoding"},
      {"response-content-language", "Content-Language"},
      {"response-cache-control", "Cache-Control"},
      {"response-expires", "Expires"}};
  for (const auto& [param, header] : kOverrides) {
    if (auto v = call.req.Query(param)) r.headers.Set(header, std::string(*v));
  }
  if (head) {
    r.headers.Set("Content-Length", std::to_string(length));
    return r;
  }
  if (length <= kInlineReadLimit || o->is_inline()) {
    base::Status s = call.store.ReadBlob(*o, offset, length, &r.body);
    if (!s.ok()) return ErrorFrom(call, s);
  } else {
    r.file_path = call.store.BlobPath(*o);
    r.file_offset = offset;
    r.file_length = length;
  }
  return r;
}

http::Response DeleteObject(const Call& call) {
  base::Status s = call.store.DeleteObject(call.bucket, call.key);
  if (!s.ok()) return ErrorFrom(call, s);
  http::Response r;
  r.status = 204;
  return r;
}

}  // namespace s3::api
