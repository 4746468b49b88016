// The wire API without a socket: build the request a client sends, check the response it gets.
#include "cloud/dynamodb/dynamodb_api.h"

#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "cloud/dynamodb/codec.h"

namespace cloud {
namespace {

using nlohmann::json;

class DynamoDbApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("dynamodb_api_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    ServiceContext ctx;
    ctx.data_dir = dir_.string();
    auto api = DynamoDbApi::Open(ctx);
    ASSERT_TRUE(api.ok()) << api.status().message();
    api_ = std::move(*api);
  }
  void TearDown() override {
    api_.reset();
    std::filesystem::remove_all(dir_);
  }

  http::Response Raw(const std::string& op, const std::string& body) {
    http::Request r;
    r.method = "POST";
    r.target = "/";
    r.headers.Add("X-Amz-Target", "DynamoDB_20120810." + op);
    r.headers.Add("Content-Type", "application/x-amz-json-1.0");
    r.body = body;
    return api_->HandleSync(r);
  }
  // Calls `op`; returns the parsed body and remembers the status.
  json Call(const std::string& op, const json& body) {
    http::Response resp = Raw(op, body.dump());
    status_ = resp.status;
    EXPECT_EQ(resp.headers.GetOr("x-amz-crc32", ""), std::to_string(dynamodb::Crc32(resp.body)));
    EXPECT_FALSE(resp.headers.GetOr("x-amzn-RequestId", "").empty());
    return json::parse(resp.body);
  }
  static std::string ErrorType(const json& j) {
    std::string t = j.value("__type", "");
    return t.substr(t.find('#') + 1);
  }
  void CreateStudents() {
    json r = Call("CreateTable", json::parse(R"({
      "TableName": "students",
      "KeySchema": [{"AttributeName": "name", "KeyType": "HASH"}],
      "AttributeDefinitions": [{"AttributeName": "name", "AttributeType": "S"}],
      "BillingMode": "PAY_PER_REQUEST"})"));
    ASSERT_EQ(status_, 200) << r.dump();
  }
  void CreateEvents() {
    json r = Call("CreateTable", json::parse(R"({
      "TableName": "events",
      "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "ts", "KeyType": "RANGE"}],
      "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "ts", "AttributeType": "N"}],
      "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}})"));
    ASSERT_EQ(status_, 200) << r.dump();
    for (int i = 1; i <= 10; ++i) {
      Call("PutItem", {{"TableName", "events"},
                       {"Item", {{"pk", {{"S", "dev1"}}}, {"ts", {{"N", std::to_string(i * 10)}}}, {"n", {{"N", std::to_string(i)}}}}}});
      ASSERT_EQ(status_, 200);
    }
  }

