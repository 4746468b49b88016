// The queue store: SQS queues and their messages, without any HTTP type.
//
// Everything lives in one SQLite database in WAL mode (<dir>/sqs.db). Every call that changes
// state commits before it returns (SubmitSend: before it calls back), so an acknowledged send, delete or visibility change survives
// a kill -9 of the process (Sync::kNormal, the default: the WAL append is in the kernel before we
// answer) or a power loss as well (Sync::kFull: fsync per commit). Queue definitions are also
// cached in memory; messages are only in SQLite.
//
// Time comes from the Clock given at Open, so visibility timeouts, delays and retention are tested
// with a FakeClock. Retention is applied lazily: expired messages are dropped when the queue is
// next received from, and are never counted or returned.
//
// Errors carry their SQS error name (see sqs_errors.h): QueueDoesNotExist, QueueAlreadyExists,
// InvalidAttributeName, InvalidAttributeValue, InvalidParameterValue, ReceiptHandleIsInvalid,
// MessageNotInflight, UnsupportedOperation (FIFO queues).
//
// Thread-safety: all methods may be called concurrently; one mutex serialises them. The
// messages-available callback runs on the caller's thread after the mutex is released.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "base/group_commit.h"
#include "base/sqlite.h"
#include "base/status.h"
#include "base/wal_checkpointer.h"
#include "cloud/sqs/clock.h"
#include "cloud/sqs/message.h"

namespace cloud::sqs {

struct StoreOptions {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  base::Db::Sync sync = base::Db::Sync::kNormal;
  // false: each SubmitSend commits its own transaction on the caller's thread before returning
  // (what every send did before group commit; kept for before/after measurements:
  // EDGEFACE_SQS_GROUP_COMMIT=0).
  bool group_commit = true;
};

// Queue attributes and tags, by their SQS names ("VisibilityTimeout" -> "30").
using AttributeMap = std::map<std::string, std::string>;

struct NewMessage {
  std::string body;
  MessageAttributes attributes;          // already normalised (NormalizeAttributes)
  std::optional<int64_t> delay_seconds;  // nullopt: the queue's DelaySeconds
  std::string sender_id;
};

struct SentMessage {
  std::string message_id;
  std::string md5_of_body;
  std::string md5_of_attributes;  // "" when the message has no attributes
};

struct ReceivedMessage {
  std::string message_id;
  std::string receipt_handle;  // new for every receive
  std::string body;
  std::string md5_of_body;
  MessageAttributes attributes;  // all of them; the API selects what the caller asked for
  std::string sender_id;
  int64_t sent_ms = 0;
  int64_t first_receive_ms = 0;
  int64_t receive_count = 0;  // including this receive
};

class SqsStore {
 public:
  // Opens or creates <dir>/sqs.db. `clock` must outlive the store.
  static base::StatusOr<std::unique_ptr<SqsStore>> Open(const std::string& dir, Clock* clock,
                                                        StoreOptions options = {});
  ~SqsStore();

  // Called (outside the store's lock) with a queue name after messages may have become
  // receivable there: a send, a visibility change to 0, a redrive into a dead-letter queue.
  // Set once before concurrent use.
  void SetMessagesAvailableCallback(std::function<void(const std::string& queue)> callback);

  // Creates a queue. Returns true when created, false when a queue of that name already has the
  // same values for every attribute given (SQS's idempotent create); QueueAlreadyExists otherwise.
  base::StatusOr<bool> CreateQueue(std::string_view name, const AttributeMap& attributes,
                                   const AttributeMap& tags);
  base::Status DeleteQueue(std::string_view name);
  // Deletes every message of the queue.
  base::Status PurgeQueue(std::string_view name);
  bool QueueExists(std::string_view name) const;
  // Queue names starting with `prefix`, sorted.
  std::vector<std::string> ListQueues(std::string_view prefix) const;
  // `names` may hold "All". Unknown names are InvalidAttributeName.
  base::StatusOr<AttributeMap> GetQueueAttributes(std::string_view name, const std::vector<std::string>& names) const;
  base::Status SetQueueAttributes(std::string_view name, const AttributeMap& attributes);
  // Queues whose RedrivePolicy names this queue as their dead-letter queue.
  base::StatusOr<std::vector<std::string>> ListDeadLetterSourceQueues(std::string_view name) const;
  base::StatusOr<AttributeMap> ListQueueTags(std::string_view name) const;
  base::Status TagQueue(std::string_view name, const AttributeMap& tags);
  base::Status UntagQueue(std::string_view name, const std::vector<std::string>& keys);

