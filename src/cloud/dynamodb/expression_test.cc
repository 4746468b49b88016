// The expression parser and evaluator, table-driven: each case is an expression, the
// placeholders a request would carry, an item, and what DynamoDB answers.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cloud/dynamodb/evaluator.h"
#include "cloud/dynamodb/expression.h"

namespace dynamodb {
namespace {

Item ItemOf(const char* json_text) { return *ItemFromJson(nlohmann::json::parse(json_text)); }

struct Placeholders {
  std::map<std::string, std::string> names;
  std::map<std::string, Value> values;
  ExpressionContext ctx;
  explicit Placeholders(const char* names_json = "{}", const char* values_json = "{}") {
    nlohmann::json parsed = nlohmann::json::parse(names_json);
    for (auto& [k, v] : parsed.items()) names[k] = v;
    values = *ItemFromJson(nlohmann::json::parse(values_json));
    ctx.names = &names;
    ctx.values = &values;
  }
};

const char* kItem = R"({
  "id": {"S": "u1"}, "age": {"N": "42"}, "name": {"S": "Ada Lovelace"}, "ok": {"BOOL": true},
  "nothing": {"NULL": true}, "tags": {"SS": ["a", "b"]}, "nums": {"NS": ["1", "2.5"]},
  "list": {"L": [{"S": "x"}, {"N": "7"}, {"M": {"deep": {"S": "d"}}}]},
  "map": {"M": {"inner": {"M": {"v": {"N": "-3"}}}, "s": {"S": "hello"}}},
  "bin": {"B": "AAEC"}, "a-b": {"S": "dash"}
})";

struct CondCase {
  const char* expr;
  bool want;
};

TEST(ConditionTest, EvaluatesAsDynamoDbDoes) {
  Placeholders p(R"({"#n": "name", "#d": "a-b", "#age": "age"})",
                 R"({":42": {"N": "42.0"}, ":41": {"N": "41"}, ":ada": {"S": "Ada"}, ":x": {"S": "x"},
                     ":a": {"S": "a"}, ":z": {"S": "z"}, ":S": {"S": "S"}, ":SS": {"S": "SS"},
                     ":seven": {"N": "7"}, ":three": {"N": "3"}, ":neg": {"N": "-3"}, ":t": {"BOOL": true},
                     ":b01": {"B": "AAE="}, ":dash": {"S": "dash"}, ":two5": {"N": "2.5"}, ":str42": {"S": "42"}})");
  const CondCase cases[] = {
      {"age = :42", true},  // 42 and 42.0 are the same number
      {"age <> :42", false},
      {"age > :41", true},
      {"age >= :42", true},
      {"age < :41", false},
      {"age <= :41", false},
      {"age = :str42", false},  // different types are never equal
      {"age <> :str42", true},
      {"age > :str42", false},  // nor ordered
      {"missing = :42", false},
      {"missing <> :42", true},
      {"age BETWEEN :41 AND :42", true},
      {"age BETWEEN :seven AND :41", false},
      {"age IN (:41, :42)", true},
      {"age IN (:41)", false},
      {"attribute_exists(age)", true},
      {"attribute_exists(missing)", false},
      {"attribute_not_exists(missing)", true},
      {"attribute_exists(map.inner.v)", true},
      {"attribute_exists(map.inner.w)", false},
      {"attribute_exists(list[2].deep)", true},
      {"attribute_exists(list[3])", false},
      {"attribute_type(tags, :SS)", true},
      {"attribute_type(tags, :S)", false},
      {"begins_with(#n, :ada)", true},
      {"begins_with(age, :ada)", false},
      {"begins_with(bin, :b01)", true},
      {"contains(#n, :ada)", true},
      {"contains(tags, :a)", true},
      {"contains(tags, :z)", false},
      {"contains(list, :x)", true},
      {"contains(list, :seven)", true},
      {"contains(nums, :two5)", true},
      {"size(#n) > :seven", true},
      {"size(tags) = :three", false},
      {"size(list) = :three", true},
      {"size(age) = :three", false},
      {"map.inner.v = :neg", true},
      {"list[1] = :seven", true},
      {"#d = :dash", true},
      {"ok = :t", true},
      {"NOT age = :41", true},
      {"not age = :42", false},
      {"age = :41 OR age = :42", true},
      {"age = :41 AND age = :42", false},
      // AND binds tighter than OR; NOT tighter than AND.
      {"age = :42 OR age = :41 AND age = :41", true},
      {"(age = :42 OR age = :41) AND age = :41", false},
      {"NOT age = :41 AND age = :41", false},
      {"NOT (age = :41 AND age = :41)", true},
      {"#age=:42", true},
      {"  age   =   :42  ", true},
  };
  for (const CondCase& c : cases) {
    base::StatusOr<Condition> cond = ParseCondition(c.expr, "ConditionExpression", &p.ctx);
    ASSERT_TRUE(cond.ok()) << c.expr << ": " << cond.status().message();
    EXPECT_EQ(Evaluate(*cond, ItemOf(kItem)), c.want) << c.expr;
  }
}

