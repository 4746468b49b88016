// CreateTable, DescribeTable, ListTables, DeleteTable.
#include <set>

#include "base/ids.h"
#include "cloud/dynamodb/api_internal.h"

namespace dynamodb::api {
namespace {


std::string TableArn(const cloud::ServiceContext& svc, const std::string& table) {
  return "arn:aws:dynamodb:" + svc.region + ":" + svc.account_id + ":table/" + table;
}

// Reads a KeySchema array into (hash, range) attribute names.
base::Status ReadKeySchema(const json& schema, const char* where, std::string* hash, std::string* range) {
  if (!schema.is_array()) return Serialization(std::string("Unexpected value type in payload for ") + where);
  if (schema.empty() || schema.size() > 2) {
    return Validation(std::string("1 validation error detected: Value '") + schema.dump() + "' at '" + where +
                      "' failed to satisfy constraint: Member must have length less than or equal to 2");
  }
  for (size_t i = 0; i < schema.size(); ++i) {
    const json& e = schema[i];
    if (!e.is_object() || !e.contains("AttributeName") || !e["AttributeName"].is_string() ||
        !e.contains("KeyType") || !e["KeyType"].is_string()) {
      return Validation(std::string("1 validation error detected: Value null at '") + where +
                        ".member.attributeName' failed to satisfy constraint: Member must not be null");
    }
    std::string type = e["KeyType"];
    std::string name = e["AttributeName"];
    if (type != "HASH" && type != "RANGE") {
      return Validation("1 validation error detected: Value '" + type + "' at '" + where +
                        ".member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]");
    }
    if (i == 0 && type != "HASH") return Validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
    if (i == 1 && type != "RANGE") {
      if (type == "HASH") return Validation("Too many hash keys specified.  All Dynamo DB tables must have exactly one hash key");
      return Validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
    }
    if (i == 1 && name == *hash) {
      return Validation("Both the Hash Key and the Range Key element in the KeySchema have the same name");
    }
    (i == 0 ? *hash : *range) = name;
  }
  return base::Status::Ok();
}

json Describe(const TableInfo& info, const TableStats& stats, const cloud::ServiceContext& svc, const char* status) {
  json d = json::parse(info.description_json, nullptr, false);
  if (d.is_discarded() || !d.is_object()) d = json::object();
  d["TableName"] = info.name;
  d["TableStatus"] = status;
  d["CreationDateTime"] = info.created;
  d["ItemCount"] = stats.item_count;
  d["TableSizeBytes"] = stats.size_bytes;
  d["TableArn"] = TableArn(svc, info.name);
  for (const char* kind : {"GlobalSecondaryIndexes", "LocalSecondaryIndexes"}) {
    if (!d.contains(kind)) continue;
    for (json& index : d[kind]) {
      if (std::string(kind) == "GlobalSecondaryIndexes") index["IndexStatus"] = "ACTIVE";
      index["IndexSizeBytes"] = 0;
      index["ItemCount"] = 0;
      index["IndexArn"] = TableArn(svc, info.name) + "/index/" + index.value("IndexName", "");
    }
  }
  return d;
}

}  // namespace

OpResult CreateTable(OpContext& c, const json& body) {
  base::StatusOr<std::string> name = TableNameOf(body);
  if (!name.ok()) return name.status();
  auto ks = body.find("KeySchema");
  if (ks == body.end() || ks->is_null()) {
    return Validation("1 validation error detected: Value null at 'keySchema' failed to satisfy constraint: Member must not be null");
  }
  auto ad = body.find("AttributeDefinitions");
  if (ad == body.end() || ad->is_null()) {
    return Validation("1 validation error detected: Value null at 'attributeDefinitions' failed to satisfy constraint: Member must not be null");
  }
  if (!ad->is_array()) return Serialization("Unexpected value type in payload for AttributeDefinitions");
  std::string hash, range;
  EF_RETURN_IF_ERROR(ReadKeySchema(*ks, "keySchema", &hash, &range));

  std::map<std::string, Type> defined;
  std::string defined_list;
  for (const json& e : *ad) {
    if (!e.is_object() || !e.contains("AttributeName") || !e["AttributeName"].is_string() ||
        !e.contains("AttributeType") || !e["AttributeType"].is_string()) {
      return Validation("1 validation error detected: Value null at 'attributeDefinitions.member.attributeName' failed to satisfy constraint: Member must not be null");
    }
    std::string type = e["AttributeType"];
    if (type != "S" && type != "N" && type != "B") {
      return Validation("1 validation error detected: Value '" + type +
                        "' at 'attributeDefinitions.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]");
    }
    std::string attr = e["AttributeName"];
    if (!defined.emplace(attr, *TypeFromName(type)).second) {
      return Validation("Cannot have two attributes with the same name");
    }
    defined_list += (defined_list.empty() ? "" : ", ") + attr;
  }

  // Every key attribute (of the table and of its indexes) must be defined, and nothing more.
  std::set<std::string> key_attrs = {hash};
  if (!range.empty()) key_attrs.insert(range);
  json description = json::object();
  for (const char* kind : {"GlobalSecondaryIndexes", "LocalSecondaryIndexes"}) {
    auto it = body.find(kind);
    if (it == body.end() || it->is_null()) continue;
    if (!it->is_array()) return Serialization(std::string("Unexpected value type in payload for ") + kind);
    for (const json& index : *it) {
      if (!index.is_object() || !index.contains("IndexName") || !index["IndexName"].is_string() ||
          !index.contains("KeySchema")) {
        return Validation(std::string("One or more parameter values were invalid: ") + kind + " must have IndexName and KeySchema");
      }
      std::string ih, ir;
      EF_RETURN_IF_ERROR(ReadKeySchema(index["KeySchema"], "keySchema", &ih, &ir));
      key_attrs.insert(ih);
      if (!ir.empty()) key_attrs.insert(ir);
    }
    description[kind] = *it;
  }
  std::string missing;
  for (const std::string& k : key_attrs) {
    if (!defined.count(k)) missing += (missing.empty() ? "" : ", ") + k;
  }
  if (!missing.empty()) {
    return Validation("One or more parameter values were invalid: Some index key attributes are not defined in "
                      "AttributeDefinitions. Keys: [" + missing + "], AttributeDefinitions: [" + defined_list + "]");
  }
  if (defined.size() != key_attrs.size()) {
    return Validation("One or more parameter values were invalid: Number of attributes in KeySchema does not exactly "
                      "match number of attributes defined in AttributeDefinitions");
  }

  base::StatusOr<std::optional<std::string>> billing = OptString(body, "BillingMode");
  if (!billing.ok()) return billing.status();
  std::string mode = billing->value_or("PROVISIONED");
  auto pt = body.find("ProvisionedThroughput");
  bool has_pt = pt != body.end() && !pt->is_null();
  if (mode == "PROVISIONED") {
    if (!has_pt || !pt->is_object() || !pt->contains("ReadCapacityUnits") || !pt->contains("WriteCapacityUnits")) {
      return Validation("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must "
                        "both be specified when BillingMode is PROVISIONED");
    }
    description["ProvisionedThroughput"] = {{"NumberOfDecreasesToday", 0},
                                            {"ReadCapacityUnits", (*pt)["ReadCapacityUnits"]},
                                            {"WriteCapacityUnits", (*pt)["WriteCapacityUnits"]}};
  } else if (mode == "PAY_PER_REQUEST") {
    if (has_pt) {
      return Validation("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits "
                        "can be specified when BillingMode is PAY_PER_REQUEST");
    }
    description["ProvisionedThroughput"] = {{"NumberOfDecreasesToday", 0}, {"ReadCapacityUnits", 0}, {"WriteCapacityUnits", 0}};
    description["BillingModeSummary"] = {{"BillingMode", "PAY_PER_REQUEST"}};
  } else {
    return Validation("1 validation error detected: Value '" + mode +
                      "' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]");
  }
  description["AttributeDefinitions"] = *ad;
  description["KeySchema"] = *ks;
  description["TableId"] = base::NewUuid();

  TableInfo info;
  info.name = *name;
  info.hash = {hash, defined[hash]};
  if (!range.empty()) info.range = KeyAttribute{range, defined[range]};
  info.description_json = description.dump();
  EF_RETURN_IF_ERROR(c.store->CreateTable(info));
  base::StatusOr<TableInfo> stored = c.store->GetTable(*name);
  if (!stored.ok()) return stored.status();
  return json{{"TableDescription", Describe(*stored, TableStats{}, *c.service, "ACTIVE")}}.dump();
}

OpResult DescribeTable(OpContext& c, const json& body) {
  base::StatusOr<std::string> name = TableNameOf(body);
  if (!name.ok()) return name.status();
  base::StatusOr<TableInfo> info = c.store->GetTable(*name);
  if (!info.ok()) return base::Status::NotFound("Requested resource not found: Table: " + *name + " not found");
  base::StatusOr<TableStats> stats = c.store->Stats(*name);
  if (!stats.ok()) return stats.status();
  return json{{"Table", Describe(*info, *stats, *c.service, "ACTIVE")}}.dump();
}

OpResult ListTables(OpContext& c, const json& body) {
  base::StatusOr<std::optional<std::string>> start = OptString(body, "ExclusiveStartTableName");
  if (!start.ok()) return start.status();
  int limit = 100;
  if (auto it = body.find("Limit"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer()) return Serialization("Unexpected value type in payload for Limit");
    limit = it->get<int>();
    if (limit < 1 || limit > 100) {
      return Validation("1 validation error detected: Value '" + std::to_string(limit) +
                        "' at 'limit' failed to satisfy constraint: Member must have value " +
                        (limit < 1 ? "greater than or equal to 1" : "less than or equal to 100"));
    }
  }
  bool more = false;
  std::vector<std::string> names = c.store->ListTables(start->value_or(""), limit, &more);
  json out = {{"TableNames", names}};
  if (more && !names.empty()) out["LastEvaluatedTableName"] = names.back();
  return out.dump();
}

OpResult DeleteTable(OpContext& c, const json& body) {
  base::StatusOr<std::string> name = TableNameOf(body);
  if (!name.ok()) return name.status();
  base::StatusOr<TableStats> stats = c.store->Stats(*name);
  if (!stats.ok()) return base::Status::NotFound("Requested resource not found: Table: " + *name + " not found");
  base::StatusOr<TableInfo> info = c.store->DeleteTable(*name);
  if (!info.ok()) return info.status();
  return json{{"TableDescription", Describe(*info, *stats, *c.service, "DELETING")}}.dump();
}

}  // namespace dynamodb::api
