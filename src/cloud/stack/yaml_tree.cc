#include "cloud/stack/yaml_tree.h"

#include <yaml.h>

#include <map>
#include <memory>

namespace cloud::stack {
namespace {

base::Status Error(int line, const std::string& what) {
  return base::Status::InvalidArgument("line " + std::to_string(line) + ": " + what);
}

size_t CountNodes(const Node& n) {
  size_t count = 1;
  for (const auto& item : n.items) count += CountNodes(item);
  for (const auto& [key, value] : n.entries) count += CountNodes(value);
  return count;
}

// Turns a node carrying a CloudFormation short-form tag into its long form.
Node ApplyTag(const std::string& tag, Node node) {
  if (tag.empty() || tag.rfind("tag:yaml.org,2002:", 0) == 0 || tag == "!") return node;
  std::string name = tag[0] == '!' ? tag.substr(1) : tag;
  Node wrapped;
  wrapped.kind = Node::Kind::kMapping;
  wrapped.line = node.line;
  if (name == "GetAtt" && node.IsScalar()) {
    size_t dot = node.scalar.find('.');
    if (dot != std::string::npos) {
      Node seq;
      seq.kind = Node::Kind::kSequence;
      seq.line = node.line;
      Node a = node, b = node;
      a.scalar = node.scalar.substr(0, dot);
      b.scalar = node.scalar.substr(dot + 1);
      seq.items = {std::move(a), std::move(b)};
      node = std::move(seq);
    }
  }
  wrapped.entries.push_back({name == "Ref" || name == "Condition" ? name : "Fn::" + name, std::move(node)});
  return wrapped;
}

struct Frame {
  Node node;
  std::string tag;
  std::string anchor;
  bool have_key = false;
  std::string key;
  int key_line = 0;
};

class Builder {
 public:
  // Adds a finished node to the innermost collection (or makes it the document).
  base::Status Add(Node node, const std::string& tag, const std::string& anchor) {
    node = ApplyTag(tag, std::move(node));
    if (!anchor.empty()) anchors_[anchor] = {node, CountNodes(node)};
    if (frames_.empty()) {
      root_ = std::move(node);
      done_ = true;
      return base::Status::Ok();
    }
    Frame& top = frames_.back();
    if (top.node.IsSeq()) {
      top.node.items.push_back(std::move(node));
      return base::Status::Ok();
    }
    if (!top.have_key) {
      if (!node.IsScalar() && !node.IsNull()) return Error(node.line, "a mapping key must be a plain string");
      top.key = node.scalar;
      top.key_line = node.line;
      top.have_key = true;
      return base::Status::Ok();
    }
    if (top.node.Find(top.key) != nullptr) return Error(top.key_line, "duplicate key '" + top.key + "'");
    top.node.entries.push_back({std::move(top.key), std::move(node)});
    top.have_key = false;
    return base::Status::Ok();
  }

  base::Status CountNew(size_t n, int line) {
    nodes_ += n;
    if (nodes_ > kMaxYamlNodes) return Error(line, "document too large (more than " + std::to_string(kMaxYamlNodes) + " nodes)");
    return base::Status::Ok();
  }

