#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/files.h"
#include "base/ids.h"
#include "base/status.h"
#include "base/time_format.h"

namespace base {
namespace {

StatusOr<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument(std::to_string(x) + " is odd");
  return x / 2;
}

TEST(StatusTest, CarriesCodeAndMessage) {
  StatusOr<int> ok = Half(4);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 2);
  StatusOr<int> bad = Half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(bad.status().WithContext("input.txt").ToString(), "InvalidArgument: input.txt: 3 is odd");
}

class FilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("edgeface-files-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    ASSERT_TRUE(MakeDirs(dir_.string()).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(FilesTest, AtomicWriteReplacesWholeFileAndLeavesNoTemporary) {
  std::string path = (dir_ / "a.bin").string();
  ASSERT_TRUE(WriteFileAtomic(path, "first").ok());
  ASSERT_TRUE(WriteFileAtomic(path, "second, longer").ok());
  StatusOr<std::string> got = ReadFile(path);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "second, longer");
  int entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST_F(FilesTest, ReadFileNamesMissingAndOversizedFiles) {
  StatusOr<std::string> missing = ReadFile((dir_ / "nope").string());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  std::string path = (dir_ / "big").string();
  ASSERT_TRUE(WriteFileAtomic(path, std::string(100, 'x')).ok());
  StatusOr<std::string> big = ReadFile(path, 10);
  EXPECT_EQ(big.status().code(), Status::Code::kResourceExhausted);
}

TEST_F(FilesTest, AtomicWriteIntoMissingDirectoryFailsCleanly) {
  Status s = WriteFileAtomic((dir_ / "no" / "such" / "x").string(), "data");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("no/such"), std::string::npos);
}

}  // namespace
}  // namespace base

#include "base/sqlite.h"

namespace base {
namespace {

TEST_F(FilesTest, SqliteTransactionRollsBackUnlessCommitted) {
  StatusOr<Db> db = Db::Open((dir_ / "t.db").string());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  ASSERT_TRUE(db->Exec("CREATE TABLE kv(k TEXT PRIMARY KEY, v BLOB)").ok());
  {
    Transaction tx(*db);
    auto ins = db->Prepare("INSERT INTO kv VALUES(?, ?)");
    ASSERT_TRUE(ins.ok());
    ASSERT_TRUE(ins->Bind(1, std::string_view("a")).BindBlob(2, std::string_view("\0x", 2)).Run().ok());
    // no Commit: the destructor rolls back
  }
  {
    Transaction tx(*db);
    auto ins = db->Prepare("INSERT INTO kv VALUES(?, ?)");
    ASSERT_TRUE(ins->Bind(1, std::string_view("b")).BindBlob(2, std::string_view("\0y", 2)).Run().ok());
    ASSERT_TRUE(tx.Commit().ok());
  }
  auto sel = db->Prepare("SELECT k, v FROM kv");
  ASSERT_TRUE(sel.ok());
  std::vector<std::string> keys;
  while (*sel->Step()) {
    keys.emplace_back(sel->Text(0));
    EXPECT_EQ(sel->Blob(1), std::string_view("\0y", 2));
  }
  EXPECT_EQ(keys, std::vector<std::string>{"b"});
  EXPECT_FALSE(db->Prepare("SELEC nonsense").ok());
}

}  // namespace
}  // namespace base

namespace {
TEST(TimeFormat, UtcMillisTimeInBothOfAwsZoneSpellings) {
  EXPECT_EQ(base::UtcMillisTime(1795454100350), "2026-11-23T17:15:00.350Z");
  EXPECT_EQ(base::UtcMillisTime(1795454100007, "+0000"), "2026-11-23T17:15:00.007+0000");
  EXPECT_EQ(base::UtcMillisTime(0), "1970-01-01T00:00:00.000Z");
  EXPECT_GT(base::EpochMillisNow(), 1795454100000);
}
}  // namespace

namespace {
TEST(Ids, UuidsAreVersion4AndDistinctAcrossThreads) {
  const std::regex v4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::vector<std::string> a, b;
  std::thread t([&b] { for (int i = 0; i < 5000; ++i) b.push_back(base::NewUuid()); });
  for (int i = 0; i < 5000; ++i) a.push_back(base::NewUuid());
  t.join();
  std::set<std::string> all(a.begin(), a.end());
  all.insert(b.begin(), b.end());
  EXPECT_EQ(all.size(), 10000u);  // two threads' generators are seeded apart
  for (const std::string& id : all) ASSERT_TRUE(std::regex_match(id, v4)) << id;
}

TEST(Ids, RandomStringUsesOnlyTheAlphabetAndAllOfIt) {
  std::string s = base::RandomString(4000, "AB7");
  EXPECT_EQ(s.size(), 4000u);
  EXPECT_EQ(s.find_first_not_of("AB7"), std::string::npos);
  for (char c : std::string("AB7")) EXPECT_NE(s.find(c), std::string::npos) << c;
  EXPECT_NE(base::RandomString(16, "0123456789ABCDEF"), base::RandomString(16, "0123456789ABCDEF"));
}
}  // namespace

namespace {
TEST(DirLock, OneHolderAtATimeAndReleasedWhenDestroyed) {
  const std::string dir = ::testing::TempDir() + "dirlock-" + std::to_string(::getpid());
  {
    base::StatusOr<base::DirLock> first = base::DirLock::Acquire(dir + "/data");  // creates it
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    base::StatusOr<base::DirLock> second = base::DirLock::Acquire(dir + "/data");
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.status().code(), base::Status::Code::kFailedPrecondition);
    EXPECT_NE(second.status().message().find(dir + "/data"), std::string::npos) << second.status().ToString();
  }
  EXPECT_TRUE(base::DirLock::Acquire(dir + "/data").ok()) << "released with its holder";
  std::filesystem::remove_all(dir);
}
}  // namespace
