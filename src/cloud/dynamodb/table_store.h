// The DynamoDB store: tables and items in one SQLite database (WAL) under the service's data dir.
// No HTTP types here; the wire API (dynamodb_api.h) turns JSON requests into these calls.
//
// Items are stored as their wire JSON plus two key columns whose byte order is DynamoDB's key
// order (S: UTF-8 bytes, B: bytes, N: numeric via Decimal::SortKey), so a Query on a range key is
// an index range scan of the (table, hash key, range key) primary key.
//
// Durability: every write is committed before it is acknowledged. With Sync::kFull the commit is
// fsynced, so acknowledged writes survive power loss; with kNormal (what the server uses unless
// EDGEFACE_DYNAMODB_SYNC=full) they survive a kill -9 of the process (the WAL append is in the
// kernel) but not a power loss.
//
// Errors: NotFound = the table does not exist ("Requested resource not found"); AlreadyExists =
// the table exists; FailedPrecondition = a ConditionExpression was false; InvalidArgument = a
// validation error worded as DynamoDB words it; IoError = the disk.
//
// Group commit: SubmitWrite runs writes queued at the same time in one transaction, so one fsync
// acknowledges many concurrent writes (the server sends every write through it).
//
// Thread-safety: all methods are thread-safe. Writes are serialised; reads use their own
// connection and do not wait for a write's fsync.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/group_commit.h"
#include "base/sqlite.h"
#include "base/wal_checkpointer.h"
#include "base/status.h"
#include "cloud/dynamodb/attribute_value.h"
#include "cloud/dynamodb/expression.h"

namespace dynamodb {

struct KeyAttribute {
  std::string name;
  Type type = Type::kS;  // S, N or B
};

struct TableInfo {
  std::string name;
  KeyAttribute hash;
  std::optional<KeyAttribute> range;
  // The rest of the table's description (AttributeDefinitions, BillingMode, indexes, ...) as the
  // API wants to echo it; opaque to the store.
  std::string description_json;
  double created = 0;  // seconds since the epoch
};

struct TableStats {
  int64_t item_count = 0;
  int64_t size_bytes = 0;
};

// A Query's condition on the range key.
struct RangeCondition {
  enum class Op { kNone, kEq, kLt, kLe, kGt, kGe, kBetween, kBeginsWith };
  Op op = Op::kNone;
  Value a, b;  // b only for kBetween
};

struct QuerySpec {
  Value hash;
  RangeCondition range;
  bool forward = true;
  int limit = 0;                            // items evaluated per page; 0 = no limit (1 MB pages)
  std::optional<Item> exclusive_start_key;  // the LastEvaluatedKey of the previous page
  const Condition* filter = nullptr;        // FilterExpression, or nullptr
  int segment = 0, total_segments = 1;      // Scan only
};

struct Page {
  std::vector<Item> items;  // those that passed the filter
  int scanned = 0;          // items evaluated
  std::optional<Item> last_evaluated_key;
};

struct UpdateResult {
  std::optional<Item> old_item;
  Item new_item;
};

// One element of a BatchWriteItem.
struct WriteRequest {
  std::string table;
  bool is_put = true;
  Item item;  // the item to put, or the key to delete
};

class TableStore {
 public:
  // Opens or creates <dir>/dynamodb.sqlite. `dir` must exist.
  static base::StatusOr<std::unique_ptr<TableStore>> Open(const std::string& dir,
                                                          base::Db::Sync sync = base::Db::Sync::kFull);

  base::Status CreateTable(const TableInfo& info);
  base::StatusOr<TableInfo> GetTable(const std::string& name) const;
  base::StatusOr<TableStats> Stats(const std::string& name);
  // Deletes the table and its items; returns what it was.
  base::StatusOr<TableInfo> DeleteTable(const std::string& name);
  // Table names after `exclusive_start` in order, at most `limit`; *more says whether others follow.
  std::vector<std::string> ListTables(const std::string& exclusive_start, int limit, bool* more) const;

  // Checks that `key` holds exactly the table's key attributes with the right types.
  base::Status ValidateKey(const TableInfo& table, const Item& key) const;