  // Stores messages in one transaction. The outer status fails for the whole call (no queue, an
  // I/O error: nothing stored); an inner status fails only that entry (too large, bad delay).
  // Blocks until the messages are committed (SubmitSend and a wait).
  base::StatusOr<std::vector<base::StatusOr<SentMessage>>> SendMessages(std::string_view queue,
                                                                        std::vector<NewMessage> messages);
  // The same without blocking: the messages of every SubmitSend queued at the same moment (from
  // any thread) are committed in one transaction (base/group_commit.h), each call in its own
  // savepoint, so one failing call stores nothing of its own and loses nothing of the others'.
  // `done` runs on the store's commit thread once the commit has returned (the messages are then
  // as durable as StoreOptions.sync makes them), or with the error if it failed (nothing stored).
  using SendDone = std::function<void(base::StatusOr<std::vector<base::StatusOr<SentMessage>>>)>;
  void SubmitSend(std::string_view queue, std::vector<NewMessage> messages, SendDone done);

  // Takes up to `max_messages` (1-10) receivable messages, makes them invisible for
  // `visibility_timeout_s` (or the queue's VisibilityTimeout) and returns them with fresh receipt
  // handles. Messages received more than maxReceiveCount times move to the dead-letter queue
  // instead. An empty result is not an error.
  base::StatusOr<std::vector<ReceivedMessage>> Receive(std::string_view queue, int max_messages,
                                                       std::optional<int64_t> visibility_timeout_s);
  // Deletes the message the handle was issued for (also when a newer handle exists; a message
  // already gone is not an error). ReceiptHandleIsInvalid for a handle we did not issue.
  base::Status DeleteMessage(std::string_view queue, std::string_view receipt_handle);
  // Sets the message's visibility to now + `seconds`; the handle must be the latest one and the
  // message in flight (MessageNotInflight otherwise).
  base::Status ChangeVisibility(std::string_view queue, std::string_view receipt_handle, int64_t seconds);

  // The earliest time (epoch ms) after now at which a message of `queue` becomes receivable,
  // or nullopt when none is waiting (for long polls).
  std::optional<int64_t> NextVisibleMs(std::string_view queue) const;

  std::string QueueArn(std::string_view name) const;
  Clock* clock() const { return clock_; }

 private:
  struct Queue;
  struct Statements;
  SqsStore(base::Db db, Clock* clock, StoreOptions options);
  base::Status Load();
  Queue* Find(std::string_view name);
  const Queue* Find(std::string_view name) const;
  base::Status PersistQueue(const Queue& q);
  base::Status DropExpired(const Queue& q, int64_t now_ms);
  std::string NewMessageId();
  // REQUIRES: mu_ held, inside a transaction.
  base::StatusOr<std::vector<base::StatusOr<SentMessage>>> SendLocked(std::string_view queue,
                                                                      std::vector<NewMessage>& messages,
                                                                      std::string* queue_name);

  Clock* const clock_;
  const StoreOptions options_;
  std::function<void(const std::string&)> on_available_;

  mutable std::mutex mu_;  // guards everything below
  base::Db db_;
  std::unique_ptr<Statements> stmts_;
  std::map<std::string, std::unique_ptr<Queue>, std::less<>> queues_;
  std::mt19937_64 rng_;
  std::unique_ptr<base::WalCheckpointer> checkpointer_;
  // Last: stopped (after answering every queued send) before the rest goes.
  std::optional<base::GroupCommitter<std::mutex>> sends_;
};

}  // namespace cloud::sqs
