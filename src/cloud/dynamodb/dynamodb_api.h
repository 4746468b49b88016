// The DynamoDB wire API (JSON 1.0): `X-Amz-Target: DynamoDB_20120810.<Operation>`, a JSON body,
// a JSON answer with `x-amzn-RequestId` and `x-amz-crc32` (CRC32 of the body, which botocore
// checks). Errors are status 400 (500 for our own failures) with
// {"__type": "<namespace>#<ErrorType>", "message": "..."} worded as DynamoDB words them.
//
// Operations: CreateTable, DescribeTable, ListTables, DeleteTable, PutItem, GetItem, DeleteItem,
// UpdateItem, Query, Scan, BatchWriteItem, BatchGetItem. See docs/dynamodb.md for what is and
// is not supported (legacy parameters, secondary indexes).
#pragma once

#include <memory>

#include "base/status.h"
#include "cloud/dynamodb/table_store.h"
#include "cloud/gateway/service.h"
#include "http/message.h"

namespace cloud {

class DynamoDbApi {
 public:
  // Opens (creating when needed) the store in ctx.data_dir, which must exist or be creatable.
  static base::StatusOr<std::unique_ptr<DynamoDbApi>> Open(const ServiceContext& ctx);

  // Thread-safe. Reads are answered on the calling thread; writes are answered from the store's
  // commit thread once their (group) commit is durable, so the I/O thread never waits for fsync.
  void Handle(http::Request&& request, http::Reply reply);

  // The same, returning the response (for tests and benchmarks without a socket).
  http::Response HandleSync(const http::Request& request);

 private:
  DynamoDbApi(ServiceContext ctx, std::unique_ptr<dynamodb::TableStore> store)
      : ctx_(std::move(ctx)), store_(std::move(store)) {}
  void Run(const http::Request& request, http::Reply reply);
  ServiceContext ctx_;
  std::unique_ptr<dynamodb::TableStore> store_;
};

}  // namespace cloud
