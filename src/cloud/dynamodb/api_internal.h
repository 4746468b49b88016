// Shared by the DynamoDB API's source files: request-reading helpers and the operations.
// Not part of the public interface.
#pragma once

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "cloud/dynamodb/expression.h"
#include "cloud/dynamodb/table_store.h"
#include "cloud/gateway/service.h"

namespace dynamodb::api {

using nlohmann::json;

// An operation: request body in, response body (JSON text) out.
using OpResult = base::StatusOr<std::string>;

struct OpContext {
  TableStore* store;
  const cloud::ServiceContext* service;
};

base::Status Serialization(std::string msg);
base::Status Validation(std::string msg);

// Member readers. A member of the wrong JSON type is a SerializationException, as in DynamoDB.
base::StatusOr<std::optional<std::string>> OptString(const json& body, const char* key);
base::StatusOr<std::string> TableNameOf(const json& body, const char* key = "TableName");
base::StatusOr<std::optional<Item>> OptItem(const json& body, const char* key);

// ExpressionAttributeNames / ExpressionAttributeValues of a request (or of a BatchGetItem table).
struct Placeholders {
  std::map<std::string, std::string> names;
  std::map<std::string, Value> values;
  bool has_names = false, has_values = false;
  ExpressionContext ctx;
};
// Fills `p` (whose address must stay stable: ctx points into it).
base::Status ReadPlaceholders(const json& body, Placeholders* p);
// Rejects given-but-unused placeholders, and placeholders given without any expression.
base::Status FinishPlaceholders(const Placeholders& p, bool any_expression);

// ProjectionExpression, or the legacy AttributesToGet (top-level names); nullopt when neither.
base::StatusOr<std::optional<std::vector<Path>>> ReadProjection(const json& body, Placeholders* p);

// Rejects the pre-expression parameters we do not implement, naming the replacement.
base::Status RejectLegacy(const json& body, std::initializer_list<std::pair<const char*, const char*>> legacy);

// ReturnConsumedCapacity TOTAL/INDEXES → ,"ConsumedCapacity":{...} to append; "" otherwise.
std::string ConsumedCapacity(const json& body, const std::string& table, double units);

OpResult CreateTable(OpContext& c, const json& body);
OpResult DescribeTable(OpContext& c, const json& body);
OpResult ListTables(OpContext& c, const json& body);
OpResult DeleteTable(OpContext& c, const json& body);
OpResult PutItem(OpContext& c, const json& body);
OpResult GetItem(OpContext& c, const json& body);
OpResult DeleteItem(OpContext& c, const json& body);
OpResult UpdateItem(OpContext& c, const json& body);
OpResult Query(OpContext& c, const json& body);
OpResult Scan(OpContext& c, const json& body);
OpResult BatchWriteItem(OpContext& c, const json& body);
OpResult BatchGetItem(OpContext& c, const json& body);

}  // namespace dynamodb::api
