// Query and Scan.
#include "cloud/dynamodb/api_internal.h"
#include "cloud/dynamodb/evaluator.h"

namespace dynamodb::api {
namespace {

void Flatten(const Condition& c, std::vector<const Condition*>* out) {
  if (c.kind == Condition::Kind::kAnd) {
    Flatten(c.children[0], out);
    Flatten(c.children[1], out);
  } else {
    out->push_back(&c);
  }
}

std::string OperatorName(const Condition& c) {
  using K = Condition::Kind;
  switch (c.kind) {
    case K::kOr: return "OR";
    case K::kNot: return "NOT";
    case K::kIn: return "IN";
    case K::kAttributeExists: return "attribute_exists";
    case K::kAttributeNotExists: return "attribute_not_exists";
    case K::kAttributeType: return "attribute_type";
    case K::kContains: return "contains";
    case K::kCompare: return c.comparator == Comparator::kNe ? "<>" : "";
    default: return "";
  }
}

std::string ShowValue(const Value& v) { return "AttributeValue: {" + std::string(TypeName(v.type)) + ":" + v.scalar + "}"; }

// Turns a KeyConditionExpression into the hash value and range condition of a QuerySpec.
base::Status AnalyzeKeyCondition(const Condition& root, const TableInfo& t, QuerySpec* spec) {
  std::vector<const Condition*> parts;
  Flatten(root, &parts);
  bool has_hash = false, has_range = false;
  for (const Condition* c : parts) {
    std::string op = OperatorName(*c);
    if (!op.empty()) return Validation("Invalid operator used in KeyConditionExpression: " + op);
  }
  for (const Condition* c : parts) {
    const Operand& subject = c->operands[0];
    bool values_ok = true;
    for (size_t i = 1; i < c->operands.size(); ++i) values_ok = values_ok && c->operands[i].kind == Operand::Kind::kValue;
    if (subject.kind != Operand::Kind::kPath || subject.path.size() != 1 || !values_ok) {
      return Validation("Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition");
    }
    const std::string& name = subject.path[0].name;
    bool is_hash = name == t.hash.name;
    bool is_range = t.range && name == t.range->name;
    if (!is_hash && !is_range) {
      bool hash_present = false;
      for (const Condition* x : parts) hash_present = hash_present || (x->operands[0].path.size() == 1 && x->operands[0].path[0].name == t.hash.name);
      if (!hash_present) return Validation("Query condition missed key schema element: " + t.hash.name);
      return Validation("Query key condition not supported");
    }
    if ((is_hash && has_hash) || (is_range && has_range)) {
      return Validation("KeyConditionExpressions must only contain one condition per key");
    }
    Type want = is_hash ? t.hash.type : t.range->type;
    for (size_t i = 1; i < c->operands.size(); ++i) {
      if (c->operands[i].value.type != want) {
        return Validation("One or more parameter values were invalid: Condition parameter type does not match schema type");
      }
    }
    if (is_hash) {
      if (c->kind != Condition::Kind::kCompare || c->comparator != Comparator::kEq) {
        return Validation("Query key condition not supported");
      }
      has_hash = true;
      spec->hash = c->operands[1].value;
      continue;
    }
    has_range = true;
    RangeCondition& r = spec->range;
    if (c->kind == Condition::Kind::kCompare) {
      static constexpr RangeCondition::Op kOps[] = {RangeCondition::Op::kEq, RangeCondition::Op::kNone,
                                                    RangeCondition::Op::kLt, RangeCondition::Op::kLe,
                                                    RangeCondition::Op::kGt, RangeCondition::Op::kGe};
      r.op = kOps[static_cast<int>(c->comparator)];
      r.a = c->operands[1].value;
    } else if (c->kind == Condition::Kind::kBetween) {
      r.op = RangeCondition::Op::kBetween;
      r.a = c->operands[1].value;
      r.b = c->operands[2].value;
      std::optional<int> order = CompareOrdered(r.a, r.b);
      if (order && *order > 0) {
        return Validation("Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than "
                          "or equal to lower bound; lower bound operand: " + ShowValue(r.a) +
                          ", upper bound operand: " + ShowValue(r.b));
      }
    } else if (c->kind == Condition::Kind::kBeginsWith) {
      if (want == Type::kN) {
        return Validation("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or "
                          "function: begins_with, operand type: N");
      }
      r.op = RangeCondition::Op::kBeginsWith;
      r.a = c->operands[1].value;
    } else {
      return Validation("Query key condition not supported");
    }
  }
  if (!has_hash) return Validation("Query condition missed key schema element: " + t.hash.name);
  return base::Status::Ok();
}

// Key attributes may not appear in a Query's FilterExpression.
base::Status CheckFilterAvoidsKeys(const Condition& c, const TableInfo& t) {
  for (const Operand& o : c.operands) {
    const Path* p = o.kind == Operand::Kind::kPath || o.kind == Operand::Kind::kSize ? &o.path : nullptr;
    if (p && p->size() >= 1 && (p->at(0).name == t.hash.name || (t.range && p->at(0).name == t.range->name))) {
      return Validation("Filter Expression can only contain non-primary key attributes: Primary key attribute: " + p->at(0).name);
    }
  }
  for (const Condition& child : c.children) EF_RETURN_IF_ERROR(CheckFilterAvoidsKeys(child, t));
  return base::Status::Ok();
}

// Everything Query and Scan read the same way.
struct ReadRequest {
  std::string table;
  TableInfo info;
  Placeholders p;
  std::optional<Condition> filter;
  std::optional<std::vector<Path>> projection;
  bool count_only = false;
  QuerySpec spec;
};

base::Status ReadCommon(OpContext& c, const json& body, bool is_query, ReadRequest* r) {
  base::StatusOr<std::string> table = TableNameOf(body);
  if (!table.ok()) return table.status();
  r->table = *table;
  EF_RETURN_IF_ERROR(RejectLegacy(body, {{"KeyConditions", "KeyConditionExpression"},
                                         {"QueryFilter", "FilterExpression"},
                                         {"ScanFilter", "FilterExpression"},
                                         {"ConditionalOperator", "FilterExpression"}}));
  base::StatusOr<TableInfo> info = c.store->GetTable(r->table);
  if (!info.ok()) return info.status();
  r->info = std::move(*info);
  base::StatusOr<std::optional<std::string>> index = OptString(body, "IndexName");
  if (!index.ok()) return index.status();
  if (index->has_value()) {
    if (r->info.description_json.find("\"IndexName\":" + json(**index).dump()) == std::string::npos) {
      return Validation("The table does not have the specified index: " + **index);
    }
    return Validation("Secondary indexes are stored but cannot be queried on this server (index " + **index + ")");
  }
  EF_RETURN_IF_ERROR(ReadPlaceholders(body, &r->p));
  bool any_expression = false;
  if (is_query) {
    base::StatusOr<std::optional<std::string>> kce = OptString(body, "KeyConditionExpression");
    if (!kce.ok()) return kce.status();
    if (!kce->has_value()) {
      return Validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
    }
    base::StatusOr<Condition> key_cond = ParseCondition(**kce, "KeyConditionExpression", &r->p.ctx);
    if (!key_cond.ok()) return key_cond.status();
    EF_RETURN_IF_ERROR(AnalyzeKeyCondition(*key_cond, r->info, &r->spec));
    any_expression = true;
  }
  base::StatusOr<std::optional<std::string>> filter = OptString(body, "FilterExpression");
  if (!filter.ok()) return filter.status();
  if (filter->has_value()) {
    base::StatusOr<Condition> f = ParseCondition(**filter, "FilterExpression", &r->p.ctx);
    if (!f.ok()) return f.status();
    if (is_query) EF_RETURN_IF_ERROR(CheckFilterAvoidsKeys(*f, r->info));
    r->filter = std::move(*f);
    any_expression = true;
  }
  base::StatusOr<std::optional<std::vector<Path>>> projection = ReadProjection(body, &r->p);
  if (!projection.ok()) return projection.status();
  r->projection = std::move(*projection);
  any_expression = any_expression || body.contains("ProjectionExpression");
  EF_RETURN_IF_ERROR(FinishPlaceholders(r->p, any_expression));

  base::StatusOr<std::optional<std::string>> select = OptString(body, "Select");
  if (!select.ok()) return select.status();
  std::string sel = select->value_or(r->projection ? "SPECIFIC_ATTRIBUTES" : "ALL_ATTRIBUTES");
  if (sel == "COUNT") {
    if (r->projection) return Validation("Cannot specify the ProjectionExpression when choosing to get only the Count");
    r->count_only = true;
  } else if (sel == "SPECIFIC_ATTRIBUTES") {
    if (!r->projection) return Validation("Must specify the ProjectionExpression or AttributesToGet when choosing to get SPECIFIC_ATTRIBUTES");
  } else if (sel == "ALL_ATTRIBUTES") {
    if (r->projection) return Validation("Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES");
  } else if (sel == "ALL_PROJECTED_ATTRIBUTES") {
    return Validation("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
  } else {
    return Validation("1 validation error detected: Value '" + sel + "' at 'select' failed to satisfy constraint: Member "
                      "must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]");
  }

  if (auto it = body.find("Limit"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer()) return Serialization("Unexpected value type in payload for Limit");
    long long limit = it->get<long long>();
    if (limit < 1) {
      return Validation("1 validation error detected: Value '" + std::to_string(limit) +
                        "' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1");
    }
    r->spec.limit = static_cast<int>(std::min<long long>(limit, 1 << 30));
  }
  if (auto it = body.find("ScanIndexForward"); it != body.end() && !it->is_null()) {
    if (!it->is_boolean()) return Serialization("Unexpected value type in payload for ScanIndexForward");
    r->spec.forward = it->get<bool>();
  }
  base::StatusOr<std::optional<Item>> esk = OptItem(body, "ExclusiveStartKey");
  if (!esk.ok()) return esk.status();
  r->spec.exclusive_start_key = std::move(*esk);
  r->spec.filter = r->filter ? &*r->filter : nullptr;
  return base::Status::Ok();
}

OpResult Respond(OpContext& c, const json& body, ReadRequest& r, const Page& page) {
  std::string out = "{";
  if (!r.count_only) {
    out += "\"Items\":[";
    for (size_t i = 0; i < page.items.size(); ++i) {
      if (i) out += ",";
      if (r.projection) {
        AppendItemJson(Project(page.items[i], *r.projection), &out);
      } else {
        AppendItemJson(page.items[i], &out);
      }
    }
    out += "],";
  }
  out += "\"Count\":" + std::to_string(page.items.size()) + ",\"ScannedCount\":" + std::to_string(page.scanned);
  if (page.last_evaluated_key) {
    out += ",\"LastEvaluatedKey\":";
    AppendItemJson(*page.last_evaluated_key, &out);
  }
  out += ConsumedCapacity(body, r.table, 0.5 * std::max(1, page.scanned));
  (void)c;
  return out + "}";
}

}  // namespace

OpResult Query(OpContext& c, const json& body) {
  ReadRequest r;
  EF_RETURN_IF_ERROR(ReadCommon(c, body, true, &r));
  base::StatusOr<Page> page = c.store->Query(r.table, r.spec);
  if (!page.ok()) return page.status();
  return Respond(c, body, r, *page);
}

OpResult Scan(OpContext& c, const json& body) {
  ReadRequest r;
  EF_RETURN_IF_ERROR(ReadCommon(c, body, false, &r));
  auto seg = body.find("Segment");
  auto total = body.find("TotalSegments");
  bool has_seg = seg != body.end() && !seg->is_null();
  bool has_total = total != body.end() && !total->is_null();
  if (has_seg != has_total) {
    return Validation(has_seg ? "The TotalSegments parameter is required but was not present in the request when Segment parameter is present"
                              : "The Segment parameter is required but was not present in the request when parameter TotalSegments is present");
  }
  if (has_seg) {
    if (!seg->is_number_integer() || !total->is_number_integer()) return Serialization("Unexpected value type in payload for Segment");
    long long s = seg->get<long long>(), n = total->get<long long>();
    if (n < 1 || n > 1000000) {
      return Validation("1 validation error detected: Value '" + std::to_string(n) +
                        "' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal to 1000000");
    }
    if (s < 0 || s >= n) {
      return Validation("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: " +
                        std::to_string(s) + " is not less than TotalSegments: " + std::to_string(n));
    }
    r.spec.segment = static_cast<int>(s);
    r.spec.total_segments = static_cast<int>(n);
  }
  base::StatusOr<Page> page = c.store->Scan(r.table, r.spec);
  if (!page.ok()) return page.status();
  return Respond(c, body, r, *page);
}

}  // namespace dynamodb::api
