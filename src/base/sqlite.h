// A thin RAII layer over SQLite: open in WAL mode, prepared statements, transactions.
// Every service that keeps metadata (objects, items, messages) uses it, each with its own file.
//
// Thread-safety: a Db is used by one thread at a time (callers hold their own mutex); SQLite is
// opened with SQLITE_OPEN_NOMUTEX for that reason.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"

namespace base {

class Stmt;

class Db {
 public:
  // How a commit reaches the disk. kFull: fsync on every commit (survives power loss);
  // kNormal: WAL without fsync per commit (survives a kill -9 of the process, not a power loss).
  enum class Sync { kFull, kNormal };

  static StatusOr<Db> Open(const std::string& path, Sync sync = Sync::kFull);
  Db(Db&& other) noexcept : db_(other.db_), cache_(std::move(other.cache_)) { other.db_ = nullptr; }
  Db& operator=(Db&& other) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();  // finalises the cached statements, then closes

  // Runs one or more statements with no parameters and no results (schema, PRAGMAs).
  Status Exec(std::string_view sql);
  // Compiles one statement. The Stmt must not outlive the Db.
  StatusOr<Stmt> Prepare(std::string_view sql);
  // The statement `sql`, compiled on first use and kept by the Db: the returned Stmt is a
  // borrowed handle whose destruction resets the statement (and clears its bindings) instead of
  // finalising it, so an early return never leaves it mid-step. Saves the compile (10-50 us) on
  // every call of a hot path. REQUIRES: at most one live handle per `sql` at a time.
  StatusOr<Stmt> Cached(std::string_view sql);
  int64_t LastInsertRowId() const;
  int Changes() const;  // rows changed by the last statement
  sqlite3* raw() { return db_; }

 private:
  struct StmtCache {
    std::unordered_map<std::string, sqlite3_stmt*> stmts;
  };
  explicit Db(sqlite3* db) : db_(db) {}
  void DropCache();
  sqlite3* db_ = nullptr;
  std::unique_ptr<StmtCache> cache_;
};

// A prepared statement. Bind indexes start at 1, column indexes at 0 (SQLite's convention).
class Stmt {
 public:
  Stmt(Stmt&& other) noexcept : stmt_(other.stmt_), borrowed_(other.borrowed_) { other.stmt_ = nullptr; }
  Stmt& operator=(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  Stmt& Bind(int i, int64_t v);
  Stmt& Bind(int i, double v);
  Stmt& Bind(int i, std::string_view text);     // bound as TEXT, copied
  Stmt& BindBlob(int i, std::string_view bytes); // bound as BLOB, copied
  Stmt& BindNull(int i);

  // Advances: true when a row is ready, false when done; an error is returned as Status.
  StatusOr<bool> Step();
  // Runs a statement that returns no rows, then resets it for reuse.
  Status Run();
  // Clears bindings and rewinds, so the statement can run again.
  void Reset();

  int64_t Int(int col) const;
  double Double(int col) const;
  std::string_view Text(int col) const;  // valid until the next Step/Reset
  std::string_view Blob(int col) const;
  bool IsNull(int col) const;

 private:
  friend class Db;
  explicit Stmt(sqlite3_stmt* s, bool borrowed = false) : stmt_(s), borrowed_(borrowed) {}
  sqlite3_stmt* stmt_ = nullptr;
  bool borrowed_ = false;  // owned by a Db's cache: reset, not finalised, on destruction
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless Commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Db& db);
  ~Transaction();
  Status status() const { return begin_; }
  Status Commit();

 private:
  Db& db_;
  Status begin_;
  bool done_ = false;
};

}  // namespace base
