#include "cloud/stack/template.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <set>

#include "base/files.h"
#include "cloud/stack/items.h"
#include "cloud/stack/template_internal.h"

namespace cloud::stack {
namespace internal {

base::StatusOr<std::string> StringProperty(Context& ctx, const Node& node, std::string_view name) {
  return ctx.resolver.EvalString(node, name);
}

base::StatusOr<int> IntProperty(Context& ctx, const Node& node, std::string_view name, long lo, long hi) {
  auto text = ctx.resolver.EvalString(node, name);
  if (!text.ok()) return text.status();
  errno = 0;
  char* end = nullptr;
  long v = std::strtol(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || errno != 0 || v < lo || v > hi) {
    return ctx.resolver.Error(node.line, std::string(name) + " must be a whole number from " + std::to_string(lo) +
                                             " to " + std::to_string(hi) + ", not '" + *text + "'");
  }
  return static_cast<int>(v);
}

std::string ResolvePath(const Context& ctx, const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  return ctx.base_dir + "/" + path;
}

void WarnIgnored(Context& ctx, const Node& node, std::string_view name) {
  std::string where = ctx.options.template_path + ":" + std::to_string(node.line) + ": ";
  if (!ctx.resolver.resource().empty()) where += ctx.resolver.resource() + ": ";
  ctx.stack.warnings.push_back(where + "property " + std::string(name) + " is ignored locally");
}

base::StatusOr<const Node*> EdgefaceMetadata(Context& ctx, const Node& resource, std::string_view allowed) {
  const Node* metadata = resource.Find("Metadata");
  if (metadata == nullptr) return nullptr;
  const Node* mine = metadata->Find("edgeface");
  if (mine == nullptr) return nullptr;
  if (!mine->IsMap()) return ctx.resolver.Error(mine->line, "Metadata.edgeface must be a mapping");
  for (const auto& [key, value] : mine->entries) {
    std::string list = "," + std::string(allowed) + ",";
    if (list.find("," + key + ",") == std::string::npos) {
      return ctx.resolver.Error(value.line, "unknown Metadata.edgeface key " + key + " (this resource takes: " +
                                                std::string(allowed) + ")");
    }
  }
  return mine;
}

}  // namespace internal

namespace {

using internal::Context;
using nlohmann::json;

const std::set<std::string> kTypes = {"AWS::Serverless::Function", "AWS::S3::Bucket", "AWS::DynamoDB::Table",
                                      "AWS::Serverless::SimpleTable", "AWS::SQS::Queue"};

bool IsRegularFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

base::Status ReadParameters(Context& ctx, const Node* params, std::map<std::string, std::string>& out) {
  const auto& overrides = ctx.options.parameter_overrides;
  if (params != nullptr && !params->IsMap()) return ctx.resolver.Error(params->line, "Parameters must be a mapping");
  for (const auto& [name, override_value] : overrides) {
    if (params == nullptr || params->Find(name) == nullptr) {
      return base::Status::InvalidArgument(ctx.options.template_path + ": --parameter " + name +
                                           ": the template declares no such parameter");
    }
  }
  if (params == nullptr) return base::Status::Ok();
  for (const auto& entry : params->entries) {
    const std::string& name = entry.first;
    const Node& decl = entry.second;
    auto error = [&](int line, const std::string& what) {
      return base::Status::InvalidArgument(ctx.options.template_path + ":" + std::to_string(line) + ": parameter " +
                                           name + ": " + what);
    };
    if (!decl.IsMap()) return error(decl.line, "must be a mapping with Type and Default");
    const Node* type = decl.Find("Type");
    if (type == nullptr || !type->IsScalar()) return error(decl.line, "needs a Type (String or Number)");
    if (type->scalar != "String" && type->scalar != "Number") {
      return error(type->line, "unsupported Type " + type->scalar + " (supported: String, Number)");
    }
    std::string value;
    if (auto o = overrides.find(name); o != overrides.end()) {
      value = o->second;
    } else if (const Node* def = decl.Find("Default"); def != nullptr && def->IsScalar()) {
      value = def->scalar;
    } else {
      return error(decl.line, "has no Default: give it with --parameter " + name + "=VALUE");
    }
    if (type->scalar == "Number") {
      char* end = nullptr;
      std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0') return error(decl.line, "'" + value + "' is not a Number");
    }
    if (const Node* allowed = decl.Find("AllowedValues"); allowed != nullptr && allowed->IsSeq()) {
      bool found = false;
      for (const Node& a : allowed->items) found = found || (a.IsScalar() && a.scalar == value);
      if (!found) return error(allowed->line, "'" + value + "' is not one of its AllowedValues");
    }
    out[name] = value;
  }
  return base::Status::Ok();
}

base::Status ReadBucket(Context& ctx, const std::string& id, const Node& resource) {
  BucketSpec b;
  b.logical_id = id;
  b.line = resource.line;
  auto name = ctx.resolver.PhysicalName(id, resource.line);
  if (!name.ok()) return name.status();
  b.name = *name;
  if (const Node* props = resource.Find("Properties")) {
    for (const auto& [key, value] : props->entries) {
      if (key != "BucketName") internal::WarnIgnored(ctx, value, key);
    }
  }
  auto meta = internal::EdgefaceMetadata(ctx, resource, "LoadObjects");
  if (!meta.ok()) return meta.status();
  if (*meta != nullptr) {
    const Node* list = (*meta)->Find("LoadObjects");
    if (list == nullptr || !list->IsSeq()) return ctx.resolver.Error((*meta)->line, "LoadObjects must be a list of {Key, File}");
    for (const Node& entry : list->items) {
      const Node* key = entry.Find("Key");
      const Node* file = entry.Find("File");
      if (key == nullptr || file == nullptr) return ctx.resolver.Error(entry.line, "each LoadObjects entry needs Key and File");
      auto k = ctx.resolver.EvalString(*key, "Key");
      if (!k.ok()) return k.status();
      auto f = ctx.resolver.EvalString(*file, "File");
      if (!f.ok()) return f.status();
      if (k->empty()) return ctx.resolver.Error(key->line, "Key is empty");
      ObjectLoad load{*k, internal::ResolvePath(ctx, *f)};
      if (ctx.options.check_files && !IsRegularFile(load.file)) {
        return ctx.resolver.Error(file->line, "LoadObjects file " + load.file + " does not exist or is not a file");
      }
      b.objects.push_back(std::move(load));
    }
  }
  ctx.stack.buckets.push_back(std::move(b));
  return base::Status::Ok();
}

base::Status ReadTable(Context& ctx, const std::string& id, const Node& resource, bool simple) {
  TableSpec t;
  t.logical_id = id;
  t.line = resource.line;
  auto name = ctx.resolver.PhysicalName(id, resource.line);
  if (!name.ok()) return name.status();
  t.name = *name;
  std::vector<std::pair<std::string, std::string>> keys;  // name, S|N|B
  json definitions = json::array(), schema = json::array();
  std::string billing = "PAY_PER_REQUEST";
  json throughput;
  static const Node kEmpty = [] { Node n; n.kind = Node::Kind::kMapping; return n; }();
  const Node* props = resource.Find("Properties");
  if (props == nullptr) props = &kEmpty;
  if (!props->IsMap()) return ctx.resolver.Error(props->line, "Properties must be a mapping");
  for (const auto& [key, value] : props->entries) {
    if (key == "TableName") continue;
    if (key == "ProvisionedThroughput") {
      const Node* r = value.Find("ReadCapacityUnits");
      const Node* w = value.Find("WriteCapacityUnits");
      if (r == nullptr || w == nullptr) return ctx.resolver.Error(value.line, "ProvisionedThroughput needs ReadCapacityUnits and WriteCapacityUnits");
      auto rv = internal::IntProperty(ctx, *r, "ReadCapacityUnits", 1, 40000);
      if (!rv.ok()) return rv.status();
      auto wv = internal::IntProperty(ctx, *w, "WriteCapacityUnits", 1, 40000);
      if (!wv.ok()) return wv.status();
      throughput = {{"ReadCapacityUnits", *rv}, {"WriteCapacityUnits", *wv}};
      billing = "PROVISIONED";
    } else if (simple && key == "PrimaryKey") {
      auto pk = ctx.resolver.Eval(value);
      if (!pk.ok()) return pk.status();
      if (!pk->is_object() || !(*pk)["Name"].is_string() || !(*pk)["Type"].is_string()) {
        return ctx.resolver.Error(value.line, "PrimaryKey needs Name and Type (String, Number or Binary)");
      }
      std::string type = (*pk)["Type"];
      std::string code = type == "String" ? "S" : type == "Number" ? "N" : type == "Binary" ? "B" : "";
      if (code.empty()) return ctx.resolver.Error(value.line, "PrimaryKey Type must be String, Number or Binary");
      keys = {{(*pk)["Name"].get<std::string>(), code}};
    } else if (!simple && (key == "KeySchema" || key == "AttributeDefinitions" || key == "BillingMode")) {
      auto v = ctx.resolver.Eval(value);
      if (!v.ok()) return v.status();
      if (key == "BillingMode") {
        if (!v->is_string() || (*v != "PAY_PER_REQUEST" && *v != "PROVISIONED")) {
          return ctx.resolver.Error(value.line, "BillingMode must be PAY_PER_REQUEST or PROVISIONED");
        }
        billing = *v;
      } else if (!v->is_array()) {
        return ctx.resolver.Error(value.line, key + " must be a list");
      } else {
        (key == "KeySchema" ? schema : definitions) = *v;
      }
    } else {
      internal::WarnIgnored(ctx, value, key);
    }
  }
  if (simple) {
    if (keys.empty()) keys = {{"id", "S"}};
    schema = json::array({{{"AttributeName", keys[0].first}, {"KeyType", "HASH"}}});
    definitions = json::array({{{"AttributeName", keys[0].first}, {"AttributeType", keys[0].second}}});
  } else {
    if (schema.empty()) return ctx.resolver.Error(resource.line, "KeySchema is required");
    for (const char* kind : {"HASH", "RANGE"}) {
      for (const json& k : schema) {
        if (!k.is_object() || !k.value("AttributeName", json()).is_string() || !k.value("KeyType", json()).is_string()) {
          return ctx.resolver.Error(props->line, "each KeySchema entry needs AttributeName and KeyType");
        }
        if (k["KeyType"] != kind) continue;
        std::string type;
        for (const json& d : definitions) {
          if (d.is_object() && d.value("AttributeName", json()) == k["AttributeName"] && d.value("AttributeType", json()).is_string()) {
            type = d["AttributeType"];
          }
        }
        if (type != "S" && type != "N" && type != "B") {
          return ctx.resolver.Error(props->line, "key attribute " + k["AttributeName"].get<std::string>() +
                                                     " needs an AttributeDefinitions entry of type S, N or B");
        }
        keys.emplace_back(k["AttributeName"].get<std::string>(), type);
      }
    }
    if (keys.empty() || keys.size() != schema.size()) {
      return ctx.resolver.Error(props->line, "KeySchema needs one HASH key and at most one RANGE key");
    }
  }
  if (billing == "PROVISIONED" && throughput.is_null()) {
    return ctx.resolver.Error(resource.line, "BillingMode PROVISIONED needs ProvisionedThroughput");
  }
  t.create_request = {{"TableName", t.name}, {"KeySchema", schema}, {"AttributeDefinitions", definitions},
                      {"BillingMode", billing}};
  if (billing == "PROVISIONED") t.create_request["ProvisionedThroughput"] = throughput;
  for (const auto& k : keys) t.key_attributes.push_back(k.first);

  auto meta = internal::EdgefaceMetadata(ctx, resource, "LoadItems");
  if (!meta.ok()) return meta.status();
  if (*meta != nullptr && (*meta)->Find("LoadItems") != nullptr) {
    const Node* file = (*meta)->Find("LoadItems");
    auto path = ctx.resolver.EvalString(*file, "LoadItems");
    if (!path.ok()) return path.status();
    t.items_file = internal::ResolvePath(ctx, *path);
    if (ctx.options.check_files) {
      if (!IsRegularFile(t.items_file)) return ctx.resolver.Error(file->line, "LoadItems file " + t.items_file + " does not exist or is not a file");
      auto text = base::ReadFile(t.items_file);
      if (!text.ok()) return ctx.resolver.Error(file->line, "LoadItems: " + text.status().ToString());
      auto items = ItemsFromPlainJson(*text, keys);
      if (!items.ok()) return ctx.resolver.Error(file->line, "LoadItems " + t.items_file + ": " + items.status().message());
      t.items = std::move(*items);
    }
  }
  ctx.stack.tables.push_back(std::move(t));
  return base::Status::Ok();
}

base::Status ReadQueue(Context& ctx, const std::string& id, const Node& resource) {
  QueueSpec q;
  q.logical_id = id;
  q.line = resource.line;
  auto name = ctx.resolver.PhysicalName(id, resource.line);
  if (!name.ok()) return name.status();
  q.name = *name;
  static const std::map<std::string, std::pair<long, long>> kNumeric = {
      {"VisibilityTimeout", {0, 43200}},       {"MessageRetentionPeriod", {60, 1209600}},
      {"DelaySeconds", {0, 900}},              {"MaximumMessageSize", {1024, 262144}},
      {"ReceiveMessageWaitTimeSeconds", {0, 20}}};
  if (const Node* props = resource.Find("Properties")) {
    for (const auto& [key, value] : props->entries) {
      if (key == "QueueName") continue;
      if (auto range = kNumeric.find(key); range != kNumeric.end()) {
        auto v = internal::IntProperty(ctx, value, key, range->second.first, range->second.second);
        if (!v.ok()) return v.status();
        q.attributes[key] = std::to_string(*v);
      } else if (key == "FifoQueue" || key == "ContentBasedDeduplication") {
        auto v = ctx.resolver.EvalString(value, key);
        if (!v.ok()) return v.status();
        q.attributes[key] = *v;
      } else if (key == "RedrivePolicy") {
        const Node* arn = value.Find("deadLetterTargetArn");
        const Node* count = value.Find("maxReceiveCount");
        if (arn == nullptr || count == nullptr) {
          return ctx.resolver.Error(value.line, "RedrivePolicy needs deadLetterTargetArn and maxReceiveCount");
        }
        auto a = ctx.resolver.EvalString(*arn, "deadLetterTargetArn");
        if (!a.ok()) return a.status();
        auto c = internal::IntProperty(ctx, *count, "maxReceiveCount", 1, 1000);
        if (!c.ok()) return c.status();
        q.attributes["RedrivePolicy"] = json{{"deadLetterTargetArn", *a}, {"maxReceiveCount", *c}}.dump(-1, ' ', false, json::error_handler_t::replace);
      } else {
        internal::WarnIgnored(ctx, value, key);
      }
    }
  }
  ctx.stack.queues.push_back(std::move(q));
  return base::Status::Ok();
}

template <class Spec>
base::Status CheckUnique(const std::string& file, const std::vector<Spec>& specs, const char* what) {
  std::map<std::string, const Spec*> seen;
  for (const Spec& s : specs) {
    auto [it, fresh] = seen.emplace(s.name, &s);
    if (!fresh) {
      return base::Status::InvalidArgument(file + ":" + std::to_string(s.line) + ": " + s.logical_id + ": " + what + " " +
                                           s.name + " is also declared by " + it->second->logical_id);
    }
  }
  return base::Status::Ok();
}

}  // namespace

base::StatusOr<Stack> ParseTemplate(std::string_view text, const TemplateOptions& options) {
  const std::string& file = options.template_path;
  auto root = ParseYaml(text);
  if (!root.ok()) {
    // "line N: what" → "FILE:N: what", the form of every other message.
    const std::string& m = root.status().message();
    size_t colon = m.find(": ");
    if (m.rfind("line ", 0) == 0 && colon != std::string::npos) {
      return base::Status::InvalidArgument(file + ":" + m.substr(5, colon - 5) + m.substr(colon));
    }
    return base::Status::InvalidArgument(file + ": " + m);
  }
  if (!root->IsMap()) return base::Status::InvalidArgument(file + ": a template is a mapping with Resources");
  Stack stack;
  stack.template_path = file;
  bool serverless = false;
  for (const auto& entry : root->entries) {
    const std::string& key = entry.first;
    const Node& value = entry.second;
    auto err = [&](const std::string& what) {
      return base::Status::InvalidArgument(file + ":" + std::to_string(value.line) + ": " + what);
    };
    if (key == "Transform") {
      serverless = value.IsScalar() && value.scalar == "AWS::Serverless-2016-10-31";
      if (!serverless) return err("unsupported Transform (only AWS::Serverless-2016-10-31)");
    } else if (key == "Conditions" || key == "Mappings" || key == "Rules") {
      return err(key + " are not supported");
    } else if (key != "AWSTemplateFormatVersion" && key != "Description" && key != "Parameters" && key != "Globals" &&
               key != "Resources" && key != "Outputs" && key != "Metadata") {
      return err("unknown top-level section " + key);
    }
  }
  const Node* resources = root->Find("Resources");
  if (resources == nullptr || !resources->IsMap() || resources->entries.empty()) {
    return base::Status::InvalidArgument(file + ": the template declares no Resources");
  }
  std::map<std::string, std::string> parameters;
  const Node* globals = nullptr;
  if (const Node* g = root->Find("Globals")) {
    if (!g->IsMap()) return base::Status::InvalidArgument(file + ":" + std::to_string(g->line) + ": Globals must be a mapping");
    for (const auto& [key, value] : g->entries) {
      if (key != "Function") return base::Status::InvalidArgument(file + ":" + std::to_string(value.line) + ": Globals." + key + " is not supported (only Globals.Function)");
      if (!value.IsMap()) return base::Status::InvalidArgument(file + ":" + std::to_string(value.line) + ": Globals.Function must be a mapping");
      globals = &value;
    }
  }
  Resolver resolver(options, {}, resources);
  std::string base_dir = file.find('/') == std::string::npos ? "." : file.substr(0, file.rfind('/'));
  if (base_dir.empty()) base_dir = "/";
  Context ctx{options, resolver, stack, base_dir};
  EF_RETURN_IF_ERROR(ReadParameters(ctx, root->Find("Parameters"), parameters));
  stack.parameters = parameters;
  Resolver with_parameters(options, parameters, resources);
  Context ctx2{options, with_parameters, stack, base_dir};

  for (const auto& entry : resources->entries) {
    const std::string& id = entry.first;
    const Node& resource = entry.second;
    auto err = [&](int line, const std::string& what) {
      return base::Status::InvalidArgument(file + ":" + std::to_string(line) + ": " + id + ": " + what);
    };
    if (parameters.count(id)) return err(resource.line, "a parameter has the same name");
    if (!resource.IsMap()) return err(resource.line, "a resource must be a mapping with Type and Properties");
    const Node* type = resource.Find("Type");
    if (type == nullptr || !type->IsScalar()) return err(resource.line, "no Type");
    if (!kTypes.count(type->scalar)) {
      return err(type->line, "unsupported resource type " + type->scalar +
                                 " (supported: AWS::Serverless::Function, AWS::S3::Bucket, AWS::DynamoDB::Table, "
                                 "AWS::Serverless::SimpleTable, AWS::SQS::Queue)");
    }
    if (type->scalar.rfind("AWS::Serverless::", 0) == 0 && !serverless) {
      return err(type->line, type->scalar + " needs Transform: AWS::Serverless-2016-10-31");
    }
    for (const auto& [key, value] : resource.entries) {
      if (key == "Condition") return err(value.line, "Condition is not supported");
      if (key != "Type" && key != "Properties" && key != "Metadata" && key != "DependsOn" && key != "DeletionPolicy" &&
          key != "UpdateReplacePolicy") {
        return err(value.line, "unknown resource attribute " + key);
      }
    }
    if (const Node* props = resource.Find("Properties"); props != nullptr && !props->IsMap() && !props->IsNull()) {
      return err(props->line, "Properties must be a mapping");
    }
  }
  for (const auto& [id, resource] : resources->entries) {
    with_parameters.set_resource(id);
    const std::string& type = resource.Find("Type")->scalar;
    if (type == "AWS::S3::Bucket") {
      EF_RETURN_IF_ERROR(ReadBucket(ctx2, id, resource));
    } else if (type == "AWS::DynamoDB::Table" || type == "AWS::Serverless::SimpleTable") {
      EF_RETURN_IF_ERROR(ReadTable(ctx2, id, resource, type == "AWS::Serverless::SimpleTable"));
    } else if (type == "AWS::SQS::Queue") {
      EF_RETURN_IF_ERROR(ReadQueue(ctx2, id, resource));
    } else {
      EF_RETURN_IF_ERROR(internal::ReadFunction(ctx2, id, resource, globals));
    }
  }
  with_parameters.set_resource("");
  EF_RETURN_IF_ERROR(CheckUnique(file, stack.buckets, "bucket"));
  EF_RETURN_IF_ERROR(CheckUnique(file, stack.tables, "table"));
  EF_RETURN_IF_ERROR(CheckUnique(file, stack.queues, "queue"));
  EF_RETURN_IF_ERROR(CheckUnique(file, stack.functions, "function"));
  return stack;
}

base::StatusOr<Stack> LoadTemplate(const TemplateOptions& options) {
  auto text = base::ReadFile(options.template_path);
  if (!text.ok()) return base::Status::InvalidArgument("cannot read stack template " + options.template_path + ": " + text.status().ToString());
  return ParseTemplate(*text, options);
}

base::Status AddParameterOverride(std::string_view arg, std::map<std::string, std::string>& overrides) {
  size_t eq = arg.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return base::Status::InvalidArgument("--parameter takes Name=Value, not '" + std::string(arg) + "'");
  }
  overrides[std::string(arg.substr(0, eq))] = std::string(arg.substr(eq + 1));
  return base::Status::Ok();
}

}  // namespace cloud::stack
