// The SQS API without sockets: requests in both wire protocols, replies checked as clients see them.
#include "cloud/sqs/sqs_api.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include "cloud/sqs/message.h"
#include "http/url.h"

namespace cloud {
namespace {

using nlohmann::json;

// Collects the single reply of one request; Wait() bounds a hang, it does not time anything.
class ReplySlot {
 public:
  http::Reply MakeReply() {
    return [this](http::Response r) {
      std::lock_guard<std::mutex> lock(mu_);
      ++count_;
      response_ = std::move(r);
      cv_.notify_all();
    };
  }
  bool replied() {
    std::lock_guard<std::mutex> lock(mu_);
    return count_ > 0;
  }
  http::Response Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    bool ok = cv_.wait_for(lock, std::chrono::seconds(10), [&] { return count_ > 0; });
    EXPECT_TRUE(ok) << "no reply";
    EXPECT_EQ(count_, 1) << "replied more than once";
    return response_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
  http::Response response_;
};

class SqsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("sqs_api_test_" + std::to_string(std::random_device{}()));
    ServiceContext ctx;
    ctx.data_dir = dir_.string();
    ctx.endpoint = "http://127.0.0.1:4566";
    auto api = SqsApi::Open(ctx, &clock_, sqs::StoreOptions{});
    ASSERT_TRUE(api.ok()) << api.status().ToString();
    api_ = std::move(*api);
  }
  void TearDown() override {
    api_.reset();
    std::filesystem::remove_all(dir_);
  }

  http::Request QueryRequest(const std::vector<std::pair<std::string, std::string>>& form, std::string path = "/") {
    http::Request r;
    r.method = "POST";
    r.target = path;
    r.ParseTarget();
    r.headers.Add("Host", "localhost:9999");
    r.headers.Add("Content-Type", "application/x-www-form-urlencoded");
    for (const auto& [k, v] : form) {
      if (!r.body.empty()) r.body += "&";
      r.body += http::UriEncode(k) + "=" + http::UriEncode(v);
    }
    r.body += "&Version=2012-11-05";
    return r;
  }
  http::Request JsonRequest(const std::string& op, const json& body) {
    http::Request r;
    r.method = "POST";
    r.target = "/";
    r.ParseTarget();
    r.headers.Add("Host", "127.0.0.1:4566");
    r.headers.Add("X-Amz-Target", "AmazonSQS." + op);
    r.headers.Add("Content-Type", "application/x-amz-json-1.0");
    r.body = body.dump();
    return r;
  }
  http::Response Call(http::Request r) {
    ReplySlot slot;
    api_->Handle(std::move(r), slot.MakeReply());
    return slot.Wait();
  }
  json CallJson(const std::string& op, const json& body, int expect_status = 200) {
    http::Response r = Call(JsonRequest(op, body));
    EXPECT_EQ(r.status, expect_status) << r.body;
    EXPECT_EQ(r.headers.GetOr("Content-Type", ""), "application/x-amz-json-1.0");
    EXPECT_TRUE(r.headers.Has("x-amzn-RequestId"));
    return json::parse(r.body);
  }
  std::string QueueUrl(const std::string& name) {
    return CallJson("CreateQueue", {{"QueueName", name}})["QueueUrl"];
  }

  std::filesystem::path dir_;
  sqs::FakeClock clock_;
  std::unique_ptr<SqsApi> api_;
};

