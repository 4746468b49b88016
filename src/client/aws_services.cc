// The S3, DynamoDB, SQS and Lambda calls on top of AwsTransport.
#include <algorithm>

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

std::string FormBody(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string body;
  for (const auto& [k, v] : params) {
    if (!body.empty()) body += '&';
    body += http::UriEncode(k);
    body += '=';
    body += http::UriEncode(v);
  }
  return body;
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
  auto r = t_.Send("PUT", "/" + http::UriEncode(bucket), "", {}, {});
  if (r.ok()) return base::Status::Ok();
  if (r.status().message().rfind("BucketAlreadyOwnedByYou", 0) == 0) return base::Status::Ok();
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
  const auto& [type, v] = *av.items().begin();
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

// ---------------------------------------------------------------- SQS (query protocol)

namespace {

base::StatusOr<aws::XmlNode> SqsCall(AwsTransport& t, std::vector<std::pair<std::string, std::string>> params,
                                     std::chrono::milliseconds timeout = {}) {
  const std::string action = params.front().second;
  params.emplace_back("Version", "2012-11-05");
  http::Headers h;
  h.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  auto r = t.Send("POST", "/", "", std::move(h), FormBody(params), timeout);
  if (!r.ok()) return r.status().WithContext("SQS " + action);
  return ParseReply(*r, "SQS " + action);
}

}  // namespace

base::StatusOr<std::string> SqsClient::GetQueueUrl(const std::string& queue_name) {
  auto root = SqsCall(t_, {{"Action", "GetQueueUrl"}, {"QueueName", queue_name}});
  if (!root.ok()) return root.status();
  const aws::XmlNode* result = root->Child("GetQueueUrlResult");
  if (!result || result->ChildText("QueueUrl").empty()) return base::Status::Internal("GetQueueUrl: no QueueUrl in the reply");
  return std::string(result->ChildText("QueueUrl"));
}

base::StatusOr<std::string> SqsClient::CreateQueue(const std::string& queue_name) {
  auto root = SqsCall(t_, {{"Action", "CreateQueue"}, {"QueueName", queue_name}});
  if (!root.ok()) return root.status();
  const aws::XmlNode* result = root->Child("CreateQueueResult");
  if (!result || result->ChildText("QueueUrl").empty()) return base::Status::Internal("CreateQueue: no QueueUrl in the reply");
  return std::string(result->ChildText("QueueUrl"));
}

base::StatusOr<std::string> SqsClient::SendMessage(const std::string& queue_url, std::string_view body,
                                                   const std::map<std::string, std::string>& string_attributes) {
  std::vector<std::pair<std::string, std::string>> p = {
      {"Action", "SendMessage"}, {"QueueUrl", queue_url}, {"MessageBody", std::string(body)}};
  int i = 1;
  for (const auto& [name, value] : string_attributes) {
    std::string prefix = "MessageAttribute." + std::to_string(i++) + ".";
    p.emplace_back(prefix + "Name", name);
    p.emplace_back(prefix + "Value.DataType", "String");
    p.emplace_back(prefix + "Value.StringValue", value);
  }
  auto root = SqsCall(t_, std::move(p));
  if (!root.ok()) return root.status();
  const aws::XmlNode* result = root->Child("SendMessageResult");
  return result ? std::string(result->ChildText("MessageId")) : std::string();
}

base::StatusOr<std::vector<SqsMessage>> SqsClient::ReceiveMessages(const std::string& queue_url, int max_messages,
                                                                   int wait_seconds, int visibility_timeout) {
  std::vector<std::pair<std::string, std::string>> p = {
      {"Action", "ReceiveMessage"},
      {"QueueUrl", queue_url},
      {"MaxNumberOfMessages", std::to_string(std::clamp(max_messages, 1, 10))},
      {"WaitTimeSeconds", std::to_string(std::clamp(wait_seconds, 0, 20))},
      {"AttributeName.1", "All"},
      {"MessageAttributeName.1", "All"}};
  if (visibility_timeout >= 0) p.emplace_back("VisibilityTimeout", std::to_string(visibility_timeout));
  // The poll may legitimately last wait_seconds: the timeout must outlast it.
  auto timeout = std::max(t_.config().timeout, std::chrono::milliseconds((std::clamp(wait_seconds, 0, 20) + 10) * 1000));
  auto root = SqsCall(t_, std::move(p), timeout);
  if (!root.ok()) return root.status();
  std::vector<SqsMessage> out;
  const aws::XmlNode* result = root->Child("ReceiveMessageResult");
  if (!result) return out;
  for (const aws::XmlNode* m : result->Children("Message")) {
    SqsMessage msg;
    msg.message_id = std::string(m->ChildText("MessageId"));
    msg.receipt_handle = std::string(m->ChildText("ReceiptHandle"));
    msg.body = std::string(m->ChildText("Body"));
    for (const aws::XmlNode* a : m->Children("Attribute")) {
      msg.attributes[std::string(a->ChildText("Name"))] = std::string(a->ChildText("Value"));
    }
    for (const aws::XmlNode* a : m->Children("MessageAttribute")) {
      const aws::XmlNode* v = a->Child("Value");
      if (v) msg.message_attributes[std::string(a->ChildText("Name"))] = std::string(v->ChildText("StringValue"));
    }
    out.push_back(std::move(msg));
  }
  return out;
}

base::Status SqsClient::DeleteMessage(const std::string& queue_url, const std::string& receipt_handle) {
  auto root = SqsCall(t_, {{"Action", "DeleteMessage"}, {"QueueUrl", queue_url}, {"ReceiptHandle", receipt_handle}});
  return root.ok() ? base::Status::Ok() : root.status();
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
