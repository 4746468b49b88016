// Multipart uploads: Create, UploadPart, Complete, Abort, ListParts, ListMultipartUploads.
#include "aws/xml_reader.h"
#include "aws/xml_writer.h"
#include "cloud/s3/api_internal.h"
#include "cloud/s3/wire.h"
#include "http/url.h"

namespace s3::api {
namespace {

constexpr const char* kMalformed =
    "The XML you provided was not well-formed or did not validate against our published schema";

std::optional<int> ParsePartNumber(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  int n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

void WriteInitiatorAndOwner(aws::XmlWriter& w) {
  w.Open("Initiator").Element("ID", kOwnerId).Element("DisplayName", kOwnerName).Close();
  w.Open("Owner").Element("ID", kOwnerId).Element("DisplayName", kOwnerName).Close();
}

}  // namespace

http::Response CreateMultipartUpload(const Call& call) {
  auto up = call.store.CreateUpload(call.bucket, call.key, HeadersToStore(call.req));
  if (!up.ok()) return ErrorFrom(call, up.status());
  aws::XmlWriter w;
  w.Declaration().Open("InitiateMultipartUploadResult", kXmlns);
  w.Element("Bucket", call.bucket).Element("Key", call.key).Element("UploadId", up->upload_id);
  return Xml(w.Take());
}

http::Response UploadPart(const Call& call) {
  if (call.req.headers.Has("x-amz-copy-source")) {
    return Error(call, "NotImplemented", "UploadPartCopy is not implemented.");
  }
  auto number = ParsePartNumber(call.req.Query("partNumber").value_or(""));
  if (!number || *number < 1 || *number > 10000) {
    return Error(call, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive");
  }
  std::string upload_id(call.req.Query("uploadId").value_or(""));
  std::string md5 = Md5Hex(call.req.body);
  std::string_view bad = CheckContentMd5(call.req, md5);
  if (bad == "InvalidDigest") return Error(call, bad, "The Content-MD5 you specified was invalid.");
  if (bad == "BadDigest") return Error(call, bad, "The Content-MD5 you specified did not match what we received.");
  auto part = call.store.UploadPart(call.bucket, call.key, upload_id, *number, call.req.body, md5);
  if (!part.ok()) return ErrorFrom(call, part.status());
  http::Response r;
  r.headers.Set("ETag", Quoted(part->etag));
  return r;
}

http::Response CompleteMultipartUpload(const Call& call) {
  std::string upload_id(call.req.Query("uploadId").value_or(""));
  auto doc = aws::ParseXml(call.req.body);
  if (!doc.ok() || doc->name != "CompleteMultipartUpload") return Error(call, "MalformedXML", kMalformed);
  std::vector<CompletedPart> parts;
  for (const aws::XmlNode* p : doc->Children("Part")) {
    auto number = ParsePartNumber(p->ChildText("PartNumber"));
    if (!number || !p->Child("ETag")) return Error(call, "MalformedXML", kMalformed);
    parts.push_back(CompletedPart{*number, std::string(p->ChildText("ETag"))});
  }
  if (parts.empty()) {
    return Error(call, "MalformedXML", kMalformed);
  }
  auto o = call.store.CompleteUpload(call.bucket, call.key, upload_id, parts);
  if (!o.ok()) return ErrorFrom(call, o.status());
  aws::XmlWriter w;
  w.Declaration().Open("CompleteMultipartUploadResult", kXmlns);
  std::string location = call.service.endpoint + "/" + call.bucket + "/" + http::UriEncode(call.key, true);
  w.Element("Location", location).Element("Bucket", call.bucket).Element("Key", call.key);
  w.Element("ETag", Quoted(o->etag));
  return Xml(w.Take());
}

http::Response AbortMultipartUpload(const Call& call) {
  base::Status s = call.store.AbortUpload(call.bucket, call.key,
                                          std::string(call.req.Query("uploadId").value_or("")));
  if (!s.ok()) return ErrorFrom(call, s);
  http::Response r;
  r.status = 204;
  return r;
}

http::Response ListParts(const Call& call) {
  std::string upload_id(call.req.Query("uploadId").value_or(""));
  auto max_parts = ParsePartNumber(call.req.Query("max-parts").value_or("1000"));
  auto marker = ParsePartNumber(call.req.Query("part-number-marker").value_or("0"));
  if (!max_parts || !marker) return Error(call, "InvalidArgument", "max-parts and part-number-marker must be integers");
  *max_parts = std::min(*max_parts, 1000);
  auto parts = call.store.ListParts(call.bucket, call.key, upload_id);
  if (!parts.ok()) return ErrorFrom(call, parts.status());
  aws::XmlWriter w;
  w.Declaration().Open("ListPartsResult", kXmlns);
  w.Element("Bucket", call.bucket).Element("Key", call.key).Element("UploadId", upload_id);
  WriteInitiatorAndOwner(w);
  w.Element("StorageClass", "STANDARD").Element("PartNumberMarker", static_cast<int64_t>(*marker));
  std::vector<const PartInfo*> shown;
  bool truncated = false;
  for (const PartInfo& p : *parts) {
    if (p.part_number <= *marker) continue;
    if (static_cast<int>(shown.size()) == *max_parts) {
      truncated = true;
      break;
    }
    shown.push_back(&p);
  }
  if (!shown.empty()) w.Element("NextPartNumberMarker", static_cast<int64_t>(shown.back()->part_number));
  w.Element("MaxParts", static_cast<int64_t>(*max_parts)).Element("IsTruncated", truncated);
  for (const PartInfo* p : shown) {
    w.Open("Part").Element("PartNumber", static_cast<int64_t>(p->part_number));
    w.Element("LastModified", IsoDate(p->last_modified_ms)).Element("ETag", Quoted(p->etag));
    w.Element("Size", static_cast<int64_t>(p->size)).Close();
  }
  return Xml(w.Take());
}

http::Response ListMultipartUploads(const Call& call) {
  auto uploads = call.store.ListUploads(call.bucket);
  if (!uploads.ok()) return ErrorFrom(call, uploads.status());
  std::string prefix(call.req.Query("prefix").value_or(""));
  aws::XmlWriter w;
  w.Declaration().Open("ListMultipartUploadsResult", kXmlns);
  w.Element("Bucket", call.bucket).Element("KeyMarker", "").Element("UploadIdMarker", "");
  w.Element("Prefix", prefix).Element("MaxUploads", int64_t{1000}).Element("IsTruncated", false);
  for (const UploadInfo& u : *uploads) {
    if (u.key.rfind(prefix, 0) != 0) continue;
    w.Open("Upload").Element("Key", u.key).Element("UploadId", u.upload_id);
    WriteInitiatorAndOwner(w);
    w.Element("StorageClass", "STANDARD").Element("Initiated", IsoDate(u.initiated_ms)).Close();
  }
  return Xml(w.Take());
}

}  // namespace s3::api