TEST_F(SqsApiTest, QueryProtocolRoundTripWithMessageAttributes) {
  http::Response created = Call(QueryRequest({{"Action", "CreateQueue"}, {"QueueName", "jobs"},
                                              {"Attribute.1.Name", "VisibilityTimeout"}, {"Attribute.1.Value", "60"}}));
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_NE(created.body.find("<CreateQueueResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">"),
            std::string::npos);
  EXPECT_NE(created.body.find("<QueueUrl>http://localhost:9999/000000000000/jobs</QueueUrl>"), std::string::npos);
  EXPECT_NE(created.body.find("<RequestId>"), std::string::npos);

  http::Response sent = Call(QueryRequest({{"Action", "SendMessage"},
                                           {"QueueUrl", "http://localhost:9999/000000000000/jobs"},
                                           {"MessageBody", "a & b <c>"},
                                           {"MessageAttribute.1.Name", "City"},
                                           {"MessageAttribute.1.Value.DataType", "String"},
                                           {"MessageAttribute.1.Value.StringValue", "Any City"},
                                           {"MessageAttribute.2.Name", "PostalCode"},
                                           {"MessageAttribute.2.Value.DataType", "String"},
                                           {"MessageAttribute.2.Value.StringValue", "ABC123"}}));
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_NE(sent.body.find("<MD5OfMessageBody>" + sqs::Md5Hex("a & b <c>") + "</MD5OfMessageBody>"), std::string::npos);
  EXPECT_NE(sent.body.find("<MD5OfMessageAttributes>9424c491ff2bbec06ecbc9d226bc3ae7</MD5OfMessageAttributes>"),
            std::string::npos);

  // The queue URL may also be the request path.
  http::Response got = Call(QueryRequest({{"Action", "ReceiveMessage"}, {"AttributeName.1", "All"},
                                          {"MessageAttributeName.1", "Postal.*"},
                                          {"MessageAttributeName.2", "PostalCode"}},
                                         "/000000000000/jobs"));
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_NE(got.body.find("<Body>a &amp; b &lt;c&gt;</Body>"), std::string::npos) << got.body;
  EXPECT_NE(got.body.find("<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>"),
            std::string::npos) << got.body;
  EXPECT_NE(got.body.find("<MessageAttribute><Name>PostalCode</Name><Value><DataType>String</DataType>"
                          "<StringValue>ABC123</StringValue></Value></MessageAttribute>"),
            std::string::npos) << got.body;
  EXPECT_EQ(got.body.find("Any City"), std::string::npos) << "City was not asked for";
  EXPECT_NE(got.body.find("<MD5OfMessageAttributes>b8e89563a83b6381835710c1e088e74f</MD5OfMessageAttributes>"),
            std::string::npos) << "digest over the returned attributes only";
  size_t at = got.body.find("<ReceiptHandle>");
  ASSERT_NE(at, std::string::npos);
  std::string handle = got.body.substr(at + 15, got.body.find("</ReceiptHandle>") - at - 15);

  http::Response deleted = Call(QueryRequest({{"Action", "DeleteMessage"},
                                              {"QueueUrl", "http://localhost:9999/000000000000/jobs"},
                                              {"ReceiptHandle", handle}}));
  EXPECT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_NE(deleted.body.find("<DeleteMessageResponse"), std::string::npos);
}

TEST_F(SqsApiTest, QueryProtocolBatchEntriesKeepTheirMessageAttributes) {
  QueueUrl("qb");
  http::Response r = Call(QueryRequest({{"Action", "SendMessageBatch"}, {"QueueUrl", "/000000000000/qb"},
                                        {"SendMessageBatchRequestEntry.1.Id", "one"},
                                        {"SendMessageBatchRequestEntry.1.MessageBody", "b1"},
                                        {"SendMessageBatchRequestEntry.1.MessageAttribute.1.Name", "PostalCode"},
                                        {"SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType", "String"},
                                        {"SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue", "ABC123"},
                                        {"SendMessageBatchRequestEntry.2.Id", "two"},
                                        {"SendMessageBatchRequestEntry.2.MessageBody", "b2"}}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("<SendMessageBatchResultEntry><Id>one</Id><MD5OfMessageAttributes>b8e89563a83b6381835710c1e088e74f"
                        "</MD5OfMessageAttributes>"),
            std::string::npos) << r.body;
  EXPECT_NE(r.body.find("<SendMessageBatchResultEntry><Id>two</Id><MD5OfMessageBody>"), std::string::npos) << r.body;
}

TEST_F(SqsApiTest, QueryProtocolErrorsAreErrorResponses) {
  http::Response r = Call(QueryRequest({{"Action", "GetQueueUrl"}, {"QueueName", "nope"}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("<ErrorResponse"), std::string::npos);
  EXPECT_NE(r.body.find("<Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code>"), std::string::npos)
      << r.body;
  r = Call(QueryRequest({{"Action", "Frobnicate"}}));
  EXPECT_NE(r.body.find("<Code>InvalidAction</Code>"), std::string::npos) << r.body;
  r = Call(QueryRequest({{"QueueName", "x"}}));
  EXPECT_NE(r.body.find("<Code>MissingParameter</Code>"), std::string::npos) << r.body;
  r = Call(QueryRequest({{"Action", "CreateQueue"}, {"QueueName", "x.fifo"}}));
  EXPECT_NE(r.body.find("AWS.SimpleQueueService.UnsupportedOperation"), std::string::npos) << r.body;
  r = Call(QueryRequest({{"Action", "CreateQueue"}, {"QueueName", "x"}, {"Attribute.99999.Name", "a"}}));
  EXPECT_EQ(r.status, 400);
}

TEST_F(SqsApiTest, JsonProtocolRoundTripAndErrors) {
  std::string url = QueueUrl("events");
  EXPECT_EQ(url, "http://127.0.0.1:4566/000000000000/events");
  json sent = CallJson("SendMessage", {{"QueueUrl", url}, {"MessageBody", "hi"}, {"DelaySeconds", 0},
                                       {"MessageAttributes", {{"blob", {{"DataType", "Binary"}, {"BinaryValue", "AAEC"}}},
                                                              {"n", {{"DataType", "Number.int"}, {"StringValue", "42"}}}}}});
  EXPECT_EQ(sent["MD5OfMessageBody"], sqs::Md5Hex("hi"));
  sqs::MessageAttributes expected = {{"blob", "Binary", std::string("\0\1\2", 3)}, {"n", "Number.int", "42"}};
  EXPECT_EQ(sent["MD5OfMessageAttributes"], sqs::Md5OfAttributes(expected));

  json got = CallJson("ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", 10},
                                         {"MessageAttributeNames", {"All"}}, {"MessageSystemAttributeNames", {"SentTimestamp"}}});
  ASSERT_EQ(got["Messages"].size(), 1u);
  json m = got["Messages"][0];
  EXPECT_EQ(m["Body"], "hi");
  EXPECT_EQ(m["MessageAttributes"]["blob"]["BinaryValue"], "AAEC");
  EXPECT_EQ(m["MessageAttributes"]["n"]["StringValue"], "42");
  EXPECT_EQ(m["MD5OfMessageAttributes"], sent["MD5OfMessageAttributes"]);
  EXPECT_EQ(m["Attributes"]["SentTimestamp"], std::to_string(clock_.NowMs()));
  EXPECT_FALSE(m["Attributes"].contains("SenderId"));

  http::Response missing = Call(JsonRequest("GetQueueUrl", {{"QueueName", "missing"}}));
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.headers.GetOr("x-amzn-query-error", ""), "AWS.SimpleQueueService.NonExistentQueue;Sender");
  EXPECT_EQ(json::parse(missing.body)["__type"], "com.amazonaws.sqs#QueueDoesNotExist");

  http::Response bad = Call(JsonRequest("ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", 11}}));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["__type"], "com.amazonaws.sqs#InvalidParameterValue");

  http::Request garbage = JsonRequest("SendMessage", {});
  garbage.body = "{not json";
  EXPECT_EQ(Call(std::move(garbage)).status, 400);
}

