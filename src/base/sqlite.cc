#include "base/sqlite.h"

#include <string>
#include <unordered_map>

namespace base {

namespace {

Status SqlError(sqlite3* db, std::string_view what) {
  return Status::IoError(std::string(what) + ": " + sqlite3_errmsg(db));
}

}  // namespace

StatusOr<Db> Db::Open(const std::string& path, Sync sync) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = Status::IoError("open " + path + ": " + (raw ? sqlite3_errmsg(raw) : "out of memory"));
    sqlite3_close(raw);
    return s;
  }
  Db db(raw);
  // WAL: readers do not block the writer and a commit is one append. busy_timeout covers a second
  // process (a backup, a test) holding the file briefly.
  std::string pragmas = "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;";
  pragmas += sync == Sync::kFull ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;";
  EF_RETURN_IF_ERROR(db.Exec(pragmas).WithContext(path));
  return db;
}

Db& Db::operator=(Db&& other) noexcept {
  if (this != &other) {
    DropCache();
    sqlite3_close_v2(db_);
    db_ = other.db_;
    cache_ = std::move(other.cache_);
    other.db_ = nullptr;
  }
  return *this;
}

Db::~Db() {
  DropCache();
  sqlite3_close_v2(db_);
}

void Db::DropCache() {
  if (!cache_) return;
  for (auto& [sql, stmt] : cache_->stmts) sqlite3_finalize(stmt);
  cache_.reset();
}

StatusOr<Stmt> Db::Cached(std::string_view sql) {
  if (!cache_) cache_ = std::make_unique<StmtCache>();
  auto it = cache_->stmts.find(std::string(sql));
  if (it == cache_->stmts.end()) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s,
                           nullptr) != SQLITE_OK) {
      return SqlError(db_, "prepare");
    }
    it = cache_->stmts.emplace(std::string(sql), s).first;
  }
  return Stmt(it->second, /*borrowed=*/true);
}

Status Db::Exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    Status st = Status::IoError(std::string("sqlite: ") + (err ? err : "error"));
    sqlite3_free(err);
    return st;
  }
  return Status::Ok();
}

StatusOr<Stmt> Db::Prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s,
                         nullptr) != SQLITE_OK) {
    return SqlError(db_, "prepare");
  }
  return Stmt(s);
}

int64_t Db::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
int Db::Changes() const { return sqlite3_changes(db_); }

Stmt& Stmt::operator=(Stmt&& other) noexcept {
  if (this != &other) {
    if (borrowed_) {
      if (stmt_) Reset();
    } else {
      sqlite3_finalize(stmt_);
    }
    stmt_ = other.stmt_;
    borrowed_ = other.borrowed_;
    other.stmt_ = nullptr;
  }
  return *this;
}

Stmt::~Stmt() {
  if (!borrowed_) {
    sqlite3_finalize(stmt_);
  } else if (stmt_) {
    Reset();
  }
}

Stmt& Stmt::Bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Stmt& Stmt::Bind(int i, double v) {
  sqlite3_bind_double(stmt_, i, v);
  return *this;
}
Stmt& Stmt::Bind(int i, std::string_view text) {
  sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::BindBlob(int i, std::string_view bytes) {
  sqlite3_bind_blob(stmt_, i, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::BindNull(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

StatusOr<bool> Stmt::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqlError(sqlite3_db_handle(stmt_), "step");
}

Status Stmt::Run() {
  StatusOr<bool> r = Step();
  Reset();
  return r.ok() ? Status::Ok() : r.status();
}

void Stmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Stmt::Int(int col) const { return sqlite3_column_int64(stmt_, col); }
double Stmt::Double(int col) const { return sqlite3_column_double(stmt_, col); }
std::string_view Stmt::Text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string_view();
}
std::string_view Stmt::Blob(int col) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
  return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string_view();
}
bool Stmt::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

namespace {

// BEGIN/COMMIT/ROLLBACK run on every write: compiled once per Db.
Status RunCached(Db& db, std::string_view sql) {
  StatusOr<Stmt> s = db.Cached(sql);
  if (!s.ok()) return s.status();
  return s->Run();
}

}  // namespace

Transaction::Transaction(Db& db) : db_(db), begin_(RunCached(db, "BEGIN IMMEDIATE")) {}

Transaction::~Transaction() {
  if (!done_ && begin_.ok()) RunCached(db_, "ROLLBACK");
}

Status Transaction::Commit() {
  EF_RETURN_IF_ERROR(begin_);
  Status s = RunCached(db_, "COMMIT");
  if (s.ok()) done_ = true;
  return s;
}

}  // namespace base
