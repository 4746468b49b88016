// Log files: process output split into events, streams and groups listed back, reading from an
// offset, and the plain-term filter patterns.
#include "cloud/cloudwatch/log_store.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace cloudwatch {
namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/edgeface-logs-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

const char* kGroup = "/aws/lambda/echo";
const char* kStream = "2026/11/23/[$LATEST]0123abcd";

std::vector<std::string> Messages(const std::string& root, const char* stream, int64_t offset = 0,
                                  int64_t* end = nullptr) {
  int64_t end_offset = 0;
  auto events = ReadEvents(root, kGroup, stream, offset, 0, INT64_MAX, 1000, &end_offset);
  EXPECT_TRUE(events.ok()) << events.status().ToString();
  if (end) *end = end_offset;
  std::vector<std::string> out;
  if (events.ok()) {
    for (auto& e : *events) out.push_back(e.message);
  }
  return out;
}

TEST(LogStoreTest, OutputPiecesBecomeOneEventPerLine) {
  TempDir dir;
  LogLineWriter w;
  ASSERT_TRUE(w.Open(dir.path, kGroup, kStream).ok());
  w.AppendLine("START RequestId: r1 Version: $LATEST");
  w.AppendOutput("hel");
  w.AppendOutput("lo\nwor");
  w.AppendOutput("ld\r\nno newline");
  w.AppendLine("END RequestId: r1");
  EXPECT_EQ(Messages(dir.path, kStream),
            (std::vector<std::string>{"START RequestId: r1 Version: $LATEST", "hello", "world", "no newline",
                                      "END RequestId: r1"}));
}

TEST(LogStoreTest, ReadingResumesAtTheReturnedOffset) {
  TempDir dir;
  LogLineWriter w;
  ASSERT_TRUE(w.Open(dir.path, kGroup, kStream).ok());
  w.AppendLine("one");
  int64_t end = 0;
  EXPECT_EQ(Messages(dir.path, kStream, 0, &end).size(), 1u);
  w.AppendLine("two");
  w.AppendOutput("partial");  // not an event until its line ends
  EXPECT_EQ(Messages(dir.path, kStream, end), std::vector<std::string>{"two"});
}

TEST(LogStoreTest, GroupsAndStreamsAreListedByTheirNames) {
  TempDir dir;
  {
    LogLineWriter a, b, c;
    ASSERT_TRUE(a.Open(dir.path, kGroup, kStream).ok());
    ASSERT_TRUE(b.Open(dir.path, kGroup, "2026/11/23/[$LATEST]ffff").ok());
    ASSERT_TRUE(c.Open(dir.path, "/aws/lambda/other", kStream).ok());
    a.AppendLine("x");
  }
  auto groups = ListGroups(dir.path, "/aws/lambda/e");
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].name, kGroup);
  EXPECT_EQ(ListGroups(dir.path, "").size(), 2u);
  auto streams = ListStreams(dir.path, kGroup);
  ASSERT_TRUE(streams.ok());
  ASSERT_EQ(streams->size(), 2u);
  EXPECT_EQ((*streams)[0].name, kStream);
  EXPECT_GT((*streams)[0].first_event, 0);
  EXPECT_EQ((*streams)[0].first_event, (*streams)[0].last_event);
  EXPECT_FALSE(ListStreams(dir.path, "/aws/lambda/none").ok());
  EXPECT_FALSE(ReadEvents(dir.path, kGroup, "nope", 0, 0, INT64_MAX, 10, nullptr).ok());
}

TEST(LogStoreTest, FilterPatternTerms) {
  auto f = FilterPattern::Parse("REPORT \"Init Duration\" -Status");
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->Matches("REPORT RequestId: x\tInit Duration: 3 ms"));
  EXPECT_FALSE(f->Matches("REPORT RequestId: x\tDuration: 3 ms"));
  EXPECT_FALSE(f->Matches("REPORT Init Duration: 3 ms Status: error"));
  EXPECT_FALSE(f->Matches("report init duration"));  // case-sensitive, as on AWS
  auto any = FilterPattern::Parse("?ERROR ?WARN");
  ASSERT_TRUE(any.ok());
  EXPECT_TRUE(any->Matches("a WARN b"));
  EXPECT_FALSE(any->Matches("INFO"));
  EXPECT_TRUE(FilterPattern::Parse("")->Matches("anything"));
  EXPECT_FALSE(FilterPattern::Parse("{ $.level = \"x\" }").ok());
  EXPECT_FALSE(FilterPattern::Parse("\"unclosed").ok());
}

}  // namespace
}  // namespace cloudwatch
