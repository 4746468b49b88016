// Fuzzes the two parsers of untrusted function-URL data: a function's result (any bytes a
// function returns) mapped to an HTTP response, and an HTTP request mapped to a 2.0 event.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cloud/lambda/function_url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  cloud::lambda::InvokeResult result;
  result.payload = bytes;
  (void)cloud::lambda::UrlResponse(result);

  http::Request request;
  request.method = "POST";
  size_t cut = bytes.find('\n');
  request.target = "/" + bytes.substr(0, cut == std::string::npos ? 0 : cut);
  if (!request.ParseTarget()) return 0;
  request.headers.Add("Cookie", bytes.substr(0, size / 2));
  request.headers.Add("Content-Type", size % 2 ? "image/jpeg" : "text/plain");
  request.body = bytes;
  request.remote_addr = "127.0.0.1:1";
  (void)cloud::lambda::UrlEvent(request, "id", "req").dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
