#include "cloud/s3/object_store.h"

#include <cstdlib>

#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <unordered_set>

#include "cloud/s3/store_util.h"

namespace s3 {
namespace {

// How long a dropped blob stays on disk, so a GET that was just handed its path can open it.
constexpr int64_t kUnlinkDelayMs = 10000;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS buckets(
  name TEXT PRIMARY KEY, created_ms INTEGER NOT NULL, notification TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS objects(
  bucket TEXT NOT NULL, key TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,
  modified_ms INTEGER NOT NULL, headers TEXT NOT NULL, blob TEXT NOT NULL, data BLOB,
  PRIMARY KEY(bucket, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS uploads(
  id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL, initiated_ms INTEGER NOT NULL,
  headers TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS parts(
  upload_id TEXT NOT NULL, number INTEGER NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,
  modified_ms INTEGER NOT NULL, blob TEXT NOT NULL,
  PRIMARY KEY(upload_id, number)) WITHOUT ROWID;
)sql";

}  // namespace

std::string ErrorCodeOf(const base::Status& status) {
  const std::string& m = status.message();
  size_t colon = m.find(':');
  if (colon == std::string::npos || colon == 0 || colon > 40) return "InternalError";
  for (size_t i = 0; i < colon; ++i) {
    char c = m[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return "InternalError";
  }
  if (status.code() == base::Status::Code::kIoError || status.code() == base::Status::Code::kInternal ||
      status.code() == base::Status::Code::kCorruption) {
    return "InternalError";
  }
  return m.substr(0, colon);
}

std::string Md5Raw(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr);
  return std::string(reinterpret_cast<char*>(digest), len);
}

std::string Md5Hex(std::string_view data) {
  static const char kHex[] = "0123456789abcdef";
  std::string raw = Md5Raw(data);
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

base::StatusOr<std::unique_ptr<ObjectStore>> ObjectStore::Open(const std::string& dir,
                                                                uint64_t max_inline_bytes) {
  auto blobs = BlobFiles::Open(dir);
  if (!blobs.ok()) return blobs.status();
  auto db = base::Db::Open(dir + "/meta.db", base::Db::Sync::kFull);
  if (!db.ok()) return db.status();
  // EDGEFACE_S3_WAL_CHECKPOINTER=1: WAL checkpoints on their own connection
  // (base/wal_checkpointer.h) instead of inside the group commit that crosses 1000 WAL pages.
  // Off by default: measured alternately (docs/cloud-bench.md, session 4) it lowered the p99 of
  // 1 KiB PUTs (16 vs 20 ms) but also their throughput by 15-28%, probably because with
  // synchronous=FULL its fsyncs compete with the group commits' WAL fsyncs for the disk.
  const char* env = std::getenv("EDGEFACE_S3_WAL_CHECKPOINTER");
  std::unique_ptr<base::WalCheckpointer> checkpointer;
  if (env && std::string_view(env) == "1") {
    EF_RETURN_IF_ERROR(base::WalCheckpointer::DisableAutoCheckpoint(*db));
    auto started = base::WalCheckpointer::Start(dir + "/meta.db", base::Db::Sync::kFull);
    if (!started.ok()) return started.status();
    checkpointer = std::move(*started);
  }
  std::unique_ptr<ObjectStore> store(new ObjectStore(std::move(*blobs), std::move(*db)));
  store->checkpointer_ = std::move(checkpointer);
  store->max_inline_bytes_ = std::min(max_inline_bytes, kMaxInlineBytes);
  EF_RETURN_IF_ERROR(store->Init());
  return store;
}

base::Status ObjectStore::Init() {
  std::lock_guard lock(mu_);
  EF_RETURN_IF_ERROR(db_.Exec(kSchema));
  {
    // Stores made before inline objects existed lack objects.data: add it (NULL = in a blob).
    auto cols = db_.Prepare("SELECT 1 FROM pragma_table_info('objects') WHERE name = 'data'");
    if (!cols.ok()) return cols.status();
    auto row = cols->Step();
    if (!row.ok()) return row.status();
    if (!*row) EF_RETURN_IF_ERROR(db_.Exec("ALTER TABLE objects ADD COLUMN data BLOB"));
  }
  // Every blob a row points at; everything else under blobs/ is an orphan of a crash.
  std::unordered_set<std::string> referenced;
  for (const char* sql : {"SELECT blob FROM objects", "SELECT blob FROM parts"}) {
    auto stmt = db_.Prepare(sql);
    if (!stmt.ok()) return stmt.status();
    for (;;) {
      auto row = stmt->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      referenced.emplace(stmt->Text(0));
    }
  }
  auto removed = blobs_.Sweep([&](std::string_view id) { return referenced.count(std::string(id)) > 0; });
  return removed.status();
}

base::Status ObjectStore::CheckBucketLocked(const std::string& bucket) {
  auto stmt = db_.Cached("SELECT 1 FROM buckets WHERE name = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, bucket);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return S3Error("NoSuchBucket", "The specified bucket does not exist");
  return base::Status::Ok();
}

base::Status ObjectStore::CreateBucket(const std::string& name) {
  std::lock_guard lock(mu_);
  if (CheckBucketLocked(name).ok()) {
    return S3Error("BucketAlreadyOwnedByYou",
                   "Your previous request to create the named bucket succeeded and you already own it.");
  }
  auto stmt = db_.Cached("INSERT INTO buckets(name, created_ms) VALUES(?, ?)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, name).Bind(2, NowMs());
  return stmt->Run();
}

base::Status ObjectStore::DeleteBucket(const std::string& name) {
  std::lock_guard lock(mu_);
  EF_RETURN_IF_ERROR(CheckBucketLocked(name));
  for (const char* sql : {"SELECT 1 FROM objects WHERE bucket = ? LIMIT 1",
                          "SELECT 1 FROM uploads WHERE bucket = ? LIMIT 1"}) {
    auto stmt = db_.Cached(sql);
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, name);
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (*row) return S3Error("BucketNotEmpty", "The bucket you tried to delete is not empty");
  }
  auto stmt = db_.Cached("DELETE FROM buckets WHERE name = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, name);
  return stmt->Run();
}

base::StatusOr<BucketInfo> ObjectStore::GetBucket(const std::string& name) {
  std::lock_guard lock(mu_);
  auto stmt = db_.Cached("SELECT created_ms FROM buckets WHERE name = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, name);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return S3Error("NoSuchBucket", "The specified bucket does not exist");
  return BucketInfo{name, stmt->Int(0)};
}

base::StatusOr<std::vector<BucketInfo>> ObjectStore::ListBuckets() {
  std::lock_guard lock(mu_);
  auto stmt = db_.Cached("SELECT name, created_ms FROM buckets ORDER BY name");
  if (!stmt.ok()) return stmt.status();
  std::vector<BucketInfo> out;
  for (;;) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(BucketInfo{std::string(stmt->Text(0)), stmt->Int(1)});
  }
  return out;
}

base::StatusOr<std::optional<ObjectInfo>> ObjectStore::FindObjectLocked(const std::string& bucket,
                                                                        const std::string& key) {
  auto stmt = db_.Cached(
      "SELECT size, etag, modified_ms, headers, blob, data FROM objects WHERE bucket = ? AND key = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, bucket).Bind(2, key);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<ObjectInfo>();
  ObjectInfo o;
  o.key = key;
  o.size = static_cast<uint64_t>(stmt->Int(0));
  o.etag = stmt->Text(1);
  o.last_modified_ms = stmt->Int(2);
  o.headers = DecodeHeaders(stmt->Text(3));
  o.blob_id = stmt->Text(4);
  o.data = stmt->Blob(5);
  return std::optional<ObjectInfo>(std::move(o));
}

void ObjectStore::DeferUnlinkLocked(std::string blob_id) {
  if (blob_id.empty()) return;  // an inline object: nothing on disk
  unlinks_.emplace_back(NowMs() + kUnlinkDelayMs, std::move(blob_id));
}

void ObjectStore::UnlinkDueLocked() {
  int64_t now = NowMs();
  while (!unlinks_.empty() && unlinks_.front().first <= now) {
    blobs_.Remove(unlinks_.front().second);
    unlinks_.pop_front();
  }
}

base::Status ObjectStore::UpsertObjectLocked(const std::string& bucket, const ObjectInfo& o,
                                             std::string* replaced_blob) {
  replaced_blob->clear();
  {
    auto old = db_.Cached("SELECT blob FROM objects WHERE bucket = ? AND key = ?");
    if (!old.ok()) return old.status();
    old->Bind(1, bucket).Bind(2, o.key);
    auto row = old->Step();
    if (!row.ok()) return row.status();
    if (*row) replaced_blob->assign(old->Text(0));
  }
  auto stmt = db_.Cached(
      "INSERT OR REPLACE INTO objects(bucket, key, size, etag, modified_ms, headers, blob, data) "
      "VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, bucket).Bind(2, o.key).Bind(3, static_cast<int64_t>(o.size)).Bind(4, o.etag);
  stmt->Bind(5, o.last_modified_ms).Bind(6, EncodeHeaders(o.headers)).Bind(7, o.blob_id);
  if (o.is_inline()) {
    stmt->BindBlob(8, o.data);
  } else {
    stmt->BindNull(8);
  }
  return stmt->Run();
}

struct ObjectStore::PendingCommit {
  const std::string* bucket;
  const ObjectInfo* object;
  bool blob_dir_synced;
  std::string replaced_blob;
  base::Status status;
  bool done = false;
};

base::StatusOr<ObjectInfo> ObjectStore::CommitNewObject(const std::string& bucket,
                                                        ObjectInfo object, const char* event,
                                                        bool blob_dir_synced) {
  PendingCommit me{&bucket, &object, blob_dir_synced || object.is_inline(), {}, {}, false};
  {
    std::unique_lock lock(commit_mu_);
    pending_.push_back(&me);
    commit_cv_.wait(lock, [&] { return me.done || !leader_active_; });
    if (!me.done) {
      // Lead: commit everything queued so far (our own write included) in one transaction,
      // while later writers queue up for the next leader.
      leader_active_ = true;
      std::vector<PendingCommit*> batch;
      batch.swap(pending_);
      lock.unlock();
      CommitBatch(batch);
      lock.lock();
      leader_active_ = false;
      for (PendingCommit* p : batch) p->done = true;
      commit_cv_.notify_all();
    }
  }
  if (!me.status.ok()) {
    if (!object.is_inline()) blobs_.Remove(object.blob_id);
    return me.status;
  }
  Notify(bucket, object, event);
  return object;
}

void ObjectStore::CommitBatch(const std::vector<PendingCommit*>& batch) {
  // New blobs were renamed into blobs/<ab>/ without a directory fsync: one fsync per directory
  // here makes every name of the batch durable before any row points at it. Outside mu_, so
  // reads go on meanwhile.
  std::vector<std::string_view> dirs;
  for (PendingCommit* p : batch) {
    if (!p->blob_dir_synced) dirs.push_back(std::string_view(p->object->blob_id).substr(0, 2));
  }
  std::sort(dirs.begin(), dirs.end());
  dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
  for (std::string_view d : dirs) {
    base::Status s = blobs_.SyncDirOf(d);
    if (!s.ok()) {
      for (PendingCommit* p : batch) p->status = s;
      return;
    }
  }
  std::lock_guard lock(mu_);
  base::Transaction txn(db_);
  base::Status failed = txn.status();
  for (PendingCommit* p : batch) {
    if (!failed.ok()) break;
    p->status = CheckBucketLocked(*p->bucket);  // a missing bucket fails only this write
    if (!p->status.ok() && ErrorCodeOf(p->status) == "InternalError") failed = p->status;
    if (!p->status.ok()) continue;
    base::Status s = UpsertObjectLocked(*p->bucket, *p->object, &p->replaced_blob);
    if (!s.ok()) failed = s;
  }
  if (failed.ok()) failed = txn.Commit();
  if (!failed.ok()) {
    // The transaction rolls back: nothing of this batch was stored.
    for (PendingCommit* p : batch) p->status = failed;
    return;
  }
  for (PendingCommit* p : batch) {
    if (p->status.ok() && !p->replaced_blob.empty()) DeferUnlinkLocked(std::move(p->replaced_blob));
  }
  UnlinkDueLocked();
}

void ObjectStore::Notify(const std::string& bucket, const ObjectInfo& object, const char* event) {
  std::vector<ObjectCreatedListener*> listeners;
  {
    std::lock_guard lock(mu_);
    listeners = listeners_;
  }
  for (ObjectCreatedListener* l : listeners) {
    l->OnObjectCreated(bucket, object.key, object.size, object.etag, event);
  }
}

void ObjectStore::AddListener(ObjectCreatedListener* listener) {
  std::lock_guard lock(mu_);
  listeners_.push_back(listener);
}

base::StatusOr<ObjectInfo> ObjectStore::PutObject(const std::string& bucket, const std::string& key,
                                                  std::string_view data, const std::string& md5_hex,
                                                  StoredHeaders headers) {
  ObjectInfo o;
  o.key = key;
  o.size = data.size();
  o.etag = md5_hex;
  o.headers = std::move(headers);
  if (data.size() <= max_inline_bytes_) {
    // Stored in the row: the group commit's WAL fsync is this PUT's only disk flush. The bucket
    // is checked inside the commit.
    o.data.assign(data);
  } else {
    {
      // Fail before writing a blob when the bucket is missing (checked again at commit).
      std::lock_guard lock(mu_);
      EF_RETURN_IF_ERROR(CheckBucketLocked(bucket));
    }
    auto blob = blobs_.Write(data, /*sync_dir=*/false);
    if (!blob.ok()) return blob.status();
    o.blob_id = std::move(*blob);
  }
  o.last_modified_ms = NowMs();
  return CommitNewObject(bucket, std::move(o), "s3:ObjectCreated:Put", /*blob_dir_synced=*/false);
}

base::StatusOr<ObjectInfo> ObjectStore::GetObject(const std::string& bucket, const std::string& key) {
  std::lock_guard lock(mu_);
  auto found = FindObjectLocked(bucket, key);
  if (!found.ok()) return found.status();
  if (!found->has_value()) {
    EF_RETURN_IF_ERROR(CheckBucketLocked(bucket));
    return S3Error("NoSuchKey", "The specified key does not exist.");
  }
  return std::move(**found);
}

base::Status ObjectStore::DeleteObject(const std::string& bucket, const std::string& key) {
  std::lock_guard lock(mu_);
  auto found = FindObjectLocked(bucket, key);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return CheckBucketLocked(bucket);
  auto stmt = db_.Cached("DELETE FROM objects WHERE bucket = ? AND key = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, bucket).Bind(2, key);
  EF_RETURN_IF_ERROR(stmt->Run());
  DeferUnlinkLocked((*found)->blob_id);
  UnlinkDueLocked();
  return base::Status::Ok();
}

base::StatusOr<ObjectInfo> ObjectStore::CopyObject(const std::string& src_bucket,
                                                   const std::string& src_key,
                                                   const std::string& dst_bucket,
                                                   const std::string& dst_key,
                                                   std::optional<StoredHeaders> headers) {
  ObjectInfo src;
  {
    std::lock_guard lock(mu_);
    EF_RETURN_IF_ERROR(CheckBucketLocked(dst_bucket));
  }
  auto got = GetObject(src_bucket, src_key);
  if (!got.ok()) return got.status();
  src = std::move(*got);
  ObjectInfo o = src;
  if (src.is_inline() && src.size > max_inline_bytes_) {
    // Inline objects turned off since (EDGEFACE_S3_INLINE_MAX_BYTES): the copy gets a blob.
    auto blob = blobs_.Write(src.data);
    if (!blob.ok()) return blob.status();
    o.blob_id = std::move(*blob);
    o.data.clear();
  } else if (!src.is_inline()) {
    // Copy the bytes: blobs are never shared, so deleting one object never touches another.
    // (The source blob cannot vanish under us: dropped blobs are unlinked kUnlinkDelayMs later.)
    auto blob = blobs_.Concatenate({src.blob_id});
    if (!blob.ok()) return blob.status();
    o.blob_id = std::move(*blob);
  }
  o.key = dst_key;
  o.last_modified_ms = NowMs();
  if (headers) o.headers = std::move(*headers);
  return CommitNewObject(dst_bucket, std::move(o), "s3:ObjectCreated:Copy");
}

base::Status ObjectStore::ReadBlob(const ObjectInfo& object, uint64_t offset, uint64_t length,
                                   std::string* out) const {
  if (object.is_inline()) {
    if (offset > object.data.size() || length > object.data.size() - offset) {
      return base::Status::Corruption("inline object " + object.key + ": shorter than the range read");
    }
    out->assign(object.data, offset, length);
    return base::Status::Ok();
  }
  return blobs_.Read(object.blob_id, offset, length, out);
}

base::StatusOr<ListResult> ObjectStore::ListObjects(const std::string& bucket,
                                                    const ListOptions& opt) {
  std::lock_guard lock(mu_);
  EF_RETURN_IF_ERROR(CheckBucketLocked(bucket));
  ListResult out;
  if (opt.max_keys == 0) return out;
  auto stmt = db_.Cached(
      "SELECT key, size, etag, modified_ms, headers, blob FROM objects "
      "WHERE bucket = ?1 AND key > ?2 AND key >= ?3 ORDER BY key LIMIT ?4");
  if (!stmt.ok()) return stmt.status();
  // Rows are read in batches; a common prefix re-seeks past every key it covers.
  std::string lower = opt.after;
  size_t count = 0;
  for (;;) {
    stmt->Reset();
    stmt->Bind(1, bucket).Bind(2, lower).Bind(3, opt.prefix).Bind(4, int64_t{256});
    bool any = false;
    for (;;) {
      auto row = stmt->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      any = true;
      std::string_view key = stmt->Text(0);
      if (key.substr(0, opt.prefix.size()) != opt.prefix) return out;  // past the prefix range
      lower.assign(key);
      std::string_view rest = key.substr(opt.prefix.size());
      size_t d = opt.delimiter.empty() ? std::string_view::npos : rest.find(opt.delimiter);
      if (d != std::string_view::npos) {
        std::string cp(key.substr(0, opt.prefix.size() + d + opt.delimiter.size()));
        // Next seek: just past every key that starts with cp.
        lower = cp + std::string(1024, '\xff');
        if (cp <= opt.after) break;  // the caller already saw this prefix
        if (count == opt.max_keys) {
          out.truncated = true;
          return out;
        }
        out.common_prefixes.push_back(cp);
        out.last = cp;
        ++count;
        break;
      }
      if (count == opt.max_keys) {
        out.truncated = true;
        return out;
      }
      ObjectInfo o;
      o.key.assign(key);
      o.size = static_cast<uint64_t>(stmt->Int(1));
      o.etag = stmt->Text(2);
      o.last_modified_ms = stmt->Int(3);
      o.headers = DecodeHeaders(stmt->Text(4));
      o.blob_id = stmt->Text(5);
      out.last = o.key;
      out.objects.push_back(std::move(o));
      ++count;
    }
    if (!any) break;
    // Otherwise the batch ran out or a common prefix was folded: go on from `lower`.
  }
  return out;
}

base::Status ObjectStore::PutNotification(const std::string& bucket, const std::string& config) {
  std::lock_guard lock(mu_);
  EF_RETURN_IF_ERROR(CheckBucketLocked(bucket));
  auto stmt = db_.Cached("UPDATE buckets SET notification = ? WHERE name = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, config).Bind(2, bucket);
  return stmt->Run();
}

base::StatusOr<std::string> ObjectStore::GetNotification(const std::string& bucket) {
  std::lock_guard lock(mu_);
  auto stmt = db_.Cached("SELECT notification FROM buckets WHERE name = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, bucket);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return S3Error("NoSuchBucket", "The specified bucket does not exist");
  return std::string(stmt->Text(0));
}

}  // namespace s3
