// Private parts of SqsStore shared by its two source files (queues, messages).
#pragma once

#include <optional>

#include "base/sqlite.h"
#include "cloud/sqs/queue_attributes.h"
#include "cloud/sqs/sqs_store.h"

namespace cloud::sqs {

struct SqsStore::Queue {
  int64_t id = 0;
  std::string name;
  AttributeMap attributes;  // settable attributes, defaults filled in, normalised
  AttributeMap tags;
  int64_t created_s = 0;
  int64_t modified_s = 0;
  QueueConfig config;  // parsed from attributes
};

// Prepared once at Open; every statement is reset after use.
struct SqsStore::Statements {
  std::optional<base::Stmt> insert_message;
  std::optional<base::Stmt> select_ready;
  std::optional<base::Stmt> mark_received;
  std::optional<base::Stmt> move_to_queue;
  std::optional<base::Stmt> delete_message;
  std::optional<base::Stmt> select_for_visibility;
  std::optional<base::Stmt> set_visible;
  std::optional<base::Stmt> drop_expired;
  std::optional<base::Stmt> next_visible;
  std::optional<base::Stmt> counts;
};

}  // namespace cloud::sqs
