#include "functions/events.h"

#include <charconv>

#include "base/base64.h"
#include "http/url.h"
#include "media/image_decode.h"

namespace functions {

using base::Status;
using nlohmann::json;

namespace {

// The string at event[name], or an error naming `where`.
base::StatusOr<std::string> RequiredString(const json& obj, const char* name, const std::string& where) {
  auto it = obj.find(name);
  if (it == obj.end()) return Status::InvalidArgument(where + "." + name + " is missing");
  if (!it->is_string()) return Status::InvalidArgument(where + "." + name + " is not a string");
  if (it->get_ref<const std::string&>().empty()) return Status::InvalidArgument(where + "." + name + " is empty");
  return it->get<std::string>();
}

std::string OptionalString(const json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

Status ParseS3Record(const json& record, const std::string& where, std::vector<ObjectRef>* out) {
  const std::string event_name = OptionalString(record, "eventName");
  const json& s3 = record.at("s3");
  if (!s3.is_object()) return Status::InvalidArgument(where + ".s3 is not an object");
  if (!s3.contains("bucket") || !s3["bucket"].is_object()) return Status::InvalidArgument(where + ".s3.bucket is missing");
  if (!s3.contains("object") || !s3["object"].is_object()) return Status::InvalidArgument(where + ".s3.object is missing");
  if (!event_name.empty() && !event_name.starts_with("ObjectCreated:")) return Status::Ok();  // a delete, not work
  base::StatusOr<std::string> bucket = RequiredString(s3["bucket"], "name", where + ".s3.bucket");
  if (!bucket.ok()) return bucket.status();
  base::StatusOr<std::string> raw_key = RequiredString(s3["object"], "key", where + ".s3.object");
  if (!raw_key.ok()) return raw_key.status();
  std::optional<std::string> key = DecodeS3EventKey(*raw_key);
  if (!key || key->empty()) return Status::InvalidArgument(where + ".s3.object.key is not URL-encoded: " + *raw_key);
  out->push_back({std::move(*bucket), std::move(*key), event_name});
  return Status::Ok();
}

Status ParseRefs(const json& event, int depth, std::vector<ObjectRef>* out);

Status ParseRecords(const json& records, int depth, std::vector<ObjectRef>* out) {
  if (!records.is_array()) return Status::InvalidArgument("event.Records is not an array");
  for (size_t i = 0; i < records.size(); ++i) {
    const json& r = records[i];
    const std::string where = "Records[" + std::to_string(i) + "]";
    if (!r.is_object()) return Status::InvalidArgument(where + " is not an object");
    if (r.contains("s3")) {
      EF_RETURN_IF_ERROR(ParseS3Record(r, where, out));
    } else if (r.contains("body")) {  // SQS: the body is one of the other shapes
      if (depth > 0) return Status::InvalidArgument(where + ": a queue message inside a queue message");
      if (!r["body"].is_string()) return Status::InvalidArgument(where + ".body is not a string");
      json body = json::parse(r["body"].get_ref<const std::string&>(), nullptr, false);
      if (body.is_discarded() || !body.is_object()) return Status::InvalidArgument(where + ".body is not a JSON object");
      EF_RETURN_IF_ERROR(ParseRefs(body, depth + 1, out).WithContext(where + ".body"));
    } else {
      return Status::InvalidArgument(where + " is neither an S3 record nor an SQS message");
    }
  }
  return Status::Ok();
}

Status ParseRefs(const json& event, int depth, std::vector<ObjectRef>* out) {
  if (!event.is_object()) return Status::InvalidArgument("the event is not a JSON object");
  if (event.contains("Records")) return ParseRecords(event["Records"], depth, out);
  if (OptionalString(event, "Event") == "s3:TestEvent") return Status::Ok();
  if (event.contains("bucket") || event.contains("key")) {
    base::StatusOr<std::string> bucket = RequiredString(event, "bucket", "event");
    if (!bucket.ok()) return bucket.status();
    base::StatusOr<std::string> key = RequiredString(event, "key", "event");
    if (!key.ok()) return key.status();
    out->push_back({std::move(*bucket), std::move(*key), ""});
    return Status::Ok();
  }
  return Status::InvalidArgument("the event names no object: expected {\"bucket\",\"key\"}, an S3 event or an SQS event");
}

// Lower-cased header lookup in a 2.0 event (function URLs send lower-case names; people who
// craft events by hand may not).
std::string Header(const json& headers, std::string_view name) {
  if (!headers.is_object()) return "";
  for (const auto& [k, v] : headers.items()) {
    if (k.size() != name.size() || !v.is_string()) continue;
    bool same = true;
    for (size_t i = 0; i < k.size() && same; ++i) same = std::tolower(static_cast<unsigned char>(k[i])) == name[i];
    if (same) return v.get<std::string>();
  }
  return "";
}

std::optional<int64_t> ParseInt64(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

bool Truthy(std::string_view v) { return v == "1" || v == "true" || v == "yes"; }

// Fills the JSON-body fields of a WebRequest.
Status FromJsonBody(json& body, WebRequest* req) {
  std::string image;
  for (const char* name : {"content", "image"}) {
    auto it = body.find(name);
    if (it != body.end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
      image = std::move(it->get_ref<std::string&>());
      break;
    }
  }
  if (image.empty()) return Status::InvalidArgument("the body has no image: send a JPEG, or JSON with \"content\" or \"image\" in base64");
  if (!Base64LooksLikeImage(image)) return Status::InvalidArgument("\"content\" is not a base64 image (JPEG, PNG, WebP or PNM)");
  req->image_base64 = std::move(image);
  if (std::string id = OptionalString(body, "request_id"); !id.empty()) req->request_id = std::move(id);
  req->filename = OptionalString(body, "filename");
  req->device_id = OptionalString(body, "device_id");
  if (auto it = body.find("capture_ms"); it != body.end()) {
    if (it->is_number_integer()) {
      req->capture_ms = it->get<int64_t>();
    } else if (it->is_number()) {
      req->capture_ms = static_cast<int64_t>(it->get<double>());
    } else if (it->is_string()) {
      req->capture_ms = ParseInt64(it->get<std::string>());
    }
  }
  if (auto it = body.find("respond_to_queue"); it != body.end()) {
    req->respond_to_queue = it->is_boolean() ? it->get<bool>() : (it->is_string() && Truthy(it->get<std::string>()));
  }
  return Status::Ok();
}

}  // namespace

std::optional<std::string> DecodeS3EventKey(std::string_view key) { return http::PercentDecode(key, true); }

base::StatusOr<std::vector<ObjectRef>> ParseObjectRefs(const json& event) {
  std::vector<ObjectRef> refs;
  Status s = ParseRefs(event, 0, &refs);
  if (!s.ok()) return s;
  return refs;
}

std::optional<ClipKey> ParseClipKey(std::string_view key) {
  const size_t slash = key.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  std::string_view file = key.substr(slash + 1);
  const size_t dot = file.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::optional<int64_t> ms = ParseInt64(file.substr(0, dot));
  if (!ms || *ms < 0) return std::nullopt;
  return ClipKey{std::string(key.substr(0, slash)), *ms};
}

std::string ReplaceExtension(std::string_view key, std::string_view new_ext) {
  const size_t slash = key.rfind('/');
  const size_t dot = key.rfind('.');
  std::string out(key);
  if (dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash)) out.resize(dot);
  out += '.';
  out += new_ext;
  return out;
}

base::StatusOr<FaceEvent> ParseFaceEvent(json event) {
  if (!event.is_object()) return Status::InvalidArgument("the event is not a JSON object");
  FaceEvent out;
  if (auto it = event.find("max_faces"); it != event.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > 1000) {
      return Status::InvalidArgument("event.max_faces must be an integer 0..1000");
    }
    out.max_faces = it->get<int>();
  }
  if (event.contains("image")) {
    json& image = event["image"];
    if (!image.is_string()) return Status::InvalidArgument("event.image is not a string");
    if (image.get_ref<const std::string&>().empty()) return Status::InvalidArgument("event.image is empty");
    out.image_base64 = std::move(image.get_ref<std::string&>());
    return out;
  }
  if (event.contains("bucket") || event.contains("key")) {
    base::StatusOr<std::string> bucket = RequiredString(event, "bucket", "event");
    if (!bucket.ok()) return bucket.status();
    base::StatusOr<std::string> key = RequiredString(event, "key", "event");
    if (!key.ok()) return key.status();
    out.bucket = std::move(*bucket);
    out.key = std::move(*key);
    return out;
  }
  return Status::InvalidArgument("the event has neither \"image\" (base64) nor \"bucket\" and \"key\"");
}

bool IsPlainBase64(std::string_view s) {
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
    if (!ok) return false;
  }
  return true;
}

