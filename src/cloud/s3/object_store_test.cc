#include "cloud/s3/object_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "base/files.h"
#include "base/sqlite.h"

namespace s3 {
namespace {

namespace fs = std::filesystem;

class ObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("s3_store_test_" + BlobFiles::NewId());
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  void Reopen() {
    store_.reset();
    auto s = ObjectStore::Open(dir_.string());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  ObjectInfo Put(const std::string& bucket, const std::string& key, const std::string& data) {
    auto o = store_->PutObject(bucket, key, data, Md5Hex(data), {{"content-type", "text/plain"}});
    EXPECT_TRUE(o.ok()) << o.status().ToString();
    return o.ok() ? *o : ObjectInfo{};
  }
  std::string Read(const std::string& bucket, const std::string& key) {
    auto o = store_->GetObject(bucket, key);
    if (!o.ok()) return "<" + ErrorCodeOf(o.status()) + ">";
    std::string out;
    EXPECT_TRUE(store_->ReadBlob(*o, 0, o->size, &out).ok());
    return out;
  }
  size_t BlobCount() {
    size_t n = 0;
    for (auto& e : fs::recursive_directory_iterator(dir_ / "blobs")) n += e.is_regular_file();
    return n;
  }
  fs::path dir_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(ObjectStoreTest, BucketLifecycle) {
  ASSERT_TRUE(store_->CreateBucket("b1").ok());
  EXPECT_EQ(ErrorCodeOf(store_->CreateBucket("b1")), "BucketAlreadyOwnedByYou");
  Put("b1", "k", "v");
  EXPECT_EQ(ErrorCodeOf(store_->DeleteBucket("b1")), "BucketNotEmpty");
  ASSERT_TRUE(store_->DeleteObject("b1", "k").ok());
  EXPECT_TRUE(store_->DeleteBucket("b1").ok());
  EXPECT_EQ(ErrorCodeOf(store_->DeleteBucket("b1")), "NoSuchBucket");
  EXPECT_EQ(ErrorCodeOf(store_->GetBucket("b1").status()), "NoSuchBucket");
}

TEST_F(ObjectStoreTest, KeysNeverBecomePaths) {
  ASSERT_TRUE(store_->CreateBucket("b").ok());
  const std::string keys[] = {"../../etc/passwd", "a//b", "/lead", "sp ace", "caf\xC3\xA9/\xF0\x9F\x98\x80",
                              std::string(1024, 'k'), "."};
  // Large enough to live in blob files (small objects are stored inline, in the database).
  const std::string pad(ObjectStore::kMaxInlineBytes, '.');
  for (const auto& k : keys) Put("b", k, "data of " + k + pad);
  Reopen();
  for (const auto& k : keys) EXPECT_EQ(Read("b", k), "data of " + k + pad);
  EXPECT_FALSE(fs::exists(dir_.parent_path() / "etc"));
  EXPECT_EQ(BlobCount(), std::size(keys));
}

TEST_F(ObjectStoreTest, OverwriteAndErrors) {
  ASSERT_TRUE(store_->CreateBucket("b").ok());
  ObjectInfo first = Put("b", "k", "one");
  ObjectInfo second = Put("b", "k", "two!");
  EXPECT_EQ(Read("b", "k"), "two!");
  EXPECT_EQ(second.etag, Md5Hex("two!"));
  EXPECT_TRUE(first.is_inline() && second.is_inline());
  EXPECT_EQ(Read("b", "missing"), "<NoSuchKey>");
  EXPECT_EQ(Read("nob", "k"), "<NoSuchBucket>");
  EXPECT_EQ(ErrorCodeOf(store_->PutObject("nob", "k", "x", Md5Hex("x"), {}).status()), "NoSuchBucket");
  EXPECT_TRUE(store_->DeleteObject("b", "missing").ok());
  EXPECT_EQ(ErrorCodeOf(store_->DeleteObject("nob", "k")), "NoSuchBucket");
}

TEST_F(ObjectStoreTest, SmallObjectsLiveInTheDatabaseLargeOnesInBlobFiles) {
  ASSERT_TRUE(store_->CreateBucket("b").ok());
  const uint64_t limit = ObjectStore::kMaxInlineBytes;
  std::string small(limit, 's'), large(limit + 1, 'l');
  small[7] = 'X';
  large[limit] = 'Y';
  EXPECT_TRUE(Put("b", "small", small).is_inline());
  EXPECT_FALSE(Put("b", "large", large).is_inline());
  EXPECT_TRUE(Put("b", "empty", "").is_inline());
  EXPECT_EQ(BlobCount(), 1u);
  // Ranges of an inline object, and a range past its end is an error, not garbage.
  auto o = store_->GetObject("b", "small");
  ASSERT_TRUE(o.ok());
  std::string part;
  ASSERT_TRUE(store_->ReadBlob(*o, 5, 4, &part).ok());
  EXPECT_EQ(part, "ssXs");
  EXPECT_FALSE(store_->ReadBlob(*o, limit - 1, 2, &part).ok());
  EXPECT_EQ(store_->BlobPath(*o), "");
  // A copy of an inline object is inline; a large object replaced by a small one loses its blob.
  auto c = store_->CopyObject("b", "small", "b", "copy", std::nullopt);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->is_inline());
  Put("b", "large", "now small");
  Reopen();  // the replaced blob is swept at start-up at the latest
  EXPECT_EQ(BlobCount(), 0u);
  EXPECT_EQ(Read("b", "small"), small);
  EXPECT_EQ(Read("b", "copy"), small);
  EXPECT_EQ(Read("b", "large"), "now small");
  EXPECT_EQ(Read("b", "empty"), "");
  ASSERT_TRUE(store_->DeleteObject("b", "small").ok());
  EXPECT_EQ(Read("b", "small"), "<NoSuchKey>");
  // And back: a small object replaced by a large one.
  Put("b", "copy", large);
  EXPECT_EQ(Read("b", "copy"), large);
  EXPECT_EQ(BlobCount(), 1u);
}

TEST(ObjectStoreUpgradeTest, StoreFromBeforeInlineObjectsOpensAndKeepsItsObjects) {
  fs::path dir = fs::temp_directory_path() / ("s3_store_upgrade_" + BlobFiles::NewId());
  ASSERT_TRUE(base::MakeDirs(dir.string()).ok());
  {
    // The objects table as it was: no data column; one object in a blob file.
    auto db = base::Db::Open((dir / "meta.db").string());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->Exec("CREATE TABLE buckets(name TEXT PRIMARY KEY, created_ms INTEGER NOT NULL, "
                         "notification TEXT NOT NULL DEFAULT '');"
                         "CREATE TABLE objects(bucket TEXT NOT NULL, key TEXT NOT NULL, size INTEGER NOT NULL, "
                         "etag TEXT NOT NULL, modified_ms INTEGER NOT NULL, headers TEXT NOT NULL, "
                         "blob TEXT NOT NULL, PRIMARY KEY(bucket, key)) WITHOUT ROWID;"
                         "INSERT INTO buckets(name, created_ms) VALUES('b', 1);"
                         "INSERT INTO objects VALUES('b', 'old', 3, 'e', 1, '', "
                         "'00112233445566778899aabbccddeeff');").ok());
  }
  ASSERT_TRUE(base::MakeDirs((dir / "blobs/00").string()).ok());
  ASSERT_TRUE(base::WriteFileAtomic((dir / "blobs/00/00112233445566778899aabbccddeeff").string(), "old").ok());
  {
    auto store = ObjectStore::Open(dir.string());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto old = (*store)->GetObject("b", "old");
    ASSERT_TRUE(old.ok());
    EXPECT_FALSE(old->is_inline());
    std::string out;
    ASSERT_TRUE((*store)->ReadBlob(*old, 0, 3, &out).ok());
    EXPECT_EQ(out, "old");
    ASSERT_TRUE((*store)->PutObject("b", "new", "new", Md5Hex("new"), {}).ok());
    auto fresh = (*store)->GetObject("b", "new");
    ASSERT_TRUE(fresh.ok());
    EXPECT_EQ(fresh->data, "new");
  }
  fs::remove_all(dir);
}

TEST_F(ObjectStoreTest, ListWithPrefixDelimiterAndPages) {
  ASSERT_TRUE(store_->CreateBucket("b").ok());
  for (const char* k : {"a/1", "a/2", "b", "c/x/1", "c/y", "d"}) Put("b", k, k);
  ListOptions opt;
  opt.delimiter = "/";
  auto r = store_->ListObjects("b", opt);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->objects.size(), 2u);
  EXPECT_EQ(r->objects[0].key, "b");
  EXPECT_EQ(r->objects[1].key, "d");
  EXPECT_EQ(r->common_prefixes, (std::vector<std::string>{"a/", "c/"}));
  EXPECT_FALSE(r->truncated);

