// Helpers shared by the object store's source files (not part of its interface).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "cloud/s3/object_store.h"

namespace s3 {

// A Status carrying an S3 error code as the first word of its message (see object_store.h).
inline base::Status S3Error(std::string_view code, std::string_view message) {
  std::string m(code);
  m += ": ";
  m += message;
  if (code == "NoSuchBucket" || code == "NoSuchKey" || code == "NoSuchUpload") {
    return base::Status::NotFound(std::move(m));
  }
  if (code == "BucketAlreadyOwnedByYou") return base::Status::AlreadyExists(std::move(m));
  if (code == "BucketNotEmpty") return base::Status::FailedPrecondition(std::move(m));
  return base::Status::InvalidArgument(std::move(m));
}

inline int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Stored headers are "name\nvalue\n" pairs: HTTP header names and values hold no newline.
inline std::string EncodeHeaders(const StoredHeaders& headers) {
  std::string out;
  for (const auto& [n, v] : headers) {
    out += n;
    out += '\n';
    out += v;
    out += '\n';
  }
  return out;
}

inline StoredHeaders DecodeHeaders(std::string_view text) {
  StoredHeaders out;
  while (!text.empty()) {
    size_t a = text.find('\n');
    if (a == std::string_view::npos) break;
    size_t b = text.find('\n', a + 1);
    if (b == std::string_view::npos) break;
    out.emplace_back(std::string(text.substr(0, a)), std::string(text.substr(a + 1, b - a - 1)));
    text.remove_prefix(b + 1);
  }
  return out;
}

}  // namespace s3
