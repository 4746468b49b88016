// ObjectStore's multipart uploads: parts are blobs of their own, Complete joins them into one.
#include <algorithm>

#include "cloud/s3/object_store.h"
#include "cloud/s3/store_util.h"

namespace s3 {
namespace {

std::string_view Unquote(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    return etag.substr(1, etag.size() - 2);
  }
  return etag;
}

std::string HexToRaw(std::string_view hex) {
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>((nibble(hex[i]) << 4) | nibble(hex[i + 1]));
  }
  return out;
}

}  // namespace

base::StatusOr<std::optional<UploadInfo>> ObjectStore::FindUploadLocked(const std::string& id) {
  auto stmt = db_.Cached("SELECT bucket, key, initiated_ms, headers FROM uploads WHERE id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, id);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<UploadInfo>();
  UploadInfo u;
  u.upload_id = id;
  u.bucket = stmt->Text(0);
  u.key = stmt->Text(1);
  u.initiated_ms = stmt->Int(2);
  u.headers = DecodeHeaders(stmt->Text(3));
  return std::optional<UploadInfo>(std::move(u));
}

base::StatusOr<UploadInfo> ObjectStore::CreateUpload(const std::string& bucket,
                                                     const std::string& key, StoredHeaders headers) {
  std::lock_guard lock(mu_);
  EF_RETURN_IF_ERROR(CheckBucketLocked(bucket));
  UploadInfo u{BlobFiles::NewId(), bucket, key, NowMs(), std::move(headers)};
  auto stmt = db_.Cached(
      "INSERT INTO uploads(id, bucket, key, initiated_ms, headers) VALUES(?, ?, ?, ?, ?)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, u.upload_id).Bind(2, bucket).Bind(3, key).Bind(4, u.initiated_ms);
  stmt->Bind(5, EncodeHeaders(u.headers));
  EF_RETURN_IF_ERROR(stmt->Run());
  return u;
}

base::StatusOr<UploadInfo> ObjectStore::GetUpload(const std::string& bucket, const std::string& key,
                                                  const std::string& upload_id) {
  std::lock_guard lock(mu_);
  auto found = FindUploadLocked(upload_id);
  if (!found.ok()) return found.status();
  if (!found->has_value() || (*found)->bucket != bucket || (*found)->key != key) {
    EF_RETURN_IF_ERROR(CheckBucketLocked(bucket));
    return S3Error("NoSuchUpload",
                   "The specified upload does not exist. The upload ID may be invalid, or the "
                   "upload may have been aborted or completed.");
  }
  return std::move(**found);
}

base::StatusOr<PartInfo> ObjectStore::UploadPart(const std::string& bucket, const std::string& key,
                                                 const std::string& upload_id, int part_number,
                                                 std::string_view data, const std::string& md5_hex) {
  auto upload = GetUpload(bucket, key, upload_id);
  if (!upload.ok()) return upload.status();
  auto blob = blobs_.Write(data);
  if (!blob.ok()) return blob.status();
  PartInfo p{part_number, data.size(), md5_hex, NowMs(), std::move(*blob)};
  std::lock_guard lock(mu_);
  auto still = FindUploadLocked(upload_id);
  base::Status s = still.status();
  if (s.ok() && !still->has_value()) s = S3Error("NoSuchUpload", "The upload was completed or aborted.");
  std::string old_blob;
  if (s.ok()) {
    auto old = db_.Cached("SELECT blob FROM parts WHERE upload_id = ? AND number = ?");
    s = old.status();
    if (s.ok()) {
      old->Bind(1, upload_id).Bind(2, int64_t{part_number});
      auto row = old->Step();
      s = row.status();
      if (s.ok() && *row) old_blob = old->Text(0);
    }
  }
  if (s.ok()) {
    auto stmt = db_.Cached(
        "INSERT OR REPLACE INTO parts(upload_id, number, size, etag, modified_ms, blob) "
        "VALUES(?, ?, ?, ?, ?, ?)");
    s = stmt.status();
    if (s.ok()) {
      stmt->Bind(1, upload_id).Bind(2, int64_t{part_number}).Bind(3, static_cast<int64_t>(p.size));
      stmt->Bind(4, p.etag).Bind(5, p.last_modified_ms).Bind(6, p.blob_id);
      s = stmt->Run();
    }
  }
  if (!s.ok()) {
    blobs_.Remove(p.blob_id);
    return s;
  }
  if (!old_blob.empty()) DeferUnlinkLocked(old_blob);
  UnlinkDueLocked();
  return p;
}

base::StatusOr<std::vector<PartInfo>> ObjectStore::ListParts(const std::string& bucket,
                                                             const std::string& key,
                                                             const std::string& upload_id) {
  auto upload = GetUpload(bucket, key, upload_id);
  if (!upload.ok()) return upload.status();
  std::lock_guard lock(mu_);
  auto stmt = db_.Cached(
      "SELECT number, size, etag, modified_ms, blob FROM parts WHERE upload_id = ? ORDER BY number");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, upload_id);
  std::vector<PartInfo> out;
  for (;;) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(PartInfo{static_cast<int>(stmt->Int(0)), static_cast<uint64_t>(stmt->Int(1)),
                           std::string(stmt->Text(2)), stmt->Int(3), std::string(stmt->Text(4))});
  }
  return out;
}