TEST_F(SqsApiTest, BatchesReportPerEntryFailures) {
  std::string url = QueueUrl("batch");
  json r = CallJson("SendMessageBatch", {{"QueueUrl", url}, {"Entries", {{{"Id", "a"}, {"MessageBody", "one"}},
                                                                         {{"Id", "b"}, {"MessageBody", ""}},
                                                                         {{"Id", "c"}, {"MessageBody", "three"}, {"DelaySeconds", 901}}}}});
  EXPECT_EQ(r["Successful"].size(), 1u);
  EXPECT_EQ(r["Successful"][0]["Id"], "a");
  ASSERT_EQ(r["Failed"].size(), 2u);
  EXPECT_EQ(r["Failed"][0]["SenderFault"], true);

  json dup = CallJson("SendMessageBatch", {{"QueueUrl", url}, {"Entries", {{{"Id", "x"}, {"MessageBody", "1"}},
                                                                           {{"Id", "x"}, {"MessageBody", "2"}}}}}, 400);
  EXPECT_EQ(dup["__type"], "com.amazonaws.sqs#BatchEntryIdsNotDistinct");
  json eleven = json::array();
  for (int i = 0; i < 11; ++i) eleven.push_back({{"Id", "e" + std::to_string(i)}, {"MessageBody", "m"}});
  EXPECT_EQ(CallJson("SendMessageBatch", {{"QueueUrl", url}, {"Entries", eleven}}, 400)["__type"],
            "com.amazonaws.sqs#TooManyEntriesInBatchRequest");
  EXPECT_EQ(CallJson("DeleteMessageBatch", {{"QueueUrl", url}, {"Entries", json::array()}}, 400)["__type"],
            "com.amazonaws.sqs#EmptyBatchRequest");

  json got = CallJson("ReceiveMessage", {{"QueueUrl", url}});
  ASSERT_EQ(got["Messages"].size(), 1u);
  std::string handle = got["Messages"][0]["ReceiptHandle"];
  json changed = CallJson("ChangeMessageVisibilityBatch",
                          {{"QueueUrl", url}, {"Entries", {{{"Id", "ok"}, {"ReceiptHandle", handle}, {"VisibilityTimeout", 0}},
                                                           {{"Id", "bad"}, {"ReceiptHandle", "zzz"}, {"VisibilityTimeout", 0}}}}});
  EXPECT_EQ(changed["Successful"].size(), 1u);
  EXPECT_EQ(changed["Failed"][0]["Code"], "ReceiptHandleIsInvalid");
  got = CallJson("ReceiveMessage", {{"QueueUrl", url}});
  ASSERT_EQ(got["Messages"].size(), 1u) << "visibility 0 made it receivable again";
  json deleted = CallJson("DeleteMessageBatch", {{"QueueUrl", url}, {"Entries", {{{"Id", "d"}, {"ReceiptHandle", got["Messages"][0]["ReceiptHandle"]}}}}});
  EXPECT_EQ(deleted["Successful"][0]["Id"], "d");
}

