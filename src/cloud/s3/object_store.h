// The S3 object store without HTTP: buckets, objects, multipart uploads and each bucket's
// notification configuration, kept under one directory.
//
// Objects up to kMaxInlineBytes live inside their SQLite row; larger ones in immutable blob files
// (blob_files.h); everything else (key -> blob, size, ETag, headers, uploads, parts) in SQLite
// (meta.db, WAL, synchronous=FULL). A write returns only after its blob (if any) was fsynced and
// renamed and the SQLite commit that references it was fsynced: a kill -9 (or power loss) at any
// moment loses no acknowledged write and exposes no half-written object. Commits of concurrent
// writers are grouped, so a small PUT costs its share of one WAL fsync. Blobs dropped by an overwrite or delete are unlinked after the commit
// (a few seconds later, so a reader that was just handed the path can still open it); a crash
// leaves them as orphans that Open() sweeps.
//
// Errors: every failing call returns a Status whose message starts with the S3 error code and
// a colon ("NoSuchBucket: ...", "NoSuchKey: ...", "BucketNotEmpty: ...", "NoSuchUpload: ...",
// "InvalidPart: ...", "InvalidPartOrder: ...", "EntityTooSmall: ...",
// "BucketAlreadyOwnedByYou: ..."); ErrorCodeOf() extracts it ("InternalError" for I/O failures).
//
// Thread-safety: all methods are thread-safe. Blob I/O runs outside the store's lock; only the
// SQLite work is serialised.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/sqlite.h"
#include "base/status.h"
#include "base/wal_checkpointer.h"
#include "cloud/s3/blob_files.h"

namespace s3 {

// Headers kept with an object and sent back on GET/HEAD: Content-Type, Content-Encoding,
// Content-Disposition, Content-Language, Cache-Control, Expires and x-amz-meta-* (lower-cased).
using StoredHeaders = std::vector<std::pair<std::string, std::string>>;

struct BucketInfo {
  std::string name;
  int64_t created_ms = 0;  // Unix epoch milliseconds
};

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  std::string etag;  // unquoted: 32 hex digits, or "<hex>-<parts>" after multipart
  int64_t last_modified_ms = 0;
  StoredHeaders headers;
  std::string blob_id;  // where the bytes are (BlobFiles::PathOf); "" for an inline object
  // An inline object's bytes (filled by GetObject); inline objects have no blob file.
  std::string data;
  bool is_inline() const { return blob_id.empty(); }
};

struct ListOptions {
  std::string prefix;
  std::string delimiter;
  std::string after;     // only keys (and common prefixes) strictly greater than this
  size_t max_keys = 1000;
};

struct ListResult {
  std::vector<ObjectInfo> objects;          // key order (UTF-8 byte order, as S3)
  std::vector<std::string> common_prefixes;  // in key order
  bool truncated = false;
  std::string last;  // the last key or common prefix returned: resume with `after = last`
};

struct UploadInfo {
  std::string upload_id;
  std::string bucket;
  std::string key;
  int64_t initiated_ms = 0;
  StoredHeaders headers;
};

struct PartInfo {
  int part_number = 0;
  uint64_t size = 0;
  std::string etag;  // unquoted MD5 hex
  int64_t last_modified_ms = 0;
  std::string blob_id;
};

// A part as the client names it in CompleteMultipartUpload.
struct CompletedPart {
  int part_number = 0;
  std::string etag;  // quotes optional
};

// Told about every new object (PutObject, CopyObject, CompleteMultipartUpload) after it is
// durable. Called on the writer's thread with no store lock held: do not block.
class ObjectCreatedListener {
 public:
  virtual ~ObjectCreatedListener() = default;
  // `event` is "s3:ObjectCreated:Put", ":Copy" or ":CompleteMultipartUpload".
  virtual void OnObjectCreated(const std::string& bucket, const std::string& key, uint64_t size,
                               const std::string& etag, const std::string& event) = 0;
};

// "NoSuchKey" for a status built by the store; "InternalError" for anything else.
std::string ErrorCodeOf(const base::Status& status);

class ObjectStore {
 public:
  // S3's smallest non-final multipart part.
  static constexpr uint64_t kMinPartSize = 5 * 1024 * 1024;
  // Objects up to this size are stored in their metadata row, not in a blob file: one group
  // commit instead of a file fdatasync + rename + directory fsync each.
  static constexpr uint64_t kMaxInlineBytes = 64 * 1024;

  // Opens (creating if needed) the store in `dir`, and removes orphan blobs and temp files.
  // Objects up to `max_inline_bytes` (at most kMaxInlineBytes) are stored inline.
  static base::StatusOr<std::unique_ptr<ObjectStore>> Open(const std::string& dir,
                                                           uint64_t max_inline_bytes = kMaxInlineBytes);

  // --- Buckets. Names are validated by the caller (the S3 API).
  base::Status CreateBucket(const std::string& name);  // BucketAlreadyOwnedByYou if it exists
  base::Status DeleteBucket(const std::string& name);  // NoSuchBucket, BucketNotEmpty
  base::StatusOr<BucketInfo> GetBucket(const std::string& name);  // NoSuchBucket
  base::StatusOr<std::vector<BucketInfo>> ListBuckets();