  std::filesystem::path dir_;
  std::unique_ptr<DynamoDbApi> api_;
  int status_ = 0;
};

TEST_F(DynamoDbApiTest, TableLifecycle) {
  CreateStudents();
  json again = Call("CreateTable", json::parse(R"({"TableName": "students",
      "KeySchema": [{"AttributeName": "name", "KeyType": "HASH"}],
      "AttributeDefinitions": [{"AttributeName": "name", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"})"));
  EXPECT_EQ(status_, 400);
  EXPECT_EQ(ErrorType(again), "ResourceInUseException");
  EXPECT_EQ(again["message"], "Table already exists: students");

  json d = Call("DescribeTable", {{"TableName", "students"}});
  EXPECT_EQ(d["Table"]["TableStatus"], "ACTIVE");
  EXPECT_EQ(d["Table"]["ItemCount"], 0);
  EXPECT_EQ(d["Table"]["KeySchema"][0]["AttributeName"], "name");
  EXPECT_EQ(d["Table"]["TableArn"], "arn:aws:dynamodb:us-east-1:000000000000:table/students");
  EXPECT_EQ(d["Table"]["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST");

  CreateEvents();
  json l = Call("ListTables", {{"Limit", 1}});
  EXPECT_EQ(l["TableNames"], json({"events"}));
  EXPECT_EQ(l["LastEvaluatedTableName"], "events");
  l = Call("ListTables", {{"ExclusiveStartTableName", "events"}});
  EXPECT_EQ(l["TableNames"], json({"students"}));
  EXPECT_FALSE(l.contains("LastEvaluatedTableName"));

  json del = Call("DeleteTable", {{"TableName", "students"}});
  EXPECT_EQ(del["TableDescription"]["TableStatus"], "DELETING");
  json missing = Call("DescribeTable", {{"TableName", "students"}});
  EXPECT_EQ(ErrorType(missing), "ResourceNotFoundException");
  EXPECT_EQ(missing["message"], "Requested resource not found: Table: students not found");
  EXPECT_EQ(ErrorType(Call("GetItem", {{"TableName", "students"}, {"Key", {{"name", {{"S", "x"}}}}}})),
            "ResourceNotFoundException");
}

TEST_F(DynamoDbApiTest, CreateTableValidation) {
  json r = Call("CreateTable", json::parse(R"({"TableName": "tbl",
      "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
      "AttributeDefinitions": [{"AttributeName": "other", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"})"));
  EXPECT_EQ(ErrorType(r), "ValidationException");
  EXPECT_EQ(r["message"], "One or more parameter values were invalid: Some index key attributes are not defined in "
                          "AttributeDefinitions. Keys: [id], AttributeDefinitions: [other]");
  r = Call("CreateTable", json::parse(R"({"TableName": "tbl",
      "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
      "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}]})"));
  EXPECT_EQ(r["message"], "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must "
                          "both be specified when BillingMode is PROVISIONED");
  r = Call("CreateTable", json::parse(R"({"TableName": "x"})"));
  EXPECT_EQ(r["message"], "1 validation error detected: Value 'x' at 'tableName' failed to satisfy constraint: Member "
                          "must have length greater than or equal to 3");
}

TEST_F(DynamoDbApiTest, PutGetDeleteWithConditionsAndReturnValues) {
  CreateStudents();
  json item = json::parse(R"({"name": {"S": "Ada"}, "year": {"N": "1815.0"}, "tags": {"SS": ["math", "poetry"]},
                              "photo": {"B": "AAEC"}, "meta": {"M": {"l": {"L": [{"BOOL": true}, {"NULL": true}]}}}})");
  json r = Call("PutItem", {{"TableName", "students"}, {"Item", item}});
  EXPECT_EQ(status_, 200);
  EXPECT_EQ(r, json::object());

  json g = Call("GetItem", {{"TableName", "students"}, {"Key", {{"name", {{"S", "Ada"}}}}}});
  EXPECT_EQ(g["Item"]["year"]["N"], "1815");
  EXPECT_EQ(g["Item"]["photo"]["B"], "AAEC");
  EXPECT_EQ(g["Item"]["meta"]["M"]["l"]["L"][1]["NULL"], true);

  g = Call("GetItem", json::parse(R"({"TableName": "students", "Key": {"name": {"S": "Ada"}},
                                       "ProjectionExpression": "#y, meta.l[0]", "ExpressionAttributeNames": {"#y": "year"}})"));
  EXPECT_EQ(g["Item"], json::parse(R"({"year": {"N": "1815"}, "meta": {"M": {"l": {"L": [{"BOOL": true}]}}}})"));

  EXPECT_EQ(Call("GetItem", {{"TableName", "students"}, {"Key", {{"name", {{"S", "Nobody"}}}}}}), json::object());

  json cond = Call("PutItem", {{"TableName", "students"}, {"Item", item}, {"ConditionExpression", "attribute_not_exists(#n)"},
                               {"ExpressionAttributeNames", {{"#n", "name"}}}});
  EXPECT_EQ(status_, 400);
  EXPECT_EQ(cond["__type"], "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException");
  EXPECT_EQ(cond["message"], "The conditional request failed");

  json replaced = Call("PutItem", {{"TableName", "students"},
                                   {"Item", {{"name", {{"S", "Ada"}}}, {"year", {{"N", "1816"}}}}},
                                   {"ReturnValues", "ALL_OLD"}});
  EXPECT_EQ(replaced["Attributes"]["year"]["N"], "1815");

  json bad_rv = Call("PutItem", {{"TableName", "students"}, {"Item", item}, {"ReturnValues", "ALL_NEW"}});
  EXPECT_EQ(bad_rv["message"], "ReturnValues can only be ALL_OLD or NONE");

  json deleted = Call("DeleteItem", json::parse(R"({"TableName": "students", "Key": {"name": {"S": "Ada"}},
      "ConditionExpression": "#y = :y", "ExpressionAttributeNames": {"#y": "year"},
      "ExpressionAttributeValues": {":y": {"N": "1816"}}, "ReturnValues": "ALL_OLD"})"));
  EXPECT_EQ(status_, 200) << deleted.dump();
  EXPECT_EQ(deleted["Attributes"]["name"]["S"], "Ada");
  EXPECT_EQ(Call("GetItem", {{"TableName", "students"}, {"Key", {{"name", {{"S", "Ada"}}}}}}), json::object());
}

TEST_F(DynamoDbApiTest, ValidationErrorsAreWordedLikeDynamoDb) {
  CreateStudents();
  json r = Call("PutItem", {{"TableName", "students"}, {"Item", {{"age", {{"N", "1"}}}}}});
  EXPECT_EQ(r["__type"], "com.amazon.coral.validate#ValidationException");
  EXPECT_EQ(r["message"], "One or more parameter values were invalid: Missing the key name in the item");
  r = Call("PutItem", {{"TableName", "students"}, {"Item", {{"name", {{"N", "1"}}}}}});
  EXPECT_EQ(r["message"], "One or more parameter values were invalid: Type mismatch for key name expected: S actual: N");
  r = Call("GetItem", {{"TableName", "students"}, {"Key", {{"name", {{"S", "a"}}}, {"extra", {{"S", "b"}}}}}});
  EXPECT_EQ(r["message"], "The provided key element does not match the schema");
  r = Call("PutItem", json::parse(R"J({"TableName": "students", "Item": {"name": {"S": "a"}},
      "ExpressionAttributeValues": {":unused": {"S": "x"}}, "ConditionExpression": "attribute_not_exists(age)"})J"));
  EXPECT_EQ(r["message"], "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}");
  r = Call("PutItem", {{"TableName", "students"}, {"Item", {{"name", {{"S", "a"}}}, {"n", {{"N", "1e126"}}}}}});
  EXPECT_EQ(r["message"], "Number overflow. Attempting to store a number with magnitude larger than supported range");
  r = Call("PutItem", {{"TableName", "students"}, {"Item", {{"name", {{"S", "a"}}}}}, {"Expected", json::object()}});
  EXPECT_EQ(ErrorType(r), "ValidationException");
  http::Response bad_json = Raw("PutItem", "{not json");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_EQ(ErrorType(json::parse(bad_json.body)), "SerializationException");
  http::Response unknown = Raw("FlyToTheMoon", "{}");
  EXPECT_EQ(ErrorType(json::parse(unknown.body)), "UnknownOperationException");
}

TEST_F(DynamoDbApiTest, UpdateItemReturnValues) {
  CreateStudents();
  json base = json::parse(R"({"TableName": "students", "Key": {"name": {"S": "Bo"}},
      "UpdateExpression": "SET visits = if_not_exists(visits, :zero) + :one, last = :now ADD tags :t",
      "ExpressionAttributeValues": {":zero": {"N": "0"}, ":one": {"N": "1"}, ":now": {"S": "mon"}, ":t": {"SS": ["x"]}}})");
  json r = Call("UpdateItem", base);
  EXPECT_EQ(status_, 200) << r.dump();
  base["ReturnValues"] = "UPDATED_NEW";
  base["ExpressionAttributeValues"][":now"] = {{"S", "tue"}};
  r = Call("UpdateItem", base);
  EXPECT_EQ(r["Attributes"], json::parse(R"({"visits": {"N": "2"}, "last": {"S": "tue"}, "tags": {"SS": ["x"]}})"));
  base["ReturnValues"] = "UPDATED_OLD";
  r = Call("UpdateItem", base);
  EXPECT_EQ(r["Attributes"]["visits"]["N"], "2");
  base["ReturnValues"] = "ALL_NEW";
  r = Call("UpdateItem", base);
  EXPECT_EQ(r["Attributes"]["name"]["S"], "Bo");
  EXPECT_EQ(r["Attributes"]["visits"]["N"], "4");
  json key_update = Call("UpdateItem", json::parse(R"({"TableName": "students", "Key": {"name": {"S": "Bo"}},
      "UpdateExpression": "SET #n = :v", "ExpressionAttributeNames": {"#n": "name"}, "ExpressionAttributeValues": {":v": {"S": "x"}}})"));
  EXPECT_EQ(key_update["message"], "One or more parameter values were invalid: Cannot update attribute name. This attribute is part of the key");
  json failed = Call("UpdateItem", json::parse(R"({"TableName": "students", "Key": {"name": {"S": "Bo"}},
      "UpdateExpression": "REMOVE last", "ConditionExpression": "visits > :v", "ExpressionAttributeValues": {":v": {"N": "100"}}})"));
  EXPECT_EQ(ErrorType(failed), "ConditionalCheckFailedException");
}

TEST_F(DynamoDbApiTest, QueryKeyConditionsFiltersAndPaging) {
  CreateEvents();
  auto query = [&](const char* kce, json values, json extra = json::object()) {
    json body = {{"TableName", "events"}, {"KeyConditionExpression", kce}, {"ExpressionAttributeValues", values}};
    body.update(extra);
    return Call("Query", body);
  };
  json pk = {{":pk", {{"S", "dev1"}}}};
  auto with = [&](json v) { v.update(pk); return v; };
  EXPECT_EQ(query("pk = :pk", pk)["Count"], 10);
  EXPECT_EQ(query("pk = :pk AND ts > :t", with({{":t", {{"N", "75"}}}}))["Count"], 3);
  EXPECT_EQ(query("pk = :pk AND ts <= :t", with({{":t", {{"N", "30"}}}}))["Count"], 3);
  EXPECT_EQ(query("pk = :pk AND ts BETWEEN :a AND :b", with({{":a", {{"N", "20"}}}, {":b", {{"N", "50.0"}}}}))["Count"], 4);
  json back = query("pk = :pk", pk, {{"ScanIndexForward", false}, {"Limit", 2}});
  EXPECT_EQ(back["Items"][0]["ts"]["N"], "100");
  EXPECT_EQ(back["Items"][1]["ts"]["N"], "90");
  EXPECT_EQ(back["LastEvaluatedKey"], json::parse(R"({"pk": {"S": "dev1"}, "ts": {"N": "90"}})"));
  json next = query("pk = :pk", pk, {{"ScanIndexForward", false}, {"Limit", 2}, {"ExclusiveStartKey", back["LastEvaluatedKey"]}});
  EXPECT_EQ(next["Items"][0]["ts"]["N"], "80");
  json filtered = query("pk = :pk", with({{":odd", {{"N", "5"}}}}), {{"FilterExpression", "n < :odd"}, {"Limit", 6}});
  EXPECT_EQ(filtered["Count"], 4);
  EXPECT_EQ(filtered["ScannedCount"], 6);
  json count = query("pk = :pk", pk, {{"Select", "COUNT"}});
  EXPECT_FALSE(count.contains("Items"));
  EXPECT_EQ(count["Count"], 10);
  json projected = query("pk = :pk", pk, {{"ProjectionExpression", "n"}, {"Limit", 1}});
  EXPECT_EQ(projected["Items"][0], json::parse(R"({"n": {"N": "1"}})"));

  EXPECT_EQ(query("ts = :t", {{":t", {{"N", "1"}}}})["message"], "Query condition missed key schema element: pk");
  EXPECT_EQ(query("pk = :pk OR ts = :t", with({{":t", {{"N", "1"}}}}))["message"],
            "Invalid operator used in KeyConditionExpression: OR");
  EXPECT_EQ(query("pk = :pk AND begins_with(ts, :t)", with({{":t", {{"N", "1"}}}}))["message"],
            "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N");
  EXPECT_EQ(query("pk = :pk AND ts = :t", with({{":t", {{"S", "1"}}}}))["message"],
            "One or more parameter values were invalid: Condition parameter type does not match schema type");
  EXPECT_EQ(query("pk = :pk", pk, {{"FilterExpression", "ts > :pk"}})["message"],
            "Filter Expression can only contain non-primary key attributes: Primary key attribute: ts");
}

TEST_F(DynamoDbApiTest, ScanBatchWriteAndBatchGet) {
  CreateStudents();
  json writes = json::array();
  for (int i = 0; i < 25; ++i) {
    writes.push_back({{"PutRequest", {{"Item", {{"name", {{"S", "s" + std::to_string(i)}}}, {"i", {{"N", std::to_string(i)}}}}}}}});
  }
  json r = Call("BatchWriteItem", {{"RequestItems", {{"students", writes}}}});
  EXPECT_EQ(r, json::parse(R"({"UnprocessedItems": {}})"));
  writes.push_back(writes[0]);
  r = Call("BatchWriteItem", {{"RequestItems", {{"students", writes}}}});
  EXPECT_EQ(ErrorType(r), "ValidationException");

  json s = Call("Scan", {{"TableName", "students"}, {"Limit", 10}});
  EXPECT_EQ(s["Count"], 10);
  std::set<std::string> seen;
  json start;
  for (int page = 0; page < 5; ++page) {
    json body = {{"TableName", "students"}, {"Limit", 10}};
    if (!start.is_null()) body["ExclusiveStartKey"] = start;
    json p = Call("Scan", body);
    for (const json& item : p["Items"]) seen.insert(item["name"]["S"].get<std::string>());
    if (!p.contains("LastEvaluatedKey")) break;
    start = p["LastEvaluatedKey"];
  }
  EXPECT_EQ(seen.size(), 25u);
  json filtered = Call("Scan", json::parse(R"({"TableName": "students", "FilterExpression": "i >= :v",
                                                "ExpressionAttributeValues": {":v": {"N": "20"}}})"));
  EXPECT_EQ(filtered["Count"], 5);
  EXPECT_EQ(filtered["ScannedCount"], 25);

  json g = Call("BatchGetItem", json::parse(R"({"RequestItems": {"students": {
      "Keys": [{"name": {"S": "s1"}}, {"name": {"S": "s2"}}, {"name": {"S": "nobody"}}],
      "ProjectionExpression": "i"}}})"));
  EXPECT_EQ(g["Responses"]["students"].size(), 2u);
  EXPECT_EQ(g["UnprocessedKeys"], json::object());
  EXPECT_FALSE(g["Responses"]["students"][0].contains("name"));
}

}  // namespace
}  // namespace cloud