base::StatusOr<std::vector<UploadInfo>> ObjectStore::ListUploads(const std::string& bucket) {
  std::lock_guard lock(mu_);
  EF_RETURN_IF_ERROR(CheckBucketLocked(bucket));
  auto stmt = db_.Cached(
      "SELECT id, key, initiated_ms, headers FROM uploads WHERE bucket = ? ORDER BY key, initiated_ms");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, bucket);
  std::vector<UploadInfo> out;
  for (;;) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(UploadInfo{std::string(stmt->Text(0)), bucket, std::string(stmt->Text(1)),
                             stmt->Int(2), DecodeHeaders(stmt->Text(3))});
  }
  return out;
}

base::StatusOr<ObjectInfo> ObjectStore::CompleteUpload(const std::string& bucket,
                                                       const std::string& key,
                                                       const std::string& upload_id,
                                                       const std::vector<CompletedPart>& wanted) {
  auto upload = GetUpload(bucket, key, upload_id);
  if (!upload.ok()) return upload.status();
  auto stored = ListParts(bucket, key, upload_id);
  if (!stored.ok()) return stored.status();
  std::vector<std::string> blob_ids;
  std::string md5s;
  uint64_t size = 0;
  for (size_t i = 1; i < wanted.size(); ++i) {
    if (wanted[i].part_number <= wanted[i - 1].part_number) {
      return S3Error("InvalidPartOrder",
                     "The list of parts was not in ascending order. Parts must be ordered by part number.");
    }
  }
  for (size_t i = 0; i < wanted.size(); ++i) {
    auto it = std::find_if(stored->begin(), stored->end(),
                           [&](const PartInfo& p) { return p.part_number == wanted[i].part_number; });
    if (it == stored->end() || Unquote(wanted[i].etag) != it->etag) {
      return S3Error("InvalidPart",
                     "One or more of the specified parts could not be found. The part may not have "
                     "been uploaded, or the specified entity tag may not match the part's entity tag.");
    }
    if (i + 1 < wanted.size() && it->size < kMinPartSize) {
      return S3Error("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size");
    }
    blob_ids.push_back(it->blob_id);
    md5s += HexToRaw(it->etag);
    size += it->size;
  }
  auto blob = blobs_.Concatenate(blob_ids);
  if (!blob.ok()) return blob.status();
  ObjectInfo o;
  o.key = key;
  o.size = size;
  o.etag = Md5Hex(md5s) + "-" + std::to_string(wanted.size());
  o.last_modified_ms = NowMs();
  o.headers = upload->headers;
  o.blob_id = std::move(*blob);
  {
    std::lock_guard lock(mu_);
    base::Transaction txn(db_);
    base::Status s = txn.status();
    if (s.ok()) {
      auto f = FindUploadLocked(upload_id);
      s = f.status();
      if (s.ok() && !f->has_value()) s = S3Error("NoSuchUpload", "The upload was completed or aborted.");
    }
    if (s.ok()) s = CheckBucketLocked(bucket);
    std::vector<std::string> part_blobs(1);  // [0]: the blob of the object replaced, if any
    if (s.ok()) s = UpsertObjectLocked(bucket, o, &part_blobs[0]);
    if (s.ok()) {
      auto stmt = db_.Cached("SELECT blob FROM parts WHERE upload_id = ?");
      s = stmt.status();
      if (s.ok()) {
        stmt->Bind(1, upload_id);
        for (;;) {
          auto row = stmt->Step();
          if (!row.ok()) { s = row.status(); break; }
          if (!*row) break;
          part_blobs.emplace_back(stmt->Text(0));
        }
      }
    }
    for (const char* sql : {"DELETE FROM parts WHERE upload_id = ?", "DELETE FROM uploads WHERE id = ?"}) {
      if (!s.ok()) break;
      auto stmt = db_.Cached(sql);
      s = stmt.status();
      if (s.ok()) s = stmt->Bind(1, upload_id).Run();
    }
    if (s.ok()) s = txn.Commit();
    if (!s.ok()) {
      blobs_.Remove(o.blob_id);
      return s;
    }
    for (std::string& b : part_blobs) {
      if (!b.empty()) DeferUnlinkLocked(std::move(b));
    }
    UnlinkDueLocked();
  }
  Notify(bucket, o, "s3:ObjectCreated:CompleteMultipartUpload");
  return o;
}

base::Status ObjectStore::AbortUpload(const std::string& bucket, const std::string& key,
                                      const std::string& upload_id) {
  auto parts = ListParts(bucket, key, upload_id);
  if (!parts.ok()) return parts.status();
  std::lock_guard lock(mu_);
  base::Transaction txn(db_);
  EF_RETURN_IF_ERROR(txn.status());
  for (const char* sql : {"DELETE FROM parts WHERE upload_id = ?", "DELETE FROM uploads WHERE id = ?"}) {
    auto stmt = db_.Cached(sql);
    if (!stmt.ok()) return stmt.status();
    EF_RETURN_IF_ERROR(stmt->Bind(1, upload_id).Run());
  }
  EF_RETURN_IF_ERROR(txn.Commit());
  // A part uploaded concurrently with the abort is an orphan until the next start-up sweep.
  for (PartInfo& p : *parts) DeferUnlinkLocked(std::move(p.blob_id));
  UnlinkDueLocked();
  return base::Status::Ok();
}

}  // namespace s3
