#include "cloud/dynamodb/expression.h"

#include <cctype>

namespace dynamodb {
namespace {

constexpr int kMaxDepth = 64;                 // nesting of parentheses / NOT
constexpr size_t kMaxExpressionBytes = 4096;  // DynamoDB's limit per expression string

struct Token {
  enum class Kind { kIdent, kName, kValue, kNumber, kPunct, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;
};

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool EqualsKeyword(const Token& t, std::string_view word) {
  if (t.kind != Token::Kind::kIdent || t.text.size() != word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(t.text[i])) != word[i]) return false;
  }
  return true;
}

class Parser {
 public:
  Parser(std::string_view text, std::string kind, ExpressionContext* ctx)
      : text_(text), kind_(std::move(kind)), ctx_(ctx) {}

  base::Status Tokenize();
  base::StatusOr<dynamodb::Condition> RunCondition();
  base::StatusOr<UpdateExpression> RunUpdate();
  base::StatusOr<std::vector<Path>> RunProjection();

 private:
  const Token& Peek(size_t ahead = 0) const {
    size_t i = pos_ + ahead;
    return tokens_[i < tokens_.size() ? i : tokens_.size() - 1];
  }
  bool AtPunct(std::string_view p) const { return Peek().kind == Token::Kind::kPunct && Peek().text == p; }
  bool AtEnd() const { return Peek().kind == Token::Kind::kEnd; }
  bool Fail(std::string detail) {
    if (error_.ok()) error_ = base::Status::InvalidArgument("Invalid " + kind_ + ": " + detail);
    return false;
  }
  bool SyntaxError();
  bool Expect(std::string_view punct) {
    if (!AtPunct(punct)) return SyntaxError();
    ++pos_;
    return true;
  }

  bool ParseOr(dynamodb::Condition* out, int depth);
  bool ParseAnd(dynamodb::Condition* out, int depth);
  bool ParseNot(dynamodb::Condition* out, int depth);
  bool ParsePrimary(dynamodb::Condition* out, int depth);
  bool ParseConditionFunction(dynamodb::Condition* out);
  bool ParseOperand(Operand* out, bool update);
  bool ParseUpdateValue(Operand* out, int depth);
  bool ParseUpdateTerm(Operand* out, int depth);
  bool ParsePath(Path* out);
  bool ParseValuePlaceholder(Operand* out);
  bool CheckOverlaps(const std::vector<const Path*>& paths);

