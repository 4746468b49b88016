#include "cloud/s3/s3_api.h"

#include <algorithm>
#include <cstdlib>

#include "aws/xml_writer.h"
#include "base/ids.h"
#include "cloud/s3/api_internal.h"
#include "cloud/s3/wire.h"

namespace s3 {
namespace api {

namespace {

struct CodeStatus {
  std::string_view code;
  int status;
};

// HTTP status of each S3 error code we answer with.
constexpr CodeStatus kCodes[] = {
    {"NoSuchBucket", 404},        {"NoSuchKey", 404},
    {"NoSuchUpload", 404},        {"BucketNotEmpty", 409},
    {"BucketAlreadyOwnedByYou", 409}, {"BucketAlreadyExists", 409},
    {"InvalidRange", 416},        {"PreconditionFailed", 412},
    {"NotModified", 304},         {"MethodNotAllowed", 405},
    {"NotImplemented", 501},      {"InternalError", 500},
    {"AccessDenied", 403},
};

std::string NewRequestId() { return base::RandomString(16, "0123456789ABCDEF"); }

}  // namespace

http::Response Error(const Call& call, std::string_view code, std::string_view message) {
  http::Response r;
  r.status = 400;
  for (const CodeStatus& c : kCodes) {
    if (c.code == code) r.status = c.status;
  }
  if (call.req.method == "HEAD" || r.status == 304) return r;  // no body, as S3
  aws::XmlWriter w;
  w.Declaration().Open("Error").Element("Code", code).Element("Message", message);
  if (!call.key.empty()) w.Element("Key", call.key);
  if (!call.bucket.empty()) w.Element("BucketName", call.bucket);
  w.Element("Resource", call.req.path);
  r.body = w.Take();
  r.headers.Set("Content-Type", "application/xml");
  return r;
}

http::Response ErrorFrom(const Call& call, const base::Status& status) {
  std::string code = ErrorCodeOf(status);
  std::string_view message = status.message();
  if (code == "InternalError") {
    message = "We encountered an internal error. Please try again.";
  } else if (message.size() > code.size() + 2) {
    message.remove_prefix(code.size() + 2);
  }
  return Error(call, code, message);
}

http::Response Xml(std::string body, int status) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers.Set("Content-Type", "application/xml");
  return r;
}

std::string Quoted(std::string_view etag) {
  std::string q = "\"";
  q += etag;
  q += '"';
  return q;
}

StoredHeaders HeadersToStore(const http::Request& req) {
  static constexpr std::string_view kKept[] = {"content-type", "content-encoding",
                                               "content-disposition", "content-language",
                                               "cache-control", "expires"};
  StoredHeaders out;
  for (const auto& [name, value] : req.headers.fields()) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool keep = lower.rfind("x-amz-meta-", 0) == 0;
    for (std::string_view k : kKept) keep |= lower == k;
    // aws-chunked is a transfer detail the gateway already undid; S3 does not keep it.
    if (lower == "content-encoding" && value == "aws-chunked") keep = false;
    if (keep) out.emplace_back(std::move(lower), value);
  }
  return out;
}

std::string_view CheckContentMd5(const http::Request& req, const std::string& md5_hex) {
  auto header = req.headers.Get("Content-MD5");
  if (!header) return {};
  auto raw = Base64Decode(*header);
  if (!raw || raw->size() != 16) return "InvalidDigest";
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : *raw) {
    hex += kHex[c >> 4];
    hex += kHex[c & 15];
  }
  return hex == md5_hex ? std::string_view() : std::string_view("BadDigest");
}