TEST_F(SqsApiTest, QueueManagementInBothProtocols) {
  QueueUrl("app-one");
  QueueUrl("app-two");
  QueueUrl("other");
  json listed = CallJson("ListQueues", {{"QueueNamePrefix", "app-"}});
  EXPECT_EQ(listed["QueueUrls"].size(), 2u);
  http::Response xml = Call(QueryRequest({{"Action", "ListQueues"}, {"QueueNamePrefix", "app-"}}));
  EXPECT_NE(xml.body.find("<ListQueuesResult><QueueUrl>http://localhost:9999/000000000000/app-one</QueueUrl>"
                          "<QueueUrl>http://localhost:9999/000000000000/app-two</QueueUrl></ListQueuesResult>"),
            std::string::npos) << xml.body;
  std::string url = "http://127.0.0.1:4566/000000000000/app-one";
  CallJson("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{"DelaySeconds", "3"}}}});
  json attrs = CallJson("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", {"All"}}})["Attributes"];
  EXPECT_EQ(attrs["DelaySeconds"], "3");
  EXPECT_EQ(attrs["QueueArn"], "arn:aws:sqs:us-east-1:000000000000:app-one");
  EXPECT_EQ(attrs["ApproximateNumberOfMessages"], "0");
  EXPECT_EQ(CallJson("CreateQueue", {{"QueueName", "app-one"}, {"Attributes", {{"DelaySeconds", "4"}}}}, 400)["__type"],
            "com.amazonaws.sqs#QueueNameExists");
  CallJson("TagQueue", {{"QueueUrl", url}, {"Tags", {{"team", "edge"}}}});
  EXPECT_EQ(CallJson("ListQueueTags", {{"QueueUrl", url}})["Tags"]["team"], "edge");
  CallJson("PurgeQueue", {{"QueueUrl", url}});
  CallJson("DeleteQueue", {{"QueueUrl", url}});
  EXPECT_EQ(CallJson("ListQueues", {{"QueueNamePrefix", "app-"}})["QueueUrls"].size(), 1u);
  http::Response gone = Call(QueryRequest({{"Action", "GetQueueAttributes"}, {"QueueUrl", url}, {"AttributeName.1", "All"}}));
  EXPECT_NE(gone.body.find("NonExistentQueue"), std::string::npos);
}

