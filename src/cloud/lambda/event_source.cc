#include "cloud/lambda/event_source.h"

#include <chrono>
#include <future>

#include "cloud/lambda/engine_internal.h"
#include "cloud/lambda/sqs_client.h"

namespace cloud::lambda {

using json = nlohmann::json;
using namespace std::chrono_literals;

struct EventSourceMappings::Poller {
  MappingConfig config;
  std::atomic<bool> stop{false};
  std::thread thread;
};

json MappingJson(const MappingConfig& m, const std::string& function_arn, const char* state) {
  return {{"UUID", m.uuid},
          {"BatchSize", m.batch_size},
          {"MaximumBatchingWindowInSeconds", m.max_batching_window_s},
          {"EventSourceArn", m.event_source_arn},
          {"FunctionArn", function_arn},
          {"LastModified", m.last_modified_ms / 1000.0},
          {"State", state},
          {"StateTransitionReason", "USER_INITIATED"},
          {"FunctionResponseTypes", json::array()}};
}

EventSourceMappings::EventSourceMappings(Engine* engine, ServiceContext ctx) : engine_(engine), ctx_(std::move(ctx)) {}

EventSourceMappings::~EventSourceMappings() { StopAll(); }

void EventSourceMappings::StopAll() {
  std::vector<std::unique_ptr<Poller>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [uuid, p] : pollers_) p->stop = true;
    for (auto& [uuid, p] : pollers_) all.push_back(std::move(p));
    pollers_.clear();
    for (auto& p : retired_) all.push_back(std::move(p));
    retired_.clear();
  }
  for (auto& p : all) {
    if (p->thread.joinable()) p->thread.join();
  }
}

base::StatusOr<MappingConfig> EventSourceMappings::Create(MappingConfig config) {
  if (!engine_->GetFunction(config.function).ok()) {
    return base::Status::NotFound("Function not found: " + engine_->FunctionArn(config.function));
  }
  if (!SqsClient(ctx_).QueueUrl(config.event_source_arn).ok()) {
    return base::Status::InvalidArgument("Unsupported event source: " + config.event_source_arn +
                                         " (edgeface maps SQS queues)");
  }
  if (config.batch_size < 1 || config.batch_size > 10000 || (config.max_batching_window_s == 0 && config.batch_size > 10)) {
    return base::Status::InvalidArgument("Maximum batch size is 10 without a MaximumBatchingWindowInSeconds");
  }
  if (config.max_batching_window_s < 0 || config.max_batching_window_s > 300) {
    return base::Status::InvalidArgument("MaximumBatchingWindowInSeconds must be between 0 and 300");
  }
  if (config.uuid.empty()) {
    config.uuid = NewRequestId();
  }
  if (config.last_modified_ms == 0) config.last_modified_ms = EpochMs();
  auto poller = std::make_unique<Poller>();
  poller->config = config;
  Poller* raw = poller.get();
  {
    std::lock_guard<std::mutex> lock(mu_);
    pollers_[config.uuid] = std::move(poller);
    if (config.enabled) raw->thread = std::thread(&EventSourceMappings::PollLoop, this, raw);
  }
  return config;
}

base::StatusOr<MappingConfig> EventSourceMappings::Get(const std::string& uuid) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pollers_.find(uuid);
  if (it == pollers_.end()) return base::Status::NotFound("The resource you requested does not exist.");
  return it->second->config;
}

base::StatusOr<MappingConfig> EventSourceMappings::Delete(const std::string& uuid) {
  std::unique_ptr<Poller> gone;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pollers_.find(uuid);
    if (it == pollers_.end()) return base::Status::NotFound("The resource you requested does not exist.");
    gone = std::move(it->second);
    pollers_.erase(it);
  }
  gone->stop = true;
  // Not joined here (it may be inside a 1 s receive or an invocation): StopAll joins it, before
  // the engine it uses goes away.
  MappingConfig config = gone->config;
  std::lock_guard<std::mutex> lock(mu_);
  retired_.push_back(std::move(gone));
  return config;
}

