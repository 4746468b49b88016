#include "cloud/sqs/sqs_operations.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "cloud/sqs/sqs_errors.h"

namespace cloud::sqs {
namespace {

using nlohmann::json;

base::Status Missing(std::string_view name) {
  return SqsError(base::Status::Code::kInvalidArgument, "MissingParameter",
                  "The request must contain the parameter " + std::string(name) + ".");
}

const json* Field(const json& params, std::string_view name) {
  if (!params.is_object()) return nullptr;
  auto it = params.find(name);
  return it == params.end() || it->is_null() ? nullptr : &*it;
}

base::StatusOr<std::string> RequiredString(const json& params, std::string_view name) {
  const json* f = Field(params, name);
  if (!f) return Missing(name);
  if (!f->is_string()) return InvalidParameterValue("Value for parameter " + std::string(name) + " must be a string.");
  return f->get<std::string>();
}

std::string OptionalString(const json& params, std::string_view name) {
  const json* f = Field(params, name);
  return f && f->is_string() ? f->get<std::string>() : std::string();
}

// JSON numbers, or the decimal strings of the query protocol.
base::StatusOr<std::optional<int64_t>> OptionalInt(const json& params, std::string_view name) {
  const json* f = Field(params, name);
  if (!f) return std::optional<int64_t>();
  if (f->is_number_integer()) return std::optional<int64_t>(f->get<int64_t>());
  if (f->is_string()) {
    const std::string& s = f->get_ref<const std::string&>();
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size() && !s.empty()) return std::optional<int64_t>(v);
  }
  return InvalidParameterValue("Value " + f->dump(-1, ' ', false, json::error_handler_t::replace).substr(0, 50) +
                               " for parameter " + std::string(name) + " is invalid. Reason: must be an integer.");
}

base::StatusOr<std::optional<int64_t>> IntInRange(const json& params, std::string_view name, int64_t lo, int64_t hi) {
  base::StatusOr<std::optional<int64_t>> v = OptionalInt(params, name);
  if (!v.ok()) return v.status();
  if (*v && (**v < lo || **v > hi)) {
    return InvalidParameterValue("Value " + std::to_string(**v) + " for parameter " + std::string(name) +
                                 " is invalid. Reason: Must be between " + std::to_string(lo) + " and " +
                                 std::to_string(hi) + ", if provided.");
  }
  return v;
}

std::vector<std::string> StringList(const json& params, std::string_view name) {
  std::vector<std::string> out;
  const json* f = Field(params, name);
  if (!f) return out;
  if (f->is_string()) out.push_back(f->get<std::string>());
  if (f->is_array()) {
    for (const json& e : *f) {
      if (e.is_string()) out.push_back(e.get<std::string>());
    }
  }
  return out;
}

base::StatusOr<AttributeMap> StringMap(const json& params, std::string_view name) {
  AttributeMap out;
  const json* f = Field(params, name);
  if (!f) return out;
  if (!f->is_object()) return InvalidParameterValue("Parameter " + std::string(name) + " must be a map.");
  for (auto& [k, v] : f->items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
    else if (v.is_number_integer()) out[k] = std::to_string(v.get<int64_t>());
    else return InvalidParameterValue("Value of " + std::string(name) + "." + k + " must be a string.");
  }
  return out;
}

std::string LastSegment(std::string_view url) {
  size_t q = url.find('?');
  if (q != std::string_view::npos) url = url.substr(0, q);
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  size_t slash = url.rfind('/');
  return std::string(slash == std::string_view::npos ? url : url.substr(slash + 1));
}

json ErrorEntry(const std::string& id, const base::Status& s) {
  std::string_view name = SqsErrorName(s);
  return {{"Id", id},
          {"SenderFault", s.code() != base::Status::Code::kIoError && s.code() != base::Status::Code::kInternal},
          {"Code", name.empty() ? std::string("InternalError") : std::string(name)},
          {"Message", std::string(SqsErrorMessage(s))}};
}

// Entries of a batch call: 1-10, ids of [A-Za-z0-9_-]{1,80}, distinct.
base::StatusOr<const json*> BatchEntries(const json& params, size_t total_body_limit = 0) {
  const json* entries = Field(params, "Entries");
  if (!entries || !entries->is_array() || entries->empty()) {
    return SqsError(base::Status::Code::kInvalidArgument, "EmptyBatchRequest",
                    "There should be at least one entry in the request.");
  }
  if (entries->size() > 10) {
    return SqsError(base::Status::Code::kInvalidArgument, "TooManyEntriesInBatchRequest",
                    "Maximum number of entries per request are 10. You have sent " + std::to_string(entries->size()) + ".");
  }
  std::set<std::string> ids;
  size_t total = 0;
  for (const json& e : *entries) {
    std::string id = OptionalString(e, "Id");
    bool valid = !id.empty() && id.size() <= 80 && std::all_of(id.begin(), id.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
    if (!valid) {
      return SqsError(base::Status::Code::kInvalidArgument, "InvalidBatchEntryId",
                      "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.");
    }
    if (!ids.insert(id).second) {
      return SqsError(base::Status::Code::kInvalidArgument, "BatchEntryIdsNotDistinct", "Id " + id + " repeated.");
    }
    total += OptionalString(e, "MessageBody").size();
  }
  if (total_body_limit && total > total_body_limit) {
    return SqsError(base::Status::Code::kInvalidArgument, "BatchRequestTooLong",
                    "Batch requests cannot be longer than 262144 bytes. You have sent " + std::to_string(total) + " bytes.");
  }
  return entries;
}

base::StatusOr<NewMessage> ReadNewMessage(const json& params, const CallContext& call) {
  NewMessage m;
  base::StatusOr<std::string> body = RequiredString(params, "MessageBody");
  if (!body.ok()) return body.status();
  m.body = std::move(*body);
  base::StatusOr<std::optional<int64_t>> delay = IntInRange(params, "DelaySeconds", 0, 900);
  if (!delay.ok()) return delay.status();
  m.delay_seconds = *delay;
  const json* attrs = Field(params, "MessageAttributes");
  base::StatusOr<MessageAttributes> parsed = ReadMessageAttributes(attrs ? *attrs : json());
  if (!parsed.ok()) return parsed.status();
  m.attributes = std::move(*parsed);
  if (Field(params, "MessageGroupId") || Field(params, "MessageDeduplicationId")) {
    return InvalidParameterValue("The request include parameter that is not valid for this queue type.");
  }
  m.sender_id = call.sender_id;
  return m;
}

json SentJson(const SentMessage& s) {
  json j = {{"MD5OfMessageBody", s.md5_of_body}, {"MessageId", s.message_id}};
  if (!s.md5_of_attributes.empty()) j["MD5OfMessageAttributes"] = s.md5_of_attributes;
  return j;
}

void StartSendMessage(SqsStore& store, const std::string& queue, const CallContext& call, OperationDone done) {
  base::StatusOr<NewMessage> m = ReadNewMessage(call.params, call);
  if (!m.ok()) return done(m.status());
  std::vector<NewMessage> one;
  one.push_back(std::move(*m));
  store.SubmitSend(queue, std::move(one), [done = std::move(done)](base::StatusOr<std::vector<base::StatusOr<SentMessage>>> r) {
    if (!r.ok()) return done(r.status());
    if (!(*r)[0].ok()) return done((*r)[0].status());
    done(SentJson(*(*r)[0]));
  });
}

void StartSendMessageBatch(SqsStore& store, const std::string& queue, const CallContext& call, OperationDone done) {
  base::StatusOr<const json*> entries = BatchEntries(call.params, kMaxMessageBytes);
  if (!entries.ok()) return done(entries.status());
  json failed = json::array();
  std::vector<NewMessage> messages;
  std::vector<std::string> ids;
  for (const json& e : **entries) {
    std::string id = OptionalString(e, "Id");
    base::StatusOr<NewMessage> m = ReadNewMessage(e, call);
    if (!m.ok()) {
      failed.push_back(ErrorEntry(id, m.status()));
      continue;
    }
    messages.push_back(std::move(*m));
    ids.push_back(std::move(id));
  }
  if (messages.empty()) return done(json{{"Successful", json::array()}, {"Failed", std::move(failed)}});
  store.SubmitSend(queue, std::move(messages),
                   [done = std::move(done), failed = std::move(failed), ids = std::move(ids)](
                       base::StatusOr<std::vector<base::StatusOr<SentMessage>>> r) mutable {
                     if (!r.ok()) return done(r.status());
                     json successful = json::array();
                     for (size_t i = 0; i < r->size(); ++i) {
                       if ((*r)[i].ok()) {
                         json s = SentJson(*(*r)[i]);
                         s["Id"] = ids[i];
                         successful.push_back(std::move(s));
                       } else {
                         failed.push_back(ErrorEntry(ids[i], (*r)[i].status()));
                       }
                     }
                     done(json{{"Successful", std::move(successful)}, {"Failed", std::move(failed)}});
                   });
}

base::StatusOr<json> DeleteMessageBatch(SqsStore& store, const std::string& queue, const CallContext& call) {
  base::StatusOr<const json*> entries = BatchEntries(call.params);
  if (!entries.ok()) return entries.status();
  if (!store.QueueExists(queue)) return QueueDoesNotExist();
  json failed = json::array(), successful = json::array();
  for (const json& e : **entries) {
    std::string id = OptionalString(e, "Id");
    base::StatusOr<std::string> handle = RequiredString(e, "ReceiptHandle");
    base::Status s = handle.ok() ? store.DeleteMessage(queue, *handle) : handle.status();
    if (s.ok()) successful.push_back({{"Id", id}});
    else failed.push_back(ErrorEntry(id, s));
  }
  return json{{"Successful", successful}, {"Failed", failed}};
}

base::StatusOr<json> ChangeMessageVisibilityBatch(SqsStore& store, const std::string& queue, const CallContext& call) {
  base::StatusOr<const json*> entries = BatchEntries(call.params);
  if (!entries.ok()) return entries.status();
  if (!store.QueueExists(queue)) return QueueDoesNotExist();
  json failed = json::array(), successful = json::array();
  for (const json& e : **entries) {
    std::string id = OptionalString(e, "Id");
    base::StatusOr<std::string> handle = RequiredString(e, "ReceiptHandle");
    base::StatusOr<std::optional<int64_t>> timeout = OptionalInt(e, "VisibilityTimeout");
    base::Status s;
    if (!handle.ok()) s = handle.status();
    else if (!timeout.ok()) s = timeout.status();
    else if (!*timeout) s = Missing("VisibilityTimeout");
    else s = store.ChangeVisibility(queue, *handle, **timeout);
    if (s.ok()) successful.push_back({{"Id", id}});
    else failed.push_back(ErrorEntry(id, s));
  }
  return json{{"Successful", successful}, {"Failed", failed}};
}

bool Selected(const std::vector<std::string>& names, std::string_view name) {
  for (const std::string& n : names) {
    if (n == "All" || n == ".*" || n == name) return true;
    if (n.size() > 2 && n.compare(n.size() - 2, 2, ".*") == 0 && name.rfind(n.substr(0, n.size() - 1), 0) == 0) {
      return true;  // "prefix.*" selects "prefix.anything"
    }
  }
  return false;
}

}  // namespace

base::StatusOr<std::string> QueueNameOf(const CallContext& call) {
  const json* url = Field(call.params, "QueueUrl");
  std::string name;
  if (url && url->is_string()) name = LastSegment(url->get<std::string>());
  else if (!call.path_queue.empty()) name = call.path_queue;
  else return Missing("QueueUrl");
  if (name.empty()) return QueueDoesNotExist();
  return name;
}

base::StatusOr<MessageAttributes> ReadMessageAttributes(const json& map) {
  MessageAttributes out;
  if (map.is_null()) return out;
  if (!map.is_object()) return InvalidParameterValue("MessageAttributes must be a map.");
  if (map.size() > kMaxMessageAttributes) {
    return InvalidParameterValue("Number of message attributes [" + std::to_string(map.size()) +
                                 "] exceeds the allowed maximum [10].");
  }
  for (auto& [name, value] : map.items()) {
    if (!value.is_object()) return InvalidParameterValue("The message attribute '" + name + "' must be a structure.");
    MessageAttribute a;
    a.name = name;
    a.data_type = OptionalString(value, "DataType");
    if (a.data_type.empty()) {
      return InvalidParameterValue("The message attribute '" + name + "' must contain non-empty message attribute type.");
    }
    const json* binary = Field(value, "BinaryValue");
    const json* text = Field(value, "StringValue");
    if (a.is_binary()) {
      if (!binary || !binary->is_string()) {
        return InvalidParameterValue("The message attribute '" + name + "' with type 'Binary' must use field 'Binary'.");
      }
      std::optional<std::string> bytes = Base64Decode(binary->get_ref<const std::string&>());
      if (!bytes) return InvalidParameterValue("The message attribute '" + name + "' has a BinaryValue that is not base64.");
      a.value = std::move(*bytes);
    } else {
      if (!text || !text->is_string()) {
        return InvalidParameterValue("The message attribute '" + name + "' with type '" + a.data_type +
                                     "' must use field 'String'.");
      }
      a.value = text->get<std::string>();
    }
    out.push_back(std::move(a));
  }
  EF_RETURN_IF_ERROR(NormalizeAttributes(out));
  return out;
}

base::StatusOr<ReceiveRequest> ReadReceiveRequest(const CallContext& call) {
  ReceiveRequest r;
  base::StatusOr<std::string> queue = QueueNameOf(call);
  if (!queue.ok()) return queue.status();
  r.queue = std::move(*queue);
  auto max = IntInRange(call.params, "MaxNumberOfMessages", 1, 10);
  if (!max.ok()) return max.status();
  r.max_messages = static_cast<int>(max->value_or(1));
  auto visibility = IntInRange(call.params, "VisibilityTimeout", 0, 43200);
  if (!visibility.ok()) return visibility.status();
  r.visibility_timeout_s = *visibility;
  auto wait = IntInRange(call.params, "WaitTimeSeconds", 0, 20);
  if (!wait.ok()) return wait.status();
  r.wait_time_s = *wait;
  r.attribute_names = StringList(call.params, "AttributeNames");
  for (std::string& n : StringList(call.params, "MessageSystemAttributeNames")) r.attribute_names.push_back(std::move(n));
  r.message_attribute_names = StringList(call.params, "MessageAttributeNames");
  return r;
}

json ReceiveResult(const std::vector<ReceivedMessage>& messages, const ReceiveRequest& request) {
  json list = json::array();
  for (const ReceivedMessage& m : messages) {
    json j = {{"MessageId", m.message_id}, {"ReceiptHandle", m.receipt_handle},
              {"MD5OfBody", m.md5_of_body}, {"Body", m.body}};
    json attrs = json::object();
    auto add = [&](std::string_view name, std::string value) {
      if (Selected(request.attribute_names, name)) attrs[std::string(name)] = std::move(value);
    };
    add("SenderId", m.sender_id);
    add("SentTimestamp", std::to_string(m.sent_ms));
    add("ApproximateReceiveCount", std::to_string(m.receive_count));
    add("ApproximateFirstReceiveTimestamp", std::to_string(m.first_receive_ms));
    if (!attrs.empty()) j["Attributes"] = std::move(attrs);
    MessageAttributes chosen;
    for (const MessageAttribute& a : m.attributes) {
      if (Selected(request.message_attribute_names, a.name)) chosen.push_back(a);
    }
    if (!chosen.empty()) {
      j["MD5OfMessageAttributes"] = Md5OfAttributes(chosen);
      json mattrs = json::object();
      for (const MessageAttribute& a : chosen) {
        json v = {{"DataType", a.data_type}};
        if (a.is_binary()) v["BinaryValue"] = Base64Encode(a.value);
        else v["StringValue"] = a.value;
        mattrs[a.name] = std::move(v);
      }
      j["MessageAttributes"] = std::move(mattrs);
    }
    list.push_back(std::move(j));
  }
  json out = json::object();
  if (!list.empty()) out["Messages"] = std::move(list);
  return out;
}

namespace {

// Every action except the sends (group-committed, see RunOperation) and ReceiveMessage.
base::StatusOr<json> RunImmediate(SqsStore& store, std::string_view action, const CallContext& call) {
  static constexpr std::string_view kActions[] = {
      "CreateQueue", "GetQueueUrl", "ListQueues", "SendMessage", "SendMessageBatch", "DeleteMessage",
      "DeleteMessageBatch", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch", "GetQueueAttributes",
      "SetQueueAttributes", "DeleteQueue", "PurgeQueue", "ListDeadLetterSourceQueues", "ListQueueTags",
      "TagQueue", "UntagQueue"};
  if (std::find(std::begin(kActions), std::end(kActions), action) == std::end(kActions)) {
    return SqsError(base::Status::Code::kInvalidArgument, "InvalidAction",
                    "The action " + std::string(action).substr(0, 100) + " is not valid for this endpoint.");
  }
  const json& p = call.params;
  if (action == "CreateQueue") {
    base::StatusOr<std::string> name = RequiredString(p, "QueueName");
    if (!name.ok()) return name.status();
    auto attributes = StringMap(p, "Attributes");
    if (!attributes.ok()) return attributes.status();
    auto tags = StringMap(p, "tags");
    if (!tags.ok()) return tags.status();
    auto created = store.CreateQueue(*name, *attributes, *tags);
    if (!created.ok()) return created.status();
    return json{{"QueueUrl", call.queue_url_base + *name}};
  }
  if (action == "GetQueueUrl") {
    base::StatusOr<std::string> name = RequiredString(p, "QueueName");
    if (!name.ok()) return name.status();
    if (!store.QueueExists(*name)) return QueueDoesNotExist();
    return json{{"QueueUrl", call.queue_url_base + *name}};
  }
  if (action == "ListQueues") {
    auto max = IntInRange(p, "MaxResults", 1, 1000);
    if (!max.ok()) return max.status();
    std::vector<std::string> names = store.ListQueues(OptionalString(p, "QueueNamePrefix"));
    // NextToken is the last name already returned.
    std::string after = OptionalString(p, "NextToken");
    json urls = json::array();
    json out = json::object();
    size_t limit = max->value_or(1000);
    for (const std::string& n : names) {
      if (!after.empty() && n <= after) continue;
      if (urls.size() == limit) {
        if (*max) out["NextToken"] = urls.back().get<std::string>().substr(call.queue_url_base.size());
        break;
      }
      urls.push_back(call.queue_url_base + n);
    }
    if (!urls.empty()) out["QueueUrls"] = std::move(urls);
    return out;
  }

  base::StatusOr<std::string> queue = QueueNameOf(call);
  if (!queue.ok()) return queue.status();
  if (action == "DeleteMessage") {
    base::StatusOr<std::string> handle = RequiredString(p, "ReceiptHandle");
    if (!handle.ok()) return handle.status();
    EF_RETURN_IF_ERROR(store.DeleteMessage(*queue, *handle));
    return json::object();
  }
  if (action == "DeleteMessageBatch") return DeleteMessageBatch(store, *queue, call);
  if (action == "ChangeMessageVisibility") {
    base::StatusOr<std::string> handle = RequiredString(p, "ReceiptHandle");
    if (!handle.ok()) return handle.status();
    auto timeout = OptionalInt(p, "VisibilityTimeout");
    if (!timeout.ok()) return timeout.status();
    if (!*timeout) return Missing("VisibilityTimeout");
    EF_RETURN_IF_ERROR(store.ChangeVisibility(*queue, *handle, **timeout));
    return json::object();
  }
  if (action == "ChangeMessageVisibilityBatch") return ChangeMessageVisibilityBatch(store, *queue, call);
  if (action == "GetQueueAttributes") {
    std::vector<std::string> names = StringList(p, "AttributeNames");
    auto attrs = store.GetQueueAttributes(*queue, names);
    if (!attrs.ok()) return attrs.status();
    json out = json::object();
    if (!attrs->empty()) out["Attributes"] = *attrs;
    return out;
  }
  if (action == "SetQueueAttributes") {
    auto attrs = StringMap(p, "Attributes");
    if (!attrs.ok()) return attrs.status();
    EF_RETURN_IF_ERROR(store.SetQueueAttributes(*queue, *attrs));
    return json::object();
  }
  if (action == "DeleteQueue") {
    EF_RETURN_IF_ERROR(store.DeleteQueue(*queue));
    return json::object();
  }
  if (action == "PurgeQueue") {
    EF_RETURN_IF_ERROR(store.PurgeQueue(*queue));
    return json::object();
  }
  if (action == "ListDeadLetterSourceQueues") {
    auto sources = store.ListDeadLetterSourceQueues(*queue);
    if (!sources.ok()) return sources.status();
    json urls = json::array();
    for (const std::string& n : *sources) urls.push_back(call.queue_url_base + n);
    return json{{"queueUrls", urls}};
  }
  if (action == "ListQueueTags") {
    auto tags = store.ListQueueTags(*queue);
    if (!tags.ok()) return tags.status();
    json out = json::object();
    if (!tags->empty()) out["Tags"] = *tags;
    return out;
  }
  if (action == "TagQueue") {
    auto tags = StringMap(p, "Tags");
    if (!tags.ok()) return tags.status();
    EF_RETURN_IF_ERROR(store.TagQueue(*queue, *tags));
    return json::object();
  }
  if (action == "UntagQueue") {
    EF_RETURN_IF_ERROR(store.UntagQueue(*queue, StringList(p, "TagKeys")));
    return json::object();
  }
  return SqsError(base::Status::Code::kInvalidArgument, "InvalidAction",
                  "The action " + std::string(action).substr(0, 100) + " is not valid for this endpoint.");
}

}  // namespace

void RunOperation(SqsStore& store, std::string_view action, const CallContext& call, OperationDone done) {
  if (action == "SendMessage" || action == "SendMessageBatch") {
    base::StatusOr<std::string> queue = QueueNameOf(call);
    if (!queue.ok()) return done(queue.status());
    if (action == "SendMessage") return StartSendMessage(store, *queue, call, std::move(done));
    return StartSendMessageBatch(store, *queue, call, std::move(done));
  }
  done(RunImmediate(store, action, call));
}

}  // namespace cloud::sqs
