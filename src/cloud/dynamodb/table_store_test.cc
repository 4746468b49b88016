// The store without HTTP: key encoding order, range scans, paging, conditions, reopen.
#include "cloud/dynamodb/table_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "cloud/dynamodb/expression.h"

namespace dynamodb {
namespace {

class TableStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("dynamodb_store_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    store_.reset();
    auto s = TableStore::Open(dir_.string());
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
  }
  void CreateNumberRangeTable() {
    TableInfo t;
    t.name = "events";
    t.hash = {"pk", Type::kS};
    t.range = KeyAttribute{"ts", Type::kN};
    t.description_json = "{}";
    ASSERT_TRUE(store_->CreateTable(t).ok());
  }
  static Item Event(const std::string& pk, const std::string& ts) {
    Item item;
    item["pk"] = Value::S(pk);
    item["ts"] = Value::N(ts);
    return item;
  }

  std::filesystem::path dir_;
  std::unique_ptr<TableStore> store_;
};

TEST_F(TableStoreTest, QueryOrdersNumbersNumericallyAndPages) {
  CreateNumberRangeTable();
  for (const char* ts : {"10", "9", "-1", "100", "0.5", "2", "-20"}) {
    ASSERT_TRUE(store_->Put("events", Event("a", ts), nullptr).ok());
  }
  ASSERT_TRUE(store_->Put("events", Event("b", "1"), nullptr).ok());
  QuerySpec spec;
  spec.hash = Value::S("a");
  auto page = store_->Query("events", spec);
  ASSERT_TRUE(page.ok());
  std::vector<std::string> got;
  for (const Item& i : page->items) got.push_back(i.at("ts").scalar);
  EXPECT_EQ(got, (std::vector<std::string>{"-20", "-1", "0.5", "2", "9", "10", "100"}));
  EXPECT_FALSE(page->last_evaluated_key.has_value());

  // Pages of 3, backwards, between -1 and 10.
  spec.forward = false;
  spec.limit = 3;
  spec.range.op = RangeCondition::Op::kBetween;
  spec.range.a = Value::N("-1");
  spec.range.b = Value::N("10");
  got.clear();
  int pages = 0;
  for (;;) {
    auto p = store_->Query("events", spec);
    ASSERT_TRUE(p.ok());
    ++pages;
    for (const Item& i : p->items) got.push_back(i.at("ts").scalar);
    if (!p->last_evaluated_key) break;
    spec.exclusive_start_key = p->last_evaluated_key;
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"10", "9", "2", "0.5", "-1"}));
}

TEST_F(TableStoreTest, SameNumberWrittenDifferentlyIsOneKey) {
  CreateNumberRangeTable();
  Item a = Event("a", "1");
  a["v"] = Value::S("first");
  ASSERT_TRUE(store_->Put("events", a, nullptr).ok());
  Item b = Event("a", "1");  // the wire reader canonicalises "1.0" to "1" before it gets here
  b["v"] = Value::S("second");
  auto old = store_->Put("events", b, nullptr);
  ASSERT_TRUE(old.ok());
  ASSERT_TRUE(old->has_value());
  EXPECT_EQ((*old)->at("v").scalar, "first");
  EXPECT_EQ(store_->Stats("events")->item_count, 1);
}

TEST_F(TableStoreTest, ConditionFailureWritesNothing) {
  CreateNumberRangeTable();
  ASSERT_TRUE(store_->Put("events", Event("a", "1"), nullptr).ok());
  ExpressionContext ctx;
  auto cond = ParseCondition("attribute_not_exists(pk)", "ConditionExpression", &ctx);
  ASSERT_TRUE(cond.ok());
  Item again = Event("a", "1");
  again["extra"] = Value::Bool(true);
  auto r = store_->Put("events", again, &*cond);
  EXPECT_EQ(r.status().code(), base::Status::Code::kFailedPrecondition);
  EXPECT_EQ(r.status().message(), "The conditional request failed");
  auto got = store_->Get("events", Event("a", "1"));
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->count("extra"), 0u);
}

TEST_F(TableStoreTest, KeyValidationUsesDynamoDbWords) {
  CreateNumberRangeTable();
  Item missing;
  missing["pk"] = Value::S("a");
  EXPECT_EQ(store_->Put("events", missing, nullptr).status().message(),
            "One or more parameter values were invalid: Missing the key ts in the item");
  Item wrong = Event("a", "1");
  wrong["ts"] = Value::S("1");
  EXPECT_EQ(store_->Put("events", wrong, nullptr).status().message(),
            "One or more parameter values were invalid: Type mismatch for key ts expected: N actual: S");
  EXPECT_EQ(store_->Get("events", missing).status().message(), "The provided key element does not match the schema");
  Item empty = Event("", "1");
  EXPECT_EQ(store_->Put("events", empty, nullptr).status().message(),
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an "
            "empty string value. Key: pk");
  EXPECT_EQ(store_->Put("nope", Event("a", "1"), nullptr).status().code(), base::Status::Code::kNotFound);
  Item big = Event("a", "2");
  big["blob"] = Value::S(std::string(400 * 1024, 'x'));
  EXPECT_EQ(store_->Put("events", big, nullptr).status().message(), "Item size has exceeded the maximum allowed size");
}

TEST_F(TableStoreTest, TablesAndItemsSurviveReopen) {
  CreateNumberRangeTable();
  std::vector<WriteRequest> batch;
  for (int i = 0; i < 25; ++i) batch.push_back({"events", true, Event("p", std::to_string(i))});
  ASSERT_TRUE(store_->BatchWrite(batch).ok());
  Reopen();
  auto info = store_->GetTable("events");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->range->name, "ts");
  EXPECT_EQ(info->range->type, Type::kN);
  EXPECT_EQ(store_->Stats("events")->item_count, 25);
  ASSERT_TRUE(store_->DeleteTable("events").ok());
  Reopen();
  EXPECT_EQ(store_->GetTable("events").status().code(), base::Status::Code::kNotFound);
}

TEST_F(TableStoreTest, ScanSegmentsPartitionTheTable) {
  CreateNumberRangeTable();
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(store_->Put("events", Event("h" + std::to_string(i), "1"), nullptr).ok());
  int total = 0;
  for (int seg = 0; seg < 3; ++seg) {
    QuerySpec spec;
    spec.segment = seg;
    spec.total_segments = 3;
    auto p = store_->Scan("events", spec);
    ASSERT_TRUE(p.ok());
    total += static_cast<int>(p->items.size());
  }
  EXPECT_EQ(total, 40);
}

}  // namespace
}  // namespace dynamodb
