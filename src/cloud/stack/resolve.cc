#include "cloud/stack/resolve.h"

#include <cctype>

namespace cloud::stack {
namespace {

using nlohmann::json;

// The property that names a resource of `type`, or "" for types without one.
const char* NameProperty(const std::string& type) {
  if (type == "AWS::S3::Bucket") return "BucketName";
  if (type == "AWS::DynamoDB::Table" || type == "AWS::Serverless::SimpleTable") return "TableName";
  if (type == "AWS::SQS::Queue") return "QueueName";
  if (type == "AWS::Serverless::Function") return "FunctionName";
  return "";
}

constexpr int kMaxNameDepth = 64;

}  // namespace

Resolver::Resolver(const TemplateOptions& options, std::map<std::string, std::string> parameters, const Node* resources)
    : options_(options), parameters_(std::move(parameters)), resources_(resources) {}

base::Status Resolver::Error(int line, const std::string& what) const {
  std::string where = options_.template_path + ":" + std::to_string(line) + ": ";
  if (!resource_.empty()) where += resource_ + ": ";
  return base::Status::InvalidArgument(where + what);
}

std::string Resolver::ResourceType(const std::string& logical_id) const {
  if (resources_ == nullptr) return "";
  const Node* r = resources_->Find(logical_id);
  if (r == nullptr) return "";
  const Node* type = r->Find("Type");
  return type != nullptr && type->IsScalar() ? type->scalar : "";
}

base::StatusOr<json> Resolver::Eval(const Node& node) {
  switch (node.kind) {
    case Node::Kind::kNull:
      return json(nullptr);
    case Node::Kind::kScalar:
      return json(node.scalar);
    case Node::Kind::kSequence: {
      json out = json::array();
      for (const Node& item : node.items) {
        auto v = Eval(item);
        if (!v.ok()) return v.status();
        out.push_back(std::move(*v));
      }
      return out;
    }
    case Node::Kind::kMapping: {
      if (node.entries.size() == 1) {
        const std::string& key = node.entries[0].first;
        if (key == "Ref" || key.rfind("Fn::", 0) == 0) return EvalIntrinsic(key, node.entries[0].second, node.line);
      }
      json out = json::object();
      for (const auto& [key, value] : node.entries) {
        auto v = Eval(value);
        if (!v.ok()) return v.status();
        out[key] = std::move(*v);
      }
      return out;
    }
  }
  return json(nullptr);
}

base::StatusOr<std::string> Resolver::EvalString(const Node& node, std::string_view what) {
  auto v = Eval(node);
  if (!v.ok()) return v.status();
  if (!v->is_string()) {
    return Error(node.line, std::string(what) + " must be a string, not " + (v->is_null() ? "null" : v->type_name()));
  }
  return v->get<std::string>();
}

base::StatusOr<json> Resolver::EvalIntrinsic(const std::string& fn, const Node& arg, int line) {
  if (fn == "Ref") {
    if (!arg.IsScalar()) return Error(line, "Ref needs a name, not " + std::string(KindName(arg.kind)));
    auto v = Ref(arg.scalar, line);
    if (!v.ok()) return v.status();
    return json(*v);
  }
  if (fn == "Fn::GetAtt") {
    std::vector<std::string> parts;
    if (arg.IsScalar()) {
      size_t dot = arg.scalar.find('.');
      if (dot != std::string::npos) parts = {arg.scalar.substr(0, dot), arg.scalar.substr(dot + 1)};
    } else if (arg.IsSeq() && arg.items.size() == 2 && arg.items[0].IsScalar()) {
      auto attr = EvalString(arg.items[1], "Fn::GetAtt's attribute");
      if (!attr.ok()) return attr.status();
      parts = {arg.items[0].scalar, *attr};
    }
    if (parts.size() != 2) return Error(line, "Fn::GetAtt needs Resource.Attribute or [Resource, Attribute]");
    auto v = GetAtt(parts[0], parts[1], line);
    if (!v.ok()) return v.status();
    return json(*v);
  }
  if (fn == "Fn::Sub") {
    std::map<std::string, std::string> vars;
    const Node* text = &arg;
    if (arg.IsSeq()) {
      if (arg.items.size() != 2 || !arg.items[1].IsMap()) return Error(line, "Fn::Sub takes a string or [string, {Name: value}]");
      text = &arg.items[0];
      for (const auto& [name, value] : arg.items[1].entries) {
        auto v = EvalString(value, "Fn::Sub variable " + name);
        if (!v.ok()) return v.status();
        vars[name] = *v;
      }
    }
    if (!text->IsScalar()) return Error(line, "Fn::Sub needs a string");
    auto v = Sub(text->scalar, vars, line);
    if (!v.ok()) return v.status();
    return json(*v);
  }
  if (fn == "Fn::Join") {
    if (!arg.IsSeq() || arg.items.size() != 2 || !arg.items[0].IsScalar()) {
      return Error(line, "Fn::Join takes [delimiter, [values]]");
    }
    auto list = Eval(arg.items[1]);
    if (!list.ok()) return list.status();
    if (!list->is_array()) return Error(line, "Fn::Join's second argument must be a list");
    std::string out;
    for (size_t i = 0; i < list->size(); ++i) {
      if (!(*list)[i].is_string()) return Error(line, "Fn::Join can only join strings");
      if (i) out += arg.items[0].scalar;
      out += (*list)[i].get<std::string>();
    }
    return json(out);
  }
  return Error(line, "unsupported intrinsic function " + fn + " (supported: Ref, Fn::GetAtt, Fn::Sub, Fn::Join)");
}

base::StatusOr<std::string> Resolver::Ref(const std::string& name, int line) {
  if (name == "AWS::Region") return options_.region;
  if (name == "AWS::AccountId") return options_.account_id;
  if (name == "AWS::StackName") return options_.stack_name;
  if (name == "AWS::Partition") return std::string("aws");
  if (name == "AWS::URLSuffix") return std::string("amazonaws.com");
  if (auto p = parameters_.find(name); p != parameters_.end()) return p->second;
  const std::string type = ResourceType(name);
  if (type.empty()) return Error(line, "Ref to '" + name + "': no parameter or resource has that name");
  if (type == "AWS::SQS::Queue") return GetAtt(name, "QueueUrl", line);
  return PhysicalName(name, line);
}

base::StatusOr<std::string> Resolver::GetAtt(const std::string& logical_id, const std::string& attribute, int line) {
  const std::string type = ResourceType(logical_id);
  if (type.empty()) return Error(line, "Fn::GetAtt " + logical_id + "." + attribute + ": no resource named " + logical_id);
  auto name = PhysicalName(logical_id, line);
  if (!name.ok()) return name.status();
  const std::string& region = options_.region;
  const std::string& account = options_.account_id;
  if (type == "AWS::S3::Bucket") {
    if (attribute == "Arn") return "arn:aws:s3:::" + *name;
    if (attribute == "DomainName") return *name + ".s3.amazonaws.com";
  } else if (type == "AWS::DynamoDB::Table" || type == "AWS::Serverless::SimpleTable") {
    if (attribute == "Arn") return "arn:aws:dynamodb:" + region + ":" + account + ":table/" + *name;
  } else if (type == "AWS::SQS::Queue") {
    if (attribute == "Arn") return "arn:aws:sqs:" + region + ":" + account + ":" + *name;
    if (attribute == "QueueUrl") return options_.endpoint + "/" + account + "/" + *name;
    if (attribute == "QueueName") return *name;
  } else if (type == "AWS::Serverless::Function") {
    if (attribute == "Arn") return "arn:aws:lambda:" + region + ":" + account + ":function:" + *name;
  }
  return Error(line, "Fn::GetAtt " + logical_id + "." + attribute + ": " + type + " has no attribute " + attribute +
                         " here");
}

base::StatusOr<std::string> Resolver::Sub(const std::string& text, const std::map<std::string, std::string>& vars,
                                          int line) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t open = text.find("${", i);
    if (open == std::string::npos) {
      out.append(text, i, std::string::npos);
      break;
    }
    out.append(text, i, open - i);
    size_t close = text.find('}', open + 2);
    if (close == std::string::npos) return Error(line, "Fn::Sub: unclosed ${ in '" + text + "'");
    std::string var = text.substr(open + 2, close - open - 2);
    i = close + 1;
    if (!var.empty() && var[0] == '!') {  // ${!Literal} stands for the text ${Literal}
      out += "${" + var.substr(1) + "}";
      continue;
    }
    if (var.empty()) return Error(line, "Fn::Sub: empty ${} in '" + text + "'");
    if (auto v = vars.find(var); v != vars.end()) {
      out += v->second;
      continue;
    }
    size_t dot = var.find('.');
    auto value = dot != std::string::npos && var.rfind("AWS::", 0) != 0 ? GetAtt(var.substr(0, dot), var.substr(dot + 1), line)
                                                                        : Ref(var, line);
    if (!value.ok()) return value.status();
    out += *value;
  }
  return out;
}