struct ErrorCase {
  const char* expr;
  const char* message;
};

TEST(ConditionTest, RejectsBadExpressionsWithDynamoDbWording) {
  Placeholders p(R"({"#n": "name"})", R"({":v": {"N": "1"}, ":s": {"S": "x"}})");
  const ErrorCase cases[] = {
      {"", "Invalid ConditionExpression: The expression can not be empty;"},
      {"#missing = :v",
       "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #missing"},
      {"a = :missing",
       "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :missing"},
      {"a = ", "Invalid ConditionExpression: Syntax error; token: <EOF>, near: \"=\""},
      {"a = :v b", "Invalid ConditionExpression: Syntax error; token: \"b\", near: \":v b\""},
      {"a == :v", "Invalid ConditionExpression: Syntax error; token: \"=\", near: \"= = :v\""},
      {"(a = :v", "Invalid ConditionExpression: Syntax error; token: <EOF>, near: \":v\""},
      {"foo(a)", "Invalid ConditionExpression: Invalid function name; function: foo"},
      {"attribute_type(a, :v)",
       "Invalid ConditionExpression: Invalid attribute type name found; type: 1, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"},
      {"a = :v $", "Invalid ConditionExpression: Invalid character encountered; character: \"$\""},
      {"a[x] = :v", "Invalid ConditionExpression: Syntax error; token: \"x\", near: \"[ x ]\""},
  };
  for (const ErrorCase& c : cases) {
    base::StatusOr<Condition> cond = ParseCondition(c.expr, "ConditionExpression", &p.ctx);
    ASSERT_FALSE(cond.ok()) << c.expr;
    EXPECT_EQ(cond.status().message(), c.message) << c.expr;
  }
}

TEST(ConditionTest, ReportsUnusedPlaceholders) {
  Placeholders p(R"({"#n": "name", "#unused": "x"})", R"({":v": {"N": "1"}, ":w": {"N": "2"}})");
  ASSERT_TRUE(ParseCondition("#n = :v", "ConditionExpression", &p.ctx).ok());
  EXPECT_EQ(CheckAllPlaceholdersUsed(p.ctx).message(),
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}");
  ASSERT_TRUE(ParseCondition("#unused = :v", "FilterExpression", &p.ctx).ok());
  EXPECT_EQ(CheckAllPlaceholdersUsed(p.ctx).message(),
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}");
}

struct UpdateCase {
  const char* expr;
  const char* after;  // the item after the update, as wire JSON
};

TEST(UpdateTest, AppliesActionsAgainstTheOldItem) {
  Placeholders p(R"({"#c": "count"})",
                 R"({":one": {"N": "1"}, ":big": {"N": "99999999999999999999999999999999999998"},
                     ":s": {"S": "new"}, ":l": {"L": [{"N": "9"}]}, ":ss": {"SS": ["b", "c"]},
                     ":del": {"SS": ["a", "b"]}, ":zero": {"N": "0"}, ":m": {"M": {}}})");
  const char* base = R"({"id": {"S": "k"}, "count": {"N": "5"}, "tags": {"SS": ["a", "b"]},
                         "list": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}]},
                         "m": {"M": {"x": {"N": "1"}}}})";
  const UpdateCase cases[] = {
      {"SET #c = #c + :one", R"({"count": {"N": "6"}})"},
      {"SET #c = #c - :one", R"({"count": {"N": "4"}})"},
      {"SET #c = :big + :one", R"({"count": {"N": "99999999999999999999999999999999999999"}})"},
      {"ADD #c :one", R"({"count": {"N": "6"}})"},
      {"ADD fresh :one", R"({"fresh": {"N": "1"}})"},
      {"ADD tags :ss", R"({"tags": {"SS": ["a", "b", "c"]}})"},
      {"DELETE tags :del", R"({"tags": null})"},
      {"REMOVE #c, tags", R"({"count": null, "tags": null})"},
      {"SET s = :s REMOVE #c", R"({"s": {"S": "new"}, "count": null})"},
      {"SET s = if_not_exists(s, :s)", R"({"s": {"S": "new"}})"},
      {"SET #c = if_not_exists(#c, :zero)", R"({"count": {"N": "5"}})"},
      {"SET list = list_append(list, :l)", R"({"list": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}, {"N": "9"}]}})"},
      {"SET list = list_append(:l, list)", R"({"list": {"L": [{"N": "9"}, {"N": "1"}, {"N": "2"}, {"N": "3"}]}})"},
      {"SET list[1] = :s", R"({"list": {"L": [{"N": "1"}, {"S": "new"}, {"N": "3"}]}})"},
      {"SET list[10] = :s", R"({"list": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}, {"S": "new"}]}})"},
      {"REMOVE list[0], list[2]", R"({"list": {"L": [{"N": "2"}]}})"},
      {"SET m.y = :one", R"({"m": {"M": {"x": {"N": "1"}, "y": {"N": "1"}}}})"},
      {"REMOVE m.x", R"({"m": {"M": {}}})"},
      // Operands read the item as it was: both see count = 5.
      {"SET a = #c, b = #c + :one", R"({"a": {"N": "5"}, "b": {"N": "6"}})"},
  };
  for (const UpdateCase& c : cases) {
    base::StatusOr<UpdateExpression> u = ParseUpdate(c.expr, &p.ctx);
    ASSERT_TRUE(u.ok()) << c.expr << ": " << u.status().message();
    Item item = ItemOf(base);
    base::Status s = ApplyUpdate(*u, &item);
    ASSERT_TRUE(s.ok()) << c.expr << ": " << s.message();
    nlohmann::json after = nlohmann::json::parse(c.after);
    for (auto& [name, want] : after.items()) {
      auto it = item.find(name);
      if (want.is_null()) {
        EXPECT_EQ(it, item.end()) << c.expr << ": " << name << " should be gone";
        continue;
      }
      ASSERT_NE(it, item.end()) << c.expr << ": " << name;
      EXPECT_TRUE(Equal(it->second, *ValueFromJson(want))) << c.expr << ": " << name;
    }
  }
}

