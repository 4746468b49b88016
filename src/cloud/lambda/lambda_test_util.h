// Helpers for the Lambda tests: a temporary data directory, an API opened on it with short
// delays, and a synchronous call of LambdaApi::Handle (bounded in time).
#pragma once

#include "base/base64.h"

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
  return base::Base64Decode(in, base::Base64Mode::kLenient).value_or("");
}

}  // namespace cloud::lambda::testing
