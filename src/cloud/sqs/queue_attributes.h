// The settable attributes of a queue: names, limits, defaults, and their parsed form.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "cloud/sqs/sqs_store.h"

namespace cloud::sqs {

struct QueueConfig {
  int64_t visibility_timeout_s = 30;
  int64_t retention_s = 345600;  // 4 days
  int64_t delay_s = 0;
  int64_t receive_wait_s = 0;
  int64_t max_message_size = 262144;
  std::string dead_letter_queue;  // queue name from RedrivePolicy.deadLetterTargetArn; "" if none
  int64_t max_receive_count = 0;
};

// Every settable attribute with its default value, as a new queue reports them.
AttributeMap DefaultQueueAttributes();

// Checks and normalises `attributes` (numbers in canonical form, RedrivePolicy as compact JSON)
// in place. InvalidAttributeName for unknown or read-only names, InvalidAttributeValue for
// out-of-range values, UnsupportedOperation for FIFO attributes. `arn_prefix` is
// "arn:aws:sqs:<region>:<account>:"; a dead-letter ARN must start with it.
base::Status NormalizeQueueAttributes(AttributeMap& attributes, std::string_view arn_prefix);

// Parses attributes already normalised by NormalizeQueueAttributes (merged over the defaults).
QueueConfig ParseQueueConfig(const AttributeMap& attributes, std::string_view arn_prefix);

// The names GetQueueAttributes accepts: settable + computed.
bool IsKnownQueueAttribute(std::string_view name);

// Queue names: 1-80 characters of A-Z a-z 0-9 - _. A ".fifo" name is UnsupportedOperation.
base::Status ValidateQueueName(std::string_view name);

}  // namespace cloud::sqs
