// The template reader: what a user's template turns into, and the errors a wrong one gets.
// Runs with the repository root as working directory (testdata and ../shared/data).
#include "cloud/stack/template.h"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>

#include "cloud/stack/items.h"
#include "cloud/stack/yaml_tree.h"

namespace cloud::stack {
namespace {

using nlohmann::json;

const char kTestTemplate[] = "src/cloud/stack/testdata/template.yaml";

TemplateOptions Options(std::string path = kTestTemplate) {
  TemplateOptions o;
  o.template_path = std::move(path);
  o.endpoint = "http://127.0.0.1:4566";
  return o;
}

// Parses an inline template with files unchecked; returns the error message ("" when it parsed).
std::string ErrorOf(const std::string& text, std::map<std::string, std::string> overrides = {}) {
  TemplateOptions o = Options("dir/t.yaml");
  o.check_files = false;
  o.parameter_overrides = std::move(overrides);
  auto s = ParseTemplate(text, o);
  return s.ok() ? "" : s.status().message();
}

const std::string kHead = "Transform: AWS::Serverless-2016-10-31\nResources:\n";

TEST(StackTemplate, ReadsTheTestStack) {
  auto stack = LoadTemplate(Options());
  ASSERT_TRUE(stack.ok()) << stack.status().ToString();
  ASSERT_EQ(stack->buckets.size(), 1u);
  EXPECT_EQ(stack->buckets[0].name, "stacktest-uploads");
  ASSERT_EQ(stack->buckets[0].objects.size(), 1u);
  EXPECT_EQ(stack->buckets[0].objects[0].key, "gallery/encodings.json");
  EXPECT_EQ(stack->buckets[0].objects[0].file, "src/cloud/stack/testdata/gallery.json");

  ASSERT_EQ(stack->tables.size(), 2u);
  const TableSpec& people = stack->tables[0];
  EXPECT_EQ(people.name, "people");
  EXPECT_EQ(people.create_request["KeySchema"][0]["AttributeName"], "name");
  EXPECT_EQ(people.create_request["BillingMode"], "PAY_PER_REQUEST");
  ASSERT_EQ(people.items.size(), 3u);
  EXPECT_EQ(people.items[0]["name"], json({{"S", "ada"}}));
  EXPECT_EQ(people.items[0]["id"], json({{"N", "1"}}));
  EXPECT_EQ(people.items[1]["scores"], json::parse(R"({"L": [{"N": "1"}, {"N": "2.5"}]})"));
  EXPECT_EQ(people.items[1]["active"], json({{"BOOL", true}}));
  EXPECT_EQ(people.items[2]["extra"], json::parse(R"({"M": {"navy": {"BOOL": true}}})"));
  EXPECT_EQ(people.items[2]["note"], json({{"NULL", true}}));
  const TableSpec& notes = stack->tables[1];
  EXPECT_EQ(notes.name, "Notes");
  EXPECT_EQ(notes.create_request["AttributeDefinitions"][0], json({{"AttributeName", "id"}, {"AttributeType", "N"}}));

  ASSERT_EQ(stack->queues.size(), 2u);
  EXPECT_EQ(stack->queues[0].name, "stacktest-dead");
  EXPECT_EQ(stack->queues[1].name, "stacktest-work");
  EXPECT_EQ(stack->queues[1].attributes.at("VisibilityTimeout"), "30");
  EXPECT_EQ(json::parse(stack->queues[1].attributes.at("RedrivePolicy")),
            json({{"deadLetterTargetArn", "arn:aws:sqs:us-east-1:000000000000:stacktest-dead"}, {"maxReceiveCount", 3}}));

  ASSERT_EQ(stack->functions.size(), 2u);
  const FunctionSpec& echo = stack->functions[0];
  EXPECT_EQ(echo.name, "stacktest-echo");
  EXPECT_EQ(echo.memory_mb, 256);
  EXPECT_EQ(echo.timeout_s, 10);  // from Globals
  EXPECT_EQ(echo.reserved_concurrency, 4);
  EXPECT_EQ(echo.url_auth_type, "NONE");
  ASSERT_EQ(echo.command.size(), 1u);  // the code directory holds a bootstrap
  EXPECT_EQ(echo.command[0], std::string(std::filesystem::current_path()) + "/src/cloud/stack/testdata/code/bootstrap");
  EXPECT_EQ(echo.code_dir, std::string(std::filesystem::current_path()) + "/src/cloud/stack/testdata/code");
  EXPECT_EQ(echo.environment.at("GREETING"), "hello");  // Globals' variables merged in
  EXPECT_EQ(echo.environment.at("TABLE"), "people");
  EXPECT_EQ(echo.environment.at("BUCKET"), "stacktest-uploads");
  EXPECT_EQ(echo.environment.at("QUEUE_URL"), "http://127.0.0.1:4566/000000000000/stacktest-work");
  EXPECT_EQ(echo.environment.at("ARN"), "arn:aws:x:us-east-1:000000000000:${Literal}");
  EXPECT_EQ(echo.on_failure_destination, "arn:aws:sqs:us-east-1:000000000000:stacktest-dead");
  EXPECT_EQ(echo.max_retry_attempts, 1);
  ASSERT_EQ(echo.s3_triggers.size(), 1u);
  EXPECT_EQ(echo.s3_triggers[0].bucket, "stacktest-uploads");
  EXPECT_EQ(echo.s3_triggers[0].events, std::vector<std::string>{"s3:ObjectCreated:*"});
  EXPECT_EQ(echo.s3_triggers[0].prefix, "in/");
  EXPECT_EQ(echo.s3_triggers[0].suffix, ".mp4");
  ASSERT_EQ(echo.sqs_triggers.size(), 1u);
  EXPECT_EQ(echo.sqs_triggers[0].queue_arn, "arn:aws:sqs:us-east-1:000000000000:stacktest-work");
  EXPECT_EQ(echo.sqs_triggers[0].batch_size, 5);
  EXPECT_EQ(echo.sqs_triggers[0].max_batching_window_s, 1);

  const FunctionSpec& worker = stack->functions[1];
  EXPECT_EQ(worker.name, "WorkerFunction");
  EXPECT_EQ(worker.environment.at("ECHO"), "stacktest-echo");
  EXPECT_EQ(worker.environment.at("ECHO_ARN"), "arn:aws:lambda:us-east-1:000000000000:function:stacktest-echo");
  EXPECT_EQ(worker.environment.at("GREETING"), "hello");
  EXPECT_EQ(worker.memory_mb, 128);
}

TEST(StackTemplate, ParametersAreOverridable) {
  TemplateOptions o = Options();
  ASSERT_TRUE(AddParameterOverride("Prefix=other", o.parameter_overrides).ok());
  ASSERT_TRUE(AddParameterOverride("Memory=1024", o.parameter_overrides).ok());
  auto stack = LoadTemplate(o);
  ASSERT_TRUE(stack.ok()) << stack.status().ToString();
  EXPECT_EQ(stack->buckets[0].name, "other-uploads");
  EXPECT_EQ(stack->functions[0].name, "other-echo");
  EXPECT_EQ(stack->functions[0].memory_mb, 1024);
  EXPECT_FALSE(AddParameterOverride("=x", o.parameter_overrides).ok());
  EXPECT_FALSE(AddParameterOverride("NoEquals", o.parameter_overrides).ok());

  o.parameter_overrides["Memory"] = "lots";
  auto bad = LoadTemplate(o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("parameter Memory: 'lots' is not a Number"), std::string::npos);
  o.parameter_overrides = {{"Nope", "1"}};
  bad = LoadTemplate(o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("--parameter Nope"), std::string::npos);
}

TEST(StackTemplate, StudentDataLoadsAsItems) {
  auto text = R"(Transform: AWS::Serverless-2016-10-31
Resources:
  Students:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: students
      KeySchema: [{AttributeName: name, KeyType: HASH}]
      AttributeDefinitions: [{AttributeName: name, AttributeType: S}]
    Metadata: {edgeface: {LoadItems: ../../../../shared/data/cse546/student_data.json}}
)";
  auto stack = ParseTemplate(text, Options("src/cloud/stack/template.yaml"));
  ASSERT_TRUE(stack.ok()) << stack.status().ToString();
  ASSERT_EQ(stack->tables[0].items.size(), 8u);
  EXPECT_EQ(stack->tables[0].items[0], json::parse(R"({"id": {"N": "1"}, "name": {"S": "mr_bean"},
      "major": {"S": "lawyer"}, "year": {"S": "freshmen"}})"));  // verbatim, as DESIGN.md §4 asks
}

TEST(StackTemplate, ErrorsNameTheResourceAndLine) {
  EXPECT_EQ(ErrorOf(kHead + "  X:\n    Type: AWS::EC2::Instance\n"),
            "dir/t.yaml:4: X: unsupported resource type AWS::EC2::Instance (supported: AWS::Serverless::Function, "
            "AWS::S3::Bucket, AWS::DynamoDB::Table, AWS::Serverless::SimpleTable, AWS::SQS::Queue)");
  EXPECT_EQ(ErrorOf(kHead + "  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Ref Nope\n"),
            "dir/t.yaml:6: B: Ref to 'Nope': no parameter or resource has that name");
  EXPECT_EQ(ErrorOf(kHead + "  Q:\n    Type: AWS::SQS::Queue\n  F:\n    Type: AWS::Serverless::Function\n"
                            "    Properties:\n      CodeUri: c\n      Handler: h\n"
                            "      Environment: {Variables: {A: !GetAtt Q.Nothing}}\n"),
            "dir/t.yaml:10: F: Fn::GetAtt Q.Nothing: AWS::SQS::Queue has no attribute Nothing here");
  std::string cycle = ErrorOf(kHead + "  A:\n    Type: AWS::S3::Bucket\n    Properties: {BucketName: !Sub '${B}-a'}\n"
                                      "  B:\n    Type: AWS::S3::Bucket\n    Properties: {BucketName: !Ref A}\n");
  EXPECT_NE(cycle.find("circular reference: the name of A depends on itself"), std::string::npos) << cycle;
  EXPECT_NE(cycle.find("dir/t.yaml:"), std::string::npos) << cycle;
  EXPECT_EQ(ErrorOf("Resources:\n  F:\n    Type: AWS::Serverless::Function\n"),
            "dir/t.yaml:3: F: AWS::Serverless::Function needs Transform: AWS::Serverless-2016-10-31");
  EXPECT_EQ(ErrorOf(kHead + "  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: c\n"
                            "      Handler: h\n      Events:\n        E:\n          Type: S3\n"
                            "          Properties: {Bucket: some-bucket, Events: s3:ObjectCreated:*}\n"),
            "dir/t.yaml:11: F: event E: S3 events need Bucket: !Ref <an AWS::S3::Bucket of this template>");
  EXPECT_EQ(ErrorOf(kHead + "  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: c\n"
                            "      Handler: h\n      MemorySize: 64\n"),
            "dir/t.yaml:8: F: MemorySize must be a whole number from 128 to 10240, not '64'");
  EXPECT_EQ(ErrorOf(kHead + "  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: c\n"
                            "      Handler: !If [x, y, z]\n"),
            "dir/t.yaml:7: F: unsupported intrinsic function Fn::If (supported: Ref, Fn::GetAtt, Fn::Sub, Fn::Join)");
  EXPECT_EQ(ErrorOf(kHead + "  A:\n    Type: AWS::SQS::Queue\n  A:\n    Type: AWS::SQS::Queue\n"),
            "dir/t.yaml:5: duplicate key 'A'");
  EXPECT_EQ(ErrorOf(kHead + "  A:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: q}\n"
                            "  B:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: q}\n"),
            "dir/t.yaml:7: B: queue q is also declared by A");
  std::string syntax = ErrorOf(kHead + "  A: [unclosed\n");
  EXPECT_EQ(syntax.rfind("dir/t.yaml:", 0), 0u) << syntax;
  EXPECT_TRUE(syntax.size() > 11 && std::isdigit(static_cast<unsigned char>(syntax[11]))) << syntax;
  EXPECT_EQ(ErrorOf("Parameters:\n  P: {Type: String}\n" + kHead + "  A:\n    Type: AWS::SQS::Queue\n"),
            "dir/t.yaml:2: parameter P: has no Default: give it with --parameter P=VALUE");
  EXPECT_EQ(ErrorOf("Parameters:\n  P: {Type: String}\n" + kHead + "  A:\n    Type: AWS::SQS::Queue\n"
                    "    Properties: {QueueName: !Ref P}\n", {{"P", "given"}}), "");
  EXPECT_EQ(ErrorOf("Resources: {}\n"), "dir/t.yaml: the template declares no Resources");
}

TEST(StackTemplate, MissingFilesAreErrors) {
  auto with = [](const std::string& body) {
    auto s = ParseTemplate(kHead + body, Options("src/cloud/stack/testdata/inline.yaml"));
    return s.ok() ? std::string() : s.status().message();
  };
  EXPECT_EQ(with("  T:\n    Type: AWS::Serverless::SimpleTable\n    Metadata: {edgeface: {LoadItems: nope.json}}\n"),
            "src/cloud/stack/testdata/inline.yaml:5: T: LoadItems file src/cloud/stack/testdata/nope.json does not "
            "exist or is not a file");
  EXPECT_EQ(with("  B:\n    Type: AWS::S3::Bucket\n    Metadata: {edgeface: {LoadObjects: [{Key: k, File: gone.bin}]}}\n"),
            "src/cloud/stack/testdata/inline.yaml:5: B: LoadObjects file src/cloud/stack/testdata/gone.bin does not "
            "exist or is not a file");
  EXPECT_EQ(with("  F:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: ., Handler: h}\n"),
            "src/cloud/stack/testdata/inline.yaml:5: F: CodeUri " + std::string(std::filesystem::current_path()) +
                "/src/cloud/stack/testdata holds neither an executable bootstrap nor edgeface");
  // Items whose key is missing or of the wrong type are refused with their index.
  std::string bad_items = with("  T:\n    Type: AWS::Serverless::SimpleTable\n    Properties: {PrimaryKey: {Name: name, Type: String}}\n"
                               "    Metadata: {edgeface: {LoadItems: items.json}}\n");
  EXPECT_EQ(bad_items, "");
  bad_items = with("  T:\n    Type: AWS::Serverless::SimpleTable\n    Properties: {PrimaryKey: {Name: major, Type: Number}}\n"
                   "    Metadata: {edgeface: {LoadItems: items.json}}\n");
  EXPECT_NE(bad_items.find("item 0: key attribute 'major' must be a number"), std::string::npos) << bad_items;
}

TEST(StackTemplate, FunctionCommandRunsEdgefaceWhenThereIsNoBootstrap) {
  TemplateOptions o = Options("dir/t.yaml");
  o.check_files = false;
  auto stack = ParseTemplate(kHead + "  F:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: /opt/bin, Handler: web}\n", o);
  ASSERT_TRUE(stack.ok()) << stack.status().ToString();
  EXPECT_EQ(stack->functions[0].command, (std::vector<std::string>{"/opt/bin/edgeface", "fn", "web"}));
}

TEST(StackTemplate, UnknownPropertiesAreWarnedAbout) {
  TemplateOptions o = Options("dir/t.yaml");
  o.check_files = false;
  auto stack = ParseTemplate(kHead + "  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: c\n"
                                     "      Handler: h\n      Policies: [AWSLambdaBasicExecutionRole]\n", o);
  ASSERT_TRUE(stack.ok()) << stack.status().ToString();
  ASSERT_EQ(stack->warnings.size(), 1u);
  EXPECT_EQ(stack->warnings[0], "dir/t.yaml:8: F: property Policies is ignored locally");
}

TEST(StackYaml, TagsBecomeLongFormsAndAliasesExpand) {
  auto n = ParseYaml("a: !GetAtt Q.Arn\nb: &x [1, 2]\nc: *x\nd: ~\ne: 'null'\n");
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  const Node* a = n->Find("a")->Find("Fn::GetAtt");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->items.size(), 2u);
  EXPECT_EQ(a->items[1].scalar, "Arn");
  EXPECT_EQ(n->Find("c")->items.size(), 2u);
  EXPECT_TRUE(n->Find("d")->IsNull());
  EXPECT_EQ(n->Find("e")->scalar, "null");
  EXPECT_EQ(n->Find("e")->line, 5);
}

TEST(StackYaml, HostileInputIsRefused) {
  std::string deep(200, '[');
  auto n = ParseYaml(deep);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("nested deeper than 64"), std::string::npos);
  // "Billion laughs": each level doubles the expansion.
  std::string laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 12; ++i) {
    laughs += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) laughs += std::string(j ? ", " : "") + "*a" + std::to_string(i - 1);
    laughs += "]\n";
  }
  n = ParseYaml(laughs);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("document too large"), std::string::npos);
}

}  // namespace
}  // namespace cloud::stack
