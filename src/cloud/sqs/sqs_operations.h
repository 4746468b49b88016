// The SQS operations over JSON-protocol shapes (see sqs_protocol.h), against an SqsStore.
// No HTTP here: sqs_api.cc turns requests into calls and results into responses.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "cloud/sqs/message.h"
#include "cloud/sqs/sqs_store.h"

namespace cloud::sqs {

struct CallContext {
  const nlohmann::json& params;  // the request in JSON-protocol shape
  std::string queue_url_base;    // "http://127.0.0.1:4566/000000000000/": + name = QueueUrl
  std::string path_queue;        // queue name from the request path ("/000000000000/q"), or ""
  std::string sender_id;         // reported as the SenderId message attribute
};

// Runs every operation except ReceiveMessage (which may wait; see ReadReceiveRequest) and calls
// `done` once with the result. SendMessage and SendMessageBatch are group-committed
// (SqsStore::SubmitSend): their `done` runs later, on the store's commit thread, once the
// messages are committed. Every other action calls `done` before RunOperation returns.
// `call` is only read before RunOperation returns. InvalidAction for an unknown action. Errors
// carry their SQS names.
using OperationDone = std::function<void(base::StatusOr<nlohmann::json>)>;
void RunOperation(SqsStore& store, std::string_view action, const CallContext& call, OperationDone done);

// The queue a call addresses: the last path segment of QueueUrl, else of the request path.
base::StatusOr<std::string> QueueNameOf(const CallContext& call);

// Reads a MessageAttributes map ({"name": {"DataType", "StringValue" | "BinaryValue" (base64)}})
// and validates it (NormalizeAttributes). An absent or null map is empty.
base::StatusOr<MessageAttributes> ReadMessageAttributes(const nlohmann::json& map);

struct ReceiveRequest {
  std::string queue;
  int max_messages = 1;
  std::optional<int64_t> visibility_timeout_s;
  std::optional<int64_t> wait_time_s;  // nullopt: the queue's ReceiveMessageWaitTimeSeconds
  std::vector<std::string> attribute_names;          // system attributes asked for ("All" allowed)
  std::vector<std::string> message_attribute_names;  // "All", ".*", "prefix.*" or names
};
base::StatusOr<ReceiveRequest> ReadReceiveRequest(const CallContext& call);
// {"Messages": [...]} with only the attributes the request selected (and their MD5).
nlohmann::json ReceiveResult(const std::vector<ReceivedMessage>& messages, const ReceiveRequest& request);

}  // namespace cloud::sqs
