// The runtime's HTTP/1.1 connection to the Runtime API: blocking, keep-alive, on Boost.Beast
// (header-only). The Runtime API is always a plain-HTTP local address (AWS_LAMBDA_RUNTIME_API,
// "127.0.0.1:9001" on AWS), so a general client such as libcurl, with its 30-odd shared
// libraries to load at every cold start, buys nothing here: without it an empty function's
// process loads only the C and C++ runtimes (docs/lambda.md, cold start).
//
// Thread-safety: one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace runtime {

struct HttpReply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The value of header `name` (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

// One request to send: `headers` must not hold Host or Content-Length (they are added).
struct OutgoingRequest {
  std::string_view method;
  std::string_view target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view body;
};

class Connection {
 public:
  // `address` is "host:port" (a hostname, an IPv4 address or a bracketed IPv6 address).
  explicit Connection(std::string address);
  ~Connection();

  // Sends one request and reads the whole reply. No timeout: GET next blocks until an event
  // comes. Reconnects once when a kept-alive connection turns out to be closed before anything
  // of the reply arrived. Unavailable when the Runtime API cannot be reached.
  base::StatusOr<HttpReply> Request(std::string_view method, std::string_view target,
                                    const std::vector<std::pair<std::string, std::string>>& headers,
                                    std::string_view body);

  // HTTP/1.1 pipelining: sends every request in one write, then reads one reply per request, in
  // order (a failure stops at the first reply that cannot be read). Only for a server known to
  // answer pipelined requests (runtime/protocol.h, kPipeliningHeader); no reconnect.
  base::StatusOr<std::vector<HttpReply>> Pipeline(const std::vector<OutgoingRequest>& requests);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace runtime