std::vector<MappingConfig> EventSourceMappings::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<MappingConfig> out;
  for (const auto& [uuid, p] : pollers_) out.push_back(p->config);
  return out;
}

void EventSourceMappings::PollLoop(Poller* poller) {
  const MappingConfig& m = poller->config;
  SqsClient sqs(ctx_);
  const std::string queue_url = *sqs.QueueUrl(m.event_source_arn);
  const std::string region = ctx_.region;
  while (!poller->stop) {
    // Collect a batch: up to batch_size messages, waiting at most the batching window.
    json messages = json::array();
    const auto window_end = std::chrono::steady_clock::now() + std::chrono::seconds(m.max_batching_window_s);
    do {
      int want = std::min<int>(10, m.batch_size - static_cast<int>(messages.size()));
      auto received = sqs.Call("ReceiveMessage", {{"QueueUrl", queue_url},
                                                  {"MaxNumberOfMessages", want},
                                                  {"WaitTimeSeconds", 1},
                                                  {"AttributeNames", {"All"}},
                                                  {"MessageAttributeNames", {"All"}}},
                               5s);
      if (!received.ok()) {
        std::this_thread::sleep_for(500ms);  // the queue may not exist yet, or the server is stopping
        break;
      }
      if (received->contains("Messages")) {
        for (auto& msg : (*received)["Messages"]) messages.push_back(msg);
      }
    } while (!poller->stop && static_cast<int>(messages.size()) < m.batch_size &&
             std::chrono::steady_clock::now() < window_end && !messages.empty());
    if (messages.empty() || poller->stop) continue;

    json records = json::array();
    for (const auto& msg : messages) {
      json attributes = msg.value("Attributes", json::object());
      json message_attributes = json::object();
      const json received_attributes = msg.value("MessageAttributes", json::object());
      for (const auto& [name, value] : received_attributes.items()) {
        json a = {{"dataType", value.value("DataType", "String")}};
        if (value.contains("StringValue")) a["stringValue"] = value["StringValue"];
        if (value.contains("BinaryValue")) a["binaryValue"] = value["BinaryValue"];
        a["stringListValues"] = json::array();
        a["binaryListValues"] = json::array();
        message_attributes[name] = a;
      }
      records.push_back({{"messageId", msg.value("MessageId", "")},
                         {"receiptHandle", msg.value("ReceiptHandle", "")},
                         {"body", msg.value("Body", "")},
                         {"attributes", attributes},
                         {"messageAttributes", message_attributes},
                         {"md5OfBody", msg.value("MD5OfBody", "")},
                         {"eventSource", "aws:sqs"},
                         {"eventSourceARN", m.event_source_arn},
                         {"awsRegion", region}});
    }
    const std::string payload = json{{"Records", records}}.dump(-1, ' ', false, json::error_handler_t::replace);

    bool succeeded = false;
    while (!poller->stop) {
      auto promise = std::make_shared<std::promise<InvokeResult>>();
      auto future = promise->get_future();
      InvokeRequest request;
      request.function_name = m.function;
      request.payload = payload;
      engine_->Invoke(std::move(request), [promise](InvokeResult r) { promise->set_value(std::move(r)); });
      while (!poller->stop && future.wait_for(100ms) != std::future_status::ready) {
      }
      if (poller->stop) break;
      InvokeResult result = future.get();
      if (result.kind == InvokeResult::Kind::kThrottled) {
        std::this_thread::sleep_for(100ms);
        continue;
      }
      succeeded = result.kind == InvokeResult::Kind::kSuccess;
      break;
    }
    if (!succeeded) continue;  // the messages become visible again after the visibility timeout
    for (size_t start = 0; start < messages.size(); start += 10) {  // SQS deletes at most 10 per call
      json entries = json::array();
      for (size_t i = start; i < std::min(messages.size(), start + 10); ++i) {
        entries.push_back({{"Id", std::to_string(i)}, {"ReceiptHandle", messages[i].value("ReceiptHandle", "")}});
      }
      (void)sqs.Call("DeleteMessageBatch", {{"QueueUrl", queue_url}, {"Entries", entries}});
    }
  }
}

}  // namespace cloud::lambda