  // Pages of two, resuming after `last`, visit every entry exactly once.
  std::vector<std::string> seen;
  opt.max_keys = 2;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = store_->ListObjects("b", opt);
    ASSERT_TRUE(page.ok());
    for (auto& o : page->objects) seen.push_back(o.key);
    for (auto& p : page->common_prefixes) seen.push_back(p);
    if (!page->truncated) break;
    opt.after = page->last;
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"a/", "b", "c/", "d"}));

  opt = ListOptions();
  opt.prefix = "c/";
  opt.delimiter = "/";
  r = store_->ListObjects("b", opt);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->objects.size(), 1u);
  EXPECT_EQ(r->objects[0].key, "c/y");
  EXPECT_EQ(r->common_prefixes, (std::vector<std::string>{"c/x/"}));
}

TEST_F(ObjectStoreTest, MultipartJoinsPartsWithS3Etag) {
  ASSERT_TRUE(store_->CreateBucket("b").ok());
  auto up = store_->CreateUpload("b", "big", {{"x-amz-meta-a", "1"}});
  ASSERT_TRUE(up.ok());
  std::string p1(ObjectStore::kMinPartSize, 'a'), p2 = "tail";
  auto r1 = store_->UploadPart("b", "big", up->upload_id, 1, p1, Md5Hex(p1));
  auto r2 = store_->UploadPart("b", "big", up->upload_id, 2, p2, Md5Hex(p2));
  ASSERT_TRUE(r1.ok() && r2.ok());
  EXPECT_EQ(ErrorCodeOf(store_->CompleteUpload("b", "big", up->upload_id, {{2, r2->etag}, {1, r1->etag}}).status()),
            "InvalidPartOrder");
  EXPECT_EQ(ErrorCodeOf(store_->CompleteUpload("b", "big", up->upload_id, {{1, r1->etag}, {2, "\"bad\""}}).status()),
            "InvalidPart");
  auto done = store_->CompleteUpload("b", "big", up->upload_id, {{1, "\"" + r1->etag + "\""}, {2, r2->etag}});
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->etag, Md5Hex(Md5Raw(p1) + Md5Raw(p2)) + "-2");
  EXPECT_EQ(Read("b", "big"), p1 + p2);
  auto got = store_->GetObject("b", "big");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->headers, (StoredHeaders{{"x-amz-meta-a", "1"}}));
  EXPECT_EQ(ErrorCodeOf(store_->ListParts("b", "big", up->upload_id).status()), "NoSuchUpload");
}

