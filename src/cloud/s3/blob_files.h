// Where object bytes live: immutable files named by a random id, never by the object's key
// (keys may hold "../", "//", any UTF-8 and 1024 bytes; ids are 32 hex digits).
//
// Layout under the store's directory (see docs/s3.md):
//   tmp/<id>          a blob being written; never referenced; removed by Sweep()
//   blobs/<ab>/<id>   a finished blob, <ab> = the id's first two hex digits
//
// A blob is finished only after its bytes were fsynced, it was renamed into blobs/ and that
// directory was fsynced: the object table may then point at it. A blob that no table row
// references (the process died between the rename and the SQLite commit, or after the commit
// that dropped it but before the unlink) is an orphan and Sweep() removes it at start-up.
//
// Thread-safety: every method may be called from any thread; blobs are immutable once written.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace s3 {

class BlobFiles {
 public:
  // Creates tmp/ and the 256 blobs/<ab>/ directories under `dir` if missing.
  static base::StatusOr<BlobFiles> Open(const std::string& dir);

  // A fresh random id (32 lower-case hex digits).
  static std::string NewId();
  // Absolute path of blob `id`.
  std::string PathOf(std::string_view id) const;

  // Writes `data` as a new durable blob and returns its id. With sync_dir false the blob's bytes
  // are durable but its name is not until SyncDirOf(id) (callers batch that fsync across
  // concurrent writes, before the commit that references the blob).
  base::StatusOr<std::string> Write(std::string_view data, bool sync_dir = true);
  // Makes the names of blobs published into blob `id`'s directory durable (one fsync).
  base::Status SyncDirOf(std::string_view id) const;
  // Writes the concatenation of the blobs `ids` (in order) as a new durable blob; returns its id.
  base::StatusOr<std::string> Concatenate(const std::vector<std::string>& ids);
  // Copies `length` bytes of blob `id` from `offset` into `out` (replacing its contents).
  base::Status Read(std::string_view id, uint64_t offset, uint64_t length, std::string* out) const;
  // Removes blob `id`; a missing file is not an error.
  void Remove(std::string_view id) const;
  // Removes every temporary file, and every blob for which `referenced(id)` is false.
  // Returns how many files were removed. Call before serving, with the tables loaded.
  base::StatusOr<size_t> Sweep(const std::function<bool(std::string_view id)>& referenced) const;

 private:
  explicit BlobFiles(std::string dir) : dir_(std::move(dir)) {}
  // Makes tmp/<id> durable under blobs/: fsync is the caller's; rename + directory fsync here.
  base::Status Publish(const std::string& id, bool sync_dir = true);
  std::string dir_;
};

}  // namespace s3
