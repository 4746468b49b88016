// AWS::Serverless::Function: properties (merged with Globals.Function), the local command,
// function URL, asynchronous invocation settings and S3/SQS event sources.
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <system_error>

#include "cloud/stack/code_zip.h"
#include "cloud/stack/template_internal.h"

namespace cloud::stack::internal {
namespace {

using nlohmann::json;

bool IsExecutableFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The function's properties with Globals.Function underneath: a property given on the function
// replaces the global one, except Environment.Variables, which are merged (as SAM does).
Node MergeGlobals(const Node* globals, const Node* props) {
  Node merged;
  merged.kind = Node::Kind::kMapping;
  merged.line = props != nullptr ? props->line : 0;
  if (globals != nullptr) merged.entries = globals->entries;
  if (props == nullptr || !props->IsMap()) return merged;
  for (const auto& [key, value] : props->entries) {
    Node* existing = merged.Find(key);
    if (existing == nullptr) {
      merged.entries.push_back({key, value});
      continue;
    }
    const Node* vars = value.Find("Variables");
    Node* global_vars = existing->Find("Variables");
    if (key == "Environment" && vars != nullptr && global_vars != nullptr && vars->IsMap() && global_vars->IsMap()) {
      for (const auto& [name, v] : vars->entries) {
        if (Node* g = global_vars->Find(name)) {
          *g = v;
        } else {
          global_vars->entries.push_back({name, v});
        }
      }
    } else {
      *existing = value;
    }
  }
  return merged;
}

base::Status ReadS3Event(Context& ctx, const std::string& id, const Node& props, FunctionSpec& f) {
  S3Trigger t;
  t.id = id;
  const Node* bucket = props.Find("Bucket");
  const Node* ref = bucket != nullptr ? bucket->Find("Ref") : nullptr;
  if (ref == nullptr || !ref->IsScalar() || ctx.resolver.ResourceType(ref->scalar) != "AWS::S3::Bucket") {
    return ctx.resolver.Error(bucket != nullptr ? bucket->line : props.line,
                              "event " + id + ": S3 events need Bucket: !Ref <an AWS::S3::Bucket of this template>");
  }
  auto name = ctx.resolver.EvalString(*bucket, "Bucket");
  if (!name.ok()) return name.status();
  t.bucket = *name;
  const Node* events = props.Find("Events");
  if (events == nullptr) return ctx.resolver.Error(props.line, "event " + id + ": S3 events need Events");
  auto ev = ctx.resolver.Eval(*events);
  if (!ev.ok()) return ev.status();
  if (ev->is_string()) *ev = json::array({*ev});
  for (const json& e : ev->is_array() ? *ev : json::array({json()})) {
    if (!e.is_string() || e.get<std::string>().rfind("s3:", 0) != 0) {
      return ctx.resolver.Error(events->line, "event " + id + ": Events must be S3 event names such as s3:ObjectCreated:*");
    }
    t.events.push_back(e);
  }
  if (const Node* filter = props.Find("Filter")) {
    auto fj = ctx.resolver.Eval(*filter);
    if (!fj.ok()) return fj.status();
    const json* rules = nullptr;
    if (fj->is_object() && (*fj)["S3Key"].is_object() && (*fj)["S3Key"]["Rules"].is_array()) rules = &(*fj)["S3Key"]["Rules"];
    if (rules == nullptr) return ctx.resolver.Error(filter->line, "event " + id + ": Filter must be {S3Key: {Rules: [{Name, Value}]}}");
    for (const json& r : *rules) {
      std::string rule = r.is_object() && r.value("Name", json()).is_string() ? r["Name"].get<std::string>() : "";
      for (char& c : rule) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if ((rule != "prefix" && rule != "suffix") || !r.value("Value", json()).is_string()) {
        return ctx.resolver.Error(filter->line, "event " + id + ": each rule needs Name prefix or suffix and a Value");
      }
      (rule == "prefix" ? t.prefix : t.suffix) = r["Value"].get<std::string>();
    }
  }
  f.s3_triggers.push_back(std::move(t));
  return base::Status::Ok();
}

base::Status ReadSqsEvent(Context& ctx, const std::string& id, const Node& props, FunctionSpec& f) {
  SqsTrigger t;
  t.id = id;
  const Node* queue = props.Find("Queue");
  if (queue == nullptr) return ctx.resolver.Error(props.line, "event " + id + ": SQS events need Queue (a queue ARN)");
  auto arn = ctx.resolver.EvalString(*queue, "Queue");
  if (!arn.ok()) return arn.status();
  if (arn->rfind("arn:aws:sqs:", 0) != 0) {
    return ctx.resolver.Error(queue->line, "event " + id + ": Queue must be a queue ARN (!GetAtt Q.Arn), not '" + *arn + "'");
  }
  t.queue_arn = *arn;
  if (const Node* n = props.Find("MaximumBatchingWindowInSeconds")) {
    auto v = IntProperty(ctx, *n, "MaximumBatchingWindowInSeconds", 0, 300);
    if (!v.ok()) return v.status();
    t.max_batching_window_s = *v;
  }
  if (const Node* n = props.Find("BatchSize")) {
    auto v = IntProperty(ctx, *n, "BatchSize", 1, t.max_batching_window_s > 0 ? 10000 : 10);
    if (!v.ok()) return v.status();
    t.batch_size = *v;
  }
  f.sqs_triggers.push_back(std::move(t));
  return base::Status::Ok();
}

base::Status ReadEvents(Context& ctx, const Node& events, FunctionSpec& f) {
  if (!events.IsMap()) return ctx.resolver.Error(events.line, "Events must be a mapping of name: {Type, Properties}");
  for (const auto& [id, event] : events.entries) {
    const Node* type = event.Find("Type");
    const Node* props = event.Find("Properties");
    if (type == nullptr || !type->IsScalar() || props == nullptr || !props->IsMap()) {
      return ctx.resolver.Error(event.line, "event " + id + " needs Type and Properties");
    }
    if (type->scalar == "S3") {
      EF_RETURN_IF_ERROR(ReadS3Event(ctx, id, *props, f));
    } else if (type->scalar == "SQS") {
      EF_RETURN_IF_ERROR(ReadSqsEvent(ctx, id, *props, f));
    } else {
      return ctx.resolver.Error(type->line, "event " + id + ": unsupported event type " + type->scalar + " (supported: S3, SQS)");
    }
  }
  return base::Status::Ok();
}

base::Status ReadEventInvokeConfig(Context& ctx, const Node& config, FunctionSpec& f) {
  if (!config.IsMap()) return ctx.resolver.Error(config.line, "EventInvokeConfig must be a mapping");
  for (const auto& [key, value] : config.entries) {
    if (key == "MaximumRetryAttempts") {
      auto v = IntProperty(ctx, value, key, 0, 2);
      if (!v.ok()) return v.status();
      f.max_retry_attempts = *v;
    } else if (key == "MaximumEventAgeInSeconds") {
      auto v = IntProperty(ctx, value, key, 60, 21600);
      if (!v.ok()) return v.status();
      f.max_event_age_s = *v;
    } else if (key == "DestinationConfig") {
      for (const auto& [which, dest] : value.entries) {
        if (which != "OnFailure") {
          WarnIgnored(ctx, dest, "EventInvokeConfig.DestinationConfig." + which);
          continue;
        }
        const Node* type = dest.Find("Type");
        const Node* target = dest.Find("Destination");
        if (type == nullptr || !type->IsScalar() || type->scalar != "SQS" || target == nullptr) {
          return ctx.resolver.Error(dest.line, "OnFailure needs Type: SQS and Destination (a queue ARN)");
        }
        auto arn = ctx.resolver.EvalString(*target, "Destination");
        if (!arn.ok()) return arn.status();
        if (arn->rfind("arn:aws:sqs:", 0) != 0) return ctx.resolver.Error(target->line, "OnFailure Destination must be a queue ARN");
        f.on_failure_destination = *arn;
      }
    } else {
      WarnIgnored(ctx, value, "EventInvokeConfig." + key);
    }
  }
  return base::Status::Ok();
}

}  // namespace

base::Status ReadFunction(Context& ctx, const std::string& logical_id, const Node& resource, const Node* globals) {
  FunctionSpec f;
  f.logical_id = logical_id;
  f.line = resource.line;
  auto name = ctx.resolver.PhysicalName(logical_id, resource.line);
  if (!name.ok()) return name.status();
  f.name = *name;
  Node props = MergeGlobals(globals, resource.Find("Properties"));
  std::string code_uri;
  int code_line = resource.line;
  for (const auto& [key, value] : props.entries) {
    if (key == "FunctionName") continue;
    if (key == "CodeUri") {
      auto v = StringProperty(ctx, value, "CodeUri (a local directory or .zip package)");
      if (!v.ok()) return v.status();
      code_uri = *v;
      code_line = value.line;
    } else if (key == "Handler" || key == "Runtime") {
      auto v = StringProperty(ctx, value, key);
      if (!v.ok()) return v.status();
      (key == "Handler" ? f.handler : f.runtime) = *v;
    } else if (key == "MemorySize") {
      auto v = IntProperty(ctx, value, key, 128, 10240);
      if (!v.ok()) return v.status();
      f.memory_mb = *v;
    } else if (key == "Timeout") {
      auto v = IntProperty(ctx, value, key, 1, 900);
      if (!v.ok()) return v.status();
      f.timeout_s = *v;
    } else if (key == "ReservedConcurrentExecutions") {
      auto v = IntProperty(ctx, value, key, 0, 1000);
      if (!v.ok()) return v.status();
      f.reserved_concurrency = *v;
    } else if (key == "Environment") {
      const Node* vars = value.Find("Variables");
      if (vars == nullptr || !vars->IsMap()) return ctx.resolver.Error(value.line, "Environment needs Variables: {NAME: value}");
      for (const auto& [var, v] : vars->entries) {
        auto s = ctx.resolver.Eval(v);
        if (!s.ok()) return s.status();
        if (s->is_null()) continue;
        if (!s->is_string()) return ctx.resolver.Error(v.line, "environment variable " + var + " must be a string");
        f.environment[var] = s->get<std::string>();
      }
    } else if (key == "FunctionUrlConfig") {
      const Node* auth = value.Find("AuthType");
      if (auth == nullptr) return ctx.resolver.Error(value.line, "FunctionUrlConfig needs AuthType (NONE or AWS_IAM)");
      auto v = StringProperty(ctx, *auth, "AuthType");
      if (!v.ok()) return v.status();
      if (*v != "NONE" && *v != "AWS_IAM") return ctx.resolver.Error(auth->line, "AuthType must be NONE or AWS_IAM");
      f.url_auth_type = *v;
    } else if (key == "Events") {
      EF_RETURN_IF_ERROR(ReadEvents(ctx, value, f));
    } else if (key == "EventInvokeConfig") {
      EF_RETURN_IF_ERROR(ReadEventInvokeConfig(ctx, value, f));
    } else if (key != "Description") {
      WarnIgnored(ctx, value, key);
    }
  }
  if (code_uri.empty()) return ctx.resolver.Error(resource.line, "CodeUri (a local directory or .zip package) is required");
  // Absolute, so that the registered command and task root do not depend on the directory the
  // cloud is started from the next time.
  f.code_dir = ResolvePath(ctx, code_uri);
  if (f.code_dir[0] != '/') {
    std::error_code ec;
    std::filesystem::path abs = std::filesystem::absolute(f.code_dir, ec);
    if (!ec) f.code_dir = abs.lexically_normal().string();
    while (f.code_dir.size() > 1 && f.code_dir.back() == '/') f.code_dir.pop_back();
  }
  if (IsZipCodeUri(f.code_dir)) {
    // A Lambda deployment package: run from its unpacked, read-only task root, as Lambda runs
    // /var/task/bootstrap.
    f.code_zip = f.code_dir;
    if (ctx.options.check_files) {
      std::error_code ec;
      std::filesystem::path roots = std::filesystem::absolute(ctx.options.task_roots_dir, ec);
      auto root = UnpackCodeZip(f.code_zip, ec ? ctx.options.task_roots_dir : roots.lexically_normal().string());
      if (!root.ok()) return ctx.resolver.Error(code_line, root.status().message());
      f.code_dir = *root;
    }
    f.command = {f.code_dir + "/bootstrap"};
    if (f.handler.empty()) f.handler = "bootstrap";
    ctx.stack.functions.push_back(std::move(f));
    return base::Status::Ok();
  }
  const std::string bootstrap = f.code_dir + "/bootstrap";
  const std::string edgeface = f.code_dir + "/edgeface";
  if (!ctx.options.check_files) {
    f.command = {edgeface, "fn", f.handler};
  } else if (!IsDirectory(f.code_dir)) {
    return ctx.resolver.Error(code_line, "CodeUri " + f.code_dir + " is not a directory");
  } else if (IsExecutableFile(bootstrap)) {
    f.command = {bootstrap};  // Lambda's custom runtime convention
  } else if (IsExecutableFile(edgeface)) {
    f.command = {edgeface, "fn", f.handler};
  } else {
    return ctx.resolver.Error(code_line, "CodeUri " + f.code_dir + " holds neither an executable bootstrap nor edgeface");
  }
  if (f.handler.empty()) {
    if (f.command.size() > 1) return ctx.resolver.Error(resource.line, "Handler is required (the name of the edgeface function)");
    f.handler = "bootstrap";
  }
  if (f.command.size() > 1) f.command[2] = f.handler;
  ctx.stack.functions.push_back(std::move(f));
  return base::Status::Ok();
}

}  // namespace cloud::stack::internal
