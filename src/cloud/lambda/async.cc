// Asynchronous (Event) invocations: stored in SQLite before the 202, run by one dispatcher
// thread, retried after the configured delays, then delivered to the on-failure destination.
//
// A row of `events` is one event: pending (record IS NULL; due at next_ms) or finished with a
// destination record still to deliver (record NOT NULL). A row is deleted only when the event
// succeeded or its record was delivered, so a kill -9 at any point loses nothing acknowledged
// (an invocation running at the kill runs again after restart: at-least-once, as on Lambda).
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cloud/lambda/engine_internal.h"
#include "base/time_format.h"

namespace cloud::lambda {

using namespace std::chrono_literals;

struct Engine::AsyncEvent {
  int64_t id = 0;
  std::string request_id;
  std::string function;
  std::string payload;
  int64_t attempts = 0;  // invocations made before this one
  int64_t created_ms = 0;
};

namespace {


// A JSON value when the text parses as one, else the text as a JSON string.
nlohmann::json JsonOrString(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return text;
  return j;
}

}  // namespace

base::StatusOr<std::string> Engine::InvokeAsync(InvokeRequest request) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!functions_.count(request.function_name)) {
      return base::Status::NotFound("Function not found: " + FunctionArn(request.function_name));
    }
  }
  std::string request_id = NewRequestId();
  {
    std::lock_guard<std::mutex> lock(db_mu_);
    auto insert = db_->Prepare(
        "INSERT INTO events (request_id, function, payload, attempts, next_ms, created_ms) VALUES (?, ?, ?, 0, ?, ?)");
    if (!insert.ok()) return insert.status();
    int64_t now = EpochMs();
    insert->Bind(1, request_id).Bind(2, request.function_name).BindBlob(3, request.payload).Bind(4, now).Bind(5, now);
    EF_RETURN_IF_ERROR(insert->Run());
  }
  {
    std::lock_guard<std::mutex> lock(async_mu_);
    async_wake_ = true;
  }
  async_cv_.notify_all();
  return request_id;
}

void Engine::AsyncLoop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(async_mu_);
      async_cv_.wait_for(lock, 50ms, [&] { return async_wake_; });
      async_wake_ = false;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    SendStoredRecords();
    std::vector<AsyncEvent> due;
    {
      std::lock_guard<std::mutex> lock(db_mu_);
      auto select = db_->Prepare(
          "SELECT id, request_id, function, payload, attempts, created_ms FROM events "
          "WHERE record IS NULL AND next_ms <= ? ORDER BY next_ms LIMIT 256");
      if (!select.ok()) continue;
      select->Bind(1, EpochMs());
      while (true) {
        auto row = select->Step();
        if (!row.ok() || !*row) break;
        AsyncEvent e;
        e.id = select->Int(0);
        e.request_id = std::string(select->Text(1));
        e.function = std::string(select->Text(2));
        e.payload = std::string(select->Blob(3));
        e.attempts = select->Int(4);
        e.created_ms = select->Int(5);
        due.push_back(std::move(e));
      }
    }
    for (AsyncEvent& e : due) {
      {
        std::lock_guard<std::mutex> lock(async_mu_);
        if (!inflight_.emplace(e.id, true).second) continue;
      }
      auto inv = std::make_shared<Invocation>();
      inv->request_id = e.request_id;  // retries keep the request id, as on Lambda
      inv->request.function_name = e.function;
      inv->request.payload = e.payload;
      inv->done = [this, e](InvokeResult result) { OnAsyncDone(e, result); };
      Dispatch(std::move(inv), true);
    }
  }
}

