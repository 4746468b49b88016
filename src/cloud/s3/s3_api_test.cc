// The S3 API without a socket: build http::Requests, check Responses as a client would see them.
#include "cloud/s3/s3_api.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "base/files.h"
#include "cloud/s3/wire.h"
#include "http/url.h"

namespace s3 {
namespace {

namespace fs = std::filesystem;

class S3ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("s3_api_test_" + BlobFiles::NewId());
    cloud::ServiceContext ctx;
    ctx.data_dir = dir_.string();
    ctx.endpoint = "http://127.0.0.1:4566";
    auto api = S3Api::Open(ctx, 2);
    ASSERT_TRUE(api.ok()) << api.status().ToString();
    api_ = std::move(*api);
  }
  void TearDown() override {
    api_.reset();
    fs::remove_all(dir_);
  }
  http::Response Call(std::string method, std::string target, std::string body = "",
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
    http::Request req;
    req.method = std::move(method);
    req.target = std::move(target);
    EXPECT_TRUE(req.ParseTarget());
    req.body = std::move(body);
    for (auto& [n, v] : headers) req.headers.Add(n, v);
    return api_->HandleNow(req);
  }
  static std::string Code(const http::Response& r) {
    size_t a = r.body.find("<Code>"), b = r.body.find("</Code>");
    return a == std::string::npos ? "" : r.body.substr(a + 6, b - a - 6);
  }
  fs::path dir_;
  std::unique_ptr<S3Api> api_;
};

TEST_F(S3ApiTest, BucketErrorsAreS3Shaped) {
  auto r = Call("PUT", "/Bad_Name");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Code(r), "InvalidBucketName");
  EXPECT_EQ(Call("PUT", "/bkt").status, 200);
  r = Call("PUT", "/bkt");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(Code(r), "BucketAlreadyOwnedByYou");
  EXPECT_TRUE(r.headers.Has("x-amz-request-id"));
  r = Call("GET", "/nope/key");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Code(r), "NoSuchBucket");
  EXPECT_NE(r.body.find("<Resource>/nope/key</Resource>"), std::string::npos);
  r = Call("HEAD", "/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(r.body.empty());
  r = Call("PUT", "/bkt2", "<CreateBucketConfiguration><LocationConstraint>", {});
  EXPECT_EQ(Code(r), "MalformedXML");
}

