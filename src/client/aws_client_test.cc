// The AWS clients against the real `edgeface cloud` (a child process on a loopback port), and the
// configuration chain and retry policy against a small real server.
#include "client/aws.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/base64.h"
#include "net/server.h"

namespace client {
namespace {

namespace fs = std::filesystem;

// `edgeface cloud --port 0` in a temporary data dir; the endpoint comes from its ready line.
class Cloud {
 public:
  Cloud() {
    char tmpl[] = "/tmp/aws_client_test.XXXXXX";
    dir_ = mkdtemp(tmpl);
    const char* bin = std::getenv("EDGEFACE_BIN");
    std::string cmd = std::string(bin ? bin : "build/bin/edgeface") + " cloud --port 0 --data " + dir_ + " 2>&1";
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), nullptr);
      _exit(127);
    }
    close(fds[1]);
    FILE* out = fdopen(fds[0], "r");
    char line[512];
    std::regex ready("ready on (http://[^ ]+)");
    while (std::fgets(line, sizeof line, out)) {
      std::cmatch m;
      if (std::regex_search(line, m, ready)) {
        endpoint_ = m[1];
        break;
      }
    }
    out_ = out;  // keep the pipe open: the server must not get SIGPIPE on later output
  }
  ~Cloud() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    if (out_) std::fclose(out_);
    fs::remove_all(dir_);
  }
  const std::string& endpoint() const { return endpoint_; }

 private:
  std::string dir_;
  std::string endpoint_;
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
};

class AwsClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cloud_ = new Cloud(); }
  static void TearDownTestSuite() { delete cloud_; }
  void SetUp() override { ASSERT_FALSE(cloud_->endpoint().empty()) << "edgeface cloud did not start"; }
  AwsConfig Config() const { return AwsConfig::Local(cloud_->endpoint()); }
  static Cloud* cloud_;
};
Cloud* AwsClientTest::cloud_ = nullptr;

TEST_F(AwsClientTest, S3RoundTripsObjectsWithAwkwardKeys) {
  S3Client s3(Config());
  ASSERT_TRUE(s3.CreateBucket("clips").ok());
  ASSERT_TRUE(s3.CreateBucket("clips").ok()) << "creating a bucket we own again is not an error";
  std::string body(300'000, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = char(i * 7);
  const std::string key = "cam 1/2026-11-23/ü+&=?.mp4";
  auto etag = s3.PutObject("clips", key, body, "video/mp4", {{"capture-ms", "1700000000123"}});
  ASSERT_TRUE(etag.ok()) << etag.status().ToString();
  EXPECT_EQ(etag->size(), 34u) << *etag;  // "<32 hex>"

  std::string got_etag;
  auto got = s3.GetObject("clips", key, &got_etag);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, body);
  EXPECT_EQ(got_etag, *etag);
  auto head = s3.HeadObject("clips", key);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size, body.size());

  ASSERT_TRUE(s3.PutObject("clips", "cam 2/a.mp4", "x").ok());
  auto listed = s3.ListObjects("clips", "cam 1/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, key);

  // Dot segments are part of an S3 key, not a path to normalise (libcurl would, by default).
  for (const std::string dotted : {"frames/../up.jpg", "./here.jpg", "a/./b/.."}) {
    ASSERT_TRUE(s3.PutObject("clips", dotted, dotted).ok()) << dotted;
    auto back = s3.GetObject("clips", dotted);
    ASSERT_TRUE(back.ok()) << dotted << ": " << back.status().ToString();
    EXPECT_EQ(*back, dotted);
  }
  auto dotted_listing = s3.ListObjects("clips", "frames/");
  ASSERT_TRUE(dotted_listing.ok());
  ASSERT_EQ(dotted_listing->size(), 1u);
  EXPECT_EQ((*dotted_listing)[0].key, "frames/../up.jpg");

  ASSERT_TRUE(s3.DeleteObject("clips", key).ok());
  auto gone = s3.GetObject("clips", key);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), base::Status::Code::kNotFound);
  EXPECT_NE(gone.status().message().find("NoSuchKey"), std::string::npos) << gone.status().message();
}

TEST_F(AwsClientTest, S3ListingFollowsContinuationTokens) {
  S3Client s3(Config());
  ASSERT_TRUE(s3.CreateBucket("many").ok());
  for (int i = 0; i < 1005; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "k/%05d", i);
    ASSERT_TRUE(s3.PutObject("many", key, "").ok());
  }
  auto listed = s3.ListObjects("many", "k/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1005u);
  EXPECT_EQ(listed->back().key, "k/01004");
}