  base::Status Handle(const yaml_event_t& e) {
    const int line = static_cast<int>(e.start_mark.line) + 1;
    auto str = [](const yaml_char_t* s) { return s ? std::string(reinterpret_cast<const char*>(s)) : std::string(); };
    switch (e.type) {
      case YAML_SCALAR_EVENT: {
        EF_RETURN_IF_ERROR(CountNew(1, line));
        Node n;
        n.line = line;
        std::string value(reinterpret_cast<const char*>(e.data.scalar.value), e.data.scalar.length);
        std::string tag = str(e.data.scalar.tag);
        bool plain = e.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if (plain && tag.empty() && (value.empty() || value == "~" || value == "null" || value == "Null" || value == "NULL")) {
          n.kind = Node::Kind::kNull;
        } else {
          n.kind = Node::Kind::kScalar;
          n.scalar = std::move(value);
        }
        return Add(std::move(n), tag, str(e.data.scalar.anchor));
      }
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT: {
        EF_RETURN_IF_ERROR(CountNew(1, line));
        if (static_cast<int>(frames_.size()) >= kMaxYamlDepth) {
          return Error(line, "nested deeper than " + std::to_string(kMaxYamlDepth) + " levels");
        }
        Frame f;
        f.node.line = line;
        if (e.type == YAML_SEQUENCE_START_EVENT) {
          f.node.kind = Node::Kind::kSequence;
          f.tag = str(e.data.sequence_start.tag);
          f.anchor = str(e.data.sequence_start.anchor);
        } else {
          f.node.kind = Node::Kind::kMapping;
          f.tag = str(e.data.mapping_start.tag);
          f.anchor = str(e.data.mapping_start.anchor);
        }
        frames_.push_back(std::move(f));
        return base::Status::Ok();
      }
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT: {
        if (frames_.empty()) return Error(line, "unbalanced collection end");
        Frame f = std::move(frames_.back());
        frames_.pop_back();
        return Add(std::move(f.node), f.tag, f.anchor);
      }
      case YAML_ALIAS_EVENT: {
        auto it = anchors_.find(str(e.data.alias.anchor));
        if (it == anchors_.end()) return Error(line, "unknown alias *" + str(e.data.alias.anchor));
        EF_RETURN_IF_ERROR(CountNew(it->second.second, line));
        return Add(it->second.first, "", "");
      }
      default:
        return base::Status::Ok();
    }
  }

  bool done() const { return done_; }
  Node TakeRoot() { return std::move(root_); }

 private:
  std::vector<Frame> frames_;
  std::map<std::string, std::pair<Node, size_t>> anchors_;
  size_t nodes_ = 0;
  Node root_;
  bool done_ = false;
};

struct ParserDeleter {
  void operator()(yaml_parser_t* p) const {
    yaml_parser_delete(p);
    delete p;
  }
};

}  // namespace

const Node* Node::Find(std::string_view key) const {
  if (kind != Kind::kMapping) return nullptr;
  for (const auto& [k, v] : entries) {
    if (k == key) return &v;
  }
  return nullptr;
}

Node* Node::Find(std::string_view key) {
  return const_cast<Node*>(static_cast<const Node*>(this)->Find(key));
}

const char* KindName(Node::Kind kind) {
  switch (kind) {
    case Node::Kind::kNull: return "null";
    case Node::Kind::kScalar: return "a string";
    case Node::Kind::kSequence: return "a list";
    case Node::Kind::kMapping: return "a mapping";
  }
  return "?";
}

base::StatusOr<Node> ParseYaml(std::string_view text) {
  std::unique_ptr<yaml_parser_t, ParserDeleter> parser(new yaml_parser_t);
  if (!yaml_parser_initialize(parser.get())) {
    delete parser.release();
    return base::Status::Internal("cannot initialise the YAML parser");
  }
  yaml_parser_set_input_string(parser.get(), reinterpret_cast<const unsigned char*>(text.data()), text.size());
  Builder builder;
  while (!builder.done()) {
    yaml_event_t event;
    if (!yaml_parser_parse(parser.get(), &event)) {
      const yaml_parser_t& p = *parser;
      std::string what = p.problem ? p.problem : "malformed YAML";
      if (p.context) what = std::string(p.context) + ": " + what;
      return Error(static_cast<int>(p.problem_mark.line) + 1, what);
    }
    bool end = event.type == YAML_STREAM_END_EVENT;
    base::Status s = builder.Handle(event);
    yaml_event_delete(&event);
    if (!s.ok()) return s;
    if (end) break;
  }
  return builder.TakeRoot();
}

}  // namespace cloud::stack
