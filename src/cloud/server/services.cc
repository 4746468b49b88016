#include "cloud/server/services.h"

// Service API headers, one line each.
#include "cloud/s3/s3_api.h"
#include "cloud/dynamodb/dynamodb_api.h"
#include "cloud/sqs/sqs_api.h"
#include "cloud/lambda/lambda_api.h"

namespace cloud {

base::Status RegisterServices(Gateway& gateway, const ServiceOptions& options) {
  EF_RETURN_IF_ERROR(base::MakeDirs(options.data_root));
  // EXTENSION POINT: each service adds ONE line here (and its *_api library to
  // target_link_libraries in src/cloud/server/CMakeLists.txt, and its header above), e.g.
  //   EF_RETURN_IF_ERROR(AddService<S3Api>(gateway, options, S3Route()));
  //   EF_RETURN_IF_ERROR(AddService<DynamoDbApi>(gateway, options, DynamoDbRoute()));
  //   EF_RETURN_IF_ERROR(AddService<SqsApi>(gateway, options, SqsRoute()));
  // Routes (X-Amz-Target prefixes, error format, ...) are in cloud/gateway/routing.{h,cc}.
  EF_RETURN_IF_ERROR(AddService<s3::S3Api>(gateway, options, S3Route()));
  EF_RETURN_IF_ERROR(AddService<DynamoDbApi>(gateway, options, DynamoDbRoute()));
  EF_RETURN_IF_ERROR(AddService<SqsApi>(gateway, options, SqsRoute()));
  EF_RETURN_IF_ERROR(AddService<lambda::LambdaApi>(gateway, options, lambda::LambdaRoute()));
  return base::Status::Ok();
}

}  // namespace cloud
