// Group commit for SQLite writers: writes submitted from any thread run on one commit thread,
// every write queued at the same moment inside one transaction, so one COMMIT (one WAL append,
// and with Sync::kFull one fsync) acknowledges all of them. Each write runs in its own SAVEPOINT:
// a write that fails undoes only its own changes; the others still commit.
//
// Used by the DynamoDB store (items) and the SQS store (sends). The caller's submit returns at
// once; `done` runs on the commit thread after the COMMIT returned, so an answer sent from `done`
// goes out only once the write is as durable as the Db's Sync setting makes it.
//
// Thread-safety: Submit from any thread. The commit thread holds `mu` (the caller's lock over
// `db`) for a whole group; `work` runs with it held and must not take it again unless Mutex is
// recursive. `done` runs without it.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "base/sqlite.h"
#include "base/status.h"

namespace base {

// SAVEPOINT on construction; rolled back (and released) on destruction unless Release()d.
// Nests: an inner Savepoint undoes only what was done since it began.
class Savepoint {
 public:
  explicit Savepoint(Db& db) : db_(db), begin_(Run("SAVEPOINT w")) {}
  ~Savepoint() {
    if (!done_ && begin_.ok()) {
      Run("ROLLBACK TO w");
      Run("RELEASE w");
    }
  }
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  Status status() const { return begin_; }
  Status Release() {
    EF_RETURN_IF_ERROR(begin_);
    Status s = Run("RELEASE w");
    if (s.ok()) done_ = true;
    return s;
  }

 private:
  // Runs on every write: a cached statement, not a compile per call.
  Status Run(std::string_view sql) {
    StatusOr<Stmt> s = db_.Cached(sql);
    if (!s.ok()) return s.status();
    return s->Run();
  }
  Db& db_;
  Status begin_;
  bool done_ = false;
};

template <class Mutex>
class GroupCommitter {
 public:
  using Work = std::function<Status()>;
  // The COMMIT's status (OK also when this write's own work failed and was rolled back: the
  // work reports its own result through whatever it captured).
  using Done = std::function<void(Status)>;

  // `db` and `mu` must outlive the committer. `max_group` bounds one transaction, so one
  // commit's latency stays small under a flood of writes.
  GroupCommitter(Db& db, Mutex& mu, size_t max_group = 256) : db_(db), mu_(mu), max_group_(max_group) {
    thread_ = std::thread([this] { Loop(); });
  }
  // Runs everything already submitted, then stops the thread.
  ~GroupCommitter() {
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    thread_.join();
  }
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  void Submit(Work work, Done done) {
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      queue_.push_back({std::move(work), std::move(done)});
    }
    queue_cv_.notify_one();
  }

 private:
  struct Pending {
    Work work;
    Done done;
  };

  void Loop() {
    std::vector<Pending> group;
    for (;;) {
      group.clear();
      {
        std::unique_lock<std::mutex> lock(queue_mu_);
        queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and everything submitted has been answered
        while (!queue_.empty() && group.size() < max_group_) {
          group.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      Status commit;
      {
        std::lock_guard<Mutex> lock(mu_);
        commit = RunCached("BEGIN IMMEDIATE");
        if (commit.ok()) {
          for (Pending& p : group) {
            Savepoint sp(db_);
            Status s = sp.status().ok() ? p.work() : sp.status();
            if (s.ok()) sp.Release();  // a failed Release leaves the destructor to undo it
          }
          commit = RunCached("COMMIT");
          if (!commit.ok()) RunCached("ROLLBACK");
        }
      }
      for (Pending& p : group) p.done(commit);
    }
  }

  Status RunCached(std::string_view sql) {
    StatusOr<Stmt> s = db_.Cached(sql);
    if (!s.ok()) return s.status();
    return s->Run();
  }

  Db& db_;
  Mutex& mu_;
  const size_t max_group_;
  std::mutex queue_mu_;  // guards queue_ and stopping_
  std::condition_variable queue_cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace base