bool Base64LooksLikeImage(std::string_view base64) {
  // 16 characters decode to 12 bytes: enough for every magic number we sniff (WebP needs 12).
  size_t n = 0;
  std::string prefix;
  for (char c : base64) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    prefix += c;
    if (++n == 16) break;
  }
  if (n < 4) return false;
  prefix.resize(prefix.size() / 4 * 4);
  std::optional<std::string> bytes = base::Base64Decode(prefix, base::Base64Mode::kLenient);
  return bytes && media::SniffImageFormat(*bytes) != media::ImageFormat::kUnknown;
}

base::StatusOr<WebRequest> ParseWebEvent(json event, const std::string& fallback_request_id) {
  if (!event.is_object()) return Status::InvalidArgument("the event is not a JSON object");
  WebRequest req;
  req.request_id = fallback_request_id;
  const bool url_event = event.contains("requestContext") || event.contains("isBase64Encoded") ||
                         (event.contains("headers") && event.contains("body"));
  if (!url_event) {  // a direct invoke whose event is the JSON body itself
    EF_RETURN_IF_ERROR(FromJsonBody(event, &req));
    return req;
  }
  req.from_function_url = true;
  const json& headers = event.contains("headers") ? event["headers"] : json::object();
  if (!event.contains("body") || !event["body"].is_string() || event["body"].get_ref<const std::string&>().empty()) {
    return Status::InvalidArgument("the request has no body: send a JPEG, or JSON with \"content\" in base64");
  }
  std::string& body = event["body"].get_ref<std::string&>();
  // json::value() throws on a type mismatch; an invoker's "isBase64Encoded": "yes" is just wrong.
  const json* flag = event.contains("isBase64Encoded") ? &event["isBase64Encoded"] : nullptr;
  if (flag && !flag->is_boolean()) return Status::InvalidArgument("isBase64Encoded is not a boolean");
  const bool base64 = flag && flag->get<bool>();
  const std::string content_type = Header(headers, "content-type");
  if (base64 && Base64LooksLikeImage(body)) {
    req.image_base64 = std::move(body);
  } else {
    std::optional<std::string> text;
    if (base64) {
      text = base::Base64Decode(body, base::Base64Mode::kLenient);
      if (!text) return Status::InvalidArgument("the body is marked base64 but is not");
    }
    json parsed = json::parse(text ? *text : body, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) {
      return Status::InvalidArgument("the body is not an image (JPEG, PNG, WebP or PNM) nor a JSON object" +
                                     (content_type.empty() ? std::string() : " (content-type " + content_type + ")"));
    }
    EF_RETURN_IF_ERROR(FromJsonBody(parsed, &req));
  }
  // Headers add to (and for raw bodies provide) the metadata.
  if (std::string id = Header(headers, "x-request-id"); !id.empty()) req.request_id = std::move(id);
  if (std::string dev = Header(headers, "x-device-id"); !dev.empty()) req.device_id = std::move(dev);
  if (std::string ms = Header(headers, "x-capture-ms"); !ms.empty()) req.capture_ms = ParseInt64(ms);
  if (std::string name = Header(headers, "x-filename"); !name.empty()) req.filename = std::move(name);
  if (Truthy(Header(headers, "x-respond-to-queue"))) req.respond_to_queue = true;
  if (req.request_id == fallback_request_id && event.contains("requestContext") && event["requestContext"].is_object()) {
    if (std::string id = OptionalString(event["requestContext"], "requestId"); !id.empty()) req.request_id = std::move(id);
  }
  return req;
}

