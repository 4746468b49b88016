// The stack template: a subset of the AWS SAM format (Transform AWS::Serverless-2016-10-31),
// read into plain, fully resolved values that stack/apply.h creates in a running `edgeface cloud`.
// docs/stack.md lists what is supported. Reading never touches the cloud: a template that fails
// here has changed nothing.
//
// Supported: Parameters (String/Number, Default, AllowedValues) overridable by the caller;
// Globals.Function; resources AWS::Serverless::Function, AWS::S3::Bucket, AWS::DynamoDB::Table,
// AWS::Serverless::SimpleTable, AWS::SQS::Queue; intrinsics Ref, Fn::GetAtt, Fn::Sub, Fn::Join
// (short and long forms); data to load, declared under a resource's Metadata.edgeface.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace cloud::stack {

struct S3Trigger {
  std::string id;      // the event's name under Events
  std::string bucket;  // physical bucket name (a bucket of this template, as SAM requires)
  std::vector<std::string> events;  // "s3:ObjectCreated:*", ...
  std::string prefix, suffix;
};

struct SqsTrigger {
  std::string id;
  std::string queue_arn;
  int batch_size = 10;
  int max_batching_window_s = 0;
};

struct FunctionSpec {
  std::string logical_id;
  int line = 0;
  std::string name;                  // FunctionName, else the logical id
  std::string code_dir;              // CodeUri, absolute (for a .zip: its unpacked task root)
  std::string code_zip;              // CodeUri when it is a .zip package, absolute, else ""
  std::vector<std::string> command;  // <code>/bootstrap, or <code>/edgeface fn <Handler>
  std::string handler;
  std::string runtime = "provided.al2023";
  int memory_mb = 128;
  int timeout_s = 3;
  std::map<std::string, std::string> environment;
  std::optional<int> reserved_concurrency;
  std::optional<int> max_retry_attempts;
  std::optional<int> max_event_age_s;
  std::string on_failure_destination;  // SQS queue ARN or ""
  std::optional<std::string> url_auth_type;  // FunctionUrlConfig.AuthType when it has a URL
  std::vector<S3Trigger> s3_triggers;
  std::vector<SqsTrigger> sqs_triggers;
};

struct ObjectLoad {
  std::string key;
  std::string file;  // absolute path
};

struct BucketSpec {
  std::string logical_id;
  int line = 0;
  std::string name;
  std::vector<ObjectLoad> objects;  // Metadata.edgeface.LoadObjects
};

struct TableSpec {
  std::string logical_id;
  int line = 0;
  std::string name;
  nlohmann::json create_request;   // DynamoDB CreateTable body (TableName included)
  std::vector<std::string> key_attributes;  // hash key, then range key if any
  std::string items_file;           // Metadata.edgeface.LoadItems, absolute, or ""
  std::vector<nlohmann::json> items;  // that file's items as DynamoDB attribute-value maps
};

struct QueueSpec {
  std::string logical_id;
  int line = 0;
  std::string name;
  std::map<std::string, std::string> attributes;  // SQS CreateQueue attributes
};

struct Stack {
  std::string template_path;
  std::map<std::string, std::string> parameters;  // resolved values
  std::vector<BucketSpec> buckets;
  std::vector<TableSpec> tables;
  std::vector<QueueSpec> queues;
  std::vector<FunctionSpec> functions;
  std::vector<std::string> warnings;  // properties read but ignored locally, "file:line: ..."
};

struct TemplateOptions {
  std::string template_path = "template.yaml";  // for messages, and the base of relative paths
  std::map<std::string, std::string> parameter_overrides;  // --parameter Name=Value
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::string endpoint = "http://127.0.0.1:4566";  // Ref of a queue is its URL on this endpoint
  std::string stack_name = "edgeface";
  // When false, nothing is read from disk (CodeUri, LoadItems, LoadObjects are taken as given):
  // for the fuzzer and for tests of the language alone.
  bool check_files = true;
  // Where a function whose CodeUri is a .zip package is unpacked (code_zip.h): one read-only
  // task root per distinct zip. `edgeface cloud` gives <data dir>/task-roots.
  std::string task_roots_dir = ".edgeface-data/task-roots";
};

// Reads `text` as a template. Errors are InvalidArgument "FILE:LINE: Resource: what".
base::StatusOr<Stack> ParseTemplate(std::string_view text, const TemplateOptions& options);

// Reads options.template_path and parses it.
base::StatusOr<Stack> LoadTemplate(const TemplateOptions& options);

// Parses "Name=Value" (as given to --parameter). InvalidArgument without '=' or with no name.
base::Status AddParameterOverride(std::string_view arg, std::map<std::string, std::string>& overrides);

}  // namespace cloud::stack