TEST_F(SqsApiTest, LongPollIsAnsweredBySendWithoutWaitingForTheDeadline) {
  std::string url = QueueUrl("lp");
  ReplySlot slot;
  api_->Handle(JsonRequest("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 20}}), slot.MakeReply());
  EXPECT_FALSE(slot.replied());
  CallJson("SendMessage", {{"QueueUrl", url}, {"MessageBody", "wake up"}});
  // The fake clock never moves: only the send can have answered it.
  json got = json::parse(slot.Wait().body);
  ASSERT_EQ(got["Messages"].size(), 1u);
  EXPECT_EQ(got["Messages"][0]["Body"], "wake up");
}

TEST_F(SqsApiTest, LongPollEndsEmptyAtItsDeadline) {
  std::string url = QueueUrl("lp");
  ReplySlot slot;
  api_->Handle(QueryRequest({{"Action", "ReceiveMessage"}, {"QueueUrl", url}, {"WaitTimeSeconds", "5"}}),
               slot.MakeReply());
  clock_.AdvanceMs(4999);
  api_->WakeLongPolls();
  EXPECT_FALSE(slot.replied());
  clock_.AdvanceMs(1);
  api_->WakeLongPolls();
  http::Response r = slot.Wait();
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("<ReceiveMessageResult></ReceiveMessageResult>"), std::string::npos) << r.body;
}

TEST_F(SqsApiTest, LongPollWakesWhenADelayOrVisibilityTimeoutEnds) {
  std::string url = QueueUrl("lp");
  CallJson("SendMessage", {{"QueueUrl", url}, {"MessageBody", "later"}, {"DelaySeconds", 3}});
  ReplySlot slot;
  api_->Handle(JsonRequest("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 10}, {"VisibilityTimeout", 2}}),
               slot.MakeReply());
  EXPECT_FALSE(slot.replied());
  clock_.AdvanceSeconds(3);
  api_->WakeLongPolls();
  json first = json::parse(slot.Wait().body);
  ASSERT_EQ(first["Messages"].size(), 1u);

  ReplySlot again;
  api_->Handle(JsonRequest("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 10}}), again.MakeReply());
  clock_.AdvanceSeconds(2);  // the 2 s visibility timeout of the first receive ends
  api_->WakeLongPolls();
  json second = json::parse(again.Wait().body);
  ASSERT_EQ(second["Messages"].size(), 1u);
  EXPECT_EQ(second["Messages"][0]["Body"], "later");
}

TEST_F(SqsApiTest, QueueDefaultWaitTimeAndManyWaiters) {
  CallJson("CreateQueue", {{"QueueName", "slow"}, {"Attributes", {{"ReceiveMessageWaitTimeSeconds", "20"}}}});
  std::string url = "http://127.0.0.1:4566/000000000000/slow";
  constexpr int kWaiters = 50;
  std::vector<std::unique_ptr<ReplySlot>> slots;
  for (int i = 0; i < kWaiters; ++i) {
    slots.push_back(std::make_unique<ReplySlot>());
    api_->Handle(JsonRequest("ReceiveMessage", {{"QueueUrl", url}}), slots.back()->MakeReply());
  }
  for (int i = 0; i < 10; ++i) CallJson("SendMessage", {{"QueueUrl", url}, {"MessageBody", "m" + std::to_string(i)}});
  // Each message answers one waiter (the poller thread does it); then stopping answers the rest
  // with no messages: every waiter gets exactly one reply.
  auto replied = [&] {
    int n = 0;
    for (auto& s : slots) n += s->replied();
    return n;
  };
  // Before Stop only a message can answer a waiter (the fake clock stands still).
  for (int i = 0; i < 10000 && replied() < 10; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(replied(), 10);
  api_->Stop();
  int with_message = 0;
  for (auto& s : slots) {
    json j = json::parse(s->Wait().body);
    with_message += j.contains("Messages") ? static_cast<int>(j["Messages"].size()) : 0;
  }
  EXPECT_EQ(with_message, 10);
  ReplySlot after;
  api_->Handle(JsonRequest("ReceiveMessage", {{"QueueUrl", url}}), after.MakeReply());
  EXPECT_EQ(json::parse(after.Wait().body).size(), 0u) << "a stopped api answers long polls at once";
}

}  // namespace
}  // namespace cloud