  // Writes `item` (replacing any item with the same key) if `condition` (may be null) holds for
  // the current item. Returns the replaced item.
  base::StatusOr<std::optional<Item>> Put(const std::string& table, Item item, const Condition* condition);
  base::StatusOr<std::optional<Item>> Delete(const std::string& table, const Item& key, const Condition* condition);
  // Applies `update` to the item with `key` (created from the key if absent).
  base::StatusOr<UpdateResult> Update(const std::string& table, const Item& key, const UpdateExpression& update,
                                      const Condition* condition);
  base::StatusOr<std::optional<Item>> Get(const std::string& table, const Item& key);
  // The item as its wire JSON ({"id":{"S":"a"},...}), without decoding it: GetItem's fast path.
  base::StatusOr<std::optional<std::string>> GetJson(const std::string& table, const Item& key);
  // All writes in one transaction: all are applied or none.
  base::Status BatchWrite(const std::vector<WriteRequest>& writes);

  base::StatusOr<Page> Query(const std::string& table, const QuerySpec& spec);
  base::StatusOr<Page> Scan(const std::string& table, const QuerySpec& spec);

  // Runs `work` on the store's commit thread inside a transaction shared with the other writes
  // queued meanwhile (each in its own savepoint, so a failing `work` undoes only its own changes),
  // then calls `done` on that thread with the commit's status once the commit is durable.
  // `work` may call the write methods above. Returns at once.
  void SubmitWrite(std::function<base::Status()> work, std::function<void(base::Status)> done);

  ~TableStore();

 private:
  explicit TableStore(base::Db writer) : writer_(std::move(writer)) {}
  // A read connection with its statement cache; several, so concurrent reads do not queue.
  struct Reader {
    std::mutex mu;  // guards db and stmts
    base::Db db;
    std::unordered_map<std::string, base::Stmt> stmts;
    explicit Reader(base::Db d) : db(std::move(d)) {}
  };
  // Locks a free reader (or waits for one) for the lifetime of the returned lock.
  std::unique_lock<std::mutex> AcquireReader(Reader** reader);
  base::Status LoadTables();
  struct Keys {
    std::string hash, range;  // sortable encodings
  };
  base::StatusOr<Keys> ItemKeys(const TableInfo& table, const Item& item, bool is_key_only) const;
  base::StatusOr<int64_t> TableId(const std::string& name) const;
  // The stored wire JSON of the item with `keys`, or nullopt.
  base::StatusOr<std::optional<std::string>> ReadItemJson(base::Db& db, std::unordered_map<std::string, base::Stmt>& cache,
                                                          int64_t tid, const Keys& keys);
  base::StatusOr<std::optional<Item>> ReadItem(base::Db& db, std::unordered_map<std::string, base::Stmt>& cache,
                                               int64_t tid, const Keys& keys);
  base::Status WriteItem(int64_t tid, const Keys& keys, const Item& item);
  base::Status DeleteRow(int64_t tid, const Keys& keys);
  base::StatusOr<Page> RunPage(const TableInfo& table, int64_t tid, const QuerySpec& spec, bool scan);

  mutable std::mutex tables_mu_;  // guards tables_
  struct Entry {
    TableInfo info;
    int64_t id;
  };
  std::vector<Entry> tables_;  // sorted by name

  // Guards writer_ and write_stmts_. Recursive: the commit thread holds it for a whole group while
  // the write methods it runs take it again.
  std::recursive_mutex write_mu_;
  base::Db writer_;
  std::unordered_map<std::string, base::Stmt> write_stmts_;
  std::vector<std::unique_ptr<Reader>> readers_;  // fixed after Open

  // Runs SubmitWrite's writes in groups (base/group_commit.h); declared after writer_ and
  // write_mu_, so it stops (after the last queued write) before they go.
  std::optional<base::GroupCommitter<std::recursive_mutex>> committer_;
  // WAL checkpoints on their own connection and thread, so a commit never waits for one.
  std::unique_ptr<base::WalCheckpointer> checkpointer_;
};

// The sortable encoding of a key value (S and B: the bytes; N: Decimal::SortKey()).
std::string EncodeKey(const Value& v);

}  // namespace dynamodb