  std::string_view text_;
  std::string kind_;
  ExpressionContext* ctx_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  base::Status error_;
};

base::Status Parser::Tokenize() {
  if (text_.empty()) return base::Status::InvalidArgument("Invalid " + kind_ + ": The expression can not be empty;");
  if (text_.size() > kMaxExpressionBytes) {
    return base::Status::InvalidArgument("Invalid " + kind_ +
                                         ": Expression size has exceeded the maximum allowed size;");
  }
  size_t i = 0;
  while (i < text_.size()) {
    char c = text_[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    Token t;
    size_t start = i;
    if (c == '#' || c == ':') {
      ++i;
      while (i < text_.size() && IsWordChar(text_[i])) ++i;
      t.kind = c == '#' ? Token::Kind::kName : Token::Kind::kValue;
      if (i == start + 1) {
        return base::Status::InvalidArgument("Invalid " + kind_ + ": Syntax error; token: \"" +
                                             std::string(1, c) + "\", near: \"" +
                                             std::string(text_.substr(start, 2)) + "\"");
      }
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      while (i < text_.size() && std::isdigit(static_cast<unsigned char>(text_[i]))) ++i;
      t.kind = Token::Kind::kNumber;
    } else if (IsWordChar(c)) {
      while (i < text_.size() && IsWordChar(text_[i])) ++i;
      t.kind = Token::Kind::kIdent;
    } else if ((c == '<' || c == '>') && i + 1 < text_.size() &&
               (text_[i + 1] == '=' || (c == '<' && text_[i + 1] == '>'))) {
      i += 2;
      t.kind = Token::Kind::kPunct;
    } else if (std::string_view("()[],.=<>+-").find(c) != std::string_view::npos) {
      ++i;
      t.kind = Token::Kind::kPunct;
    } else {
      return base::Status::InvalidArgument("Invalid " + kind_ + ": Invalid character encountered; character: \"" +
                                           std::string(1, c) + "\"");
    }
    t.text = std::string(text_.substr(start, i - start));
    tokens_.push_back(std::move(t));
  }
  tokens_.push_back(Token{});
  return base::Status::Ok();
}

bool Parser::SyntaxError() {
  const Token& t = Peek();
  std::string near;
  if (pos_ > 0) near = tokens_[pos_ - 1].text;
  if (t.kind != Token::Kind::kEnd) near += (near.empty() ? "" : " ") + t.text;
  if (pos_ + 1 < tokens_.size() && tokens_[pos_ + 1].kind != Token::Kind::kEnd) near += " " + tokens_[pos_ + 1].text;
  std::string token = t.kind == Token::Kind::kEnd ? "<EOF>" : "\"" + t.text + "\"";
  return Fail("Syntax error; token: " + token + ", near: \"" + near + "\"");
}

bool Parser::ParsePath(Path* out) {
  auto name_element = [&]() -> bool {
    const Token& t = Peek();
    PathElement e;
    if (t.kind == Token::Kind::kIdent) {
      e.name = t.text;
    } else if (t.kind == Token::Kind::kName) {
      auto it = ctx_->names ? ctx_->names->find(t.text) : decltype(ctx_->names->end()){};
      if (!ctx_->names || it == ctx_->names->end()) {
        return Fail("An expression attribute name used in the document path is not defined; attribute name: " + t.text);
      }
      ctx_->used_names.insert(t.text);
      e.name = it->second;
    } else {
      return SyntaxError();
    }
    ++pos_;
    out->push_back(std::move(e));
    return true;
  };
  if (!name_element()) return false;
  for (;;) {
    if (AtPunct(".")) {
      ++pos_;
      if (!name_element()) return false;
    } else if (AtPunct("[")) {
      ++pos_;
      if (Peek().kind != Token::Kind::kNumber) return SyntaxError();
      const std::string& digits = Peek().text;
      if (digits.size() > 9) return Fail("List index is too large; index: " + digits);
      PathElement e;
      e.is_index = true;
      e.index = std::stoi(digits);
      out->push_back(e);
      ++pos_;
      if (!Expect("]")) return false;
    } else {
      return true;
    }
  }
}

bool Parser::ParseValuePlaceholder(Operand* out) {
  const Token& t = Peek();
  if (t.kind != Token::Kind::kValue) return SyntaxError();
  auto it = ctx_->values ? ctx_->values->find(t.text) : decltype(ctx_->values->end()){};
  if (!ctx_->values || it == ctx_->values->end()) {
    return Fail("An expression attribute value used in expression is not defined; attribute value: " + t.text);
  }
  ctx_->used_values.insert(t.text);
  out->kind = Operand::Kind::kValue;
  out->value = it->second;
  ++pos_;
  return true;
}

bool Parser::ParseOperand(Operand* out, bool update) {
  const Token& t = Peek();
  if (t.kind == Token::Kind::kValue) return ParseValuePlaceholder(out);
  if (t.kind == Token::Kind::kIdent && Peek(1).kind == Token::Kind::kPunct && Peek(1).text == "(") {
    if (t.text != "size" || update) {
      return Fail("The function is not allowed to be used this way in an expression; function: " + t.text);
    }
    pos_ += 2;
    out->kind = Operand::Kind::kSize;
    if (!ParsePath(&out->path)) return false;
    return Expect(")");
  }
  out->kind = Operand::Kind::kPath;
  return ParsePath(&out->path);
}

bool Parser::ParseConditionFunction(dynamodb::Condition* out) {
  using K = dynamodb::Condition::Kind;
  const std::string name = Peek().text;
  struct Fn { std::string_view name; K kind; size_t args; };
  static constexpr Fn kFunctions[] = {{"attribute_exists", K::kAttributeExists, 1},
                                      {"attribute_not_exists", K::kAttributeNotExists, 1},
                                      {"attribute_type", K::kAttributeType, 2},
                                      {"begins_with", K::kBeginsWith, 2},
                                      {"contains", K::kContains, 2}};
  const Fn* fn = nullptr;
  for (const Fn& f : kFunctions) {
    if (f.name == name) fn = &f;
  }
  if (!fn) {
    if (name == "size" || name == "if_not_exists" || name == "list_append") return false;  // an operand
    return Fail("Invalid function name; function: " + name);
  }
  pos_ += 2;  // name and '('
  out->kind = fn->kind;
  for (size_t i = 0; i < fn->args; ++i) {
    if (i > 0 && !Expect(",")) return false;
    Operand arg;
    if (i == 0) {
      arg.kind = Operand::Kind::kPath;
      if (Peek().kind == Token::Kind::kValue) {
        return Fail("Incorrect operand type for operator or function; operator or function: " + name +
                    ", operand type: " + std::string(TypeName(Type::kS)));
      }
      if (!ParsePath(&arg.path)) return false;
    } else if (!ParseOperand(&arg, false)) {
      return false;
    }
    out->operands.push_back(std::move(arg));
  }
  if (!AtPunct(")")) {
    if (AtPunct(",")) return Fail("Incorrect number of operands for operator or function; operator or function: " + name +
                                  ", number of operands: " + std::to_string(fn->args + 1));
    return SyntaxError();
  }
  ++pos_;
  if (fn->kind == K::kAttributeType) {
    const Operand& type_arg = out->operands[1];
    if (type_arg.kind != Operand::Kind::kValue || type_arg.value.type != Type::kS ||
        !TypeFromName(type_arg.value.scalar)) {
      std::string shown = type_arg.kind == Operand::Kind::kValue ? type_arg.value.scalar : "";
      return Fail("Invalid attribute type name found; type: " + shown +
                  ", valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
    }
  }
  return true;
}

bool Parser::ParsePrimary(dynamodb::Condition* out, int depth) {
  using K = dynamodb::Condition::Kind;
  if (depth > kMaxDepth) return Fail("The expression has too many nested levels");
  if (AtPunct("(")) {
    ++pos_;
    if (!ParseOr(out, depth + 1)) return false;
    return Expect(")");
  }
  if (Peek().kind == Token::Kind::kIdent && Peek(1).kind == Token::Kind::kPunct && Peek(1).text == "(") {
    if (ParseConditionFunction(out)) return true;
    if (!error_.ok()) return false;
  }
  Operand left;
  if (!ParseOperand(&left, false)) return false;
  const Token& t = Peek();
  static constexpr std::pair<std::string_view, Comparator> kComparators[] = {
      {"=", Comparator::kEq}, {"<>", Comparator::kNe}, {"<", Comparator::kLt},
      {"<=", Comparator::kLe}, {">", Comparator::kGt}, {">=", Comparator::kGe}};
  if (t.kind == Token::Kind::kPunct) {
    for (const auto& [text, cmp] : kComparators) {
      if (t.text != text) continue;
      ++pos_;
      out->kind = K::kCompare;
      out->comparator = cmp;
      out->operands.push_back(std::move(left));
      Operand right;
      if (!ParseOperand(&right, false)) return false;
      out->operands.push_back(std::move(right));
      return true;
    }
  }
  if (EqualsKeyword(t, "BETWEEN")) {
    ++pos_;
    out->kind = K::kBetween;
    out->operands.push_back(std::move(left));
    Operand low, high;
    if (!ParseOperand(&low, false)) return false;
    if (!EqualsKeyword(Peek(), "AND")) return SyntaxError();
    ++pos_;
    if (!ParseOperand(&high, false)) return false;
    out->operands.push_back(std::move(low));
    out->operands.push_back(std::move(high));
    return true;
  }
  if (EqualsKeyword(t, "IN")) {
    ++pos_;
    out->kind = K::kIn;
    out->operands.push_back(std::move(left));
    if (!Expect("(")) return false;
    for (;;) {
      Operand item;
      if (!ParseOperand(&item, false)) return false;
      out->operands.push_back(std::move(item));
      if (out->operands.size() > 101) return Fail("The IN operator is provided with too many operands; number of operands: " +
                                                  std::to_string(out->operands.size() - 1));
      if (AtPunct(",")) {
        ++pos_;
        continue;
      }
      return Expect(")");
    }
  }
  return SyntaxError();
}

bool Parser::ParseNot(dynamodb::Condition* out, int depth) {
  if (depth > kMaxDepth) return Fail("The expression has too many nested levels");
  if (EqualsKeyword(Peek(), "NOT")) {
    ++pos_;
    dynamodb::Condition child;
    if (!ParseNot(&child, depth + 1)) return false;
    out->kind = dynamodb::Condition::Kind::kNot;
    out->children.push_back(std::move(child));
    return true;
  }
  return ParsePrimary(out, depth);
}

bool Parser::ParseAnd(dynamodb::Condition* out, int depth) {
  if (!ParseNot(out, depth)) return false;
  while (EqualsKeyword(Peek(), "AND")) {
    ++pos_;
    dynamodb::Condition right;
    if (!ParseNot(&right, depth)) return false;
    dynamodb::Condition both;
    both.kind = dynamodb::Condition::Kind::kAnd;
    both.children.push_back(std::move(*out));
    both.children.push_back(std::move(right));
    *out = std::move(both);
  }
  return true;
}

bool Parser::ParseOr(dynamodb::Condition* out, int depth) {
  if (!ParseAnd(out, depth)) return false;
  while (EqualsKeyword(Peek(), "OR")) {
    ++pos_;
    dynamodb::Condition right;
    if (!ParseAnd(&right, depth)) return false;
    dynamodb::Condition either;
    either.kind = dynamodb::Condition::Kind::kOr;
    either.children.push_back(std::move(*out));
    either.children.push_back(std::move(right));
    *out = std::move(either);
  }
  return true;
}

base::StatusOr<Condition> Parser::RunCondition() {
  EF_RETURN_IF_ERROR(Tokenize());
  dynamodb::Condition c;
  if (!ParseOr(&c, 0) || (!AtEnd() && !SyntaxError())) return error_;
  return c;
}

bool Parser::ParseUpdateTerm(Operand* out, int depth) {
  if (depth > kMaxDepth) return Fail("The expression has too many nested levels");
  const Token& t = Peek();
  if (t.kind == Token::Kind::kIdent && Peek(1).kind == Token::Kind::kPunct && Peek(1).text == "(") {
    std::string name = t.text;
    if (name != "if_not_exists" && name != "list_append") {
      if (name == "size" || name == "attribute_exists" || name == "attribute_not_exists" ||
          name == "attribute_type" || name == "begins_with" || name == "contains") {
        return Fail("The function is not allowed in an update expression; function: " + name);
      }
      return Fail("Invalid function name; function: " + name);
    }
    pos_ += 2;
    if (name == "if_not_exists") {
      out->kind = Operand::Kind::kIfNotExists;
      if (!ParsePath(&out->path) || !Expect(",")) return false;
      Operand fallback;
      if (!ParseUpdateValue(&fallback, depth + 1)) return false;
      out->args.push_back(std::move(fallback));
    } else {
      out->kind = Operand::Kind::kListAppend;
      Operand a, b;
      if (!ParseUpdateValue(&a, depth + 1) || !Expect(",") || !ParseUpdateValue(&b, depth + 1)) return false;
      out->args.push_back(std::move(a));
      out->args.push_back(std::move(b));
    }
    return Expect(")");
  }
  return ParseOperand(out, true);
}

bool Parser::ParseUpdateValue(Operand* out, int depth) {
  Operand left;
  if (!ParseUpdateTerm(&left, depth)) return false;
  if (AtPunct("+") || AtPunct("-")) {
    out->kind = Peek().text == "+" ? Operand::Kind::kPlus : Operand::Kind::kMinus;
    ++pos_;
    Operand right;
    if (!ParseUpdateTerm(&right, depth)) return false;
    out->args.push_back(std::move(left));
    out->args.push_back(std::move(right));
    return true;
  }
  *out = std::move(left);
  return true;
}

std::string PathForMessage(const Path& p) {
  std::string s = "[";
  for (size_t i = 0; i < p.size(); ++i) {
    if (i) s += ", ";
    s += p[i].is_index ? "[" + std::to_string(p[i].index) + "]" : p[i].name;
  }
  return s + "]";
}

// Two paths overlap when one is a prefix of the other (a and a.b; a.b and a.b).
bool Parser::CheckOverlaps(const std::vector<const Path*>& paths) {
  for (size_t i = 0; i < paths.size(); ++i) {
    for (size_t j = i + 1; j < paths.size(); ++j) {
      const Path& a = *paths[i];
      const Path& b = *paths[j];
      size_t n = std::min(a.size(), b.size());
      bool prefix = true;
      for (size_t k = 0; k < n && prefix; ++k) {
        if (a[k].is_index != b[k].is_index) {
          return Fail("Two document paths conflict with each other; must remove or rewrite one of these paths; path one: " +
                      PathForMessage(a) + ", path two: " + PathForMessage(b));
        }
        prefix = a[k].is_index ? a[k].index == b[k].index : a[k].name == b[k].name;
      }
      if (prefix) {
        return Fail("Two document paths overlap with each other; must remove or rewrite one of these paths; path one: " +
                    PathForMessage(a) + ", path two: " + PathForMessage(b));
      }
    }
  }
  return true;
}

base::StatusOr<UpdateExpression> Parser::RunUpdate() {
  EF_RETURN_IF_ERROR(Tokenize());
  UpdateExpression update;
  std::set<std::string> seen_sections;
  while (!AtEnd()) {
    using K = UpdateAction::Kind;
    K kind;
    std::string section;
    for (std::string_view word : {"SET", "REMOVE", "ADD", "DELETE"}) {
      if (EqualsKeyword(Peek(), word)) section = word;
    }
    if (section.empty()) {
      SyntaxError();
      return error_;
    }
    kind = section == "SET" ? K::kSet : section == "REMOVE" ? K::kRemove : section == "ADD" ? K::kAdd : K::kDelete;
    if (!seen_sections.insert(section).second) {
      Fail("The \"" + section + "\" section can only be used once in an update expression;");
      return error_;
    }
    ++pos_;
    for (;;) {
      UpdateAction action;
      action.kind = kind;
      if (!ParsePath(&action.path)) return error_;
      if (kind == K::kSet) {
        if (!Expect("=") || !ParseUpdateValue(&action.value, 0)) return error_;
      } else if (kind == K::kAdd || kind == K::kDelete) {
        if (!ParseValuePlaceholder(&action.value)) return error_;
      }
      update.actions.push_back(std::move(action));
      if (!AtPunct(",")) break;
      ++pos_;
    }
  }
  std::vector<const Path*> paths;
  for (const UpdateAction& a : update.actions) paths.push_back(&a.path);
  if (!CheckOverlaps(paths)) return error_;
  return update;
}

base::StatusOr<std::vector<Path>> Parser::RunProjection() {
  EF_RETURN_IF_ERROR(Tokenize());
  std::vector<Path> paths;
  for (;;) {
    Path p;
    if (!ParsePath(&p)) return error_;
    paths.push_back(std::move(p));
    if (AtEnd()) break;
    if (!Expect(",")) return error_;
  }
  std::vector<const Path*> ptrs;
  for (const Path& p : paths) ptrs.push_back(&p);
  if (!CheckOverlaps(ptrs)) return error_;
  return paths;
}

}  // namespace

std::string PathToString(const Path& path) {
  std::string s;
  for (const PathElement& e : path) {
    if (e.is_index) {
      s += "[" + std::to_string(e.index) + "]";
    } else {
      if (!s.empty()) s += ".";
      s += e.name;
    }
  }
  return s;
}

base::StatusOr<Condition> ParseCondition(std::string_view text, std::string_view kind, ExpressionContext* ctx) {
  return Parser(text, std::string(kind), ctx).RunCondition();
}

base::StatusOr<UpdateExpression> ParseUpdate(std::string_view text, ExpressionContext* ctx) {
  return Parser(text, "UpdateExpression", ctx).RunUpdate();
}

base::StatusOr<std::vector<Path>> ParseProjection(std::string_view text, ExpressionContext* ctx) {
  return Parser(text, "ProjectionExpression", ctx).RunProjection();
}

base::Status CheckAllPlaceholdersUsed(const ExpressionContext& ctx) {
  auto unused = [](const auto& given, const std::set<std::string>& used) {
    std::string keys;
    for (const auto& [k, v] : given) {
      if (used.count(k)) continue;
      keys += (keys.empty() ? "" : ", ") + k;
    }
    return keys;
  };
  if (ctx.names) {
    std::string keys = unused(*ctx.names, ctx.used_names);
    if (!keys.empty()) {
      return base::Status::InvalidArgument("Value provided in ExpressionAttributeNames unused in expressions: keys: {" + keys + "}");
    }
  }
  if (ctx.values) {
    std::string keys = unused(*ctx.values, ctx.used_values);
    if (!keys.empty()) {
      return base::Status::InvalidArgument("Value provided in ExpressionAttributeValues unused in expressions: keys: {" + keys + "}");
    }
  }
  return base::Status::Ok();
}

}  // namespace dynamodb
