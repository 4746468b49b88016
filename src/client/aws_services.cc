// The S3, DynamoDB, SQS and Lambda calls on top of AwsTransport.
#include <algorithm>

#include <openssl/evp.h>

#include "aws/xml_reader.h"
#include "base/base64.h"
#include "client/aws.h"
#include "client/aws_errors.h"
#include "http/url.h"

namespace client {
namespace {

std::string ObjectPath(const std::string& bucket, const std::string& key) {
  return "/" + http::UriEncode(bucket) + "/" + http::UriEncode(key, /*keep_slash=*/true);
}

base::StatusOr<aws::XmlNode> ParseReply(const HttpResponse& r, std::string_view what) {
  aws::XmlLimits limits;
  limits.max_bytes = size_t{64} << 20;  // a 1000-key listing or 10 received messages of 256 KB
  auto root = aws::ParseXml(r.body, limits);
  if (!root.ok()) return root.status().WithContext(std::string(what) + " reply");
  return root;
}

}  // namespace

// ---------------------------------------------------------------- S3

base::StatusOr<std::string> S3Client::PutObject(const std::string& bucket, const std::string& key,
                                                std::string_view body, const std::string& content_type,
                                                const std::map<std::string, std::string>& metadata) {
  http::Headers h;
  if (!content_type.empty()) h.Set("Content-Type", content_type);
  for (const auto& [k, v] : metadata) h.Set("x-amz-meta-" + k, v);
  auto r = t_.Send("PUT", ObjectPath(bucket, key), "", std::move(h), body);
  if (!r.ok()) return r.status().WithContext("PutObject s3://" + bucket + "/" + key);
  return std::string(r->headers.GetOr("ETag", ""));
}

base::StatusOr<std::string> S3Client::GetObject(const std::string& bucket, const std::string& key, std::string* etag) {
  auto r = t_.Send("GET", ObjectPath(bucket, key), "", {}, {});
  if (!r.ok()) return r.status().WithContext("GetObject s3://" + bucket + "/" + key);
  if (etag) *etag = std::string(r->headers.GetOr("ETag", ""));
  return std::move(r->body);
}

base::StatusOr<S3Object> S3Client::HeadObject(const std::string& bucket, const std::string& key) {
  auto r = t_.Send("HEAD", ObjectPath(bucket, key), "", {}, {});
  if (!r.ok()) return r.status().WithContext("HeadObject s3://" + bucket + "/" + key);
  S3Object o;
  o.key = key;
  o.size = std::strtoull(std::string(r->headers.GetOr("Content-Length", "0")).c_str(), nullptr, 10);
  o.etag = std::string(r->headers.GetOr("ETag", ""));
  o.last_modified = std::string(r->headers.GetOr("Last-Modified", ""));
  return o;
}

base::Status S3Client::DeleteObject(const std::string& bucket, const std::string& key) {
  auto r = t_.Send("DELETE", ObjectPath(bucket, key), "", {}, {});
  return r.ok() ? base::Status::Ok() : r.status().WithContext("DeleteObject s3://" + bucket + "/" + key);
}

base::StatusOr<std::vector<S3Object>> S3Client::ListObjects(const std::string& bucket, const std::string& prefix) {
  std::vector<S3Object> out;
  std::string token;
  for (;;) {
    std::string query = "list-type=2";
    if (!prefix.empty()) query += "&prefix=" + http::UriEncode(prefix);
    if (!token.empty()) query += "&continuation-token=" + http::UriEncode(token);
    auto r = t_.Send("GET", "/" + http::UriEncode(bucket), query, {}, {});
    if (!r.ok()) return r.status().WithContext("ListObjectsV2 s3://" + bucket + "/" + prefix);
    auto root = ParseReply(*r, "ListObjectsV2");
    if (!root.ok()) return root.status();
    for (const aws::XmlNode* c : root->Children("Contents")) {
      S3Object o;
      o.key = std::string(c->ChildText("Key"));
      o.size = std::strtoull(std::string(c->ChildText("Size")).c_str(), nullptr, 10);
      o.etag = std::string(c->ChildText("ETag"));
      o.last_modified = std::string(c->ChildText("LastModified"));
      out.push_back(std::move(o));
    }
    if (root->ChildText("IsTruncated") != "true") break;
    token = std::string(root->ChildText("NextContinuationToken"));
    if (token.empty()) return base::Status::Internal("ListObjectsV2: truncated listing without a continuation token");
  }
  return out;
}

base::Status S3Client::CreateBucket(const std::string& bucket) {
  const std::string path = "/" + http::UriEncode(bucket);
  auto r = t_.Send("PUT", path, "", {}, {});
  if (r.ok()) return base::Status::Ok();
  const std::string& message = r.status().message();
  if (message.rfind("BucketAlreadyOwnedByYou", 0) == 0) return base::Status::Ok();
  // BucketAlreadyExists means "someone else's" on AWS, but servers without owners (s3rver) say it
  // for every existing bucket: it is ours to use when HeadBucket with our credentials succeeds.
  if (message.rfind("BucketAlreadyExists", 0) == 0 && t_.Send("HEAD", path, "", {}, {}).ok()) {
    return base::Status::Ok();
  }
  return r.status().WithContext("CreateBucket " + bucket);
}

// ---------------------------------------------------------------- DynamoDB

base::StatusOr<nlohmann::json> DynamoDbClient::Call(const std::string& operation, const nlohmann::json& request) {
  http::Headers h;
  h.Set("Content-Type", "application/x-amz-json-1.0");
  h.Set("X-Amz-Target", "DynamoDB_20120810." + operation);
  auto r = t_.Send("POST", "/", "", std::move(h), request.dump());
  if (!r.ok()) return r.status().WithContext("DynamoDB " + operation);
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded()) return base::Status::Internal("DynamoDB " + operation + ": reply is not JSON");
  return j;
}

