// A YAML document as a plain tree with line numbers, read with libyaml, for the stack template.
//
// CloudFormation's short-form tags become their long forms while the tree is built, so the rest
// of the stack code sees one shape only:
//   !Ref X            → {Ref: X}
//   !GetAtt A.B       → {Fn::GetAtt: [A, B]}      (a sequence [A, B] is kept as it is)
//   !Sub, !Join, !Foo → {Fn::Sub: ...}, {Fn::Join: ...}, {Fn::Foo: ...}
// Standard tags (!!str, !!int, ...) are dropped (every scalar is a string here anyway).
// Anchors and aliases are expanded (with a cap on the expanded size, against "billion laughs").
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace cloud::stack {

struct Node {
  enum class Kind { kNull, kScalar, kSequence, kMapping };
  struct Entry;  // {first: key, second: value}; a vector of pairs would need Node complete here
  Kind kind = Kind::kNull;
  std::string scalar;                                  // kScalar: the text (unquoted)
  std::vector<Node> items;                             // kSequence
  std::vector<Entry> entries;                          // kMapping, in document order, keys unique
  int line = 0;                                        // 1-based line where the node starts

  bool IsScalar() const { return kind == Kind::kScalar; }
  bool IsMap() const { return kind == Kind::kMapping; }
  bool IsSeq() const { return kind == Kind::kSequence; }
  bool IsNull() const { return kind == Kind::kNull; }
  // The value under `key` in a mapping, or nullptr (also for non-mappings).
  const Node* Find(std::string_view key) const;
  Node* Find(std::string_view key);
};

struct Node::Entry {
  std::string first;
  Node second;
};

// Limits that keep hostile input cheap.
inline constexpr int kMaxYamlDepth = 64;
inline constexpr size_t kMaxYamlNodes = 200'000;

// Parses the first document of `text`. Errors (InvalidArgument) read "line N: what".
// An empty document is a kNull node.
base::StatusOr<Node> ParseYaml(std::string_view text);

// "a mapping", "a sequence", "a string", "null": for error messages.
const char* KindName(Node::Kind kind);

}  // namespace cloud::stack