TEST_F(AwsClientTest, DynamoDbPlainItemsRoundTrip) {
  DynamoDbClient db(Config());
  auto created = db.Call("CreateTable", {{"TableName", "students"},
                                         {"KeySchema", {{{"AttributeName", "name"}, {"KeyType", "HASH"}}}},
                                         {"AttributeDefinitions", {{{"AttributeName", "name"}, {"AttributeType", "S"}}}},
                                         {"BillingMode", "PAY_PER_REQUEST"}});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  nlohmann::json item = {{"name", "Vin Diesel"}, {"major", "computer_science"}, {"year", "sophomore"},
                         {"id", 7}, {"tags", {"a", 1.5, true, nullptr}}, {"nested", {{"x", "y"}}}};
  ASSERT_TRUE(db.PutItem("students", item).ok());
  auto got = db.GetItem("students", {{"name", "Vin Diesel"}});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, item);
  auto missing = db.GetItem("students", {{"name", "Nobody"}});
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  auto no_table = db.GetItem("teachers", {{"name", "x"}});
  ASSERT_FALSE(no_table.ok());
  EXPECT_EQ(no_table.status().code(), base::Status::Code::kNotFound);
}

TEST_F(AwsClientTest, SqsSendReceiveDelete) {
  SqsClient sqs(Config());
  auto url = sqs.CreateQueue("results");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  auto again = sqs.GetQueueUrl("results");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *url);
  const std::string body = R"({"name":"Vin Diesel","note":"<&> ünïcode"})";
  auto id = sqs.SendMessage(*url, body, {{"device_id", "cam-1"}});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto got = sqs.ReceiveMessages(*url, 10, 1);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].body, body);
  EXPECT_EQ((*got)[0].message_id, *id);
  EXPECT_EQ((*got)[0].message_attributes["device_id"], "cam-1");
  EXPECT_EQ((*got)[0].attributes["ApproximateReceiveCount"], "1");
  ASSERT_TRUE(sqs.DeleteMessage(*url, (*got)[0].receipt_handle).ok());
  auto empty = sqs.ReceiveMessages(*url, 10, 1);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  auto none = sqs.GetQueueUrl("no-such-queue");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), base::Status::Code::kNotFound);
}

TEST_F(AwsClientTest, LambdaInvokesAndReportsFunctionErrors) {
  LambdaClient lambda(Config());
  const char* bin = std::getenv("EDGEFACE_BIN");
  nlohmann::json create = {{"FunctionName", "probe"},
                           {"Command", {fs::absolute(bin ? bin : "build/bin/edgeface").string(), "fn", "probe"}},
                           {"Timeout", 10}};
  auto created = lambda.transport().Send("POST", "/2015-03-31/functions", "", {}, create.dump());
  ASSERT_TRUE(created.ok()) << created.status().ToString();

  auto out = lambda.Invoke("probe", R"({"print":"hello from probe"})", InvocationType::kRequestResponse, true);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->status, 200);
  EXPECT_EQ(out->function_error, "");
  EXPECT_EQ(nlohmann::json::parse(out->payload)["print"], "hello from probe");
  EXPECT_NE(out->log_result.find("hello from probe"), std::string::npos) << out->log_result;

  auto failed = lambda.Invoke("probe", R"({"throw":"boom"})");
  ASSERT_TRUE(failed.ok()) << "a function error is an answer, not a transport failure";
  EXPECT_EQ(failed->function_error, "Unhandled");
  EXPECT_NE(failed->payload.find("boom"), std::string::npos);

  auto queued = lambda.Invoke("probe", "{}", InvocationType::kEvent);
  ASSERT_TRUE(queued.ok());
  EXPECT_EQ(queued->status, 202);

  auto missing = lambda.Invoke("nope", "{}");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), base::Status::Code::kNotFound);
  EXPECT_FALSE(lambda.GetFunctionUrl("probe").ok()) << "probe has no function URL";
}

TEST_F(AwsClientTest, WrongSecretIsRejectedWithTheServiceError) {
  AwsConfig config = Config();
  config.credentials.secret_key = "wrong";
  S3Client s3(config);
  auto r = s3.GetObject("clips", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("SignatureDoesNotMatch"), std::string::npos) << r.status().message();
  EXPECT_EQ(s3.transport().last_attempts(), 1) << "a 403 is not retried";
}

// ---- configuration chain and retries, against a small real server ----

class ScratchEnv {
 public:
  ScratchEnv() {
    char tmpl[] = "/tmp/aws_config_test.XXXXXX";
    dir_ = mkdtemp(tmpl);
    for (const char* v : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION",
                          "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_MAX_ATTEMPTS",
                          "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                          "AWS_CONTAINER_AUTHORIZATION_TOKEN"}) {
      unsetenv(v);
    }
    setenv("AWS_SHARED_CREDENTIALS_FILE", (dir_ + "/credentials").c_str(), 1);
    setenv("AWS_CONFIG_FILE", (dir_ + "/config").c_str(), 1);
  }
  ~ScratchEnv() { fs::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) { std::ofstream(dir_ + "/" + name) << text; }

 private:
  std::string dir_;
};

