#include "cloud/s3/blob_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "base/files.h"

namespace s3 {
namespace {

base::Status Errno(std::string_view what, const std::string& path) {
  return base::Status::IoError(std::string(what) + " " + path + ": " + std::strerror(errno));
}

base::Status WriteAll(int fd, const char* p, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return Errno("write", path);
    p += w;
    n -= static_cast<size_t>(w);
  }
  return base::Status::Ok();
}

// Appends the whole file `from` to the open descriptor `to`, in the kernel where it can.
base::Status AppendFile(int to, const std::string& from, const std::string& to_path) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Errno("open", from);
  base::Status s;
  for (;;) {
    ssize_t n = ::copy_file_range(in, nullptr, to, nullptr, size_t{1} << 30, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
      // Fall back to read/write.
      char buf[1 << 16];
      for (;;) {
        ssize_t r = ::read(in, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) { s = Errno("read", from); break; }
        if (r == 0) break;
        s = WriteAll(to, buf, static_cast<size_t>(r), to_path);
        if (!s.ok()) break;
      }
      break;
    }
    if (n < 0) { s = Errno("copy", from); break; }
    if (n == 0) break;
  }
  ::close(in);
  return s;
}

bool IsBlobId(std::string_view name) {
  if (name.size() != 32) return false;
  for (char c : name) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

base::StatusOr<BlobFiles> BlobFiles::Open(const std::string& dir) {
  EF_RETURN_IF_ERROR(base::MakeDirs(dir + "/tmp"));
  static const char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 256; ++i) {
    std::string sub = dir + "/blobs/" + kHex[i >> 4] + kHex[i & 15];
    if (::mkdir(sub.c_str(), 0755) != 0 && errno != EEXIST) {
      EF_RETURN_IF_ERROR(base::MakeDirs(sub));
    }
  }
  EF_RETURN_IF_ERROR(base::SyncDir(dir + "/blobs"));
  EF_RETURN_IF_ERROR(base::SyncDir(dir));
  return BlobFiles(dir);
}

std::string BlobFiles::NewId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  uint64_t a = rng(), b = rng();
  for (int i = 0; i < 16; ++i) {
    id[i] = kHex[(a >> (4 * i)) & 15];
    id[16 + i] = kHex[(b >> (4 * i)) & 15];
  }
  return id;
}

std::string BlobFiles::PathOf(std::string_view id) const {
  std::string p = dir_;
  p += "/blobs/";
  p += id.substr(0, 2);
  p += '/';
  p += id;
  return p;
}

base::Status BlobFiles::SyncDirOf(std::string_view id) const {
  return base::SyncDir(dir_ + "/blobs/" + std::string(id.substr(0, 2)));
}

base::Status BlobFiles::Publish(const std::string& id, bool sync_dir) {
  std::string tmp = dir_ + "/tmp/" + id;
  std::string final_path = PathOf(id);
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    base::Status s = Errno("rename", tmp);
    ::unlink(tmp.c_str());
    return s;
  }
  return sync_dir ? SyncDirOf(id) : base::Status::Ok();
}

base::StatusOr<std::string> BlobFiles::Write(std::string_view data, bool sync_dir) {
  std::string id = NewId();
  std::string tmp = dir_ + "/tmp/" + id;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("create", tmp);
  base::Status s = WriteAll(fd, data.data(), data.size(), tmp);
  if (s.ok() && ::fdatasync(fd) != 0) s = Errno("fsync", tmp);
  ::close(fd);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  EF_RETURN_IF_ERROR(Publish(id, sync_dir));
  return id;
}

base::StatusOr<std::string> BlobFiles::Concatenate(const std::vector<std::string>& ids) {
  std::string id = NewId();
  std::string tmp = dir_ + "/tmp/" + id;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("create", tmp);
  base::Status s;
  for (const std::string& part : ids) {
    s = AppendFile(fd, PathOf(part), tmp);
    if (!s.ok()) break;
  }
  if (s.ok() && ::fdatasync(fd) != 0) s = Errno("fsync", tmp);
  ::close(fd);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  EF_RETURN_IF_ERROR(Publish(id));
  return id;
}

base::Status BlobFiles::Read(std::string_view id, uint64_t offset, uint64_t length,
                             std::string* out) const {
  std::string path = PathOf(id);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("open", path);
  out->resize(length);
  size_t done = 0;
  base::Status s;
  while (done < length) {
    ssize_t n = ::pread(fd, out->data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) { s = Errno("read", path); break; }
    if (n == 0) { s = base::Status::Corruption(path + ": shorter than its recorded size"); break; }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return s;
}

void BlobFiles::Remove(std::string_view id) const { ::unlink(PathOf(id).c_str()); }

base::StatusOr<size_t> BlobFiles::Sweep(
    const std::function<bool(std::string_view id)>& referenced) const {
  size_t removed = 0;
  auto each = [&](const std::string& dir, const std::function<bool(std::string_view)>& keep) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) return;
    while (dirent* e = ::readdir(d)) {
      std::string_view name(e->d_name);
      if (name == "." || name == "..") continue;
      if (!keep(name) && ::unlink((dir + "/" + std::string(name)).c_str()) == 0) ++removed;
    }
    ::closedir(d);
  };
  each(dir_ + "/tmp", [](std::string_view) { return false; });
  static const char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 256; ++i) {
    std::string sub = dir_ + "/blobs/" + kHex[i >> 4] + kHex[i & 15];
    each(sub, [&](std::string_view name) { return IsBlobId(name) && referenced(name); });
  }
  return removed;
}

}  // namespace s3
