// HTTP messages as the services see them: plain values, no sockets, no Beast types.
// The server (src/net) fills a Request from the wire and writes a Response back; a service API
// (src/cloud/api) is a function from Request to Response, testable without a socket.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace http {

// Header fields in arrival order; names compare case-insensitively.
class Headers {
 public:
  // The first value of `name`, if present.
  std::optional<std::string_view> Get(std::string_view name) const;
  // Value of `name`, or `fallback` when absent.
  std::string_view GetOr(std::string_view name, std::string_view fallback) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  // Appends a field (a name may repeat).
  void Add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }
  // Replaces every field named `name` with one field.
  void Set(std::string_view name, std::string value);
  void Remove(std::string_view name);
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

struct Request {
  std::string method;       // "GET", "PUT", ...
  std::string target;       // as received: "/bucket/a%20b?list-type=2"
  std::string raw_path;     // target up to '?', still percent-encoded (SigV4 signs this form)
  std::string path;         // raw_path percent-decoded ("/bucket/a b")
  std::string raw_query;    // after '?', still encoded
  // Decoded query parameters in order; "?uploads" gives {"uploads", ""}.
  std::vector<std::pair<std::string, std::string>> query;
  Headers headers;
  std::string body;         // whole body, de-chunked (and aws-chunked decoded by the gateway)
  std::string remote_addr;  // "127.0.0.1:53122"
  // Set by the server when the body exceeded its limit: `body` is empty, the rest of the body
  // was not read, and the connection closes after the answer. Services answer with their own
  // "too large" error (S3: EntityTooLarge).
  bool body_too_large = false;

  std::optional<std::string_view> Query(std::string_view name) const;
  bool HasQuery(std::string_view name) const { return Query(name).has_value(); }
  // Fills raw_path, path, raw_query and query from target. Returns false when the target's
  // percent-encoding is malformed (the caller answers 400).
  bool ParseTarget();
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // When set, the server sends `file_length` bytes of this file from `file_offset` instead of
  // `body` (large S3 objects are streamed from disk, not copied into memory).
  std::string file_path;
  uint64_t file_offset = 0;
  uint64_t file_length = 0;
};

// Answers a request. `reply` must be called exactly once, from any thread, possibly later
// (long polls: SQS WaitTimeSeconds, the Lambda Runtime API's /next).
using Reply = std::function<void(Response)>;
using Handler = std::function<void(Request&& request, Reply reply)>;

// "Bad Request" for 400 and so on; "Unknown" for codes we do not use.
std::string_view ReasonPhrase(int status);

}  // namespace http
