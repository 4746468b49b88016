// libFuzzer: the expression parser and evaluator on arbitrary text. The first byte picks the
// expression kind; the rest is the expression. Placeholders #a..#c and :a..:c are defined.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cloud/dynamodb/evaluator.h"
#include "cloud/dynamodb/expression.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dynamodb;
  if (size == 0) return 0;
  static const std::map<std::string, std::string> names = {{"#a", "a"}, {"#b", "b"}, {"#c", "c"}};
  static const std::map<std::string, Value> values = [] {
    std::map<std::string, Value> v;
    v[":a"] = Value::N("1");
    v[":b"] = Value::S("b");
    Value l;
    l.type = Type::kL;
    l.list.push_back(Value::N("2"));
    v[":c"] = l;
    return v;
  }();
  static const Item item = [] {
    Item i;
    i["a"] = Value::N("5");
    i["b"] = Value::S("bee");
    Value m;
    m.type = Type::kM;
    m.map["c"] = Value::Bool(true);
    Value l;
    l.type = Type::kL;
    l.list.push_back(Value::N("1"));
    l.list.push_back(m);
    i["c"] = l;
    return i;
  }();
  ExpressionContext ctx;
  ctx.names = &names;
  ctx.values = &values;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      auto c = ParseCondition(text, "ConditionExpression", &ctx);
      if (c.ok()) Evaluate(*c, item);
      break;
    }
    case 1: {
      auto u = ParseUpdate(text, &ctx);
      if (u.ok()) {
        Item copy = item;
        (void)ApplyUpdate(*u, &copy);
      }
      break;
    }
    case 2: {
      auto p = ParseProjection(text, &ctx);
      if (p.ok()) Project(item, *p);
      break;
    }
  }
  (void)CheckAllPlaceholdersUsed(ctx);
  return 0;
}
