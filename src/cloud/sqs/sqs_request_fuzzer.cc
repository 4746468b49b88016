// libFuzzer target: the SQS request readers of both protocols.
// First byte picks the protocol: even = query form body, odd = JSON 1.0 body. The parsed request
// then goes through the message-attribute reader (top level and every batch entry), the receive
// request reader and the query-XML writer, which must never crash whatever the shape.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cloud/sqs/sqs_operations.h"
#include "cloud/sqs/sqs_protocol.h"
#include "http/url.h"

namespace {

void Exercise(const std::string& action, const nlohmann::json& params) {
  using cloud::sqs::ReadMessageAttributes;
  if (params.is_object()) {
    auto attrs = params.find("MessageAttributes");
    if (attrs != params.end()) (void)ReadMessageAttributes(*attrs);
    auto entries = params.find("Entries");
    if (entries != params.end() && entries->is_array()) {
      for (const auto& e : *entries) {
        if (e.is_object() && e.contains("MessageAttributes")) (void)ReadMessageAttributes(e["MessageAttributes"]);
      }
    }
  }
  cloud::sqs::CallContext call{params, "http://127.0.0.1:4566/000000000000/", "q", "test"};
  (void)cloud::sqs::ReadReceiveRequest(call);
  (void)cloud::sqs::QueryXmlResponse(action, params, "request-id");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    auto fields = http::ParseQueryString(body, true);
    if (!fields) return 0;
    auto request = cloud::sqs::ParseQueryParams(*fields);
    if (!request.ok()) return 0;
    Exercise(request->action, request->params);
  } else {
    nlohmann::json params = nlohmann::json::parse(body, nullptr, false);
    if (params.is_discarded()) return 0;
    Exercise("SendMessageBatch", params);
  }
  return 0;
}
