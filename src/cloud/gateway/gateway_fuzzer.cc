// Feeds raw bytes through the gateway's request path with auth on: the request target parser,
// routing, virtual-host rewrite, SigV4 header/presigned parsing and verification, aws-chunked
// decoding. Input: "METHOD TARGET\n" then "Name: value\n" lines, a blank line, the body.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cloud/gateway/gateway.h"

namespace {

cloud::Gateway& TheGateway() {
  static cloud::Gateway* g = [] {
    cloud::GatewayOptions o;
    o.clock = [] { return std::chrono::system_clock::from_time_t(1772366400); };  // 2026-03-01
    auto* gw = new cloud::Gateway(o);
    for (auto route : {cloud::S3Route(), cloud::DynamoDbRoute(), cloud::SqsRoute()}) {
      (void)gw->Register(route, [](http::Request&& r, http::Reply reply) { reply(http::Response{}); });
    }
    return gw;
  }();
  return *g;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  http::Request req;
  size_t eol = in.find('\n');
  std::string_view first = in.substr(0, eol);
  size_t sp = first.find(' ');
  req.method = std::string(first.substr(0, sp));
  req.target = sp == std::string_view::npos ? "/" : std::string(first.substr(sp + 1));
  if (!req.ParseTarget()) return 0;
  size_t pos = eol == std::string_view::npos ? in.size() : eol + 1;
  while (pos < in.size()) {
    size_t end = in.find('\n', pos);
    if (end == std::string_view::npos) end = in.size();
    std::string_view line = in.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    req.headers.Add(std::string(line.substr(0, colon)), std::string(value));
  }
  if (pos < in.size()) req.body = std::string(in.substr(pos));
  int replies = 0;
  TheGateway().Handle(std::move(req), [&](http::Response) { ++replies; });
  if (replies != 1) __builtin_trap();  // every request is answered exactly once
  return 0;
}
