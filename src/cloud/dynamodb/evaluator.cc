#include "cloud/dynamodb/evaluator.h"

#include <algorithm>
#include <optional>

#include "cloud/dynamodb/number.h"

namespace dynamodb {
namespace {

// The result of an operand: either a pointer into the item/expression, or a value computed here.
struct Resolved {
  const Value* ptr = nullptr;
  Value owned;
  bool has_owned = false;
  const Value* get() const { return has_owned ? &owned : ptr; }
};

Resolved EvalOperand(const Operand& op, const Item& item) {
  Resolved r;
  switch (op.kind) {
    case Operand::Kind::kPath:
      r.ptr = Resolve(item, op.path);
      break;
    case Operand::Kind::kValue:
      r.ptr = &op.value;
      break;
    case Operand::Kind::kSize: {
      const Value* v = Resolve(item, op.path);
      if (!v) break;
      size_t n;
      switch (v->type) {
        case Type::kS:
        case Type::kB: n = v->scalar.size(); break;
        case Type::kL: n = v->list.size(); break;
        case Type::kM: n = v->map.size(); break;
        case Type::kSS:
        case Type::kNS:
        case Type::kBS: n = v->set.size(); break;
        default: return r;  // size of N, BOOL or NULL: no value, so comparisons are false
      }
      r.owned = Value::N(std::to_string(n));
      r.has_owned = true;
      break;
    }
    default:
      break;  // update-only operands never reach conditions (the parser rejects them)
  }
  return r;
}

bool SetContains(const Value& set, const Value& element) {
  Type want = set.type == Type::kSS ? Type::kS : set.type == Type::kNS ? Type::kN : Type::kB;
  if (element.type != want) return false;
  return std::find(set.set.begin(), set.set.end(), element.scalar) != set.set.end();
}

bool Contains(const Value& haystack, const Value& needle) {
  switch (haystack.type) {
    case Type::kS:
      return needle.type == Type::kS && haystack.scalar.find(needle.scalar) != std::string::npos;
    case Type::kB:
      return needle.type == Type::kB && haystack.scalar.find(needle.scalar) != std::string::npos;
    case Type::kSS:
    case Type::kNS:
    case Type::kBS:
      return SetContains(haystack, needle);
    case Type::kL:
      for (const Value& e : haystack.list) {
        if (Equal(e, needle)) return true;
      }
      return false;
    default:
      return false;
  }
}

bool CompareValues(Comparator cmp, const Value* a, const Value* b) {
  if (!a || !b) return cmp == Comparator::kNe && (a || b);
  if (cmp == Comparator::kEq) return Equal(*a, *b);
  if (cmp == Comparator::kNe) return !Equal(*a, *b);
  std::optional<int> c = CompareOrdered(*a, *b);
  if (!c) return false;
  switch (cmp) {
    case Comparator::kLt: return *c < 0;
    case Comparator::kLe: return *c <= 0;
    case Comparator::kGt: return *c > 0;
    case Comparator::kGe: return *c >= 0;
    default: return false;
  }
}

// ---- projection ----

void ProjectInto(const Value& src, const Path& path, size_t at, Value* dst) {
  if (at == path.size()) {
    *dst = src;
    return;
  }
  const PathElement& e = path[at];
  if (e.is_index) {
    if (src.type != Type::kL || e.index >= static_cast<int>(src.list.size())) return;
    if (dst->type != Type::kL) {
      *dst = Value();
      dst->type = Type::kL;
    }
    Value child;
    ProjectInto(src.list[static_cast<size_t>(e.index)], path, at + 1, &child);
    dst->list.push_back(std::move(child));
    return;
  }
  if (src.type != Type::kM) return;
  auto it = src.map.find(e.name);
  if (it == src.map.end()) return;
  if (dst->type != Type::kM) {
    *dst = Value();
    dst->type = Type::kM;
  }
  ProjectInto(it->second, path, at + 1, &dst->map[e.name]);
}

// ---- update ----

base::Status Invalid(std::string msg) { return base::Status::InvalidArgument(std::move(msg)); }
base::Status WrongType(std::string_view op, Type t) {
  return Invalid("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: " +
                 std::string(op) + ", operand type: " + std::string(TypeName(t)));
}

base::StatusOr<Value> EvalUpdateValue(const Operand& op, const Item& old) {
  switch (op.kind) {
    case Operand::Kind::kValue:
      return op.value;
    case Operand::Kind::kPath: {
      const Value* v = Resolve(old, op.path);
      if (!v) {
        return Invalid("The provided expression refers to an attribute that does not exist in the item");
      }
      return *v;
    }
    case Operand::Kind::kIfNotExists: {
      const Value* v = Resolve(old, op.path);
      if (v) return *v;
      return EvalUpdateValue(op.args[0], old);
    }
    case Operand::Kind::kListAppend: {
      base::StatusOr<Value> a = EvalUpdateValue(op.args[0], old);
      if (!a.ok()) return a.status();
      base::StatusOr<Value> b = EvalUpdateValue(op.args[1], old);
      if (!b.ok()) return b.status();
      if (a->type != Type::kL) return WrongType("list_append", a->type);
      if (b->type != Type::kL) return WrongType("list_append", b->type);
      for (Value& e : b->list) a->list.push_back(std::move(e));
      return std::move(*a);
    }
    case Operand::Kind::kPlus:
    case Operand::Kind::kMinus: {
      const char* name = op.kind == Operand::Kind::kPlus ? "+" : "-";
      base::StatusOr<Value> a = EvalUpdateValue(op.args[0], old);
      if (!a.ok()) return a.status();
      base::StatusOr<Value> b = EvalUpdateValue(op.args[1], old);
      if (!b.ok()) return b.status();
      if (a->type != Type::kN) return WrongType(name, a->type);
      if (b->type != Type::kN) return WrongType(name, b->type);
      base::StatusOr<Decimal> x = Decimal::Parse(a->scalar), y = Decimal::Parse(b->scalar);
      if (!x.ok()) return x.status();
      if (!y.ok()) return y.status();
      base::StatusOr<Decimal> r = op.kind == Operand::Kind::kPlus ? Add(*x, *y) : Subtract(*x, *y);
      if (!r.ok()) return r.status();
      return Value::N(r->ToString());
    }
    case Operand::Kind::kSize:
      break;
  }
  return Invalid("Invalid UpdateExpression: The function is not allowed in an update expression; function: size");
}

base::Status InvalidPath() {
  return Invalid("The document path provided in the update expression is invalid for update");
}

// The container that holds the last element of `path`, for writing. nullptr when a parent is
// missing or of the wrong kind.
Value* ParentFor(Item* item, const Path& path, Value* root_holder) {
  // The top level is an Item (a Map); wrap it as a temporary M-shaped view via root_holder.
  (void)root_holder;
  if (path.size() == 1) return nullptr;  // caller writes into the item directly
  Value* cur = nullptr;
  auto it = item->find(path[0].name);
  if (it == item->end()) return nullptr;
  cur = &it->second;
  for (size_t i = 1; i + 1 < path.size(); ++i) {
    const PathElement& e = path[i];
    if (e.is_index) {
      if (cur->type != Type::kL || e.index >= static_cast<int>(cur->list.size())) return nullptr;
      cur = &cur->list[static_cast<size_t>(e.index)];
    } else {
      if (cur->type != Type::kM) return nullptr;
      auto m = cur->map.find(e.name);
      if (m == cur->map.end()) return nullptr;
      cur = &m->second;
    }
  }
  return cur;
}

base::Status Assign(Item* item, const Path& path, Value value) {
  if (path.size() == 1) {
    (*item)[path[0].name] = std::move(value);
    return base::Status::Ok();
  }
  Value* parent = ParentFor(item, path, nullptr);
  if (!parent) return InvalidPath();
  const PathElement& last = path.back();
  if (last.is_index) {
    if (parent->type != Type::kL) return InvalidPath();
    if (last.index >= static_cast<int>(parent->list.size())) {
      parent->list.push_back(std::move(value));  // DynamoDB appends past-the-end writes
    } else {
      parent->list[static_cast<size_t>(last.index)] = std::move(value);
    }
    return base::Status::Ok();
  }
  if (parent->type != Type::kM) return InvalidPath();
  parent->map[last.name] = std::move(value);
  return base::Status::Ok();
}

void Remove(Item* item, const Path& path) {
  if (path.size() == 1) {
    item->erase(path[0].name);
    return;
  }
  Value* parent = ParentFor(item, path, nullptr);
  if (!parent) return;
  const PathElement& last = path.back();
  if (last.is_index) {
    if (parent->type == Type::kL && last.index < static_cast<int>(parent->list.size())) {
      parent->list.erase(parent->list.begin() + last.index);
    }
  } else if (parent->type == Type::kM) {
    parent->map.erase(last.name);
  }
}

bool IsSet(Type t) { return t == Type::kSS || t == Type::kNS || t == Type::kBS; }

base::StatusOr<Value> AddTo(const Value* current, const Value& operand) {
  if (operand.type == Type::kN) {
    if (!current) return operand;
    if (current->type != Type::kN) {
      return Invalid("An operand in the update expression has an incorrect data type");
    }
    base::StatusOr<Decimal> x = Decimal::Parse(current->scalar), y = Decimal::Parse(operand.scalar);
    if (!x.ok()) return x.status();
    if (!y.ok()) return y.status();
    base::StatusOr<Decimal> r = Add(*x, *y);
    if (!r.ok()) return r.status();
    return Value::N(r->ToString());
  }
  if (!IsSet(operand.type)) {
    return Invalid("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: " +
                   std::string(TypeName(operand.type)));
  }
  if (!current) return operand;
  if (current->type != operand.type) {
    return Invalid("An operand in the update expression has an incorrect data type");
  }
  Value merged = *current;
  for (const std::string& e : operand.set) {
    if (std::find(merged.set.begin(), merged.set.end(), e) == merged.set.end()) merged.set.push_back(e);
  }
  return merged;
}

}  // namespace

const Value* Resolve(const Item& item, const Path& path) {
  if (path.empty() || path[0].is_index) return nullptr;
  auto it = item.find(path[0].name);
  if (it == item.end()) return nullptr;
  const Value* cur = &it->second;
  for (size_t i = 1; i < path.size(); ++i) {
    const PathElement& e = path[i];
    if (e.is_index) {
      if (cur->type != Type::kL || e.index >= static_cast<int>(cur->list.size())) return nullptr;
      cur = &cur->list[static_cast<size_t>(e.index)];
    } else {
      if (cur->type != Type::kM) return nullptr;
      auto m = cur->map.find(e.name);
      if (m == cur->map.end()) return nullptr;
      cur = &m->second;
    }
  }
  return cur;
}

bool Evaluate(const Condition& c, const Item& item) {
  using K = Condition::Kind;
  switch (c.kind) {
    case K::kAnd:
      return Evaluate(c.children[0], item) && Evaluate(c.children[1], item);
    case K::kOr:
      return Evaluate(c.children[0], item) || Evaluate(c.children[1], item);
    case K::kNot:
      return !Evaluate(c.children[0], item);
    case K::kCompare: {
      Resolved a = EvalOperand(c.operands[0], item), b = EvalOperand(c.operands[1], item);
      return CompareValues(c.comparator, a.get(), b.get());
    }
    case K::kBetween: {
      Resolved v = EvalOperand(c.operands[0], item), lo = EvalOperand(c.operands[1], item),
               hi = EvalOperand(c.operands[2], item);
      return CompareValues(Comparator::kGe, v.get(), lo.get()) && CompareValues(Comparator::kLe, v.get(), hi.get());
    }
    case K::kIn: {
      Resolved v = EvalOperand(c.operands[0], item);
      if (!v.get()) return false;
      for (size_t i = 1; i < c.operands.size(); ++i) {
        Resolved x = EvalOperand(c.operands[i], item);
        if (x.get() && Equal(*v.get(), *x.get())) return true;
      }
      return false;
    }
    case K::kAttributeExists:
      return Resolve(item, c.operands[0].path) != nullptr;
    case K::kAttributeNotExists:
      return Resolve(item, c.operands[0].path) == nullptr;
    case K::kAttributeType: {
      const Value* v = Resolve(item, c.operands[0].path);
      Resolved t = EvalOperand(c.operands[1], item);
      return v && t.get() && t.get()->type == Type::kS && TypeName(v->type) == t.get()->scalar;
    }
    case K::kBeginsWith: {
      const Value* v = Resolve(item, c.operands[0].path);
      Resolved p = EvalOperand(c.operands[1], item);
      const Value* prefix = p.get();
      if (!v || !prefix || v->type != prefix->type || (v->type != Type::kS && v->type != Type::kB)) return false;
      return v->scalar.compare(0, prefix->scalar.size(), prefix->scalar) == 0;
    }
    case K::kContains: {
      const Value* v = Resolve(item, c.operands[0].path);
      Resolved n = EvalOperand(c.operands[1], item);
      return v && n.get() && Contains(*v, *n.get());
    }
  }
  return false;
}

Item Project(const Item& item, const std::vector<Path>& paths) {
  Value root;
  root.type = Type::kM;
  for (const Path& p : paths) {
    if (!Resolve(item, p)) continue;  // only existing paths create containers in the result
    ProjectInto(item.find(p[0].name)->second, p, 1, &root.map[p[0].name]);
  }
  return std::move(root.map);
}

base::Status ApplyUpdate(const UpdateExpression& update, Item* item) {
  const Item old = *item;  // every operand reads the item as it was
  Item next = *item;
  // REMOVE of list elements shifts later indexes; applying them from the highest index down
  // makes each index refer to the original list, as DynamoDB does.
  std::vector<const UpdateAction*> order;
  for (const UpdateAction& a : update.actions) order.push_back(&a);
  std::stable_sort(order.begin(), order.end(), [](const UpdateAction* x, const UpdateAction* y) {
    bool xr = x->kind == UpdateAction::Kind::kRemove && x->path.back().is_index;
    bool yr = y->kind == UpdateAction::Kind::kRemove && y->path.back().is_index;
    if (xr && yr) return x->path.back().index > y->path.back().index;
    return false;
  });
  for (const UpdateAction* a : order) {
    switch (a->kind) {
      case UpdateAction::Kind::kSet: {
        base::StatusOr<Value> v = EvalUpdateValue(a->value, old);
        if (!v.ok()) return v.status();
        EF_RETURN_IF_ERROR(Assign(&next, a->path, std::move(*v)));
        break;
      }
      case UpdateAction::Kind::kRemove:
        Remove(&next, a->path);
        break;
      case UpdateAction::Kind::kAdd: {
        base::StatusOr<Value> v = AddTo(Resolve(old, a->path), a->value.value);
        if (!v.ok()) return v.status();
        EF_RETURN_IF_ERROR(Assign(&next, a->path, std::move(*v)));
        break;
      }
      case UpdateAction::Kind::kDelete: {
        const Value& operand = a->value.value;
        if (!IsSet(operand.type)) {
          return Invalid("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: " +
                         std::string(TypeName(operand.type)));
        }
        const Value* current = Resolve(old, a->path);
        if (!current) break;
        if (current->type != operand.type) {
          return Invalid("An operand in the update expression has an incorrect data type");
        }
        Value remaining = *current;
        std::erase_if(remaining.set, [&](const std::string& e) {
          return std::find(operand.set.begin(), operand.set.end(), e) != operand.set.end();
        });
        if (remaining.set.empty()) {
          Remove(&next, a->path);  // DynamoDB never stores an empty set
        } else {
          EF_RETURN_IF_ERROR(Assign(&next, a->path, std::move(remaining)));
        }
        break;
      }
    }
  }
  *item = std::move(next);
  return base::Status::Ok();
}

}  // namespace dynamodb
