// The gateway as a pure function: requests in, responses out, no sockets. Fake services record
// what reached them, so each test sees both what the client gets and what the service got.
#include "cloud/gateway/gateway.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "aws/aws_chunked.h"
#include "aws/sigv4.h"

namespace cloud {
namespace {

const char kDate[] = "20260301T120000Z";

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override { Build(true); }

  void Build(bool auth) {
    GatewayOptions o;
    o.require_auth = auth;
    o.clock = [this] { return now_; };
    gateway_ = std::make_unique<Gateway>(o);
    for (ServiceRoute route : {S3Route(), DynamoDbRoute(), SqsRoute()}) {
      std::string name = route.name;
      ASSERT_TRUE(gateway_->Register(route, [this, name](http::Request&& r, http::Reply reply) {
                    served_by_ = name;
                    seen_ = std::move(r);
                    http::Response ok;
                    ok.body = "served by " + name;
                    reply(std::move(ok));
                  }).ok());
    }
  }

  static http::Request Make(std::string method, std::string target, std::string body = "") {
    http::Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    EXPECT_TRUE(r.ParseTarget());
    r.headers.Add("Host", "127.0.0.1:4566");
    r.body = std::move(body);
    return r;
  }

  static aws::CanonicalParts Sign(http::Request& r, std::string service, std::string secret = "test",
                                  std::string payload_hash = "") {
    aws::SignOptions o;
    o.service = std::move(service);
    o.amz_date = kDate;
    o.payload_hash = std::move(payload_hash);
    o.add_content_sha256 = o.service == "s3";
    return aws::SignRequest(r, aws::Credentials{"test", secret, ""}, o);
  }

  http::Response Send(http::Request r) {
    served_by_.clear();
    http::Response out;
    bool replied = false;
    gateway_->Handle(std::move(r), [&](http::Response resp) {
      out = std::move(resp);
      replied = true;
    });
    EXPECT_TRUE(replied);
    return out;
  }

  std::chrono::system_clock::time_point now_ = *aws::ParseAmzDate(kDate);
  std::unique_ptr<Gateway> gateway_;
  std::string served_by_;
  http::Request seen_;
};

TEST_F(GatewayTest, RoutesTheWayAwsClientsAddressServices) {
  Build(false);
  auto ddb = Make("POST", "/", "{}");
  ddb.headers.Add("X-Amz-Target", "DynamoDB_20120810.PutItem");
  Send(ddb);
  EXPECT_EQ(served_by_, "dynamodb");

  auto sqs_json = Make("POST", "/", "{}");
  sqs_json.headers.Add("X-Amz-Target", "AmazonSQS.SendMessage");
  Send(sqs_json);
  EXPECT_EQ(served_by_, "sqs");

  auto sqs_form = Make("POST", "/000000000000/results", "Action=SendMessage&MessageBody=hi");
  sqs_form.headers.Add("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  Send(sqs_form);
  EXPECT_EQ(served_by_, "sqs");

  Send(Make("GET", "/?Action=ListQueues"));
  EXPECT_EQ(served_by_, "sqs");

  Send(Make("GET", "/bucket/key?list-type=2"));
  EXPECT_EQ(served_by_, "s3");

  // A form body that merely contains "Action=" inside a value is not a query-protocol call.
  auto upload = Make("POST", "/bucket/key", "NoAction=1");
  upload.headers.Add("Content-Type", "application/x-www-form-urlencoded");
  Send(upload);
  EXPECT_EQ(served_by_, "s3");
}

TEST_F(GatewayTest, OversizeBodyIsEntityTooLargeForS3AndNeverReachesAService) {
  auto put = Make("PUT", "/bucket/huge.bin");
  Sign(put, "s3", "test", "UNSIGNED-PAYLOAD");
  put.body_too_large = true;
  http::Response r = Send(put);
  EXPECT_EQ(served_by_, "");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("<Code>EntityTooLarge</Code>"), std::string::npos) << r.body;

  auto ddb = Make("POST", "/");
  ddb.headers.Add("X-Amz-Target", "DynamoDB_20120810.BatchWriteItem");
  Sign(ddb, "dynamodb");
  ddb.body_too_large = true;
  r = Send(ddb);
  EXPECT_EQ(served_by_, "");
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("RequestEntityTooLarge"), std::string::npos) << r.body;
}

TEST_F(GatewayTest, SignedRequestsRouteByCredentialScope) {
  auto r = Make("POST", "/000000000000/q", "Action=ListQueues");
  r.headers.Add("Content-Type", "application/x-www-form-urlencoded");
  Sign(r, "sqs");
  EXPECT_EQ(Send(r).status, 200);
  EXPECT_EQ(served_by_, "sqs");
}

