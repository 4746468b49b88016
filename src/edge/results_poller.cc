#include "edge/results_poller.h"

#include <nlohmann/json.hpp>

#include "edge/source.h"

namespace edge {

ResultsPoller::ResultsPoller(client::AwsConfig config, std::string queue_name, std::string device_id, Report* report)
    : config_(std::move(config)), queue_name_(std::move(queue_name)), device_id_(std::move(device_id)), report_(report) {}

ResultsPoller::~ResultsPoller() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void ResultsPoller::Start() { thread_ = std::thread([this] { Run(); }); }

void ResultsPoller::Expect(int64_t capture_ms, Answer pending, int64_t base_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  outstanding_[capture_ms] = Pending{std::move(pending), base_ms};
}

void ResultsPoller::Forget(int64_t capture_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  outstanding_.erase(capture_ms);
  cv_.notify_all();
}

size_t ResultsPoller::Outstanding() {
  std::lock_guard<std::mutex> lock(mu_);
  return outstanding_.size();
}

void ResultsPoller::Finish(std::chrono::milliseconds wait) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, wait, [&] { return outstanding_.empty(); });
  }
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  std::map<int64_t, Pending> missing;
  {
    std::lock_guard<std::mutex> lock(mu_);
    missing.swap(outstanding_);
  }
  for (auto& [ms, p] : missing) {
    p.answer.ok = false;
    p.answer.error = "no answer on the " + queue_name_ + " queue within " +
                     std::to_string(wait.count() / 1000) + " s of the end of capture";
    report_->AddAnswer(p.answer);
  }
}

bool ResultsPoller::Handle(const client::SqsMessage& m) {
  nlohmann::json body = nlohmann::json::parse(m.body, nullptr, false);
  if (!body.is_object()) return false;  // not an answer of ours: leave it
  const std::string device = body.value("device_id", "");
  if (device != device_id_) return false;
  int64_t capture_ms = -1;
  const nlohmann::json& c = body["capture_ms"];
  if (c.is_number()) capture_ms = c.get<int64_t>();
  if (c.is_string()) capture_ms = std::atoll(c.get<std::string>().c_str());
  std::unique_lock<std::mutex> lock(mu_);
  auto it = outstanding_.find(capture_ms);
  if (it == outstanding_.end()) return true;  // this device's, from an earlier run
  Pending p = std::move(it->second);
  outstanding_.erase(it);
  cv_.notify_all();
  lock.unlock();
  Answer& a = p.answer;
  a.ok = true;
  a.latency_s = (NowMs() - p.base_ms) / 1000.0;
  a.status = body.value("status", "");
  if (body.contains("error") && a.status.empty()) {
    a.ok = false;
    a.error = body["error"].is_string() ? body["error"].get<std::string>() : body["error"].dump();
  }
  if (body["name"].is_string()) a.name = body["name"].get<std::string>();
  a.record = body.contains("record") ? body["record"] : nlohmann::json(nullptr);
  a.request_id = body.value("clip_key", "");
  report_->AddAnswer(a);
  return true;
}

void ResultsPoller::Run() {
  client::SqsClient sqs(config_);
  std::string url;
  auto backoff = std::chrono::milliseconds(200);
  bool reported = false;
  while (!stopping_) {
    if (url.empty()) {
      auto got = sqs.GetQueueUrl(queue_name_);
      if (got.ok()) {
        url = *got;
      } else {
        if (!reported) report_->Event("results queue '" + queue_name_ + "' not reachable: " + got.status().ToString());
        reported = true;
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
        continue;
      }
    }
    // Short long-polls keep Finish prompt; others' messages reappear after 2 s.
    auto messages = sqs.ReceiveMessages(url, 10, 1, 2);
    if (!messages.ok()) {
      if (!reported) report_->Event("receiving answers failed: " + messages.status().ToString() + "; retrying");
      reported = true;
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
      continue;
    }
    reported = false;
    backoff = std::chrono::milliseconds(200);
    for (const client::SqsMessage& m : *messages) {
      if (Handle(m)) sqs.DeleteMessage(url, m.receipt_handle);
    }
  }
}

}  // namespace edge
