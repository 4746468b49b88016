// A thin RAII layer over SQLite: open in WAL mode, prepared statements, transactions.
// Every service that keeps metadata (objects, items, messages) uses it, each with its own file.
//
// Thread-safety: a Db is used by one thread at a time (callers hold their own mutex); SQLite is
// opened with SQLITE_OPEN_NOMUTEX for that reason.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace base {

class Stmt;

class Db {
 public:
  // How a commit reaches the disk. kFull: fsync on every commit (survives power loss);
  // kNormal: WAL without fsync per commit (survives a kill -9 of the process, not a power loss).
  enum class Sync { kFull, kNormal };

  static StatusOr<Db> Open(const std::string& path, Sync sync = Sync::kFull);
  Db(Db&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Db& operator=(Db&& other) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Runs one or more statements with no parameters and no results (schema, PRAGMAs).
  Status Exec(std::string_view sql);
  // Compiles one statement. The Stmt must not outlive the Db.
  StatusOr<Stmt> Prepare(std::string_view sql);
  int64_t LastInsertRowId() const;
  int Changes() const;  // rows changed by the last statement
  sqlite3* raw() { return db_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// A prepared statement. Bind indexes start at 1, column indexes at 0 (SQLite's convention).
class Stmt {
 public:
  Stmt(Stmt&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
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
  explicit Stmt(sqlite3_stmt* s) : stmt_(s) {}
  sqlite3_stmt* stmt_ = nullptr;
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
