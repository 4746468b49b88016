// client::HttpClient: a small blocking HTTP/1.1 client on libcurl, for the Lambda runtime client
// (long-polling the Runtime API) and, later, the AWS service clients.
//
// Each HttpClient owns one curl easy handle, so consecutive requests to the same host reuse one
// keep-alive connection. libcurl's global initialisation happens once, thread-safely, on the
// first construction; no signal handlers are installed (CURLOPT_NOSIGNAL).
//
// Thread-safety: one HttpClient is used by one thread at a time; use one client per thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "http/message.h"

namespace client {

struct HttpResponse {
  int status = 0;
  http::Headers headers;  // of the final response (interim 1xx responses are dropped)
  std::string body;
};

// Per-request limits. A timeout of zero means "no limit" (the Runtime API's /next blocks until
// an invocation arrives, which may be minutes).
struct RequestOptions {
  std::chrono::milliseconds timeout{30'000};          // whole request, connect to last byte
  std::chrono::milliseconds connect_timeout{5'000};
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `method` to `url` ("http://127.0.0.1:9001/path?q=1") with `headers` and `body` and
  // returns the response, whatever its status. Fails with Unavailable when the connection cannot
  // be made or breaks, DeadlineExceeded on a timeout, InvalidArgument for a malformed URL.
  // A body is sent for any method when non-empty (and always for POST and PUT, with
  // Content-Length). No Content-Type is added unless `headers` has one.
  base::StatusOr<HttpResponse> Send(std::string_view method, const std::string& url,
                                    const http::Headers& headers, std::string_view body,
                                    const RequestOptions& options = {});

  base::StatusOr<HttpResponse> Get(const std::string& url, const http::Headers& headers = {},
                                   const RequestOptions& options = {}) {
    return Send("GET", url, headers, {}, options);
  }
  base::StatusOr<HttpResponse> Post(const std::string& url, std::string_view body,
                                    const http::Headers& headers = {}, const RequestOptions& options = {}) {
    return Send("POST", url, headers, body, options);
  }
  base::StatusOr<HttpResponse> Put(const std::string& url, std::string_view body,
                                   const http::Headers& headers = {}, const RequestOptions& options = {}) {
    return Send("PUT", url, headers, body, options);
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace client