TEST_F(ObjectStoreTest, SmallNonFinalPartIsRejectedAndAbortCleansUp) {
  ASSERT_TRUE(store_->CreateBucket("b").ok());
  auto up = store_->CreateUpload("b", "k", {});
  ASSERT_TRUE(up.ok());
  auto r1 = store_->UploadPart("b", "k", up->upload_id, 1, "small", Md5Hex("small"));
  auto r2 = store_->UploadPart("b", "k", up->upload_id, 2, "x", Md5Hex("x"));
  ASSERT_TRUE(r1.ok() && r2.ok());
  EXPECT_EQ(ErrorCodeOf(store_->CompleteUpload("b", "k", up->upload_id, {{1, r1->etag}, {2, r2->etag}}).status()),
            "EntityTooSmall");
  auto parts = store_->ListParts("b", "k", up->upload_id);
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->size(), 2u);
  EXPECT_EQ(ErrorCodeOf(store_->DeleteBucket("b")), "BucketNotEmpty");
  ASSERT_TRUE(store_->AbortUpload("b", "k", up->upload_id).ok());
  EXPECT_EQ(ErrorCodeOf(store_->AbortUpload("b", "k", up->upload_id)), "NoSuchUpload");
  Reopen();  // deferred unlinks of the aborted parts happen at the latest at start-up
  EXPECT_EQ(BlobCount(), 0u);
  EXPECT_TRUE(store_->DeleteBucket("b").ok());
}

