// Fuzzes the CloudWatch request parsers with untrusted bytes: the monitoring query API (form
// body: members, dimensions, timestamps, periods), the Logs JSON API (targets, tokens, limits),
// and filter patterns. One store and one log group, made once per process under /tmp.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "cloud/cloudwatch/log_store.h"
#include "cloud/cloudwatch/logs_api.h"
#include "cloud/cloudwatch/monitoring_api.h"

namespace {

struct Fixture {
  Fixture() {
    char tmpl[] = "/tmp/edgeface-fuzz-cw-XXXXXX";
    dir = mkdtemp(tmpl);
    store = std::move(cloudwatch::MetricStore::Open(dir + "/metrics").value());
    store->Put({"AWS/Lambda", "Invocations", {{"FunctionName", "f"}}}, 1, 1'795'000'000'000, "Count", true);
    cloudwatch::LogLineWriter w;
    (void)w.Open(dir + "/logs", "/aws/lambda/f", "2026/11/23/[$LATEST]00");
    w.AppendLine("START RequestId: x Version: $LATEST");
    w.AppendOutput("hello\nREPORT RequestId: x\tDuration: 1.00 ms\n");
    monitoring = std::make_unique<cloudwatch::MonitoringApi>(store.get());
    logs = std::make_unique<cloudwatch::LogsApi>(dir + "/logs");
  }
  std::string dir;
  std::unique_ptr<cloudwatch::MetricStore> store;
  std::unique_ptr<cloudwatch::MonitoringApi> monitoring;
  std::unique_ptr<cloudwatch::LogsApi> logs;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* fx = new Fixture();
  if (size == 0) return 0;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  http::Request request;
  request.method = "POST";
  request.target = "/";
  request.ParseTarget();
  switch (data[0] % 3) {
    case 0:
      request.headers.Set("Content-Type", "application/x-www-form-urlencoded");
      request.body = std::move(bytes);
      (void)fx->monitoring->HandleNow(request);
      break;
    case 1: {
      size_t nl = bytes.find('\n');
      request.headers.Set("X-Amz-Target", "Logs_20140328." + bytes.substr(0, nl == std::string::npos ? 0 : nl));
      request.body = nl == std::string::npos ? bytes : bytes.substr(nl + 1);
      (void)fx->logs->HandleNow(request);
      break;
    }
    default: {
      auto pattern = cloudwatch::FilterPattern::Parse(bytes);
      if (pattern.ok()) (void)pattern->Matches(bytes);
      (void)cloudwatch::ParseTimestamp(bytes);
    }
  }
  return 0;
}