base::StatusOr<std::string> Resolver::PhysicalName(const std::string& logical_id, int line) {
  if (auto it = names_.find(logical_id); it != names_.end()) return it->second;
  const std::string type = ResourceType(logical_id);
  if (type.empty()) return Error(line, "no resource named " + logical_id);
  if (resolving_.count(logical_id)) {
    std::string chain;
    for (const auto& r : resolving_) chain += (chain.empty() ? "" : ", ") + r;
    return Error(line, "circular reference: the name of " + logical_id + " depends on itself (through " + chain + ")");
  }
  if (depth_ >= kMaxNameDepth) return Error(line, "names refer to each other too deeply");
  const Node* props = resources_->Find(logical_id)->Find("Properties");
  const Node* name_node = props != nullptr ? props->Find(NameProperty(type)) : nullptr;
  std::string name;
  if (name_node != nullptr && !name_node->IsNull()) {
    resolving_.insert(logical_id);
    ++depth_;
    std::string outer = resource_;
    resource_ = logical_id;
    auto v = EvalString(*name_node, NameProperty(type));
    resource_ = std::move(outer);
    --depth_;
    resolving_.erase(logical_id);
    if (!v.ok()) return v.status();
    name = *v;
    if (name.empty()) return Error(name_node->line, std::string(NameProperty(type)) + " of " + logical_id + " is empty");
  } else {
    name = logical_id;
    // S3 bucket names are lower case; the others keep the logical id as CloudFormation's
    // generated names start with it.
    if (type == "AWS::S3::Bucket") {
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  names_[logical_id] = name;
  return name;
}

}  // namespace cloud::stack
