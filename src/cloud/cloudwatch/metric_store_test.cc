// The metric store: per-minute aggregation, periods, dimensions as separate series, percentiles,
// and data surviving a reopen.
#include "cloud/cloudwatch/metric_store.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace cloudwatch {
namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/edgeface-metrics-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

constexpr int64_t kMinute = 1'800'000'000 / 60 * 60;  // a minute boundary, epoch seconds
const MetricId kDuration{"AWS/Lambda", "Duration", {{"FunctionName", "echo"}}};

TEST(MetricStoreTest, AggregatesSamplesPerMinute) {
  TempDir dir;
  auto store = MetricStore::Open(dir.path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  for (double v : {10.0, 20.0, 30.0}) (*store)->Put(kDuration, v, kMinute * 1000 + 5'000, "Milliseconds");
  (*store)->Put(kDuration, 100, (kMinute + 60) * 1000 + 59'999, "Milliseconds");
  auto points = (*store)->Query(kDuration, kMinute, kMinute + 120, 60);
  ASSERT_TRUE(points.ok());
  ASSERT_EQ(points->size(), 2u);
  EXPECT_EQ((*points)[0].timestamp_s, kMinute);
  EXPECT_EQ((*points)[0].stats.sample_count, 3);
  EXPECT_EQ((*points)[0].stats.sum, 60);
  EXPECT_EQ((*points)[0].stats.minimum, 10);
  EXPECT_EQ((*points)[0].stats.maximum, 30);
  EXPECT_EQ((*points)[0].stats.unit, "Milliseconds");
  EXPECT_EQ((*points)[1].timestamp_s, kMinute + 60);
  EXPECT_EQ((*points)[1].stats.sum, 100);
}

TEST(MetricStoreTest, LongerPeriodsCombineMinutesAndRangeIsHalfOpen) {
  TempDir dir;
  auto store = MetricStore::Open(dir.path);
  ASSERT_TRUE(store.ok());
  for (int m = 0; m < 10; ++m) (*store)->Put(kDuration, m, (kMinute + 60 * m) * 1000, "Milliseconds");
  auto points = (*store)->Query(kDuration, kMinute, kMinute + 300, 300);
  ASSERT_TRUE(points.ok());
  ASSERT_EQ(points->size(), 1u);  // minutes 0..4 only
  EXPECT_EQ((*points)[0].stats.sample_count, 5);
  EXPECT_EQ((*points)[0].stats.maximum, 4);
  EXPECT_FALSE((*store)->Query(kDuration, kMinute, kMinute + 300, 90).ok());  // not a multiple of 60
}

TEST(MetricStoreTest, DimensionSetsAreSeparateMetrics) {
  TempDir dir;
  auto store = MetricStore::Open(dir.path);
  ASSERT_TRUE(store.ok());
  MetricId all{"AWS/Lambda", "Invocations", {}};
  MetricId echo{"AWS/Lambda", "Invocations", {{"FunctionName", "echo"}}};
  MetricId other{"AWS/Lambda", "Invocations", {{"FunctionName", "a=b;c"}}};
  (*store)->Put(all, 1, kMinute * 1000);
  (*store)->Put(all, 1, kMinute * 1000);
  (*store)->Put(echo, 1, kMinute * 1000);
  (*store)->Put(other, 1, kMinute * 1000);
  EXPECT_EQ((*store)->Query(all, kMinute, kMinute + 60, 60)->at(0).stats.sum, 2);
  EXPECT_EQ((*store)->Query(echo, kMinute, kMinute + 60, 60)->at(0).stats.sum, 1);
  auto list = (*store)->List("AWS/Lambda", "Invocations");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  bool found_odd_name = false;
  for (const auto& m : *list) found_odd_name |= m.dimensions == other.dimensions;
  EXPECT_TRUE(found_odd_name) << "dimension values with '=' and ';' round-trip";
}

TEST(MetricStoreTest, SurvivesReopenAndMergesLaterSamplesIntoStoredMinutes) {
  TempDir dir;
  {
    auto store = MetricStore::Open(dir.path);
    ASSERT_TRUE(store.ok());
    (*store)->Put(kDuration, 5, kMinute * 1000, "Milliseconds", true);
    (*store)->Put(kDuration, 7, kMinute * 1000, "Milliseconds", true);
  }  // the destructor flushes
  auto store = MetricStore::Open(dir.path);
  ASSERT_TRUE(store.ok());
  (*store)->Put(kDuration, 1, kMinute * 1000 + 1, "Milliseconds", true);
  auto points = (*store)->Query(kDuration, kMinute, kMinute + 60, 60);
  ASSERT_TRUE(points.ok());
  ASSERT_EQ(points->size(), 1u);
  EXPECT_EQ((*points)[0].stats.sample_count, 3);
  EXPECT_EQ((*points)[0].stats.sum, 13);
  EXPECT_EQ((*points)[0].stats.minimum, 1);
  EXPECT_EQ((*points)[0].stats.maximum, 7);
}

TEST(MetricStoreTest, PercentilesFromTheHistogramAreWithinABucket) {
  TempDir dir;
  auto store = MetricStore::Open(dir.path);
  ASSERT_TRUE(store.ok());
  for (int i = 1; i <= 1000; ++i) (*store)->Put(kDuration, i, kMinute * 1000, "Milliseconds", true);
  auto points = (*store)->Query(kDuration, kMinute, kMinute + 60, 60);
  ASSERT_TRUE(points.ok());
  ASSERT_EQ(points->size(), 1u);
  auto p50 = (*points)[0].stats.Percentile(50);
  auto p99 = (*points)[0].stats.Percentile(99);
  ASSERT_TRUE(p50 && p99);
  EXPECT_NEAR(*p50, 500, 500 * 0.05);
  EXPECT_NEAR(*p99, 990, 990 * 0.05);
  EXPECT_FALSE((*points)[0].stats.Percentile(0));
}

}  // namespace
}  // namespace cloudwatch
