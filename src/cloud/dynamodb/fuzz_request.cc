// libFuzzer: whole DynamoDB requests through the API (JSON reader, attribute values, expressions,
// the store) against a scratch data directory. The first byte picks the operation.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "cloud/dynamodb/dynamodb_api.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* kOps[] = {"PutItem", "GetItem", "UpdateItem", "DeleteItem", "Query", "Scan",
                               "BatchWriteItem", "BatchGetItem", "CreateTable", "DescribeTable"};
  static cloud::DynamoDbApi* api = [] {
    cloud::ServiceContext ctx;
    ctx.data_dir = (std::filesystem::temp_directory_path() / ("fuzz_dynamodb_" + std::to_string(::getpid()))).string();
    auto opened = cloud::DynamoDbApi::Open(ctx);
    if (!opened.ok()) abort();
    http::Request create;
    create.method = "POST";
    create.headers.Add("X-Amz-Target", "DynamoDB_20120810.CreateTable");
    create.body = R"({"TableName":"fuzz","KeySchema":[{"AttributeName":"h","KeyType":"HASH"},)"
                  R"({"AttributeName":"r","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"h",)"
                  R"("AttributeType":"S"},{"AttributeName":"r","AttributeType":"N"}],"BillingMode":"PAY_PER_REQUEST"})";
    (*opened)->HandleSync(create);
    return opened->release();
  }();
  if (size == 0) return 0;
  http::Request r;
  r.method = "POST";
  r.headers.Add("X-Amz-Target", std::string("DynamoDB_20120810.") + kOps[data[0] % 10]);
  r.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  http::Response resp = api->HandleSync(r);
  if (resp.status != 200 && resp.status != 400) abort();  // 500 means a bug of ours
  return 0;
}
