#include "cloud/sqs/sqs_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <random>

#include "cloud/sqs/sqs_errors.h"

namespace cloud::sqs {
namespace {

class SqsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sqs_store_test_" + std::to_string(std::random_device{}()));
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    store_.reset();
    auto s = SqsStore::Open(dir_.string(), &clock_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  void Create(const std::string& name, AttributeMap attrs = {}) {
    auto r = store_->CreateQueue(name, attrs, {});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  SentMessage Send(const std::string& queue, const std::string& body, std::optional<int64_t> delay = {}) {
    std::vector<NewMessage> m(1);
    m[0].body = body;
    m[0].delay_seconds = delay;
    auto r = store_->SendMessages(queue, std::move(m));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE((*r)[0].ok()) << (*r)[0].status().ToString();
    return *(*r)[0];
  }
  std::vector<ReceivedMessage> Receive(const std::string& queue, int max = 10,
                                       std::optional<int64_t> visibility = {}) {
    auto r = store_->Receive(queue, max, visibility);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<ReceivedMessage>{};
  }
  std::string Attribute(const std::string& queue, const std::string& name) {
    auto r = store_->GetQueueAttributes(queue, {name});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return (*r)[name];
  }

  std::filesystem::path dir_;
  FakeClock clock_;
  std::unique_ptr<SqsStore> store_;
};

TEST_F(SqsStoreTest, SendReceiveDeleteRoundTrip) {
  Create("q");
  SentMessage sent = Send("q", "hello");
  EXPECT_EQ(sent.md5_of_body, "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(sent.message_id.size(), 36u);
  auto got = Receive("q");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "hello");
  EXPECT_EQ(got[0].message_id, sent.message_id);
  EXPECT_EQ(got[0].receive_count, 1);
  EXPECT_EQ(got[0].sent_ms, clock_.NowMs());
  EXPECT_TRUE(Receive("q").empty()) << "an in-flight message is not received twice";
  ASSERT_TRUE(store_->DeleteMessage("q", got[0].receipt_handle).ok());
  clock_.AdvanceSeconds(31);
  EXPECT_TRUE(Receive("q").empty()) << "a deleted message never comes back";
}

TEST_F(SqsStoreTest, VisibilityTimeoutReturnsMessageWithNewHandle) {
  Create("q", {{"VisibilityTimeout", "10"}});
  Send("q", "m");
  auto first = Receive("q");
  ASSERT_EQ(first.size(), 1u);
  clock_.AdvanceSeconds(9);
  EXPECT_TRUE(Receive("q").empty());
  EXPECT_EQ(Attribute("q", "ApproximateNumberOfMessagesNotVisible"), "1");
  clock_.AdvanceSeconds(1);
  auto second = Receive("q");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].receive_count, 2);
  EXPECT_EQ(second[0].first_receive_ms, first[0].first_receive_ms);
  EXPECT_NE(second[0].receipt_handle, first[0].receipt_handle);
  // The older handle can no longer change visibility, the newer can.
  EXPECT_FALSE(store_->ChangeVisibility("q", first[0].receipt_handle, 0).ok());
  ASSERT_TRUE(store_->ChangeVisibility("q", second[0].receipt_handle, 0).ok());
  EXPECT_EQ(Receive("q").size(), 1u);
}

TEST_F(SqsStoreTest, ReceiveVisibilityOverrideAndChangeVisibility) {
  Create("q");
  Send("q", "m");
  auto got = Receive("q", 1, 100);
  ASSERT_EQ(got.size(), 1u);
  clock_.AdvanceSeconds(50);
  EXPECT_TRUE(Receive("q").empty());
  ASSERT_TRUE(store_->ChangeVisibility("q", got[0].receipt_handle, 5).ok());
  clock_.AdvanceSeconds(5);
  auto again = Receive("q");
  ASSERT_EQ(again.size(), 1u);
  clock_.AdvanceSeconds(31);
  auto s = store_->ChangeVisibility("q", again[0].receipt_handle, 10);
  EXPECT_EQ(SqsErrorName(s), "MessageNotInflight");
}

TEST_F(SqsStoreTest, DelaySecondsPerQueueAndPerMessage) {
  Create("q", {{"DelaySeconds", "5"}});
  Send("q", "queue-delay");
  Send("q", "no-delay", 0);
  Send("q", "long-delay", 20);
  EXPECT_EQ(Attribute("q", "ApproximateNumberOfMessagesDelayed"), "2");
  auto now = Receive("q");
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0].body, "no-delay");
  EXPECT_EQ(store_->NextVisibleMs("q"), clock_.NowMs() + 5000);
  clock_.AdvanceSeconds(5);
  auto later = Receive("q");
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].body, "queue-delay");
  clock_.AdvanceSeconds(15);
  ASSERT_EQ(Receive("q").size(), 1u);
}

TEST_F(SqsStoreTest, RetentionDropsOldMessages) {
  Create("q", {{"MessageRetentionPeriod", "60"}});
  Send("q", "old");
  clock_.AdvanceSeconds(30);
  Send("q", "young");
  clock_.AdvanceSeconds(31);
  EXPECT_EQ(Attribute("q", "ApproximateNumberOfMessages"), "1");
  auto got = Receive("q");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "young");
}

