// Small file helpers that every piece shares. All return Status; none throws.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace base {

// Reads a whole file. Fails with NotFound when it does not exist and ResourceExhausted when it
// is larger than `max_bytes` (so a bad path cannot make us allocate gigabytes).
StatusOr<std::string> ReadFile(const std::string& path, uint64_t max_bytes = uint64_t{1} << 32);

// Writes `data` so that a crash at any moment leaves either the old file or the whole new one:
// write to "<path>.tmp-<random>", fsync, rename over `path`, fsync the directory.
// On failure the temporary file is removed and `path` is unchanged.
Status WriteFileAtomic(const std::string& path, std::string_view data);

// fsyncs a directory so that a rename or create inside it survives a power loss.
Status SyncDir(const std::string& dir);

// Creates `dir` and its parents (like mkdir -p). Ok if it exists.
Status MakeDirs(const std::string& dir);

// An exclusive lock on a directory (flock on <dir>/LOCK, created), held until destroyed or the
// process ends, however it ends: one process at a time may own a data directory.
class DirLock {
 public:
  // Creates `dir` if needed. FailedPrecondition naming the directory when another process holds it.
  static StatusOr<DirLock> Acquire(const std::string& dir);
  DirLock(DirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DirLock& operator=(DirLock&&) = delete;
  DirLock(const DirLock&) = delete;
  ~DirLock();

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace base
