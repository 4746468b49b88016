// edge::Spool: the device's store-and-forward directory. Every clip is written here first
// (atomically: a crash leaves the whole file or none) under its object key, and removed only
// after the object store acknowledged the upload. Whatever a previous run left behind is still
// here on start and goes up first. Layout: DIR/<device-id>/<capture-ms>.mp4, i.e. the key.
//
// Thread-safety: all methods may be called from any thread (they touch distinct files; the
// directory listing tolerates concurrent writers).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace edge {

class Spool {
 public:
  // Creates `dir` when missing.
  static base::StatusOr<Spool> Open(const std::string& dir);

  // Writes `bytes` as the file for `key` (replacing one with that key).
  // REQUIRES: IsValidKey(key). Fails with IoError (nothing left behind) when the disk refuses.
  base::Status Put(const std::string& key, std::string_view bytes) const;
  base::StatusOr<std::string> Read(const std::string& key) const;
  // Deletes the file (durably). NotFound when it is not there.
  base::Status Remove(const std::string& key) const;
  // The keys of every complete file, oldest capture first (unfinished temporary files are not
  // listed); only those of `device_id` when it is not empty (devices sharing a spool directory
  // each send their own clips).
  base::StatusOr<std::vector<std::string>> Pending(const std::string& device_id = "") const;

  const std::string& dir() const { return dir_; }
  std::string PathOf(const std::string& key) const { return dir_ + "/" + key; }

  // "<id>/<digits>.mp4" with id made of [A-Za-z0-9._-] (not "." or ".."): nothing that could
  // leave the directory.
  static bool IsValidKey(std::string_view key);
  static bool IsValidDeviceId(std::string_view id);
  static std::string KeyFor(const std::string& device_id, int64_t capture_ms);

 private:
  explicit Spool(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace edge
