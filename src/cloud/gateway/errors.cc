#include "cloud/gateway/errors.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>

#include <boost/crc.hpp>
#include <nlohmann/json.hpp>

#include "aws/xml_writer.h"

namespace cloud {
namespace {

std::string JsonType(const ServiceRoute& route, std::string_view code) {
  if (code.find('#') != std::string_view::npos) return std::string(code);
  return route.json_type_prefix + std::string(code);
}

void FinishJson(http::Response& r, const std::string& request_id, std::string_view content_type) {
  boost::crc_32_type crc;
  crc.process_bytes(r.body.data(), r.body.size());
  r.headers.Set("Content-Type", std::string(content_type));
  r.headers.Set("x-amzn-RequestId", request_id);
  r.headers.Set("x-amz-crc32", std::to_string(crc.checksum()));  // botocore checks it (DynamoDB)
}

}  // namespace

std::string NewRequestId() {
  // Unique, not secret: a per-process random prefix and a counter.
  static const uint64_t prefix = std::random_device{}() * 0x9E3779B97F4A7C15ull ^
                                 static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  static std::atomic<uint64_t> counter{0};
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%016llX%016llX", static_cast<unsigned long long>(prefix),
                static_cast<unsigned long long>(counter.fetch_add(1)));
  return buf;
}

http::Response ErrorResponse(const ServiceRoute& route, const http::Request& request, int status,
                             std::string_view code, std::string_view message) {
  http::Response r;
  r.status = status;
  std::string id = NewRequestId();
  bool sqs_json = route.error_format == ErrorFormat::kSqs && request.headers.Has("x-amz-target");
  switch (route.error_format) {
    case ErrorFormat::kS3Xml: {
      aws::XmlWriter w;
      w.Declaration().Open("Error").Element("Code", code).Element("Message", message);
      w.Element("Resource", request.path).Element("RequestId", id);
      r.body = w.Take();
      r.headers.Set("Content-Type", "application/xml");
      r.headers.Set("x-amz-request-id", id);
      r.headers.Set("x-amz-id-2", id);
      break;
    }
    case ErrorFormat::kSqs:
      if (!sqs_json) {
        aws::XmlWriter w;
        w.Declaration().Open("ErrorResponse").Open("Error");
        w.Element("Type", status >= 500 ? "Receiver" : "Sender").Element("Code", code).Element("Message", message);
        w.Close().Element("RequestId", id);
        r.body = w.Take();
        r.headers.Set("Content-Type", "text/xml");
        r.headers.Set("x-amzn-RequestId", id);
        break;
      }
      r.headers.Set("x-amzn-query-error", std::string(code) + (status >= 500 ? ";Receiver" : ";Sender"));
      [[fallthrough]];
    case ErrorFormat::kJson10: {
      nlohmann::json j = {{"__type", JsonType(route, code)}, {"message", message}};
      r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);  // messages may quote client bytes
      FinishJson(r, id, "application/x-amz-json-1.0");
      break;
    }
    case ErrorFormat::kRestJson: {
      nlohmann::json j = {{"Type", status >= 500 ? "Service" : "User"}, {"message", message}};
      r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);  // messages may quote client bytes
      r.headers.Set("x-amzn-ErrorType", std::string(code));
      FinishJson(r, id, "application/json");
      break;
    }
  }
  return r;
}

}  // namespace cloud