TEST_F(S3ApiTest, PutGetHeadWithMetadataAndDigest) {
  ASSERT_EQ(Call("PUT", "/bkt").status, 200);
  std::string md5 = Base64Encode(Md5Raw("hello"));
  auto put = Call("PUT", "/bkt/dir/h%C3%A9llo%20world.txt", "hello",
                  {{"Content-Type", "text/plain"}, {"x-amz-meta-Owner", "me"}, {"Content-MD5", md5}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.headers.GetOr("ETag", ""), "\"" + Md5Hex("hello") + "\"");
  auto get = Call("GET", "/bkt/dir/h%C3%A9llo%20world.txt");
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, "hello");
  EXPECT_EQ(get.headers.GetOr("Content-Type", ""), "text/plain");
  EXPECT_EQ(get.headers.GetOr("x-amz-meta-owner", ""), "me");
  EXPECT_EQ(get.headers.GetOr("Last-Modified", "").size(), 29u);
  auto head = Call("HEAD", "/bkt/dir/h%C3%A9llo%20world.txt");
  EXPECT_EQ(head.headers.GetOr("Content-Length", ""), "5");
  EXPECT_TRUE(head.body.empty());

  auto bad = Call("PUT", "/bkt/k", "hello", {{"Content-MD5", Base64Encode(Md5Raw("other"))}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Code(bad), "BadDigest");
  EXPECT_EQ(Code(Call("PUT", "/bkt/k", "hello", {{"Content-MD5", "nope"}})), "InvalidDigest");
  EXPECT_EQ(Code(Call("GET", "/bkt/k")), "NoSuchKey");  // the rejected PUT stored nothing

  auto nm = Call("GET", "/bkt/dir/h%C3%A9llo%20world.txt", "", {{"If-None-Match", "\"" + Md5Hex("hello") + "\""}});
  EXPECT_EQ(nm.status, 304);
  auto pf = Call("GET", "/bkt/dir/h%C3%A9llo%20world.txt", "", {{"If-Match", "\"other\""}});
  EXPECT_EQ(pf.status, 412);
}

TEST_F(S3ApiTest, RangeReadsAndLargeObjectsStreamFromFile) {
  ASSERT_EQ(Call("PUT", "/bkt").status, 200);
  std::string big(1 << 20, 'x');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  ASSERT_EQ(Call("PUT", "/bkt/big", big).status, 200);
  auto part = Call("GET", "/bkt/big", "", {{"Range", "bytes=26-51"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, "abcdefghijklmnopqrstuvwxyz");
  EXPECT_EQ(part.headers.GetOr("Content-Range", ""), "bytes 26-51/1048576");
  auto whole = Call("GET", "/bkt/big");
  EXPECT_TRUE(whole.body.empty());  // streamed, not copied
  EXPECT_EQ(whole.file_length, big.size());
  auto from_file = base::ReadFile(whole.file_path);
  ASSERT_TRUE(from_file.ok());
  EXPECT_EQ(*from_file, big);
  auto tail = Call("GET", "/bkt/big", "", {{"Range", "bytes=-3"}});
  EXPECT_EQ(tail.body, big.substr(big.size() - 3));
  auto past = Call("GET", "/bkt/big", "", {{"Range", "bytes=2000000-"}});
  EXPECT_EQ(past.status, 416);
  EXPECT_EQ(Code(past), "InvalidRange");
}

TEST_F(S3ApiTest, ListObjectsV2WithDelimiterAndContinuation) {
  ASSERT_EQ(Call("PUT", "/bkt").status, 200);
  for (const char* k : {"a/1", "a/2", "b%20c", "d+e", "f"}) ASSERT_EQ(Call("PUT", std::string("/bkt/") + k, "x").status, 200);
  auto r = Call("GET", "/bkt?list-type=2&delimiter=%2F&encoding-type=url");
  EXPECT_NE(r.body.find("<CommonPrefixes><Prefix>a/</Prefix></CommonPrefixes>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("<Key>b%20c</Key>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("<Key>d%2Be</Key>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("<KeyCount>4</KeyCount>"), std::string::npos);
  r = Call("GET", "/bkt?list-type=2&max-keys=2");
  EXPECT_NE(r.body.find("<IsTruncated>true</IsTruncated>"), std::string::npos);
  size_t a = r.body.find("<NextContinuationToken>") + 23, b = r.body.find("</NextContinuationToken>");
  std::string token = r.body.substr(a, b - a);
  r = Call("GET", "/bkt?list-type=2&max-keys=10&continuation-token=" + http::UriEncode(token));
  EXPECT_NE(r.body.find("<Key>b c</Key>"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("<Key>a/2</Key>"), std::string::npos);
  EXPECT_EQ(Code(Call("GET", "/bkt?list-type=2&continuation-token=%21%21")), "InvalidArgument");
  auto v = Call("GET", "/bkt?versions");
  EXPECT_NE(v.body.find("<VersionId>null</VersionId>"), std::string::npos);
  auto v1 = Call("GET", "/bkt?marker=b%20c");
  EXPECT_NE(v1.body.find("<Key>d+e</Key>"), std::string::npos);
  EXPECT_EQ(v1.body.find("<Key>a/1</Key>"), std::string::npos);
}

TEST_F(S3ApiTest, DeleteObjectsAndBucketNotEmpty) {
  ASSERT_EQ(Call("PUT", "/bkt").status, 200);
  ASSERT_EQ(Call("PUT", "/bkt/one", "1").status, 200);
  ASSERT_EQ(Call("PUT", "/bkt/two", "2").status, 200);
  EXPECT_EQ(Code(Call("DELETE", "/bkt")), "BucketNotEmpty");
  EXPECT_EQ(Code(Call("POST", "/bkt?delete", "<Delete><Object><Key>one</Key>")), "MalformedXML");
  auto r = Call("POST", "/bkt?delete",
                "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Object><Key>one</Key></Object>"
                "<Object><Key>two</Key></Object><Object><Key>never</Key></Object></Delete>");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("<Deleted><Key>never</Key></Deleted>"), std::string::npos) << r.body;
  EXPECT_EQ(Call("DELETE", "/bkt").status, 204);
}

TEST_F(S3ApiTest, CopyObjectDirectives) {
  ASSERT_EQ(Call("PUT", "/bkt").status, 200);
  ASSERT_EQ(Call("PUT", "/bkt/src%20key", "data", {{"x-amz-meta-a", "1"}}).status, 200);
  auto c = Call("PUT", "/bkt/copy", "", {{"x-amz-copy-source", "/bkt/src%20key"}});
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_NE(c.body.find("<CopyObjectResult"), std::string::npos);
  EXPECT_EQ(Call("GET", "/bkt/copy").headers.GetOr("x-amz-meta-a", ""), "1");
  c = Call("PUT", "/bkt/copy2", "", {{"x-amz-copy-source", "bkt/src%20key"},
                                      {"x-amz-metadata-directive", "REPLACE"}, {"x-amz-meta-b", "2"}});
  ASSERT_EQ(c.status, 200);
  auto g = Call("GET", "/bkt/copy2");
  EXPECT_EQ(g.body, "data");
  EXPECT_FALSE(g.headers.Has("x-amz-meta-a"));
  EXPECT_EQ(g.headers.GetOr("x-amz-meta-b", ""), "2");
  EXPECT_EQ(Code(Call("PUT", "/bkt/src%20key", "", {{"x-amz-copy-source", "bkt/src%20key"}})), "InvalidRequest");
  EXPECT_EQ(Code(Call("PUT", "/bkt/x", "", {{"x-amz-copy-source", "bkt/missing"}})), "NoSuchKey");
}

TEST_F(S3ApiTest, MultipartOverTheApi) {
  ASSERT_EQ(Call("PUT", "/bkt").status, 200);
  auto init = Call("POST", "/bkt/mp?uploads");
  size_t a = init.body.find("<UploadId>") + 10, b = init.body.find("</UploadId>");
  std::string id = init.body.substr(a, b - a);
  std::string p1(ObjectStore::kMinPartSize, '1');
  auto r1 = Call("PUT", "/bkt/mp?partNumber=1&uploadId=" + id, p1);
  auto r2 = Call("PUT", "/bkt/mp?partNumber=2&uploadId=" + id, "22");
  ASSERT_EQ(r1.status, 200);
  EXPECT_EQ(Code(Call("PUT", "/bkt/mp?partNumber=0&uploadId=" + id, "x")), "InvalidArgument");
  auto list = Call("GET", "/bkt/mp?uploadId=" + id);
  EXPECT_NE(list.body.find("<PartNumber>2</PartNumber>"), std::string::npos);
  EXPECT_NE(Call("GET", "/bkt?uploads").body.find(id), std::string::npos);
  std::string complete = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" +
                         std::string(r1.headers.GetOr("ETag", "")) +
                         "</ETag></Part><Part><PartNumber>2</PartNumber><ETag>" +
                         std::string(r2.headers.GetOr("ETag", "")) + "</ETag></Part></CompleteMultipartUpload>";
  EXPECT_EQ(Code(Call("POST", "/bkt/mp?uploadId=" + id, "<CompleteMultipartUpload/>")), "MalformedXML");
  auto done = Call("POST", "/bkt/mp?uploadId=" + id, complete);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_NE(done.body.find("-2&quot;</ETag>"), std::string::npos) << done.body;
  EXPECT_EQ(Call("HEAD", "/bkt/mp").headers.GetOr("Content-Length", ""), std::to_string(p1.size() + 2));
  EXPECT_EQ(Code(Call("DELETE", "/bkt/mp?uploadId=" + id)), "NoSuchUpload");
}

TEST_F(S3ApiTest, NotificationConfigurationIsValidatedAndStored) {
  ASSERT_EQ(Call("PUT", "/bkt").status, 200);
  auto empty = Call("GET", "/bkt?notification");
  EXPECT_NE(empty.body.find("<NotificationConfiguration xmlns"), std::string::npos);
  std::string good =
      "<NotificationConfiguration><CloudFunctionConfiguration><Id>fn</Id>"
      "<CloudFunction>arn:aws:lambda:us-east-1:000000000000:function:f</CloudFunction>"
      "<Event>s3:ObjectCreated:*</Event><Filter><S3Key><FilterRule><Name>Prefix</Name><Value>in/</Value>"
      "</FilterRule></S3Key></Filter></CloudFunctionConfiguration></NotificationConfiguration>";
  ASSERT_EQ(Call("PUT", "/bkt?notification", good).status, 200);
  auto got = Call("GET", "/bkt?notification");
  EXPECT_NE(got.body.find("<Id>fn</Id>"), std::string::npos) << got.body;
  EXPECT_NE(got.body.find("<Value>in/</Value>"), std::string::npos);
  std::string bad_event = good;
  bad_event.replace(bad_event.find("s3:ObjectCreated:*"), 18, "s3:Nope");
  EXPECT_EQ(Code(Call("PUT", "/bkt?notification", bad_event)), "InvalidArgument");
  EXPECT_EQ(Code(Call("PUT", "/bkt?notification", "<NotificationConfiguration>")), "MalformedXML");
  EXPECT_EQ(Code(Call("PUT", "/nob?notification", good)), "NoSuchBucket");
}

TEST_F(S3ApiTest, HandleRepliesFromWorkerThreads) {
  std::promise<http::Response> done;
  http::Request req;
  req.method = "PUT";
  req.target = "/async-bucket";
  ASSERT_TRUE(req.ParseTarget());
  api_->Handle(std::move(req), [&](http::Response r) { done.set_value(std::move(r)); });
  EXPECT_EQ(done.get_future().get().status, 200);
}

}  // namespace
}  // namespace s3