void Engine::OnAsyncDone(const AsyncEvent& e, const InvokeResult& result) {
  using Kind = InvokeResult::Kind;
  const int64_t now = EpochMs();
  FunctionConfig config;
  bool have_config = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = functions_.find(e.function);
    if (it != functions_.end()) {
      config = it->second->config;
      have_config = true;
    }
  }
  {
    std::lock_guard<std::mutex> lock(db_mu_);
    auto run = [&](const char* sql, auto bind) {
      auto stmt = db_->Prepare(sql);
      if (!stmt.ok()) return;
      bind(*stmt);
      base::Status s = stmt->Run();
      if (!s.ok()) std::fprintf(stderr, "lambda: async event %lld: %s\n", static_cast<long long>(e.id), s.ToString().c_str());
    };
    auto finish = [&](const std::string& destination, const char* condition, int64_t invocations) {
      if (destination.empty()) {
        run("DELETE FROM events WHERE id = ?", [&](base::Stmt& s) { s.Bind(1, e.id); });
        return;
      }
      // Lambda's destination record (the on-failure / on-success invocation record).
      nlohmann::json record = {
          {"version", "1.0"},
          {"timestamp", base::UtcMillisTime(now)},
          {"requestContext",
           {{"requestId", e.request_id},
            {"functionArn", FunctionArn(e.function) + ":$LATEST"},
            {"condition", condition},
            {"approximateInvokeCount", invocations}}},
          {"requestPayload", JsonOrString(e.payload)},
          {"responseContext", {{"statusCode", 200}, {"executedVersion", "$LATEST"}}},
          {"responsePayload", JsonOrString(result.payload)}};
      if (result.kind == Kind::kFunctionError) record["responseContext"]["functionError"] = "Unhandled";
      run("UPDATE events SET destination = ?, record = ?, next_ms = 0 WHERE id = ?", [&](base::Stmt& s) {
        s.Bind(1, destination).Bind(2, record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)).Bind(3, e.id);
      });
    };
    if (result.kind == Kind::kThrottled || result.kind == Kind::kServiceError) {
      // Not an attempt: the event waits for capacity (Lambda keeps throttled events queued).
      run("UPDATE events SET next_ms = ? WHERE id = ?", [&](base::Stmt& s) { s.Bind(1, now + 100).Bind(2, e.id); });
    } else if (result.kind == Kind::kNotFound || !have_config) {
      run("DELETE FROM events WHERE id = ?", [&](base::Stmt& s) { s.Bind(1, e.id); });
    } else if (result.kind == Kind::kSuccess) {
      finish(config.on_success_destination, "Success", e.attempts + 1);
    } else {
      const int64_t invocations = e.attempts + 1;
      const bool too_old = now - e.created_ms > int64_t{config.max_event_age_s} * 1000;
      if (invocations <= config.max_retry_attempts && !too_old && !options_.async_retry_delays.empty()) {
        size_t i = std::min<size_t>(static_cast<size_t>(invocations - 1), options_.async_retry_delays.size() - 1);
        int64_t next = now + options_.async_retry_delays[i].count();
        run("UPDATE events SET attempts = ?, next_ms = ? WHERE id = ?",
            [&](base::Stmt& s) { s.Bind(1, invocations).Bind(2, next).Bind(3, e.id); });
      } else {
        finish(config.on_failure_destination, too_old ? "EventAgeExceeded" : "RetriesExhausted", invocations);
      }
    }
  }
  {
    std::lock_guard<std::mutex> lock(async_mu_);
    inflight_.erase(e.id);
    async_wake_ = true;
  }
  async_cv_.notify_all();
}

void Engine::SendStoredRecords() {
  struct Record {
    int64_t id;
    std::string destination, record;
  };
  std::vector<Record> records;
  {
    std::lock_guard<std::mutex> lock(db_mu_);
    auto select = db_->Prepare("SELECT id, destination, record FROM events WHERE record IS NOT NULL AND next_ms <= ? LIMIT 64");
    if (!select.ok()) return;
    select->Bind(1, EpochMs());
    while (true) {
      auto row = select->Step();
      if (!row.ok() || !*row) break;
      records.push_back({select->Int(0), std::string(select->Text(1)), std::string(select->Text(2))});
    }
  }
  for (const Record& r : records) {
    base::Status sent = options_.destination_sender
                            ? options_.destination_sender(r.destination, r.record)
                            : base::Status::Unavailable("no destination sender configured");
    std::lock_guard<std::mutex> lock(db_mu_);
    if (sent.ok()) {
      auto del = db_->Prepare("DELETE FROM events WHERE id = ?");
      if (del.ok()) (void)del->Bind(1, r.id).Run();
    } else {
      std::fprintf(stderr, "lambda: destination %s: %s (will retry)\n", r.destination.c_str(), sent.ToString().c_str());
      auto later = db_->Prepare("UPDATE events SET next_ms = ? WHERE id = ?");
      if (later.ok()) (void)later->Bind(1, EpochMs() + 1000).Bind(2, r.id).Run();
    }
  }
}

}  // namespace cloud::lambda
