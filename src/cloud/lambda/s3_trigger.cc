#include "cloud/lambda/s3_trigger.h"
#include "base/time_format.h"

#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

namespace cloud::lambda {

int64_t EpochMs();  // engine.cc

std::string S3EventKey(const std::string& key) {
  std::string out;
  out.reserve(key.size());
  for (unsigned char c : key) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '*' || c == '/') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string FunctionNameFromArn(const std::string& arn) {
  if (arn.rfind("arn:", 0) != 0) return arn;
  // arn:aws:lambda:region:account:function:name[:qualifier]
  size_t pos = 0;
  for (int i = 0; i < 6; ++i) {
    pos = arn.find(':', pos);
    if (pos == std::string::npos) return arn;
    ++pos;
  }
  size_t end = arn.find(':', pos);
  return arn.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
}

std::string S3EventJson(const std::string& region, const std::string& bucket, const std::string& key, uint64_t size,
                        const std::string& etag, const std::string& event, const std::string& configuration_id,
                        int64_t time_ms, const std::string& sequencer) {
  using nlohmann::json;
  std::string name = event.rfind("s3:", 0) == 0 ? event.substr(3) : event;
  json record = {
      {"eventVersion", "2.1"},
      {"eventSource", "aws:s3"},
      {"awsRegion", region},
      {"eventTime", base::UtcMillisTime(time_ms)},
      {"eventName", name},
      {"userIdentity", {{"principalId", "AWS:000000000000"}}},
      {"requestParameters", {{"sourceIPAddress", "127.0.0.1"}}},
      {"responseElements", {{"x-amz-request-id", sequencer}, {"x-amz-id-2", sequencer}}},
      {"s3",
       {{"s3SchemaVersion", "1.0"},
        {"configurationId", configuration_id},
        {"bucket",
         {{"name", bucket}, {"ownerIdentity", {{"principalId", "000000000000"}}}, {"arn", "arn:aws:s3:::" + bucket}}},
        {"object", {{"key", S3EventKey(key)}, {"size", size}, {"eTag", etag}, {"sequencer", sequencer}}}}}};
  return json({{"Records", json::array({record})}}).dump(-1, ' ', false, json::error_handler_t::replace);
}

void S3Trigger::OnObjectCreated(const std::string& bucket, const std::string& key, uint64_t size,
                                const std::string& etag, const std::string& event) {
  auto xml = store_->GetNotification(bucket);
  if (!xml.ok() || xml->empty()) return;
  s3::NotificationConfig config;
  char sequencer[24];
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = parsed_.find(bucket);
    if (it == parsed_.end() || it->second.first != *xml) {
      auto parsed = s3::ParseNotificationConfig(*xml);
      if (!parsed.ok()) return;  // validated when it was put; nothing to do with a broken one
      it = parsed_.insert_or_assign(bucket, std::make_pair(*xml, std::move(*parsed))).first;
    }
    config = it->second.second;
    // S3's sequencer orders events of one key: a hex number that grows with every event.
    std::snprintf(sequencer, sizeof sequencer, "%016llX",
                  static_cast<unsigned long long>(EpochMs()) * 1000 + (sequence_++ % 1000));
  }
  const int64_t now = EpochMs();
  for (const s3::NotificationTarget& target : config.targets) {
    if (target.kind != s3::NotificationTarget::Kind::kLambda || !s3::Matches(target, event, key)) continue;
    InvokeRequest request;
    request.function_name = FunctionNameFromArn(target.arn);
    request.payload = S3EventJson(region_, bucket, key, size, etag, event, target.id, now, sequencer);
    auto queued = engine_->InvokeAsync(std::move(request));
    if (!queued.ok()) {
      std::fprintf(stderr, "lambda: S3 notification %s/%s → %s: %s\n", bucket.c_str(), key.c_str(),
                   target.arn.c_str(), queued.status().ToString().c_str());
    }
  }
}

}  // namespace cloud::lambda