base::StatusOr<std::optional<nlohmann::json>> DynamoDbClient::GetItem(const std::string& table,
                                                                      const nlohmann::json& plain_key) {
  auto r = Call("GetItem", {{"TableName", table}, {"Key", ToAttributeValues(plain_key)}});
  if (!r.ok()) return r.status();
  if (!r->contains("Item")) return std::optional<nlohmann::json>();
  return std::optional<nlohmann::json>(FromAttributeValues((*r)["Item"]));
}

base::Status DynamoDbClient::PutItem(const std::string& table, const nlohmann::json& plain_item) {
  auto r = Call("PutItem", {{"TableName", table}, {"Item", ToAttributeValues(plain_item)}});
  return r.ok() ? base::Status::Ok() : r.status();
}

namespace {

nlohmann::json ToValue(const nlohmann::json& v) {
  using nlohmann::json;
  if (v.is_string()) return {{"S", v}};
  if (v.is_boolean()) return {{"BOOL", v}};
  if (v.is_null()) return {{"NULL", true}};
  if (v.is_number()) return {{"N", v.dump()}};
  if (v.is_array()) {
    json l = json::array();
    for (const auto& e : v) l.push_back(ToValue(e));
    return {{"L", l}};
  }
  return {{"M", ToAttributeValues(v)}};
}

nlohmann::json FromValue(const nlohmann::json& av) {
  using nlohmann::json;
  if (!av.is_object() || av.size() != 1) return nullptr;
  const auto first = av.begin();  // not items().begin(): that iterates a temporary proxy
  const std::string& type = first.key();
  const json& v = first.value();
  if (type == "S" || type == "B") return v;
  if (type == "BOOL") return v;
  if (type == "NULL") return nullptr;
  if (type == "N") {
    json n = json::parse(v.get<std::string>(), nullptr, false);
    return n.is_number() ? n : v;  // numbers beyond double keep their text
  }
  if (type == "L") {
    json l = json::array();
    for (const auto& e : v) l.push_back(FromValue(e));
    return l;
  }
  if (type == "M") return FromAttributeValues(v);
  if (type == "SS" || type == "BS") return v;
  if (type == "NS") {
    json l = json::array();
    for (const auto& e : v) l.push_back(FromValue({{"N", e}}));
    return l;
  }
  return nullptr;
}

}  // namespace