TEST_F(SqsStoreTest, RedriveMovesMessageAfterMaxReceiveCount) {
  Create("dlq");
  Create("src", {{"VisibilityTimeout", "0"},
                 {"RedrivePolicy", R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":"2"})"}});
  std::vector<std::string> notified;
  store_->SetMessagesAvailableCallback([&](const std::string& q) { notified.push_back(q); });
  Send("src", "poison");
  ASSERT_EQ(Receive("src").size(), 1u);
  ASSERT_EQ(Receive("src").size(), 1u);
  EXPECT_TRUE(Receive("src").empty()) << "the third receive exceeds maxReceiveCount=2";
  auto dead = Receive("dlq");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].body, "poison");
  EXPECT_NE(std::find(notified.begin(), notified.end(), "dlq"), notified.end());
  auto sources = store_->ListDeadLetterSourceQueues("dlq");
  ASSERT_TRUE(sources.ok());
  EXPECT_EQ(*sources, std::vector<std::string>{"src"});
  EXPECT_EQ(Attribute("src", "RedrivePolicy"),
            R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":2})");
}

TEST_F(SqsStoreTest, RedrivePolicyMustNameAnExistingQueue) {
  auto r = store_->CreateQueue("src", {{"RedrivePolicy", R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:nope","maxReceiveCount":3})"}}, {});
  EXPECT_EQ(SqsErrorName(r.status()), "InvalidAttributeValue");
  EXPECT_FALSE(store_->QueueExists("src"));
}

TEST_F(SqsStoreTest, CreateIsIdempotentOnlyWithSameAttributes) {
  auto first = store_->CreateQueue("q", {{"VisibilityTimeout", "45"}}, {});
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(*first);
  auto same = store_->CreateQueue("q", {{"VisibilityTimeout", "45"}}, {});
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(*same);
  auto different = store_->CreateQueue("q", {{"VisibilityTimeout", "46"}}, {});
  EXPECT_EQ(SqsErrorName(different.status()), "QueueAlreadyExists");
}

TEST_F(SqsStoreTest, RejectsBadNamesAttributesAndFifo) {
  EXPECT_EQ(SqsErrorName(store_->CreateQueue("bad name", {}, {}).status()), "InvalidParameterValue");
  EXPECT_EQ(SqsErrorName(store_->CreateQueue(std::string(81, 'a'), {}, {}).status()), "InvalidParameterValue");
  EXPECT_EQ(SqsErrorName(store_->CreateQueue("q.fifo", {}, {}).status()), "UnsupportedOperation");
  EXPECT_EQ(SqsErrorName(store_->CreateQueue("q", {{"FifoQueue", "true"}}, {}).status()), "UnsupportedOperation");
  EXPECT_EQ(SqsErrorName(store_->CreateQueue("q", {{"Colour", "blue"}}, {}).status()), "InvalidAttributeName");
  EXPECT_EQ(SqsErrorName(store_->CreateQueue("q", {{"VisibilityTimeout", "43201"}}, {}).status()), "InvalidAttributeValue");
  EXPECT_EQ(SqsErrorName(store_->CreateQueue("q", {{"DelaySeconds", "x"}}, {}).status()), "InvalidAttributeValue");
  EXPECT_TRUE(store_->ListQueues("").empty());
}

TEST_F(SqsStoreTest, AttributesListPurgeAndDelete) {
  Create("alpha", {{"Policy", "{}"}});
  Create("alpine");
  Create("beta");
  EXPECT_EQ(store_->ListQueues("al"), (std::vector<std::string>{"alpha", "alpine"}));
  auto all = store_->GetQueueAttributes("alpha", {"All"});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)["VisibilityTimeout"], "30");
  EXPECT_EQ((*all)["MaximumMessageSize"], "262144");
  EXPECT_EQ((*all)["QueueArn"], "arn:aws:sqs:us-east-1:000000000000:alpha");
  EXPECT_EQ((*all)["Policy"], "{}");
  EXPECT_EQ((*all)["CreatedTimestamp"], std::to_string(clock_.NowMs() / 1000));
  EXPECT_EQ(SqsErrorName(store_->GetQueueAttributes("alpha", {"Nope"}).status()), "InvalidAttributeName");
  clock_.AdvanceSeconds(7);
  ASSERT_TRUE(store_->SetQueueAttributes("alpha", {{"VisibilityTimeout", "7"}}).ok());
  EXPECT_EQ(Attribute("alpha", "VisibilityTimeout"), "7");
  EXPECT_EQ(Attribute("alpha", "LastModifiedTimestamp"), std::to_string(clock_.NowMs() / 1000));
  Send("alpha", "a");
  Send("alpha", "b");
  EXPECT_EQ(Attribute("alpha", "ApproximateNumberOfMessages"), "2");
  ASSERT_TRUE(store_->PurgeQueue("alpha").ok());
  EXPECT_EQ(Attribute("alpha", "ApproximateNumberOfMessages"), "0");
  ASSERT_TRUE(store_->DeleteQueue("alpha").ok());
  EXPECT_EQ(SqsErrorName(store_->DeleteQueue("alpha")), "QueueDoesNotExist");
  EXPECT_EQ(SqsErrorName(store_->Receive("alpha", 1, {}).status()), "QueueDoesNotExist");
}