TEST_F(GatewayTest, VirtualHostedS3IsRewrittenToPathStyle) {
  Build(false);
  auto r = Make("GET", "/photos/a%20b.jpg?versionId=1");
  r.headers.Set("Host", "my-bucket.localhost:4566");
  Send(r);
  EXPECT_EQ(served_by_, "s3");
  EXPECT_EQ(seen_.path, "/my-bucket/photos/a b.jpg");
  EXPECT_EQ(seen_.raw_path, "/my-bucket/photos/a%20b.jpg");
  EXPECT_EQ(seen_.Query("versionId"), "1");

  auto root = Make("GET", "/?list-type=2");
  root.headers.Set("Host", "my-bucket.s3.localhost");
  Send(root);
  EXPECT_EQ(seen_.path, "/my-bucket");

  auto path_style = Make("GET", "/b/k");
  path_style.headers.Set("Host", "s3.localhost:4566");
  Send(path_style);
  EXPECT_EQ(seen_.path, "/b/k");
}

TEST_F(GatewayTest, VirtualHostedSignatureIsCheckedOnTheOriginalPath) {
  auto r = Make("GET", "/key.txt");
  r.headers.Set("Host", "bucket.localhost:4566");
  Sign(r, "s3");
  EXPECT_EQ(Send(r).status, 200);
  EXPECT_EQ(seen_.path, "/bucket/key.txt");
}

TEST_F(GatewayTest, WrongSignatureIsAnsweredInEachServicesFormat) {
  auto s3 = Make("PUT", "/bucket/key", "data");
  Sign(s3, "s3", "wrong-secret");
  http::Response r = Send(s3);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("<Code>SignatureDoesNotMatch</Code>"), std::string::npos) << r.body;
  EXPECT_TRUE(r.headers.Has("x-amz-request-id"));
  EXPECT_EQ(served_by_, "");

  auto ddb = Make("POST", "/", R"({"TableName":"students"})");
  ddb.headers.Add("X-Amz-Target", "DynamoDB_20120810.GetItem");
  Sign(ddb, "dynamodb", "wrong-secret");
  r = Send(ddb);
  EXPECT_EQ(r.status, 400);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["__type"], "com.amazon.coral.service#InvalidSignatureException");
  EXPECT_TRUE(r.headers.Has("x-amz-crc32"));
  EXPECT_TRUE(r.headers.Has("x-amzn-RequestId"));

  auto sqs = Make("POST", "/", "Action=ListQueues");
  sqs.headers.Add("Content-Type", "application/x-www-form-urlencoded");
  aws::SignOptions o;
  o.service = "sqs";
  o.amz_date = kDate;
  aws::SignRequest(sqs, aws::Credentials{"nobody", "x", ""}, o);
  r = Send(sqs);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>"),
            std::string::npos) << r.body;

  auto sqs_json = Make("POST", "/", "{}");
  sqs_json.headers.Add("X-Amz-Target", "AmazonSQS.ListQueues");
  Sign(sqs_json, "sqs", "wrong-secret");
  r = Send(sqs_json);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(nlohmann::json::parse(r.body)["__type"], "com.amazonaws.sqs#SignatureDoesNotMatch");
  EXPECT_EQ(r.headers.GetOr("x-amzn-query-error", ""), "SignatureDoesNotMatch;Sender");
}

TEST_F(GatewayTest, UnsignedRequestsAreRefusedUnlessAuthIsOff) {
  http::Response r = Send(Make("GET", "/bucket"));
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("<Code>AccessDenied</Code>"), std::string::npos);
  Build(false);
  EXPECT_EQ(Send(Make("GET", "/bucket")).status, 200);
}

TEST_F(GatewayTest, SkewedClockIsRequestTimeTooSkewed) {
  auto r = Make("GET", "/bucket");
  Sign(r, "s3");
  now_ += std::chrono::minutes(20);
  http::Response resp = Send(r);
  EXPECT_EQ(resp.status, 403);
  EXPECT_NE(resp.body.find("RequestTimeTooSkewed"), std::string::npos);
}

// A streaming upload as the AWS CLI sends it: signed seed, signed chunks.
http::Request StreamingPut(const std::string& data, aws::ChunkSigning* chain_out) {
  http::Request r;
  r.method = "PUT";
  r.target = "/bucket/big.bin";
  EXPECT_TRUE(r.ParseTarget());
  r.headers.Add("Host", "127.0.0.1:4566");
  r.headers.Add("Content-Encoding", "aws-chunked");
  r.headers.Add("x-amz-decoded-content-length", std::to_string(data.size()));
  aws::SignOptions o;
  o.service = "s3";
  o.amz_date = kDate;
  o.payload_hash = std::string(aws::kStreamingPayload);
  o.add_content_sha256 = true;
  aws::CanonicalParts parts = aws::SignRequest(r, aws::Credentials{}, o);
  aws::ChunkSigning chain{aws::DeriveSigningKey("test", "20260301", "us-east-1", "s3"), kDate,
                          "20260301/us-east-1/s3/aws4_request", parts.signature};
  r.body = aws::EncodeAwsChunked(data, 8192, &chain);
  if (chain_out) *chain_out = chain;
  return r;
}