TEST_F(ObjectStoreTest, StartupSweepsOrphansAndKeepsReferencedBlobs) {
  ASSERT_TRUE(store_->CreateBucket("b").ok());
  const std::string kept = "kept bytes" + std::string(ObjectStore::kMaxInlineBytes, '.');
  Put("b", "keep", kept);
  // What a crash leaves: a half-written temp file and a published blob no row points at.
  ASSERT_TRUE(base::WriteFileAtomic((dir_ / "tmp" / BlobFiles::NewId()).string(), "half").ok());
  std::string orphan = BlobFiles::NewId();
  ASSERT_TRUE(base::WriteFileAtomic((dir_ / "blobs" / orphan.substr(0, 2) / orphan).string(), "x").ok());
  EXPECT_EQ(BlobCount(), 2u);
  Reopen();
  EXPECT_EQ(BlobCount(), 1u);
  EXPECT_TRUE(fs::is_empty(dir_ / "tmp"));
  EXPECT_EQ(Read("b", "keep"), kept);
}

TEST_F(ObjectStoreTest, CopyAndListenerAndNotificationConfig) {
  struct Recorder : ObjectCreatedListener {
    std::vector<std::string> events;
    void OnObjectCreated(const std::string& bucket, const std::string& key, uint64_t size,
                         const std::string& etag, const std::string& event) override {
      events.push_back(bucket + "/" + key + " " + std::to_string(size) + " " + etag + " " + event);
    }
  } rec;
  store_->AddListener(&rec);
  ASSERT_TRUE(store_->CreateBucket("b").ok());
  Put("b", "src", "abc");
  auto c = store_->CopyObject("b", "src", "b", "dst", StoredHeaders{{"content-type", "x/y"}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(Read("b", "dst"), "abc");
  EXPECT_EQ(c->headers, (StoredHeaders{{"content-type", "x/y"}}));
  ASSERT_EQ(rec.events.size(), 2u);
  EXPECT_EQ(rec.events[0], "b/src 3 " + Md5Hex("abc") + " s3:ObjectCreated:Put");
  EXPECT_EQ(rec.events[1], "b/dst 3 " + Md5Hex("abc") + " s3:ObjectCreated:Copy");
  EXPECT_EQ(ErrorCodeOf(store_->CopyObject("b", "nope", "b", "x", std::nullopt).status()), "NoSuchKey");
  ASSERT_TRUE(store_->PutNotification("b", "<NotificationConfiguration/>").ok());
  Reopen();
  EXPECT_EQ(*store_->GetNotification("b"), "<NotificationConfiguration/>");
}

TEST_F(ObjectStoreTest, ConcurrentWritersShareCommitsAndLoseNothing) {
  ASSERT_TRUE(store_->CreateBucket("b").ok());
  std::vector<std::thread> writers;
  for (int t = 0; t < 6; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        std::string key = "t" + std::to_string(t) + "/" + std::to_string(i);
        // Every writer also overwrites one shared key, so batches hold the same key twice.
        store_->PutObject("b", "shared", key, Md5Hex(key), {});
        auto o = store_->PutObject("b", key, key, Md5Hex(key), {});
        EXPECT_TRUE(o.ok()) << o.status().ToString();
      }
    });
  }
  for (auto& w : writers) w.join();
  Reopen();
  ListOptions all;
  auto listed = store_->ListObjects("b", all);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->objects.size(), 6u * 40 + 1);
  for (int t = 0; t < 6; ++t) EXPECT_EQ(Read("b", "t" + std::to_string(t) + "/7"), "t" + std::to_string(t) + "/7");
  EXPECT_EQ(Read("b", "shared").substr(0, 1), "t");
  EXPECT_EQ(BlobCount(), 0u);  // small objects live in the database
}

}  // namespace
}  // namespace s3