TEST_F(SqsStoreTest, MessageSizeLimitIsPerEntry) {
  Create("q", {{"MaximumMessageSize", "1024"}});
  std::vector<NewMessage> batch(2);
  batch[0].body = std::string(1025, 'x');
  batch[1].body = "fits";
  auto r = store_->SendMessages("q", std::move(batch));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE((*r)[0].ok());
  EXPECT_TRUE((*r)[1].ok());
  EXPECT_EQ(Receive("q").size(), 1u);
}

TEST_F(SqsStoreTest, ReceiptHandlesAreCheckedAgainstTheQueue) {
  Create("a");
  Create("b");
  Send("a", "m");
  auto got = Receive("a");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(SqsErrorName(store_->DeleteMessage("b", got[0].receipt_handle)), "ReceiptHandleIsInvalid");
  EXPECT_EQ(SqsErrorName(store_->DeleteMessage("a", "garbage")), "ReceiptHandleIsInvalid");
  EXPECT_TRUE(store_->DeleteMessage("a", got[0].receipt_handle).ok());
  EXPECT_TRUE(store_->DeleteMessage("a", got[0].receipt_handle).ok()) << "deleting twice is not an error";
}

TEST_F(SqsStoreTest, EverythingSurvivesReopen) {
  Create("q", {{"VisibilityTimeout", "60"}});
  ASSERT_TRUE(store_->TagQueue("q", {{"team", "edge"}}).ok());
  MessageAttributes attrs = {{"k", "String", "v"}};
  std::vector<NewMessage> m(2);
  m[0].body = "kept";
  m[0].attributes = attrs;
  m[1].body = "deleted";
  ASSERT_TRUE(store_->SendMessages("q", std::move(m)).ok());
  auto got = Receive("q");
  ASSERT_EQ(got.size(), 2u);
  for (auto& g : got) {
    if (g.body == "deleted") {
      ASSERT_TRUE(store_->DeleteMessage("q", g.receipt_handle).ok());
    }
  }
  Reopen();
  EXPECT_EQ(Attribute("q", "VisibilityTimeout"), "60");
  EXPECT_EQ(store_->ListQueueTags("q")->at("team"), "edge");
  EXPECT_TRUE(Receive("q").empty()) << "still in flight after reopen";
  clock_.AdvanceSeconds(60);
  auto after = Receive("q");
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].body, "kept");
  EXPECT_EQ(after[0].receive_count, 2);
  EXPECT_EQ(after[0].attributes.size(), 1u);
  EXPECT_EQ(Md5OfAttributes(after[0].attributes), Md5OfAttributes(attrs));
}

// Sends submitted together are committed in one transaction; a call that fails halfway (here an
// injected SQLite error on its second row) must store nothing of its own and must neither lose
// nor duplicate the other calls' messages, and every call is answered exactly once.
TEST_F(SqsStoreTest, GroupCommittedSendsIsolateAFailingCall) {
  Create("q");
  store_.reset();
  {
    auto db = base::Db::Open((dir_ / "sqs.db").string());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE(db->Exec("CREATE TRIGGER poison BEFORE INSERT ON messages WHEN NEW.body = 'poison' "
                         "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;").ok());
  }
  Reopen();

  constexpr int kCalls = 40;
  constexpr int kPoisoned = 17;  // this call's messages: "call17-a", then "poison"
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int> answers(kCalls, 0);
  std::vector<bool> ok(kCalls, false);
  for (int i = 0; i < kCalls; ++i) {
    std::vector<NewMessage> m(2);
    m[0].body = "call" + std::to_string(i) + "-a";
    m[1].body = i == kPoisoned ? "poison" : "call" + std::to_string(i) + "-b";
    std::string queue = i == 5 ? "missing" : "q";  // another call failing (before any insert)
    store_->SubmitSend(queue, std::move(m), [&, i](base::StatusOr<std::vector<base::StatusOr<SentMessage>>> r) {
      std::lock_guard<std::mutex> lock(mu);
      ++answers[i];
      ok[i] = r.ok();
      cv.notify_all();
    });
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] {
      return std::all_of(answers.begin(), answers.end(), [](int n) { return n > 0; });
    }));
  }
  std::multiset<std::string> expected, got;
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_EQ(answers[i], 1) << "call " << i;
    EXPECT_EQ(ok[i], i != kPoisoned && i != 5) << "call " << i;
    if (i == kPoisoned || i == 5) continue;
    expected.insert("call" + std::to_string(i) + "-a");
    expected.insert("call" + std::to_string(i) + "-b");
  }
  Reopen();  // what was acknowledged is committed, not just in memory
  for (;;) {
    auto batch = Receive("q", 10, 600);
    if (batch.empty()) break;
    for (auto& m : batch) got.insert(m.body);
  }
  EXPECT_EQ(got, expected);
}

}  // namespace
}  // namespace cloud::sqs
