// The monitoring query API on a real store: GetMetricStatistics and GetMetricData XML, errors.
#include "cloud/cloudwatch/monitoring_api.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace cloudwatch {
namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/edgeface-mon-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

http::Response Post(MonitoringApi& api, std::string body) {
  http::Request r;
  r.method = "POST";
  r.target = "/";
  r.ParseTarget();
  r.headers.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  r.body = std::move(body);
  return api.HandleNow(r);
}

TEST(MonitoringApiTest, GetMetricStatisticsSumsAMinute) {
  TempDir dir;
  auto store = MetricStore::Open(dir.path);
  ASSERT_TRUE(store.ok());
  MonitoringApi api(store->get());
  const int64_t t = *ParseTimestamp("2026-11-23T13:00:00Z");
  for (int i = 0; i < 7; ++i) (*store)->Put({"AWS/Lambda", "Invocations", {{"FunctionName", "f"}}}, 1, t * 1000 + i, "Count");
  auto r = Post(api,
                "Action=GetMetricStatistics&Version=2010-08-01&Namespace=AWS%2FLambda&MetricName=Invocations"
                "&Dimensions.member.1.Name=FunctionName&Dimensions.member.1.Value=f"
                "&StartTime=2026-11-23T12%3A55%3A00Z&EndTime=2026-11-23T13%3A05%3A00.000Z&Period=60"
                "&Statistics.member.1=Sum&Statistics.member.2=SampleCount");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("<Timestamp>2026-11-23T13:00:00Z</Timestamp><Sum>7</Sum><SampleCount>7</SampleCount>"),
            std::string::npos)
      << r.body;
  // Without the dimension it is another metric: no datapoints.
  auto none = Post(api,
                   "Action=GetMetricStatistics&Namespace=AWS%2FLambda&MetricName=Invocations"
                   "&StartTime=2026-11-23T12%3A55%3A00Z&EndTime=2026-11-23T13%3A05%3A00Z&Period=60&Statistics.member.1=Sum");
  ASSERT_EQ(none.status, 200);
  EXPECT_EQ(none.body.find("<member>"), std::string::npos) << none.body;
}

TEST(MonitoringApiTest, GetMetricDataReturnsValuesNewestFirst) {
  TempDir dir;
  auto store = MetricStore::Open(dir.path);
  ASSERT_TRUE(store.ok());
  MonitoringApi api(store->get());
  const int64_t t = *ParseTimestamp("2026-11-23T13:00:00Z");
  (*store)->Put({"AWS/Lambda", "ConcurrentExecutions", {}}, 3, t * 1000, "Count");
  (*store)->Put({"AWS/Lambda", "ConcurrentExecutions", {}}, 9, t * 1000 + 1, "Count");
  (*store)->Put({"AWS/Lambda", "ConcurrentExecutions", {}}, 2, (t + 60) * 1000, "Count");
  auto r = Post(api,
                "Action=GetMetricData&StartTime=2026-11-23T12%3A00%3A00Z&EndTime=2026-11-23T14%3A00%3A00Z"
                "&MetricDataQueries.member.1.Id=c&MetricDataQueries.member.1.MetricStat.Metric.Namespace=AWS%2FLambda"
                "&MetricDataQueries.member.1.MetricStat.Metric.MetricName=ConcurrentExecutions"
                "&MetricDataQueries.member.1.MetricStat.Period=60&MetricDataQueries.member.1.MetricStat.Stat=Maximum");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("<Values><member>2</member><member>9</member></Values>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("<Id>c</Id>"), std::string::npos);
}

TEST(MonitoringApiTest, BadRequestsGetQueryErrors) {
  TempDir dir;
  auto store = MetricStore::Open(dir.path);
  ASSERT_TRUE(store.ok());
  MonitoringApi api(store->get());
  auto missing = Post(api, "Action=GetMetricStatistics&Namespace=AWS%2FLambda");
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body.find("<Code>MissingParameter</Code>"), std::string::npos) << missing.body;
  auto period = Post(api,
                     "Action=GetMetricStatistics&Namespace=N&MetricName=M&StartTime=2026-11-23T12%3A00%3A00Z"
                     "&EndTime=2026-11-23T13%3A00%3A00Z&Period=61&Statistics.member.1=Sum");
  EXPECT_EQ(period.status, 400);
  EXPECT_NE(period.body.find("InvalidParameterValue"), std::string::npos);
  EXPECT_EQ(Post(api, "Action=DeleteEverything").status, 400);
}

TEST(MonitoringApiTest, TimestampsParseAsAwsClientsSendThem) {
  EXPECT_EQ(ParseTimestamp("2026-11-23T13:00:00Z"), ParseTimestamp("2026-11-23T13:00:00.123Z"));
  EXPECT_EQ(*ParseTimestamp("2026-11-23T14:00:00+01:00"), *ParseTimestamp("2026-11-23T13:00:00Z"));
  EXPECT_EQ(ParseTimestamp("1795000000"), 1795000000);
  EXPECT_FALSE(ParseTimestamp("yesterday"));
  EXPECT_EQ(FormatTimestamp(*ParseTimestamp("2026-11-23T13:00:00Z")), "2026-11-23T13:00:00Z");
}

}  // namespace
}  // namespace cloudwatch
