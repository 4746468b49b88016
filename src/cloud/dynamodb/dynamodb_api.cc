#include "cloud/dynamodb/dynamodb_api.h"

#include <cstdlib>
#include <future>

#include "base/files.h"
#include "base/ids.h"
#include "cloud/dynamodb/api_internal.h"
#include "cloud/dynamodb/codec.h"

namespace cloud {
namespace {

using dynamodb::api::json;
using dynamodb::api::OpContext;
using dynamodb::api::OpResult;

constexpr std::string_view kTargetPrefix = "DynamoDB_20120810.";

struct Operation {
  std::string_view name;
  OpResult (*run)(OpContext&, const json&);
  bool writes;  // runs on the store's commit thread (group commit)
};

constexpr Operation kOperations[] = {
    {"CreateTable", dynamodb::api::CreateTable, true},
    {"DescribeTable", dynamodb::api::DescribeTable, false},
    {"ListTables", dynamodb::api::ListTables, false},
    {"DeleteTable", dynamodb::api::DeleteTable, true},
    {"PutItem", dynamodb::api::PutItem, true},
    {"GetItem", dynamodb::api::GetItem, false},
    {"DeleteItem", dynamodb::api::DeleteItem, true},
    {"UpdateItem", dynamodb::api::UpdateItem, true},
    {"Query", dynamodb::api::Query, false},
    {"Scan", dynamodb::api::Scan, false},
    {"BatchWriteItem", dynamodb::api::BatchWriteItem, true},
    {"BatchGetItem", dynamodb::api::BatchGetItem, false},
};

std::string RequestId() { return base::RandomString(52, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"); }

http::Response JsonResponse(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.headers.Set("Content-Type", "application/x-amz-json-1.0");
  r.headers.Set("x-amzn-RequestId", RequestId());
  r.headers.Set("x-amz-crc32", std::to_string(dynamodb::Crc32(body)));
  r.body = std::move(body);
  return r;
}

http::Response ErrorResponse(std::string_view type, std::string_view message, int status = 400) {
  // Namespaces as DynamoDB sends them; botocore reads the part after '#'.
  std::string ns = type == "ValidationException" ? "com.amazon.coral.validate#"
                   : (type == "SerializationException" || type == "UnknownOperationException" ||
                      type == "MissingAuthenticationTokenException")
                       ? "com.amazon.coral.service#"
                       : "com.amazonaws.dynamodb.v20120810#";
  std::string body = "{\"__type\":";
  dynamodb::AppendJsonString(ns + std::string(type), &body);
  body += ",\"message\":";
  dynamodb::AppendJsonString(message, &body);
  body += "}";
  return JsonResponse(status, std::move(body));
}

http::Response StatusToResponse(const base::Status& s) {
  using Code = base::Status::Code;
  const std::string& m = s.message();
  switch (s.code()) {
    case Code::kInvalidArgument: {
      constexpr std::string_view kSer = "SerializationException: ";
      if (m.compare(0, kSer.size(), kSer) == 0) return ErrorResponse("SerializationException", m.substr(kSer.size()));
      return ErrorResponse("ValidationException", m);
    }
    case Code::kNotFound: return ErrorResponse("ResourceNotFoundException", m);
    case Code::kAlreadyExists: return ErrorResponse("ResourceInUseException", m);
    case Code::kFailedPrecondition: return ErrorResponse("ConditionalCheckFailedException", m);
    case Code::kResourceExhausted: return ErrorResponse("LimitExceededException", m);
    default: return ErrorResponse("InternalServerError", "Internal server error: " + m, 500);
  }
}

}  // namespace

base::StatusOr<std::unique_ptr<DynamoDbApi>> DynamoDbApi::Open(const ServiceContext& ctx) {
  EF_RETURN_IF_ERROR(base::MakeDirs(ctx.data_dir));
  // Default: a commit is in the kernel (WAL append) before we answer, which survives kill -9 of
  // the server (DESIGN.md §7). EDGEFACE_DYNAMODB_SYNC=full adds an fsync per group commit, which
  // also survives power loss, at about a quarter of the write throughput (docs/dynamodb.md).
  const char* sync_env = std::getenv("EDGEFACE_DYNAMODB_SYNC");
  base::Db::Sync sync = sync_env && std::string_view(sync_env) == "full" ? base::Db::Sync::kFull : base::Db::Sync::kNormal;
  base::StatusOr<std::unique_ptr<dynamodb::TableStore>> store = dynamodb::TableStore::Open(ctx.data_dir, sync);
  if (!store.ok()) return store.status();
  return std::unique_ptr<DynamoDbApi>(new DynamoDbApi(ctx, std::move(*store)));
}

void DynamoDbApi::Handle(http::Request&& request, http::Reply reply) { Run(request, std::move(reply)); }

http::Response DynamoDbApi::HandleSync(const http::Request& request) {
  std::promise<http::Response> promise;
  std::future<http::Response> future = promise.get_future();
  Run(request, [&promise](http::Response r) { promise.set_value(std::move(r)); });
  return future.get();
}

void DynamoDbApi::Run(const http::Request& request, http::Reply reply) {
  if (request.method != "POST") {
    return reply(ErrorResponse("UnknownOperationException", "DynamoDB accepts only POST requests"));
  }
  std::string_view target = request.headers.GetOr("X-Amz-Target", "");
  if (target.substr(0, kTargetPrefix.size()) != kTargetPrefix) return reply(ErrorResponse("UnknownOperationException", ""));
  std::string_view op_name = target.substr(kTargetPrefix.size());
  const Operation* op = nullptr;
  for (const Operation& o : kOperations) {
    if (o.name == op_name) op = &o;
  }
  if (!op) return reply(ErrorResponse("UnknownOperationException", ""));
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    return reply(ErrorResponse("SerializationException", "Start of structure or map found where not expected"));
  }
  if (!op->writes) {
    OpContext c{store_.get(), &ctx_};
    OpResult result = op->run(c, body);
    return reply(result.ok() ? JsonResponse(200, std::move(*result)) : StatusToResponse(result.status()));
  }
  // A write runs on the commit thread and is answered only after its group commit is durable.
  struct Pending {
    json body;
    OpResult result = base::Status::Internal("write did not run");
  };
  auto pending = std::make_shared<Pending>();
  pending->body = std::move(body);
  store_->SubmitWrite(
      [store = store_.get(), service = &ctx_, op, pending] {
        OpContext c{store, service};
        pending->result = op->run(c, pending->body);
        return pending->result.status();
      },
      [pending, reply = std::move(reply)](base::Status commit) {
        if (!commit.ok()) return reply(StatusToResponse(base::Status::Internal(commit.message())));
        OpResult& r = pending->result;
        reply(r.ok() ? JsonResponse(200, std::move(*r)) : StatusToResponse(r.status()));
      });
}

}  // namespace cloud

namespace dynamodb::api {

base::Status Serialization(std::string msg) {
  return base::Status::InvalidArgument("SerializationException: " + std::move(msg));
}
base::Status Validation(std::string msg) { return base::Status::InvalidArgument(std::move(msg)); }

base::StatusOr<std::optional<std::string>> OptString(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return Serialization(std::string("Unexpected value type in payload for ") + key);
  return std::optional<std::string>(it->get<std::string>());
}

base::StatusOr<std::string> TableNameOf(const json& body, const char* key) {
  base::StatusOr<std::optional<std::string>> name = OptString(body, key);
  if (!name.ok()) return name.status();
  if (!name->has_value()) {
    return Validation("1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null");
  }
  const std::string& n = **name;
  if (n.size() < 3) {
    return Validation("1 validation error detected: Value '" + n +
                      "' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3");
  }
  if (n.size() > 255) {
    return Validation("1 validation error detected: Value '" + n +
                      "' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 255");
  }
  for (char ch : n) {
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.' || ch == '-')) {
      return Validation("1 validation error detected: Value '" + n +
                        "' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
    }
  }
  return n;
}

base::StatusOr<std::optional<Item>> OptItem(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::optional<Item>();
  base::StatusOr<Item> item = ItemFromJson(*it);
  if (!item.ok()) return item.status();
  return std::optional<Item>(std::move(*item));
}

base::Status ReadPlaceholders(const json& body, Placeholders* p) {
  if (auto it = body.find("ExpressionAttributeNames"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return Serialization("Unexpected value type in payload for ExpressionAttributeNames");
    if (it->empty()) return Validation("ExpressionAttributeNames must not be empty");
    for (auto n = it->begin(); n != it->end(); ++n) {
      if (!n->is_string()) return Serialization("Unexpected value type in payload for ExpressionAttributeNames");
      if (n.key().empty() || n.key()[0] != '#') {
        return Validation("ExpressionAttributeNames contains invalid key: Syntax error; key: \"" + n.key() + "\"");
      }
      p->names[n.key()] = n->get<std::string>();
    }
    p->has_names = true;
    p->ctx.names = &p->names;
  }
  if (auto it = body.find("ExpressionAttributeValues"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return Serialization("Unexpected value type in payload for ExpressionAttributeValues");
    if (it->empty()) return Validation("ExpressionAttributeValues must not be empty");
    for (auto v = it->begin(); v != it->end(); ++v) {
      if (v.key().empty() || v.key()[0] != ':') {
        return Validation("ExpressionAttributeValues contains invalid key: Syntax error; key: \"" + v.key() + "\"");
      }
      base::StatusOr<Value> value = ValueFromJson(*v);
      if (!value.ok()) {
        if (value.status().message().rfind("SerializationException: ", 0) == 0) return value.status();
        return Validation("ExpressionAttributeValues contains invalid value: " + value.status().message() +
                          " for key " + v.key());
      }
      p->values[v.key()] = std::move(*value);
    }
    p->has_values = true;
    p->ctx.values = &p->values;
  }
  return base::Status::Ok();
}

base::Status FinishPlaceholders(const Placeholders& p, bool any_expression) {
  if (!any_expression) {
    if (p.has_names) return Validation("ExpressionAttributeNames can only be specified when using expressions");
    if (p.has_values) return Validation("ExpressionAttributeValues can only be specified when using expressions");
    return base::Status::Ok();
  }
  return CheckAllPlaceholdersUsed(p.ctx);
}

base::Status RejectLegacy(const json& body, std::initializer_list<std::pair<const char*, const char*>> legacy) {
  for (const auto& [old_name, replacement] : legacy) {
    if (body.contains(old_name)) {
      return Validation(std::string("The legacy parameter ") + old_name +
                        " is not supported by this server; use " + replacement + " instead");
    }
  }
  return base::Status::Ok();
}

std::string ConsumedCapacity(const json& body, const std::string& table, double units) {
  auto it = body.find("ReturnConsumedCapacity");
  if (it == body.end() || !it->is_string() || *it == "NONE") return "";
  std::string out = ",\"ConsumedCapacity\":{\"TableName\":";
  AppendJsonString(table, &out);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", units);
  out += ",\"CapacityUnits\":";
  out += buf;
  out += "}";
  return out;
}

}  // namespace dynamodb::api
