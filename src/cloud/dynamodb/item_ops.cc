// PutItem, GetItem, DeleteItem, UpdateItem, BatchWriteItem, BatchGetItem.
#include "cloud/dynamodb/api_internal.h"
#include "cloud/dynamodb/evaluator.h"

namespace dynamodb::api {
namespace {

base::Status NullMember(const char* member) {
  return Validation(std::string("1 validation error detected: Value null at '") + member +
                    "' failed to satisfy constraint: Member must not be null");
}

// ReturnValues, checked against what the operation allows.
base::StatusOr<std::string> ReturnValuesOf(const json& body, bool update) {
  base::StatusOr<std::optional<std::string>> rv = OptString(body, "ReturnValues");
  if (!rv.ok()) return rv.status();
  std::string v = rv->value_or("NONE");
  if (v == "NONE" || v == "ALL_OLD") return v;
  if (v == "UPDATED_OLD" || v == "ALL_NEW" || v == "UPDATED_NEW") {
    if (update) return v;
    return Validation("ReturnValues can only be ALL_OLD or NONE");
  }
  return Validation("1 validation error detected: Value '" + v +
                    "' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: "
                    "[ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]");
}

// A parsed optional ConditionExpression.
base::StatusOr<std::optional<Condition>> OptCondition(const json& body, const char* member, const char* kind,
                                                      Placeholders* p) {
  base::StatusOr<std::optional<std::string>> text = OptString(body, member);
  if (!text.ok()) return text.status();
  if (!text->has_value()) return std::optional<Condition>();
  base::StatusOr<Condition> c = ParseCondition(**text, kind, &p->ctx);
  if (!c.ok()) return c.status();
  return std::optional<Condition>(std::move(*c));
}

std::string WithAttributes(const std::optional<Item>& item, std::string_view key = "Attributes") {
  std::string out = "{";
  if (item && !item->empty()) {
    AppendJsonString(key, &out);
    out += ":";
    AppendItemJson(*item, &out);
  }
  return out;
}

}  // namespace

// ProjectionExpression, or the legacy AttributesToGet (a plain list of top-level names).
base::StatusOr<std::optional<std::vector<Path>>> ReadProjection(const json& body, Placeholders* p) {
  base::StatusOr<std::optional<std::string>> text = OptString(body, "ProjectionExpression");
  if (!text.ok()) return text.status();
  auto atg = body.find("AttributesToGet");
  bool has_atg = atg != body.end() && !atg->is_null();
  if (text->has_value() && has_atg) {
    return Validation("Can not use both expression and non-expression parameters in the same request: "
                      "Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}");
  }
  if (text->has_value()) {
    base::StatusOr<std::vector<Path>> paths = ParseProjection(**text, &p->ctx);
    if (!paths.ok()) return paths.status();
    return std::optional<std::vector<Path>>(std::move(*paths));
  }
  if (has_atg) {
    if (!atg->is_array() || atg->empty()) return Serialization("Unexpected value type in payload for AttributesToGet");
    std::vector<Path> paths;
    for (const json& n : *atg) {
      if (!n.is_string()) return Serialization("Unexpected value type in payload for AttributesToGet");
      paths.push_back(Path{PathElement{n.get<std::string>()}});
    }
    return std::optional<std::vector<Path>>(std::move(paths));
  }
  return std::optional<std::vector<Path>>();
}

OpResult PutItem(OpContext& c, const json& body) {
  base::StatusOr<std::string> table = TableNameOf(body);
  if (!table.ok()) return table.status();
  EF_RETURN_IF_ERROR(RejectLegacy(body, {{"Expected", "ConditionExpression"}, {"ConditionalOperator", "ConditionExpression"}}));
  base::StatusOr<std::optional<Item>> item = OptItem(body, "Item");
  if (!item.ok()) return item.status();
  if (!item->has_value()) return NullMember("item");
  base::StatusOr<std::string> rv = ReturnValuesOf(body, false);
  if (!rv.ok()) return rv.status();
  Placeholders p;
  EF_RETURN_IF_ERROR(ReadPlaceholders(body, &p));
  base::StatusOr<std::optional<Condition>> cond = OptCondition(body, "ConditionExpression", "ConditionExpression", &p);
  if (!cond.ok()) return cond.status();
  EF_RETURN_IF_ERROR(FinishPlaceholders(p, cond->has_value()));
  base::StatusOr<std::optional<Item>> old =
      c.store->Put(*table, std::move(**item), cond->has_value() ? &**cond : nullptr);
  if (!old.ok()) return old.status();
  std::string out = WithAttributes(*rv == "ALL_OLD" ? *old : std::nullopt);
  out += ConsumedCapacity(body, *table, 1.0);
  if (out.size() > 1 && out[1] == ',') out.erase(1, 1);
  return out + "}";
}

OpResult GetItem(OpContext& c, const json& body) {
  base::StatusOr<std::string> table = TableNameOf(body);
  if (!table.ok()) return table.status();
  base::StatusOr<std::optional<Item>> key = OptItem(body, "Key");
  if (!key.ok()) return key.status();
  if (!key->has_value()) return NullMember("key");
  Placeholders p;
  EF_RETURN_IF_ERROR(ReadPlaceholders(body, &p));
  base::StatusOr<std::optional<std::vector<Path>>> projection = ReadProjection(body, &p);
  if (!projection.ok()) return projection.status();
  EF_RETURN_IF_ERROR(FinishPlaceholders(p, projection->has_value() && body.contains("ProjectionExpression")));
  std::string out = "{";
  if (!projection->has_value()) {
    // The stored form is the wire form: no need to decode and re-encode the item.
    base::StatusOr<std::optional<std::string>> text = c.store->GetJson(*table, **key);
    if (!text.ok()) return text.status();
    if (text->has_value()) out += "\"Item\":" + **text;
  } else {
    base::StatusOr<std::optional<Item>> item = c.store->Get(*table, **key);
    if (!item.ok()) return item.status();
    if (item->has_value()) {
      out += "\"Item\":";
      AppendItemJson(Project(**item, **projection), &out);
    }
  }
  std::string cc = ConsumedCapacity(body, *table, 0.5);
  if (out.size() == 1 && !cc.empty()) cc.erase(0, 1);
  return out + cc + "}";
}

OpResult DeleteItem(OpContext& c, const json& body) {
  base::StatusOr<std::string> table = TableNameOf(body);
  if (!table.ok()) return table.status();
  EF_RETURN_IF_ERROR(RejectLegacy(body, {{"Expected", "ConditionExpression"}, {"ConditionalOperator", "ConditionExpression"}}));
  base::StatusOr<std::optional<Item>> key = OptItem(body, "Key");
  if (!key.ok()) return key.status();
  if (!key->has_value()) return NullMember("key");
  base::StatusOr<std::string> rv = ReturnValuesOf(body, false);
  if (!rv.ok()) return rv.status();
  Placeholders p;
  EF_RETURN_IF_ERROR(ReadPlaceholders(body, &p));
  base::StatusOr<std::optional<Condition>> cond = OptCondition(body, "ConditionExpression", "ConditionExpression", &p);
  if (!cond.ok()) return cond.status();
  EF_RETURN_IF_ERROR(FinishPlaceholders(p, cond->has_value()));
  base::StatusOr<std::optional<Item>> old = c.store->Delete(*table, **key, cond->has_value() ? &**cond : nullptr);
  if (!old.ok()) return old.status();
  std::string out = WithAttributes(*rv == "ALL_OLD" ? *old : std::nullopt);
  out += ConsumedCapacity(body, *table, 1.0);
  if (out.size() > 1 && out[1] == ',') out.erase(1, 1);
  return out + "}";
}

OpResult UpdateItem(OpContext& c, const json& body) {
  base::StatusOr<std::string> table = TableNameOf(body);
  if (!table.ok()) return table.status();
  EF_RETURN_IF_ERROR(RejectLegacy(body, {{"AttributeUpdates", "UpdateExpression"},
                                         {"Expected", "ConditionExpression"},
                                         {"ConditionalOperator", "ConditionExpression"}}));
  base::StatusOr<std::optional<Item>> key = OptItem(body, "Key");
  if (!key.ok()) return key.status();
  if (!key->has_value()) return NullMember("key");
  base::StatusOr<std::string> rv = ReturnValuesOf(body, true);
  if (!rv.ok()) return rv.status();
  Placeholders p;
  EF_RETURN_IF_ERROR(ReadPlaceholders(body, &p));
  base::StatusOr<std::optional<std::string>> update_text = OptString(body, "UpdateExpression");
  if (!update_text.ok()) return update_text.status();
  UpdateExpression update;
  if (update_text->has_value()) {
    base::StatusOr<UpdateExpression> parsed = ParseUpdate(**update_text, &p.ctx);
    if (!parsed.ok()) return parsed.status();
    update = std::move(*parsed);
  }
  base::StatusOr<std::optional<Condition>> cond = OptCondition(body, "ConditionExpression", "ConditionExpression", &p);
  if (!cond.ok()) return cond.status();
  EF_RETURN_IF_ERROR(FinishPlaceholders(p, cond->has_value() || update_text->has_value()));
  base::StatusOr<UpdateResult> r = c.store->Update(*table, **key, update, cond->has_value() ? &**cond : nullptr);
  if (!r.ok()) return r.status();
  std::optional<Item> returned;
  std::vector<Path> updated;
  for (const UpdateAction& a : update.actions) updated.push_back(a.path);
  if (*rv == "ALL_OLD") returned = r->old_item;
  if (*rv == "ALL_NEW") returned = r->new_item;
  if (*rv == "UPDATED_OLD" && r->old_item) returned = Project(*r->old_item, updated);
  if (*rv == "UPDATED_NEW") returned = Project(r->new_item, updated);
  std::string out = WithAttributes(returned);
  out += ConsumedCapacity(body, *table, 1.0);
  if (out.size() > 1 && out[1] == ',') out.erase(1, 1);
  return out + "}";
}

OpResult BatchWriteItem(OpContext& c, const json& body) {
  auto ri = body.find("RequestItems");
  if (ri == body.end() || ri->is_null()) return NullMember("requestItems");
  if (!ri->is_object()) return Serialization("Unexpected value type in payload for RequestItems");
  std::vector<WriteRequest> writes;
  for (auto t = ri->begin(); t != ri->end(); ++t) {
    json name_holder = {{"TableName", t.key()}};
    base::StatusOr<std::string> table = TableNameOf(name_holder);
    if (!table.ok()) return table.status();
    if (!t->is_array()) return Serialization("Unexpected value type in payload for RequestItems");
    for (const json& req : *t) {
      if (!req.is_object() || req.size() != 1) {
        return Validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
      }
      WriteRequest w;
      w.table = *table;
      if (req.contains("PutRequest")) {
        base::StatusOr<std::optional<Item>> item = OptItem(req["PutRequest"], "Item");
        if (!item.ok()) return item.status();
        if (!item->has_value()) return NullMember("item");
        w.item = std::move(**item);
      } else if (req.contains("DeleteRequest")) {
        w.is_put = false;
        base::StatusOr<std::optional<Item>> key = OptItem(req["DeleteRequest"], "Key");
        if (!key.ok()) return key.status();
        if (!key->has_value()) return NullMember("key");
        w.item = std::move(**key);
      } else {
        return Serialization("Unexpected request type in BatchWriteItem");
      }
      writes.push_back(std::move(w));
    }
  }
  if (writes.empty() || writes.size() > 25) {
    return Validation("1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must "
                      "satisfy constraint: [Member must have length less than or equal to 25, Member must have length "
                      "greater than or equal to 1]");
  }
  EF_RETURN_IF_ERROR(c.store->BatchWrite(writes));
  return std::string("{\"UnprocessedItems\":{}}");
}

OpResult BatchGetItem(OpContext& c, const json& body) {
  auto ri = body.find("RequestItems");
  if (ri == body.end() || ri->is_null()) return NullMember("requestItems");
  if (!ri->is_object()) return Serialization("Unexpected value type in payload for RequestItems");
  size_t total = 0;
  for (auto t = ri->begin(); t != ri->end(); ++t) {
    if (t->is_object() && t->contains("Keys") && (*t)["Keys"].is_array()) total += (*t)["Keys"].size();
  }
  if (total > 100) return Validation("Too many items requested for the BatchGetItem call");
  std::string out = "{\"Responses\":{";
  bool first_table = true;
  for (auto t = ri->begin(); t != ri->end(); ++t) {
    json name_holder = {{"TableName", t.key()}};
    base::StatusOr<std::string> table = TableNameOf(name_holder);
    if (!table.ok()) return table.status();
    const json& spec = *t;
    if (!spec.is_object() || !spec.contains("Keys") || !spec["Keys"].is_array() || spec["Keys"].empty()) {
      return Validation("1 validation error detected: Value null at 'requestItems." + t.key() +
                        ".member.keys' failed to satisfy constraint: Member must not be null");
    }
    base::StatusOr<TableInfo> info = c.store->GetTable(*table);
    if (!info.ok()) return info.status();
    Placeholders p;
    EF_RETURN_IF_ERROR(ReadPlaceholders(spec, &p));
    base::StatusOr<std::optional<std::vector<Path>>> projection = ReadProjection(spec, &p);
    if (!projection.ok()) return projection.status();
    EF_RETURN_IF_ERROR(FinishPlaceholders(p, projection->has_value() && spec.contains("ProjectionExpression")));
    std::vector<Item> keys;
    for (const json& k : spec["Keys"]) {
      base::StatusOr<Item> key = ItemFromJson(k);
      if (!key.ok()) return key.status();
      EF_RETURN_IF_ERROR(c.store->ValidateKey(*info, *key));
      for (const Item& seen : keys) {
        bool same = true;
        for (const auto& [n, v] : seen) same = same && key->count(n) && Equal(v, key->at(n));
        if (same) return Validation("Provided list of item keys contains duplicates");
      }
      keys.push_back(std::move(*key));
    }
    if (!first_table) out += ",";
    first_table = false;
    AppendJsonString(*table, &out);
    out += ":[";
    bool first_item = true;
    for (const Item& key : keys) {
      base::StatusOr<std::optional<Item>> item = c.store->Get(*table, key);
      if (!item.ok()) return item.status();
      if (!item->has_value()) continue;
      if (projection->has_value()) **item = Project(**item, **projection);
      if (!first_item) out += ",";
      first_item = false;
      AppendItemJson(**item, &out);
    }
    out += "]";
  }
  return out + "},\"UnprocessedKeys\":{}}";
}

}  // namespace dynamodb::api
