// WAL checkpoints off the commit path. SQLite's automatic checkpoint runs inside the COMMIT that
// pushes the WAL over 1000 pages: that commit (and, on a server's I/O thread, every request that
// thread serves) waits for the copy into the database file and, with synchronous=NORMAL or FULL,
// two fsyncs: milliseconds to tens of milliseconds on a busy disk, i.e. the p99 of a write.
//
// A WalCheckpointer opens its own connection to the database and runs
// `PRAGMA wal_checkpoint(PASSIVE)` every `interval`: PASSIVE never blocks writers or readers; it
// copies what no reader still needs, so the WAL stays small. The store turns the automatic
// checkpoint off on its own connections (DisableAutoCheckpoint). Requires that the store's
// connections are not in locking_mode=EXCLUSIVE (a second connection could not open the file).
//
// Durability is unchanged: a commit is in the WAL (and fsynced with Sync::kFull) before it
// returns, whether or not it has been checkpointed.
//
// Thread-safety: Start and the destructor from one thread; the checkpoint thread touches only
// its own connection.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/sqlite.h"
#include "base/status.h"

namespace base {

class WalCheckpointer {
 public:
  // Turns SQLite's automatic checkpoint off on `db` (one of the store's connections).
  static Status DisableAutoCheckpoint(Db& db) { return db.Exec("PRAGMA wal_autocheckpoint=0"); }

  static StatusOr<std::unique_ptr<WalCheckpointer>> Start(
      const std::string& path, Db::Sync sync,
      std::chrono::milliseconds interval = std::chrono::milliseconds(250)) {
    StatusOr<Db> db = Db::Open(path, sync);
    if (!db.ok()) return db.status();
    return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(std::move(*db), interval));
  }

  // Stops the thread (within one checkpoint) and closes the connection.
  ~WalCheckpointer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

 private:
  WalCheckpointer(Db db, std::chrono::milliseconds interval) : db_(std::move(db)), interval_(interval) {
    thread_ = std::thread([this] { Loop(); });
  }

  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      cv_.wait_for(lock, interval_, [&] { return stopping_; });
      if (stopping_) break;
      lock.unlock();
      // A failure (busy, I/O) is retried at the next interval; commits do not depend on it.
      db_.Exec("PRAGMA wal_checkpoint(PASSIVE)");
      lock.lock();
    }
  }

  Db db_;
  const std::chrono::milliseconds interval_;
  std::mutex mu_;  // guards stopping_
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace base