base::StatusOr<std::string> ParseLookupEvent(const json& event) {
  if (!event.is_object()) return Status::InvalidArgument("the event is not a JSON object");
  return RequiredString(event, "name", "event");
}

base::StatusOr<EnrollEvent> ParseEnrollEvent(const json& event) {
  if (!event.is_object()) return Status::InvalidArgument("the event is not a JSON object");
  EnrollEvent out;
  base::StatusOr<std::string> bucket = RequiredString(event, "bucket", "event");
  if (!bucket.ok()) return bucket.status();
  out.bucket = std::move(*bucket);
  if (auto it = event.find("prefix"); it != event.end()) {
    if (!it->is_string()) return Status::InvalidArgument("event.prefix is not a string");
    out.prefix = it->get<std::string>();
    if (!out.prefix.empty() && out.prefix.back() != '/') out.prefix += '/';
  }
  if (auto it = event.find("validation_split"); it != event.end()) {
    if (!it->is_number() || it->get<double>() < 0 || it->get<double>() > 0.9) {
      return Status::InvalidArgument("event.validation_split must be a number 0..0.9");
    }
    out.validation_split = it->get<double>();
  }
  return out;
}

std::optional<std::string> PersonOfKey(std::string_view prefix, std::string_view key) {
  if (!key.starts_with(prefix)) return std::nullopt;
  std::string_view rest = key.substr(prefix.size());
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size()) return std::nullopt;
  if (rest.find('/', slash + 1) != std::string_view::npos) return std::nullopt;  // deeper folders
  return std::string(rest.substr(0, slash));
}

std::string CsvLine(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    const std::string& f = fields[i];
    if (f.find_first_of(",\"\r\n") == std::string::npos) {
      out += f;
      continue;
    }
    out += '"';
    for (char c : f) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
  }
  out += '\n';
  return out;
}

}  // namespace functions