TEST_F(GatewayTest, AwsChunkedUploadReachesTheServiceDecoded) {
  std::string data(50000, 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
  http::Response r = Send(StreamingPut(data, nullptr));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(seen_.body, data);
  EXPECT_FALSE(seen_.headers.Has("Content-Encoding"));
  EXPECT_EQ(seen_.headers.GetOr("Content-Length", ""), "50000");
}

TEST_F(GatewayTest, TamperedOrTruncatedAwsChunkedUploadNeverReachesTheService) {
  std::string data(30000, 'q');
  http::Request tampered = StreamingPut(data, nullptr);
  tampered.body[tampered.body.size() / 2] ^= 1;
  http::Response r = Send(tampered);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("SignatureDoesNotMatch"), std::string::npos);
  EXPECT_EQ(served_by_, "");

  http::Request truncated = StreamingPut(data, nullptr);
  truncated.body.resize(truncated.body.size() - 200);
  r = Send(truncated);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("IncompleteBody"), std::string::npos);
  EXPECT_EQ(served_by_, "");

  http::Request wrong_length = StreamingPut(data, nullptr);
  wrong_length.headers.Set("x-amz-decoded-content-length", "30001");  // breaks the seed signature
  EXPECT_EQ(Send(wrong_length).status, 403);
  Build(false);
  EXPECT_EQ(Send(wrong_length).status, 400);  // without auth: the length check still holds
  EXPECT_EQ(served_by_, "");
}

TEST_F(GatewayTest, UnknownTargetGetsAJsonError) {
  Build(false);
  auto r = Make("POST", "/", "{}");
  r.headers.Add("X-Amz-Target", "Kinesis_20131202.PutRecord");
  http::Response resp = Send(r);
  EXPECT_EQ(served_by_, "");  // not S3, although S3 takes everything else
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(nlohmann::json::parse(resp.body)["__type"], "com.amazon.coral.service#UnknownOperationException");
  // With no fallback registered, a plain REST request gets an S3-style XML error.
  Gateway empty(GatewayOptions{.require_auth = false});
  http::Response none;
  empty.Handle(Make("GET", "/x"), [&](http::Response x) { none = std::move(x); });
  EXPECT_EQ(none.status, 501);
  EXPECT_NE(none.body.find("<Code>NotImplemented</Code>"), std::string::npos);
}

TEST(RequestTarget, ParsesTheFormsAwsClientsSend) {
  http::Request r;
  r.target = "/bucket/dir/a%20b%2Bc+d%2Fe?uploads&list-type=2&prefix=a%2Fb&empty=";
  ASSERT_TRUE(r.ParseTarget());
  EXPECT_EQ(r.raw_path, "/bucket/dir/a%20b%2Bc+d%2Fe");
  EXPECT_EQ(r.path, "/bucket/dir/a b+c+d/e");  // '+' in a path is a plus, never a space
  EXPECT_TRUE(r.HasQuery("uploads"));
  EXPECT_EQ(r.Query("prefix"), "a/b");
  EXPECT_EQ(r.Query("empty"), "");
  for (const char* bad : {"/a%zz", "/a%4", "/?x=%g0"}) {
    http::Request b;
    b.target = bad;
    EXPECT_FALSE(b.ParseTarget()) << bad;
  }
}

TEST(VirtualHost, OnlyBucketHostsAreVirtual) {
  EXPECT_EQ(VirtualHostedBucket("photos.localhost:4566"), "photos");
  EXPECT_EQ(VirtualHostedBucket("my.dotted.bucket.s3.localhost"), "my.dotted.bucket");
  EXPECT_EQ(VirtualHostedBucket("b.s3.amazonaws.com"), "b");
  EXPECT_EQ(VirtualHostedBucket("127.0.0.1:4566"), std::nullopt);
  EXPECT_EQ(VirtualHostedBucket("localhost:4566"), std::nullopt);
  EXPECT_EQ(VirtualHostedBucket("s3.localhost"), std::nullopt);
  EXPECT_EQ(VirtualHostedBucket("[::1]:4566"), std::nullopt);
}

// Found by gateway_fuzzer: an error message quoting invalid UTF-8 from the client made the JSON
// writer throw (the connection got a 500 instead of the service's error).
TEST_F(GatewayTest, InvalidUtf8InAQuotedHeaderStillGivesAJsonError) {
  auto r = Make("POST", "/", "{}");
  r.headers.Add("X-Amz-Target", "DynamoDB_20120810.GetItem");
  r.headers.Add("X-Amz-Date", "2026\xff\xfe01T120000Z");
  r.headers.Add("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260301/us-east-1/dynamodb/aws4_request, "
                                 "SignedHeaders=host;x-amz-date, Signature=00");
  http::Response resp = Send(r);
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(nlohmann::json::parse(resp.body)["__type"], "com.amazon.coral.service#IncompleteSignatureException");
}

TEST_F(GatewayTest, RegisteringTwiceFails) {
  EXPECT_FALSE(gateway_->Register(S3Route(), [](http::Request&&, http::Reply) {}).ok());
}

}  // namespace
}  // namespace cloud
