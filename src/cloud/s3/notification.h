// A bucket's notification configuration (Put/GetBucketNotificationConfiguration): parsed from
// and written back to S3's XML, validated the way S3 validates it, and matched against events.
// The function engine subscribes to ObjectStore (ObjectCreatedListener) and uses
// ParseNotificationConfig + Matches to decide which functions or queues an event goes to.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace s3 {

struct NotificationTarget {
  enum class Kind { kLambda, kQueue, kTopic };
  Kind kind = Kind::kLambda;
  std::string id;                   // generated when the client gave none
  std::string arn;                  // CloudFunction / Queue / Topic
  std::vector<std::string> events;  // "s3:ObjectCreated:*", ...
  std::string prefix, suffix;       // key filter rules ("" = no rule)
};

struct NotificationConfig {
  std::vector<NotificationTarget> targets;
  bool event_bridge = false;
};

// Parses and validates a NotificationConfiguration document. Errors: InvalidArgument whose
// message starts with the S3 code ("MalformedXML: ..." or "InvalidArgument: ...").
base::StatusOr<NotificationConfig> ParseNotificationConfig(std::string_view xml);

// The configuration as S3 returns it from GetBucketNotificationConfiguration.
std::string NotificationConfigXml(const NotificationConfig& config);

// True when `event` (e.g. "s3:ObjectCreated:Put") on `key` is one `target` asked for.
bool Matches(const NotificationTarget& target, std::string_view event, std::string_view key);

}  // namespace s3
