// Helpers for the Lambda tests: a temporary data directory, an API opened on it with short
// delays, and a synchronous call of LambdaApi::Handle (bounded in time).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <string>

#include "cloud/lambda/lambda_api.h"

namespace cloud::lambda::testing {

inline std::string FnBinary() { return LAMBDA_FN_BINARY; }  // build/bin/lambda_fn

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/edgeface-lambda-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string path;
};

inline http::Response Call(LambdaApi& api, const std::string& method, const std::string& target,
                           std::string body = "", http::Headers headers = {},
                           std::chrono::seconds limit = std::chrono::seconds(30)) {
  http::Request request;
  request.method = method;
  request.target = target;
  request.ParseTarget();
  request.headers = std::move(headers);
  request.body = std::move(body);
  auto promise = std::make_shared<std::promise<http::Response>>();
  auto future = promise->get_future();
  api.Handle(std::move(request), [promise](http::Response r) { promise->set_value(std::move(r)); });
  if (future.wait_for(limit) != std::future_status::ready) {
    ADD_FAILURE() << method << " " << target << " got no answer within " << limit.count() << " s";
    http::Response none;
    none.status = 0;
    return none;
  }
  return future.get();
}

inline http::Response Invoke(LambdaApi& api, const std::string& function, std::string payload,
                             http::Headers headers = {}) {
  return Call(api, "POST", "/2015-03-31/functions/" + function + "/invocations", std::move(payload), std::move(headers));
}

inline std::string Base64Decode(std::string_view in) {
  std::string out;
  int val = 0, bits = -8;
  for (char c : in) {
    int d;
    if (c >= 'A' && c <= 'Z') d = c - 'A';
    else if (c >= 'a' && c <= 'z') d = c - 'a' + 26;
    else if (c >= '0' && c <= '9') d = c - '0' + 52;
    else if (c == '+') d = 62;
    else if (c == '/') d = 63;
    else break;
    val = (val << 6) + d;
    bits += 6;
    if (bits >= 0) {
      out.push_back(char((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

}  // namespace cloud::lambda::testing