  // --- Objects.
  // Stores `data` as `key`, replacing any object of that name. `md5_hex` is the MD5 of `data`
  // (Md5Hex(data); callers compute it first to check Content-MD5). Returns the new object.
  base::StatusOr<ObjectInfo> PutObject(const std::string& bucket, const std::string& key,
                                       std::string_view data, const std::string& md5_hex,
                                       StoredHeaders headers);
  base::StatusOr<ObjectInfo> GetObject(const std::string& bucket, const std::string& key);
  // Ok when the key did not exist (as S3); NoSuchBucket when the bucket does not.
  base::Status DeleteObject(const std::string& bucket, const std::string& key);
  // Copies an object (sharing nothing: the copy gets its own blob). `headers` replaces the
  // source's headers when set (REPLACE directive), otherwise they are copied.
  base::StatusOr<ObjectInfo> CopyObject(const std::string& src_bucket, const std::string& src_key,
                                        const std::string& dst_bucket, const std::string& dst_key,
                                        std::optional<StoredHeaders> headers);
  base::StatusOr<ListResult> ListObjects(const std::string& bucket, const ListOptions& options);
  // Reads `length` bytes at `offset` of an object (its blob, or its inline data) into `out`.
  base::Status ReadBlob(const ObjectInfo& object, uint64_t offset, uint64_t length,
                        std::string* out) const;
  // The blob file of a non-inline object, for streaming it ("" for an inline object: use
  // ReadBlob or object.data).
  std::string BlobPath(const ObjectInfo& object) const {
    return object.is_inline() ? std::string() : blobs_.PathOf(object.blob_id);
  }

  // --- Multipart uploads.
  base::StatusOr<UploadInfo> CreateUpload(const std::string& bucket, const std::string& key,
                                          StoredHeaders headers);
  // NoSuchUpload unless `upload_id` belongs to bucket/key. Replaces an earlier same-numbered part.
  base::StatusOr<PartInfo> UploadPart(const std::string& bucket, const std::string& key,
                                      const std::string& upload_id, int part_number,
                                      std::string_view data, const std::string& md5_hex);
  base::StatusOr<UploadInfo> GetUpload(const std::string& bucket, const std::string& key,
                                       const std::string& upload_id);
  base::StatusOr<std::vector<PartInfo>> ListParts(const std::string& bucket, const std::string& key,
                                                  const std::string& upload_id);
  base::StatusOr<std::vector<UploadInfo>> ListUploads(const std::string& bucket);
  // Joins the named parts into one object with ETag hex(MD5(md5_1 .. md5_n))-n.
  // InvalidPartOrder when numbers do not ascend, InvalidPart when a part is missing or its ETag
  // differs, EntityTooSmall when a part other than the last is under kMinPartSize.
  base::StatusOr<ObjectInfo> CompleteUpload(const std::string& bucket, const std::string& key,
                                            const std::string& upload_id,
                                            const std::vector<CompletedPart>& parts);
  base::Status AbortUpload(const std::string& bucket, const std::string& key,
                           const std::string& upload_id);

  // --- Notification configuration (the XML document as stored by the API; "" when none).
  base::Status PutNotification(const std::string& bucket, const std::string& config);
  base::StatusOr<std::string> GetNotification(const std::string& bucket);

  // Registers a listener for new objects. `listener` must outlive the store.
  void AddListener(ObjectCreatedListener* listener);

 private:
  ObjectStore(BlobFiles blobs, base::Db db) : blobs_(std::move(blobs)), db_(std::move(db)) {}
  base::Status Init();
  // REQUIRES: mu_ held.
  base::Status CheckBucketLocked(const std::string& bucket);
  base::StatusOr<std::optional<ObjectInfo>> FindObjectLocked(const std::string& bucket,
                                                             const std::string& key);
  base::StatusOr<std::optional<UploadInfo>> FindUploadLocked(const std::string& upload_id);
  // Inserts or replaces the object row; sets `*replaced_blob` to the blob of the object it
  // replaced ("" if none), for the caller to DeferUnlinkLocked once the change is committed.
  base::Status UpsertObjectLocked(const std::string& bucket, const ObjectInfo& object,
                                  std::string* replaced_blob);
  void DeferUnlinkLocked(std::string blob_id);
  void UnlinkDueLocked();
  // Commits `object` as bucket/key (checking that the bucket still exists), then notifies.
  // Concurrent callers share one SQLite transaction, and so one fsync (group commit).
  // `blob_dir_synced` false: the blob's directory entry still needs the fsync that the batch's
  // leader does once per directory before committing.
  base::StatusOr<ObjectInfo> CommitNewObject(const std::string& bucket, ObjectInfo object,
                                             const char* event, bool blob_dir_synced = true);
  struct PendingCommit;
  // Runs one transaction for every write in `batch` and sets each one's status.
  void CommitBatch(const std::vector<PendingCommit*>& batch);
  void Notify(const std::string& bucket, const ObjectInfo& object, const char* event);

  BlobFiles blobs_;
  uint64_t max_inline_bytes_ = kMaxInlineBytes;
  std::mutex mu_;
  base::Db db_;                                              // GUARDED_BY(mu_)
  std::unique_ptr<base::WalCheckpointer> checkpointer_;      // only with EDGEFACE_S3_WAL_CHECKPOINTER=1
  std::deque<std::pair<int64_t, std::string>> unlinks_;      // GUARDED_BY(mu_): (due ms, blob id)
  std::vector<ObjectCreatedListener*> listeners_;           // GUARDED_BY(mu_)

  // Group commit: writers queue here; one of them (the leader) commits the whole queue.
  std::mutex commit_mu_;
  std::condition_variable commit_cv_;
  std::vector<PendingCommit*> pending_;  // GUARDED_BY(commit_mu_)
  bool leader_active_ = false;           // GUARDED_BY(commit_mu_)
};

// Lower-case hex MD5 of `data`, and the raw 16-byte digest.
std::string Md5Hex(std::string_view data);
std::string Md5Raw(std::string_view data);

}  // namespace s3
