#include "edge/spool.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <unistd.h>

#include "base/files.h"

namespace edge {
namespace {

using base::Status;
namespace fs = std::filesystem;

bool AllDigits(std::string_view s) {
  return !s.empty() && s.size() <= 18 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

bool Spool::IsValidDeviceId(std::string_view id) {
  if (id.empty() || id.size() > 128 || id == "." || id == "..") return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
}

bool Spool::IsValidKey(std::string_view key) {
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view name = key.substr(slash + 1);
  if (name.size() < 5 || name.substr(name.size() - 4) != ".mp4") return false;
  return IsValidDeviceId(key.substr(0, slash)) && AllDigits(name.substr(0, name.size() - 4));
}

std::string Spool::KeyFor(const std::string& device_id, int64_t capture_ms) {
  return device_id + "/" + std::to_string(capture_ms) + ".mp4";
}

base::StatusOr<Spool> Spool::Open(const std::string& dir) {
  if (dir.empty()) return Status::InvalidArgument("spool directory is empty");
  EF_RETURN_IF_ERROR(base::MakeDirs(dir));
  return Spool(dir);
}

base::Status Spool::Put(const std::string& key, std::string_view bytes) const {
  if (!IsValidKey(key)) return Status::InvalidArgument("bad spool key '" + key + "'");
  const std::string path = PathOf(key);
  EF_RETURN_IF_ERROR(base::MakeDirs(path.substr(0, path.rfind('/'))));
  return base::WriteFileAtomic(path, bytes);
}

base::StatusOr<std::string> Spool::Read(const std::string& key) const {
  if (!IsValidKey(key)) return Status::InvalidArgument("bad spool key '" + key + "'");
  return base::ReadFile(PathOf(key));
}

base::Status Spool::Remove(const std::string& key) const {
  if (!IsValidKey(key)) return Status::InvalidArgument("bad spool key '" + key + "'");
  const std::string path = PathOf(key);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return Status::NotFound(path + " is not in the spool");
    return Status::IoError("cannot remove " + path + ": " + std::strerror(errno));
  }
  return base::SyncDir(path.substr(0, path.rfind('/')));
}

base::StatusOr<std::vector<std::string>> Spool::Pending(const std::string& device_id) const {
  std::vector<std::pair<int64_t, std::string>> found;
  std::error_code ec;
  for (fs::directory_iterator dev(dir_, ec), end; !ec && dev != end; dev.increment(ec)) {
    if (!dev->is_directory(ec)) continue;
    const std::string id = dev->path().filename().string();
    if (!IsValidDeviceId(id) || (!device_id.empty() && id != device_id)) continue;
    std::error_code ec2;
    for (fs::directory_iterator f(dev->path(), ec2), fend; !ec2 && f != fend; f.increment(ec2)) {
      const std::string key = id + "/" + f->path().filename().string();
      if (!IsValidKey(key) || !f->is_regular_file(ec2)) continue;  // skips "*.tmp-*" leftovers
      const std::string name = f->path().filename().string();
      found.emplace_back(std::stoll(name.substr(0, name.size() - 4)), key);
    }
    if (ec2) return Status::IoError("cannot list " + dev->path().string() + ": " + ec2.message());
  }
  if (ec) return Status::IoError("cannot list " + dir_ + ": " + ec.message());
  std::sort(found.begin(), found.end());
  std::vector<std::string> keys;
  keys.reserve(found.size());
  for (auto& [ms, key] : found) keys.push_back(std::move(key));
  return keys;
}

}  // namespace edge
