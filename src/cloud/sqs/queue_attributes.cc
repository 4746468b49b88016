#include "cloud/sqs/queue_attributes.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>

#include "cloud/sqs/sqs_errors.h"

namespace cloud::sqs {
namespace {

struct IntAttribute {
  std::string_view name;
  int64_t min, max, fallback;
};
constexpr IntAttribute kIntAttributes[] = {
    {"DelaySeconds", 0, 900, 0},
    {"MaximumMessageSize", 1024, 262144, 262144},
    {"MessageRetentionPeriod", 60, 1209600, 345600},
    {"ReceiveMessageWaitTimeSeconds", 0, 20, 0},
    {"VisibilityTimeout", 0, 43200, 30},
};
// Stored and reported as given; they change nothing here.
constexpr std::string_view kOpaqueAttributes[] = {
    "Policy", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled", "RedriveAllowPolicy",
};
constexpr std::string_view kFifoAttributes[] = {
    "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit",
};
constexpr std::string_view kComputedAttributes[] = {
    "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn",
};

template <typename List>
bool Contains(const List& list, std::string_view name) {
  return std::find(std::begin(list), std::end(list), name) != std::end(list);
}

base::Status InvalidValue(std::string_view name, std::string_view value, std::string_view reason) {
  std::string m = "Invalid value for the parameter ";
  m.append(name);
  if (!reason.empty()) m.append(". Reason: ").append(reason);
  return SqsError(base::Status::Code::kInvalidArgument, "InvalidAttributeValue", m);
}

std::optional<int64_t> ParseInt(std::string_view s) {
  int64_t v = 0;
  if (s.empty() || s.size() > 18) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

base::Status NormalizeRedrivePolicy(std::string& value, std::string_view arn_prefix) {
  if (value.empty()) return base::Status::Ok();  // removes the policy
  nlohmann::json j = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return InvalidValue("RedrivePolicy", value, "Redrive policy is not a valid JSON map.");
  auto arn = j.find("deadLetterTargetArn");
  auto count = j.find("maxReceiveCount");
  if (arn == j.end() || !arn->is_string() || count == j.end()) {
    return InvalidValue("RedrivePolicy", value,
                        "Redrive policy does not contain mandatory attribute: deadLetterTargetArn and maxReceiveCount.");
  }
  std::optional<int64_t> n;
  if (count->is_number_integer()) n = count->get<int64_t>();
  if (count->is_string()) n = ParseInt(count->get<std::string>());
  if (!n || *n < 1 || *n > 1000) {
    return InvalidValue("RedrivePolicy", value, "Invalid value for maxReceiveCount: must be an integer from 1 to 1000.");
  }
  std::string target = arn->get<std::string>();
  if (target.rfind(arn_prefix, 0) != 0 || target.size() == arn_prefix.size()) {
    return InvalidValue("RedrivePolicy", value, "Invalid value for deadLetterTargetArn.");
  }
  nlohmann::json out = {{"deadLetterTargetArn", target}, {"maxReceiveCount", *n}};
  value = out.dump();
  return base::Status::Ok();
}

}  // namespace

AttributeMap DefaultQueueAttributes() {
  AttributeMap m;
  for (const IntAttribute& a : kIntAttributes) m[std::string(a.name)] = std::to_string(a.fallback);
  return m;
}

base::Status NormalizeQueueAttributes(AttributeMap& attributes, std::string_view arn_prefix) {
  for (auto& [name, value] : attributes) {
    if (Contains(kFifoAttributes, name)) {
      if (name == "FifoQueue" && value == "false") continue;
      return SqsError(base::Status::Code::kInvalidArgument, "UnsupportedOperation",
                      "FIFO queues are not supported by this server yet; use a standard queue.");
    }
    const std::string& key = name;  // a structured binding cannot be captured (clang)
    auto it = std::find_if(std::begin(kIntAttributes), std::end(kIntAttributes),
                           [&](const IntAttribute& a) { return a.name == key; });
    if (it != std::end(kIntAttributes)) {
      std::optional<int64_t> v = ParseInt(value);
      if (!v || *v < it->min || *v > it->max) return InvalidValue(name, value, "");
      value = std::to_string(*v);
      continue;
    }
    if (name == "RedrivePolicy") {
      EF_RETURN_IF_ERROR(NormalizeRedrivePolicy(value, arn_prefix));
      continue;
    }
    if (Contains(kOpaqueAttributes, name)) continue;
    return SqsError(base::Status::Code::kInvalidArgument, "InvalidAttributeName",
                    "Unknown Attribute " + name + ".");
  }
  attributes.erase("FifoQueue");
  return base::Status::Ok();
}

QueueConfig ParseQueueConfig(const AttributeMap& attributes, std::string_view arn_prefix) {
  QueueConfig c;
  auto get = [&](std::string_view name, int64_t fallback) {
    auto it = attributes.find(std::string(name));
    if (it == attributes.end()) return fallback;
    return ParseInt(it->second).value_or(fallback);
  };
  c.visibility_timeout_s = get("VisibilityTimeout", c.visibility_timeout_s);
  c.retention_s = get("MessageRetentionPeriod", c.retention_s);
  c.delay_s = get("DelaySeconds", c.delay_s);
  c.receive_wait_s = get("ReceiveMessageWaitTimeSeconds", c.receive_wait_s);
  c.max_message_size = get("MaximumMessageSize", c.max_message_size);
  auto redrive = attributes.find("RedrivePolicy");
  if (redrive != attributes.end() && !redrive->second.empty()) {
    nlohmann::json j = nlohmann::json::parse(redrive->second, nullptr, false);
    if (j.is_object() && j.contains("deadLetterTargetArn") && j.contains("maxReceiveCount")) {
      std::string arn = j["deadLetterTargetArn"].get<std::string>();
      if (arn.rfind(arn_prefix, 0) == 0) c.dead_letter_queue = arn.substr(arn_prefix.size());
      c.max_receive_count = j["maxReceiveCount"].get<int64_t>();
    }
  }
  return c;
}

bool IsKnownQueueAttribute(std::string_view name) {
  return Contains(kComputedAttributes, name) || Contains(kOpaqueAttributes, name) ||
         Contains(kFifoAttributes, name) || name == "RedrivePolicy" ||
         std::any_of(std::begin(kIntAttributes), std::end(kIntAttributes),
                     [&](const IntAttribute& a) { return a.name == name; });
}

base::Status ValidateQueueName(std::string_view name) {
  if (name.size() > 5 && name.substr(name.size() - 5) == ".fifo") {
    return SqsError(base::Status::Code::kInvalidArgument, "UnsupportedOperation",
                    "FIFO queues are not supported by this server yet; use a standard queue.");
  }
  bool ok = !name.empty() && name.size() <= 80 &&
            std::all_of(name.begin(), name.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            });
  if (!ok) {
    return InvalidParameterValue(
        "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
  }
  return base::Status::Ok();
}

}  // namespace cloud::sqs