TEST(UpdateTest, RejectsBadUpdates) {
  Placeholders p("{}", R"({":one": {"N": "1"}, ":s": {"S": "x"}})");
  const ErrorCase parse_errors[] = {
      {"SET a = :one SET b = :one", "Invalid UpdateExpression: The \"SET\" section can only be used once in an update expression;"},
      {"SET a = :one, a = :s",
       "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"},
      {"SET a = :one REMOVE a.b",
       "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"},
      {"PUT a = :one", "Invalid UpdateExpression: Syntax error; token: \"PUT\", near: \"PUT a\""},
      {"SET a = size(b)", "Invalid UpdateExpression: The function is not allowed in an update expression; function: size"},
      {"ADD a b", "Invalid UpdateExpression: Syntax error; token: \"b\", near: \"a b\""},
  };
  for (const ErrorCase& c : parse_errors) {
    base::StatusOr<UpdateExpression> u = ParseUpdate(c.expr, &p.ctx);
    ASSERT_FALSE(u.ok()) << c.expr;
    EXPECT_EQ(u.status().message(), c.message) << c.expr;
  }
  const ErrorCase apply_errors[] = {
      {"SET a = s + :one", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: +, operand type: S"},
      {"ADD s :one", "An operand in the update expression has an incorrect data type"},
      {"SET nope.x = :one", "The document path provided in the update expression is invalid for update"},
      {"SET a = nope", "The provided expression refers to an attribute that does not exist in the item"},
  };
  for (const ErrorCase& c : apply_errors) {
    base::StatusOr<UpdateExpression> u = ParseUpdate(c.expr, &p.ctx);
    ASSERT_TRUE(u.ok()) << c.expr << ": " << u.status().message();
    Item item = ItemOf(R"({"s": {"S": "text"}})");
    base::Status s = ApplyUpdate(*u, &item);
    EXPECT_EQ(s.message(), c.message) << c.expr;
    EXPECT_EQ(item.size(), 1u) << "a failed update leaves the item unchanged: " << c.expr;
  }
}

TEST(ProjectionTest, KeepsOnlyRequestedPaths) {
  Placeholders p(R"({"#n": "name"})");
  base::StatusOr<std::vector<Path>> paths = ParseProjection("#n, map.inner, list[1], list[2].deep, missing", &p.ctx);
  ASSERT_TRUE(paths.ok()) << paths.status().message();
  Item got = Project(ItemOf(kItem), *paths);
  std::string json;
  AppendItemJson(got, &json);
  EXPECT_EQ(json,
            R"({"list":{"L":[{"N":"7"},{"M":{"deep":{"S":"d"}}}]},"map":{"M":{"inner":{"M":{"v":{"N":"-3"}}}}},"name":{"S":"Ada Lovelace"}})");
  EXPECT_EQ(ParseProjection("a, a.b", &p.ctx).status().message(),
            "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]");
}

TEST(AttributeValueTest, ValidatesLikeDynamoDb) {
  auto err = [](const char* j) { return ValueFromJson(nlohmann::json::parse(j)).status().message(); };
  EXPECT_EQ(err(R"({})"), "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  EXPECT_EQ(err(R"({"S": "a", "N": "1"})"),
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
  EXPECT_EQ(err(R"({"SS": []})"), "One or more parameter values were invalid: An string set  may not be empty");
  EXPECT_EQ(err(R"({"NS": ["1", "1.0"]})"),
            "One or more parameter values were invalid: Input collection [1, 1.0] contains duplicates.");
  EXPECT_EQ(err(R"({"N": "x"})"), "The parameter cannot be converted to a numeric value: x");
  EXPECT_EQ(err(R"({"NULL": false})"),
            "One or more parameter values were invalid: Null attribute value types must have the value of true");
  EXPECT_EQ(err(R"({"S": 5})"), "SerializationException: Unexpected value type in payload");
  // Round trip keeps every type; numbers come back canonical.
  const char* all = R"({"b":{"B":"AAEC"},"bool":{"BOOL":false},"bs":{"BS":["AQ=="]},"l":{"L":[{"NULL":true}]},"m":{"M":{"q":{"S":"\"\n"}}},"n":{"N":"1"},"ns":{"NS":["2","3"]},"s":{"S":"é"},"ss":{"SS":["x"]}})";
  Item item = *ItemFromJson(nlohmann::json::parse(all));
  std::string out;
  AppendItemJson(item, &out);
  EXPECT_EQ(out, all);
  item = *ItemFromJson(nlohmann::json::parse(R"({"n": {"N": "01.50"}})"));
  EXPECT_EQ(item["n"].scalar, "1.5");
}

}  // namespace
}  // namespace dynamodb