nlohmann::json ToAttributeValues(const nlohmann::json& plain_object) {
  nlohmann::json out = nlohmann::json::object();
  if (!plain_object.is_object()) return out;
  for (const auto& [k, v] : plain_object.items()) out[k] = ToValue(v);
  return out;
}

nlohmann::json FromAttributeValues(const nlohmann::json& item) {
  nlohmann::json out = nlohmann::json::object();
  if (!item.is_object()) return out;
  for (const auto& [k, v] : item.items()) out[k] = FromValue(v);
  return out;
}

// ---------------------------------------------------------------- SQS (JSON 1.0 protocol)
//
// SQS speaks two protocols: the original query protocol (form POST, XML replies) and AWS JSON 1.0
// (`X-Amz-Target: AmazonSQS.<Op>`), which AWS added in 2023 and the current SDKs use. We speak
// JSON: local-aws-sqs 2.0.2 writes query-protocol XML without escaping '&' and '<' in message
// bodies and attributes (a body like `a & b` makes its ReceiveMessage reply unparseable), while its
// JSON replies are correct; `edgeface cloud` and AWS speak both.

namespace {

base::StatusOr<nlohmann::json> SqsCall(AwsTransport& t, const std::string& operation, const nlohmann::json& request,
                                       std::chrono::milliseconds timeout = {}) {
  http::Headers h;
  h.Set("Content-Type", "application/x-amz-json-1.0");
  h.Set("X-Amz-Target", "AmazonSQS." + operation);
  auto r = t.Send("POST", "/", "", std::move(h), request.dump(), timeout);
  if (!r.ok()) return r.status().WithContext("SQS " + operation);
  if (r->body.empty()) return nlohmann::json::object();  // DeleteMessage may answer with nothing
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (!j.is_object()) return base::Status::Internal("SQS " + operation + ": reply is not a JSON object");
  return j;
}

std::string StringField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The SDKs check MD5OfBody against the body they got; so do we, when the server sends one.
base::Status CheckBodyMd5(const std::string& body, const std::string& md5_hex, const char* what) {
  if (md5_hex.empty()) return base::Status::Ok();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(body.data(), body.size(), digest, &length, EVP_md5(), nullptr) != 1) {
    return base::Status::Internal(std::string(what) + ": MD5 unavailable");
  }
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  if (hex == md5_hex) return base::Status::Ok();
  return base::Status::Corruption(std::string(what) + ": the message body's MD5 is " + hex + ", the server said " + md5_hex);
}

}  // namespace

base::StatusOr<std::string> SqsClient::GetQueueUrl(const std::string& queue_name) {
  auto r = SqsCall(t_, "GetQueueUrl", {{"QueueName", queue_name}});
  if (!r.ok()) return r.status();
  std::string url = StringField(*r, "QueueUrl");
  if (url.empty()) return base::Status::Internal("GetQueueUrl: no QueueUrl in the reply");
  return url;
}

base::StatusOr<std::string> SqsClient::CreateQueue(const std::string& queue_name) {
  auto r = SqsCall(t_, "CreateQueue", {{"QueueName", queue_name}});
  if (!r.ok()) return r.status();
  std::string url = StringField(*r, "QueueUrl");
  if (url.empty()) return base::Status::Internal("CreateQueue: no QueueUrl in the reply");
  return url;
}

base::StatusOr<std::string> SqsClient::SendMessage(const std::string& queue_url, std::string_view body,
                                                   const std::map<std::string, std::string>& string_attributes) {
  nlohmann::json request = {{"QueueUrl", queue_url}, {"MessageBody", body}};
  if (!string_attributes.empty()) {
    nlohmann::json attributes = nlohmann::json::object();
    for (const auto& [name, value] : string_attributes) {
      attributes[name] = {{"DataType", "String"}, {"StringValue", value}};
    }
    request["MessageAttributes"] = std::move(attributes);
  }
  auto r = SqsCall(t_, "SendMessage", request);
  if (!r.ok()) return r.status();
  EF_RETURN_IF_ERROR(CheckBodyMd5(std::string(body), StringField(*r, "MD5OfMessageBody"), "SendMessage"));
  return StringField(*r, "MessageId");
}