namespace {

// Picks the operation from method, path and query, as S3's REST API defines them.
http::Response Route(const Call& call) {
  const http::Request& req = call.req;
  const std::string& m = req.method;
  if (call.bucket.empty()) {
    if (m == "GET") return ListBuckets(call);
    return Error(call, "MethodNotAllowed", "The specified method is not allowed against this resource.");
  }
  if (call.key.empty()) {
    // Subresources we do not implement answer NotImplemented instead of acting as a listing.
    static constexpr std::string_view kUnsupported[] = {
        "acl", "policy", "cors", "lifecycle", "tagging", "website", "replication", "encryption",
        "logging", "accelerate", "requestPayment", "object-lock", "ownershipControls", "analytics",
        "metrics", "inventory", "intelligent-tiering", "publicAccessBlock", "policyStatus"};
    for (std::string_view sub : kUnsupported) {
      if (req.HasQuery(sub)) {
        return Error(call, "NotImplemented", "A header or query you provided implies functionality that is not implemented.");
      }
    }
    if (m == "PUT") return req.HasQuery("notification") ? PutNotification(call) : CreateBucket(call);
    if (m == "DELETE") return DeleteBucket(call);
    if (m == "HEAD") return HeadBucket(call);
    if (m == "POST" && req.HasQuery("delete")) return DeleteObjects(call);
    if (m == "GET") {
      if (req.HasQuery("notification")) return GetNotification(call);
      if (req.HasQuery("uploads")) return ListMultipartUploads(call);
      if (req.HasQuery("versions")) return ListObjectVersions(call);
      if (req.HasQuery("location")) {
        auto b = call.store.GetBucket(call.bucket);
        if (!b.ok()) return ErrorFrom(call, b.status());
        aws::XmlWriter w;
        w.Declaration().Open("LocationConstraint", kXmlns);
        return Xml(w.Take());
      }
      if (req.HasQuery("versioning")) {
        auto b = call.store.GetBucket(call.bucket);
        if (!b.ok()) return ErrorFrom(call, b.status());
        aws::XmlWriter w;
        w.Declaration().Open("VersioningConfiguration", kXmlns);
        return Xml(w.Take());
      }
      auto list_type = req.Query("list-type");
      return ListObjects(call, list_type && *list_type == "2" ? 2 : 1);
    }
    return Error(call, "MethodNotAllowed", "The specified method is not allowed against this resource.");
  }
  if (m == "PUT") {
    if (req.HasQuery("uploadId") || req.HasQuery("partNumber")) return UploadPart(call);
    if (req.headers.Has("x-amz-copy-source")) return CopyObject(call);
    return PutObject(call);
  }
  if (m == "GET") return req.HasQuery("uploadId") ? ListParts(call) : GetObject(call, false);
  if (m == "HEAD") return GetObject(call, true);
  if (m == "DELETE") return req.HasQuery("uploadId") ? AbortMultipartUpload(call) : DeleteObject(call);
  if (m == "POST") {
    if (req.HasQuery("uploads")) return CreateMultipartUpload(call);
    if (req.HasQuery("uploadId")) return CompleteMultipartUpload(call);
  }
  return Error(call, "MethodNotAllowed", "The specified method is not allowed against this resource.");
}

}  // namespace
}  // namespace api

base::StatusOr<std::unique_ptr<S3Api>> S3Api::Open(const cloud::ServiceContext& ctx,
                                                   int worker_threads) {
  // EDGEFACE_S3_INLINE_MAX_BYTES (0 turns inline objects off) is for benchmarks: A/B of the
  // inline path against blob files in one build (docs/s3.md).
  uint64_t max_inline = ObjectStore::kMaxInlineBytes;
  if (const char* env = std::getenv("EDGEFACE_S3_INLINE_MAX_BYTES"); env && *env) {
    max_inline = std::min<uint64_t>(std::strtoull(env, nullptr, 10), ObjectStore::kMaxInlineBytes);
  }
  auto store = ObjectStore::Open(ctx.data_dir, max_inline);
  if (!store.ok()) return store.status();
  std::unique_ptr<S3Api> api(new S3Api(ctx, std::move(*store)));
  for (int i = 0; i < worker_threads; ++i) api->workers_.emplace_back([p = api.get()] { p->WorkerLoop(); });
  return api;
}

S3Api::~S3Api() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void S3Api::WorkerLoop() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      work_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to do
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

http::Response S3Api::HandleNow(const http::Request& req) {
  api::Call call{*store_, ctx_, req, {}, {}};
  // Path-style: /bucket/key (the gateway rewrote virtual-hosted requests to this form).
  std::string_view path = req.path;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  size_t slash = path.find('/');
  call.bucket = std::string(path.substr(0, slash));
  if (slash != std::string_view::npos) call.key = std::string(path.substr(slash + 1));
  http::Response r;
  if (!call.key.empty() && (call.key.size() > 1024)) {
    r = api::Error(call, "KeyTooLongError", "Your key is too long");
  } else if (!call.key.empty() && !IsValidUtf8(call.key)) {
    r = api::Error(call, "InvalidArgument", "Object key is not valid UTF-8");
  } else {
    r = api::Route(call);
  }
  std::string request_id = api::NewRequestId();
  r.headers.Set("x-amz-id-2", "edgeface/" + request_id);
  r.headers.Set("x-amz-request-id", std::move(request_id));
  r.headers.Set("Server", "edgeface");
  return r;
}

void S3Api::Handle(http::Request&& request, http::Reply reply) {
  if (request.method == "GET" || request.method == "HEAD") {
    reply(HandleNow(request));
    return;
  }
  {
    std::lock_guard lock(mu_);
    queue_.emplace_back([this, req = std::move(request), reply = std::move(reply)]() mutable {
      reply(HandleNow(req));
    });
  }
  work_ready_.notify_one();
}

}  // namespace s3
