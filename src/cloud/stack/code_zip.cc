#include "cloud/stack/code_zip.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>
#include <vector>

#include "base/files.h"

extern char** environ;

namespace cloud::stack {
namespace {

namespace fs = std::filesystem;

constexpr const char* kUnzip = "/usr/bin/unzip";

base::StatusOr<std::string> Sha256Hex(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return base::Status::NotFound("CodeUri " + path + ": cannot open the zip");
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 20);
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) EVP_DigestUpdate(ctx, buf.data(), n);
  const bool read_error = std::ferror(f) != 0;
  std::fclose(f);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, digest, &len);
  EVP_MD_CTX_free(ctx);
  if (read_error) return base::Status::Internal("CodeUri " + path + ": read error");
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

// Makes everything under `dir` (and `dir`) writable again (so it can be removed) or read-only.
// Symbolic links are left alone: their mode means nothing and chmod would follow them.
void SetWritable(const std::string& dir, bool writable) {
  std::error_code ec;
  std::vector<fs::path> paths;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_symlink(ec)) paths.push_back(it->path());
  }
  paths.push_back(dir);
  // Read-only: contents first, directories last (a directory's own bit does not stop root,
  // but keeps the order right for anyone else); writable: the reverse.
  if (writable) std::reverse(paths.begin(), paths.end());
  for (const auto& p : paths) {
    fs::permissions(p, fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                    writable ? fs::perm_options::add : fs::perm_options::remove, ec);
  }
}

void RemoveTree(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return;
  SetWritable(dir, true);
  fs::remove_all(dir, ec);
}

// Runs unzip -qq -o ZIP -d DIR; its messages go to `log`. Returns its exit status (-1: not run).
int RunUnzip(const std::string& zip, const std::string& dir, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<std::string> args = {kUnzip, "-qq", "-o", zip, "-d", dir};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, kUnzip, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

bool IsZipCodeUri(const std::string& path) {
  if (path.size() < 4) return false;
  std::string ext = path.substr(path.size() - 4);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".zip";
}

base::StatusOr<std::string> UnpackCodeZip(const std::string& zip_path, const std::string& roots_dir) {
  struct stat st;
  if (::stat(zip_path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return base::Status::NotFound("CodeUri " + zip_path + " is not a file");
  }
  auto hash = Sha256Hex(zip_path);
  if (!hash.ok()) return hash.status();
  const std::string root = roots_dir + "/" + hash->substr(0, 16);
  if (::stat(root.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return root;  // unpacked before
  if (::access(kUnzip, X_OK) != 0) {
    return base::Status::Internal(std::string("CodeUri ") + zip_path + ": " + kUnzip + " is missing (apt-get install unzip)");
  }
  EF_RETURN_IF_ERROR(base::MakeDirs(roots_dir));
  const std::string tmp = root + ".unpacking-" + std::to_string(::getpid());
  const std::string log = tmp + ".log";
  RemoveTree(tmp);
  int rc = RunUnzip(zip_path, tmp, log);
  auto messages = base::ReadFile(log, 4096);
  ::unlink(log.c_str());
  if (rc != 0) {
    RemoveTree(tmp);
    std::string why = messages.ok() ? *messages : "";
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    if (rc < 0) return base::Status::Internal(std::string("CodeUri ") + zip_path + ": cannot run " + kUnzip);
    return base::Status::InvalidArgument("CodeUri " + zip_path + " is not a readable zip (unzip exit " +
                                         std::to_string(rc) + (why.empty() ? "" : ": " + why) + ")");
  }
  const std::string bootstrap = tmp + "/bootstrap";
  if (::stat(bootstrap.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0) {
    RemoveTree(tmp);
    return base::Status::InvalidArgument("CodeUri " + zip_path +
                                         " holds no executable bootstrap at its top (a provided.al2023 package needs one)");
  }
  SetWritable(tmp, false);
  if (::rename(tmp.c_str(), root.c_str()) != 0) {
    const int err = errno;
    RemoveTree(tmp);
    // Another process unpacked the same zip first: theirs is as good as ours.
    if ((err == EEXIST || err == ENOTEMPTY) && ::stat(root.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return root;
    return base::Status::Internal("CodeUri " + zip_path + ": cannot rename into " + root);
  }
  (void)base::SyncDir(roots_dir);
  return root;
}

}  // namespace cloud::stack