TEST(AwsConfigTest, EnvironmentBeatsProfileAndServiceEndpointBeatsGlobal) {
  ScratchEnv env;
  env.Write("credentials", "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\n"
                           "[cam]\naws_access_key_id=CAMKEY\naws_secret_access_key=camsecret\n");
  env.Write("config", "[default]\nregion = eu-west-1\n[profile cam]\nregion = ap-south-1\n");
  auto c = AwsConfig::FromEnvironment();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->credentials.access_key, "FILEKEY");
  EXPECT_EQ(c->region, "eu-west-1");
  EXPECT_EQ(c->EndpointFor("s3"), "https://s3.eu-west-1.amazonaws.com");

  setenv("AWS_PROFILE", "cam", 1);
  c = AwsConfig::FromEnvironment();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->credentials.access_key, "CAMKEY");
  EXPECT_EQ(c->region, "ap-south-1");

  setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
  setenv("AWS_REGION", "us-west-2", 1);
  setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566/", 1);
  setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000", 1);
  c = AwsConfig::FromEnvironment();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->credentials.access_key, "ENVKEY");
  EXPECT_EQ(c->region, "us-west-2");
  EXPECT_EQ(c->EndpointFor("dynamodb"), "http://127.0.0.1:4566");
  EXPECT_EQ(c->EndpointFor("s3"), "http://127.0.0.1:9000");

  setenv("AWS_PROFILE", "missing", 1);
  EXPECT_FALSE(AwsConfig::FromEnvironment().ok()) << "a named profile that does not exist is an error";
}

// A server that fails the first `failures` requests with `fail_status` and then answers 200;
// also serves container credentials at /creds when the Authorization token matches.
class FlakyServer {
 public:
  FlakyServer(int failures, int fail_status, std::string fail_body = "") {
    net::ServerOptions options;
    options.port = 0;
    options.io_threads = 1;
    server_ = std::make_unique<net::Server>(options, [=, this](http::Request&& request, http::Reply reply) {
      http::Response r;
      if (request.path == "/creds") {
        r.status = request.headers.GetOr("Authorization", "") == "secret-token" ? 200 : 403;
        r.body = R"({"AccessKeyId":"CKEY","SecretAccessKey":"csecret","Token":"ctoken","Expiration":"2099-01-01T00:00:00Z"})";
        reply(std::move(r));
        return;
      }
      if (seen_++ < failures) {
        r.status = fail_status;
        r.body = fail_body;
      } else {
        r.body = "ok";
      }
      reply(std::move(r));
    });
    started_ = server_->Start().ok();
  }
  ~FlakyServer() { server_->Stop(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  int seen() const { return seen_; }
  bool started() const { return started_; }

 private:
  std::unique_ptr<net::Server> server_;
  std::atomic<int> seen_{0};
  bool started_ = false;
};

TEST(AwsConfigTest, ContainerCredentialsEndpointIsUsedWithItsToken) {
  ScratchEnv env;
  FlakyServer server(0, 200);
  ASSERT_TRUE(server.started());
  setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", (server.url() + "/creds").c_str(), 1);
  setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "secret-token", 1);
  auto c = AwsConfig::FromEnvironment();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->credentials.access_key, "CKEY");
  EXPECT_EQ(c->credentials.session_token, "ctoken");
  setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong", 1);
  EXPECT_FALSE(AwsConfig::FromEnvironment().ok()) << "a refused credentials endpoint is an error, not silent defaults";
  unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  unsetenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
}

TEST(AwsRetryTest, ServerErrorsAndThrottlingAreRetriedClientErrorsAreNot) {
  {
    FlakyServer server(2, 503);
    ASSERT_TRUE(server.started());
    S3Client s3(AwsConfig::Local(server.url()));
    auto r = s3.GetObject("b", "k");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*r, "ok");
    EXPECT_EQ(s3.transport().last_attempts(), 3);
  }
  {
    FlakyServer server(5, 400, R"({"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"})");
    ASSERT_TRUE(server.started());
    DynamoDbClient db(AwsConfig::Local(server.url()));
    auto r = db.Call("GetItem", {});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), base::Status::Code::kResourceExhausted) << r.status().ToString();
    EXPECT_EQ(db.transport().last_attempts(), 3) << "throttling is retried up to max_attempts";
    EXPECT_EQ(server.seen(), 3);
  }
  {
    FlakyServer server(5, 400, R"({"__type":"com.amazonaws.dynamodb.v20120810#ValidationException","message":"bad key"})");
    ASSERT_TRUE(server.started());
    DynamoDbClient db(AwsConfig::Local(server.url()));
    auto r = db.Call("GetItem", {});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), base::Status::Code::kInvalidArgument);
    EXPECT_EQ(r.status().message(), "DynamoDB GetItem: ValidationException: bad key");
    EXPECT_EQ(server.seen(), 1);
  }
  {
    AwsConfig config = AwsConfig::Local("http://127.0.0.1:1");  // nothing listens on port 1
    config.max_attempts = 2;
    S3Client s3(config);
    auto r = s3.GetObject("b", "k");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), base::Status::Code::kUnavailable) << r.status().ToString();
    EXPECT_EQ(s3.transport().last_attempts(), 2);
  }
}

}  // namespace
}  // namespace client
