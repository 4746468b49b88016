// DynamoDB expressions: tokens → AST for ConditionExpression, FilterExpression,
// KeyConditionExpression, ProjectionExpression and UpdateExpression.
//
// #name and :value placeholders are resolved while parsing, from the request's
// ExpressionAttributeNames and ExpressionAttributeValues; the parser records which ones it used so
// the caller can reject unused ones, as DynamoDB does. Errors are InvalidArgument with DynamoDB's
// wording, already prefixed ("Invalid UpdateExpression: Syntax error; token: ...").
//
// Grammar (keywords case-insensitive; NOT binds tighter than AND, AND tighter than OR):
//   condition  := or ; or := and {OR and} ; and := not {AND not} ; not := NOT not | primary
//   primary    := '(' condition ')' | function '(' operand {',' operand} ')'
//               | operand comparator operand | operand BETWEEN operand AND operand
//               | operand IN '(' operand {',' operand} ')'
//   operand    := path | :value | size '(' path ')'
//   path       := name { '.' name | '[' digits ']' }   name := identifier | #placeholder
//   update     := { SET set_action {',' set_action} | REMOVE path {',' path}
//                 | ADD path :value {','...} | DELETE path :value {','...} }
//   set_action := path '=' value ; value := term [('+'|'-') term]
//   term       := operand | if_not_exists '(' path ',' value ')' | list_append '(' value ',' value ')'
//   projection := path {',' path}
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "cloud/dynamodb/attribute_value.h"

namespace dynamodb {

struct PathElement {
  std::string name;  // when !is_index
  int index = 0;     // when is_index
  bool is_index = false;
};
using Path = std::vector<PathElement>;

// "a.b[2]" for messages.
std::string PathToString(const Path& path);

struct Operand {
  enum class Kind { kPath, kValue, kSize, kIfNotExists, kListAppend, kPlus, kMinus };
  Kind kind = Kind::kPath;
  Path path;                  // kPath, kSize, kIfNotExists (the checked path)
  Value value;                // kValue (copied from ExpressionAttributeValues)
  std::vector<Operand> args;  // kIfNotExists: {fallback}; kListAppend, kPlus, kMinus: {lhs, rhs}
};

enum class Comparator { kEq, kNe, kLt, kLe, kGt, kGe };

struct Condition {
  enum class Kind {
    kCompare, kBetween, kIn, kAnd, kOr, kNot,
    kAttributeExists, kAttributeNotExists, kAttributeType, kBeginsWith, kContains
  };
  Kind kind = Kind::kCompare;
  Comparator comparator = Comparator::kEq;  // kCompare
  std::vector<Operand> operands;            // compare: 2; between: 3; in: 1 + list; functions: args
  std::vector<Condition> children;          // and/or: 2; not: 1
};

struct UpdateAction {
  enum class Kind { kSet, kRemove, kAdd, kDelete };
  Kind kind = Kind::kSet;
  Path path;
  Operand value;  // kSet: the new value; kAdd/kDelete: the :value operand
};

struct UpdateExpression {
  std::vector<UpdateAction> actions;
};

// Placeholders from the request, and which of them the parsed expressions used.
struct ExpressionContext {
  const std::map<std::string, std::string>* names = nullptr;
  const std::map<std::string, Value>* values = nullptr;
  std::set<std::string> used_names;
  std::set<std::string> used_values;
};

// `kind` names the expression in error messages: "ConditionExpression", "FilterExpression",
// "KeyConditionExpression".
base::StatusOr<Condition> ParseCondition(std::string_view text, std::string_view kind,
                                         ExpressionContext* ctx);
base::StatusOr<UpdateExpression> ParseUpdate(std::string_view text, ExpressionContext* ctx);
base::StatusOr<std::vector<Path>> ParseProjection(std::string_view text, ExpressionContext* ctx);

// After parsing every expression of a request: DynamoDB's error for a name/value that was given
// but not used ("Value provided in ExpressionAttributeNames unused in expressions: keys: {#a}").
base::Status CheckAllPlaceholdersUsed(const ExpressionContext& ctx);

}  // namespace dynamodb