base::StatusOr<std::vector<SqsMessage>> SqsClient::ReceiveMessages(const std::string& queue_url, int max_messages,
                                                                   int wait_seconds, int visibility_timeout) {
  nlohmann::json request = {{"QueueUrl", queue_url},
                            {"MaxNumberOfMessages", std::clamp(max_messages, 1, 10)},
                            {"WaitTimeSeconds", std::clamp(wait_seconds, 0, 20)},
                            {"AttributeNames", {"All"}},
                            {"MessageAttributeNames", {"All"}}};
  if (visibility_timeout >= 0) request["VisibilityTimeout"] = visibility_timeout;
  // The poll may legitimately last wait_seconds: the timeout must outlast it.
  auto timeout = std::max(t_.config().timeout, std::chrono::milliseconds((std::clamp(wait_seconds, 0, 20) + 10) * 1000));
  auto r = SqsCall(t_, "ReceiveMessage", request, timeout);
  if (!r.ok()) return r.status();
  std::vector<SqsMessage> out;
  auto messages = r->find("Messages");
  if (messages == r->end() || !messages->is_array()) return out;
  for (const auto& m : *messages) {
    if (!m.is_object()) continue;
    SqsMessage msg;
    msg.message_id = StringField(m, "MessageId");
    msg.receipt_handle = StringField(m, "ReceiptHandle");
    msg.body = StringField(m, "Body");
    EF_RETURN_IF_ERROR(CheckBodyMd5(msg.body, StringField(m, "MD5OfBody"), "ReceiveMessage"));
    if (auto a = m.find("Attributes"); a != m.end() && a->is_object()) {
      for (const auto& [name, value] : a->items()) {
        if (value.is_string()) msg.attributes[name] = value.get<std::string>();
      }
    }
    if (auto a = m.find("MessageAttributes"); a != m.end() && a->is_object()) {
      for (const auto& [name, value] : a->items()) {
        if (value.is_object()) msg.message_attributes[name] = StringField(value, "StringValue");
      }
    }
    out.push_back(std::move(msg));
  }
  return out;
}

base::Status SqsClient::DeleteMessage(const std::string& queue_url, const std::string& receipt_handle) {
  auto r = SqsCall(t_, "DeleteMessage", {{"QueueUrl", queue_url}, {"ReceiptHandle", receipt_handle}});
  return r.ok() ? base::Status::Ok() : r.status();
}

// ---------------------------------------------------------------- Lambda

base::StatusOr<InvokeOutput> LambdaClient::Invoke(const std::string& function_name, std::string_view payload,
                                                  InvocationType type, bool log_tail) {
  http::Headers h;
  h.Set("Content-Type", "application/json");
  h.Set("X-Amz-Invocation-Type", type == InvocationType::kEvent    ? "Event"
                                 : type == InvocationType::kDryRun ? "DryRun"
                                                                   : "RequestResponse");
  if (log_tail) h.Set("X-Amz-Log-Type", "Tail");
  auto r = t_.Send("POST", "/2015-03-31/functions/" + http::UriEncode(function_name) + "/invocations", "",
                   std::move(h), payload);
  if (!r.ok()) return r.status().WithContext("Invoke " + function_name);
  InvokeOutput out;
  out.status = r->status;
  out.function_error = std::string(r->headers.GetOr("X-Amz-Function-Error", ""));
  out.executed_version = std::string(r->headers.GetOr("X-Amz-Executed-Version", ""));
  if (auto log = r->headers.Get("X-Amz-Log-Result")) {
    out.log_result = base::Base64Decode(*log, base::Base64Mode::kLenient).value_or("");
  }
  out.payload = std::move(r->body);
  return out;
}

base::StatusOr<std::string> LambdaClient::GetFunctionUrl(const std::string& function_name) {
  auto r = t_.Send("GET", "/2021-10-31/functions/" + http::UriEncode(function_name) + "/url", "", {}, {});
  if (!r.ok()) {
    return r.status().WithContext("GetFunctionUrlConfig " + function_name);
  }
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (!j.is_object() || !j.contains("FunctionUrl")) return base::Status::Internal("GetFunctionUrlConfig: no FunctionUrl in the reply");
  return j["FunctionUrl"].get<std::string>();
}

}  // namespace client
