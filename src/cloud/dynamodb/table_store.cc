#include "cloud/dynamodb/table_store.h"

#include <algorithm>
#include <chrono>
#include <map>

#include <nlohmann/json.hpp>

#include "cloud/dynamodb/codec.h"
#include "cloud/dynamodb/evaluator.h"
#include "cloud/dynamodb/number.h"

namespace dynamodb {
namespace {

constexpr size_t kMaxHashKeyBytes = 2048;
constexpr size_t kMaxRangeKeyBytes = 1024;
constexpr size_t kMaxPageBytes = 1024 * 1024;  // DynamoDB stops a Query/Scan page at 1 MB

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS tables(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  hash_name TEXT NOT NULL, hash_type TEXT NOT NULL,
  range_name TEXT, range_type TEXT,
  description TEXT NOT NULL,
  created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS items(
  tid INTEGER NOT NULL,
  hk BLOB NOT NULL,
  rk BLOB NOT NULL,
  item BLOB NOT NULL,
  PRIMARY KEY(tid, hk, rk)) WITHOUT ROWID;
)sql";

base::Status Invalid(std::string msg) { return base::Status::InvalidArgument(std::move(msg)); }
base::Status TableNotFound() { return base::Status::NotFound("Requested resource not found"); }
base::Status ConditionFailed() { return base::Status::FailedPrecondition("The conditional request failed"); }

base::StatusOr<Item> ParseStoredItem(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return base::Status::Corruption("stored item is not JSON");
  return ItemFromJson(j);
}

std::string Serialize(const Item& item) {
  std::string out;
  AppendItemJson(item, &out);
  return out;
}

// The smallest byte string greater than every string starting with `prefix`; empty when none.
std::string PrefixSuccessor(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xFF) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

Item KeyOf(const TableInfo& t, const Item& item) {
  Item key;
  key[t.hash.name] = item.at(t.hash.name);
  if (t.range) key[t.range->name] = item.at(t.range->name);
  return key;
}

// A savepoint (base::Savepoint): a transaction of its own at top level, a nested one inside a
// group commit.
using base::Savepoint;

// A cached prepared statement, reset when the lease ends so no read snapshot stays open.
class Lease {
 public:
  Lease(base::Db& db, std::unordered_map<std::string, base::Stmt>& cache, const std::string& sql) {
    auto it = cache.find(sql);
    if (it == cache.end()) {
      base::StatusOr<base::Stmt> prepared = db.Prepare(sql);
      if (!prepared.ok()) {
        status_ = prepared.status();
        return;
      }
      it = cache.emplace(sql, std::move(*prepared)).first;
    }
    stmt_ = &it->second;
  }
  ~Lease() {
    if (stmt_) stmt_->Reset();
  }
  bool ok() const { return stmt_ != nullptr; }
  const base::Status& status() const { return status_; }
  base::Stmt* operator->() { return stmt_; }

 private:
  base::Stmt* stmt_ = nullptr;
  base::Status status_;
};

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

std::string EncodeKey(const Value& v) {
  if (v.type == Type::kN) {
    base::StatusOr<Decimal> d = Decimal::Parse(v.scalar);
    return d.ok() ? d->SortKey() : std::string();
  }
  return v.scalar;
}

base::StatusOr<std::unique_ptr<TableStore>> TableStore::Open(const std::string& dir, base::Db::Sync sync) {
  std::string path = dir + "/dynamodb.sqlite";
  base::StatusOr<base::Db> writer = base::Db::Open(path, sync);
  if (!writer.ok()) return writer.status();
  EF_RETURN_IF_ERROR(writer->Exec(kSchema));
  std::unique_ptr<TableStore> store(new TableStore(std::move(*writer)));
  constexpr int kReaders = 4;
  for (int i = 0; i < kReaders; ++i) {
    base::StatusOr<base::Db> reader = base::Db::Open(path, sync);
    if (!reader.ok()) return reader.status();
    store->readers_.push_back(std::make_unique<Reader>(std::move(*reader)));
  }
  EF_RETURN_IF_ERROR(store->LoadTables());
  EF_RETURN_IF_ERROR(base::WalCheckpointer::DisableAutoCheckpoint(store->writer_));
  auto checkpointer = base::WalCheckpointer::Start(path, sync);
  if (!checkpointer.ok()) return checkpointer.status();
  store->checkpointer_ = std::move(*checkpointer);
  store->committer_.emplace(store->writer_, store->write_mu_);
  return store;
}

TableStore::~TableStore() {
  committer_.reset();  // answers every queued write first
  checkpointer_.reset();
}

std::unique_lock<std::mutex> TableStore::AcquireReader(Reader** reader) {
  for (auto& r : readers_) {
    std::unique_lock<std::mutex> lock(r->mu, std::try_to_lock);
    if (lock.owns_lock()) {
      *reader = r.get();
      return lock;
    }
  }
  // All busy: wait for one chosen by thread, so waiters spread over the readers.
  Reader* r = readers_[std::hash<std::thread::id>{}(std::this_thread::get_id()) % readers_.size()].get();
  *reader = r;
  return std::unique_lock<std::mutex>(r->mu);
}

void TableStore::SubmitWrite(std::function<base::Status()> work, std::function<void(base::Status)> done) {
  committer_->Submit(std::move(work), std::move(done));
}

base::Status TableStore::LoadTables() {
  base::StatusOr<base::Stmt> q = writer_.Prepare(
      "SELECT id, name, hash_name, hash_type, range_name, range_type, description, created FROM tables ORDER BY name");
  if (!q.ok()) return q.status();
  for (;;) {
    base::StatusOr<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    Entry e;
    e.id = q->Int(0);
    e.info.name = std::string(q->Text(1));
    e.info.hash = {std::string(q->Text(2)), TypeFromName(q->Text(3)).value_or(Type::kS)};
    if (!q->IsNull(4)) e.info.range = KeyAttribute{std::string(q->Text(4)), TypeFromName(q->Text(5)).value_or(Type::kS)};
    e.info.description_json = std::string(q->Text(6));
    e.info.created = q->Double(7);
    tables_.push_back(std::move(e));
  }
  return base::Status::Ok();
}

base::Status TableStore::CreateTable(const TableInfo& info) {
  std::lock_guard<std::recursive_mutex> lock(write_mu_);
  {
    std::lock_guard<std::mutex> t(tables_mu_);
    for (const Entry& e : tables_) {
      if (e.info.name == info.name) return base::Status::AlreadyExists("Table already exists: " + info.name);
    }
  }
  TableInfo stored = info;
  if (stored.created == 0) stored.created = Now();
  base::StatusOr<base::Stmt> ins = writer_.Prepare(
      "INSERT INTO tables(name, hash_name, hash_type, range_name, range_type, description, created) "
      "VALUES(?,?,?,?,?,?,?)");
  if (!ins.ok()) return ins.status();
  ins->Bind(1, stored.name).Bind(2, stored.hash.name).Bind(3, TypeName(stored.hash.type));
  if (stored.range) {
    ins->Bind(4, stored.range->name).Bind(5, TypeName(stored.range->type));
  } else {
    ins->BindNull(4).BindNull(5);
  }
  ins->Bind(6, stored.description_json).Bind(7, stored.created);
  EF_RETURN_IF_ERROR(ins->Run());
  std::lock_guard<std::mutex> t(tables_mu_);
  Entry e{stored, writer_.LastInsertRowId()};
  auto pos = std::lower_bound(tables_.begin(), tables_.end(), stored.name,
                              [](const Entry& x, const std::string& n) { return x.info.name < n; });
  tables_.insert(pos, std::move(e));
  return base::Status::Ok();
}

base::StatusOr<TableInfo> TableStore::GetTable(const std::string& name) const {
  std::lock_guard<std::mutex> t(tables_mu_);
  for (const Entry& e : tables_) {
    if (e.info.name == name) return e.info;
  }
  return TableNotFound();
}

base::StatusOr<int64_t> TableStore::TableId(const std::string& name) const {
  std::lock_guard<std::mutex> t(tables_mu_);
  for (const Entry& e : tables_) {
    if (e.info.name == name) return e.id;
  }
  return TableNotFound();
}

base::StatusOr<TableStats> TableStore::Stats(const std::string& name) {
  base::StatusOr<int64_t> tid = TableId(name);
  if (!tid.ok()) return tid.status();
  Reader* reader;
  std::unique_lock<std::mutex> lock = AcquireReader(&reader);
  Lease q(reader->db, reader->stmts, "SELECT count(*), coalesce(sum(length(item)), 0) FROM items WHERE tid=?");
  if (!q.ok()) return q.status();
  q->Bind(1, *tid);
  base::StatusOr<bool> row = q->Step();
  if (!row.ok()) return row.status();
  return TableStats{q->Int(0), q->Int(1)};
}

base::StatusOr<TableInfo> TableStore::DeleteTable(const std::string& name) {
  std::lock_guard<std::recursive_mutex> lock(write_mu_);
  base::StatusOr<int64_t> tid = TableId(name);
  if (!tid.ok()) return tid.status();
  base::StatusOr<TableInfo> info = GetTable(name);
  {
    Savepoint tx(writer_);
    EF_RETURN_IF_ERROR(tx.status());
    base::StatusOr<base::Stmt> del_items = writer_.Prepare("DELETE FROM items WHERE tid=?");
    if (!del_items.ok()) return del_items.status();
    EF_RETURN_IF_ERROR(del_items->Bind(1, *tid).Run());
    base::StatusOr<base::Stmt> del_table = writer_.Prepare("DELETE FROM tables WHERE id=?");
    if (!del_table.ok()) return del_table.status();
    EF_RETURN_IF_ERROR(del_table->Bind(1, *tid).Run());
    EF_RETURN_IF_ERROR(tx.Release());
  }
  std::lock_guard<std::mutex> t(tables_mu_);
  std::erase_if(tables_, [&](const Entry& e) { return e.id == *tid; });
  return info;
}

std::vector<std::string> TableStore::ListTables(const std::string& exclusive_start, int limit, bool* more) const {
  std::lock_guard<std::mutex> t(tables_mu_);
  std::vector<std::string> names;
  *more = false;
  for (const Entry& e : tables_) {
    if (!exclusive_start.empty() && e.info.name <= exclusive_start) continue;
    if (static_cast<int>(names.size()) == limit) {
      *more = true;
      break;
    }
    names.push_back(e.info.name);
  }
  return names;
}

base::StatusOr<TableStore::Keys> TableStore::ItemKeys(const TableInfo& t, const Item& item, bool key_only) const {
  auto check = [&](const KeyAttribute& k, size_t max_bytes, std::string* out) -> base::Status {
    auto it = item.find(k.name);
    if (it == item.end()) {
      if (key_only) return Invalid("The provided key element does not match the schema");
      return Invalid("One or more parameter values were invalid: Missing the key " + k.name + " in the item");
    }
    const Value& v = it->second;
    if (v.type != k.type) {
      if (key_only) return Invalid("The provided key element does not match the schema");
      return Invalid("One or more parameter values were invalid: Type mismatch for key " + k.name + " expected: " +
                     std::string(TypeName(k.type)) + " actual: " + std::string(TypeName(v.type)));
    }
    if ((v.type == Type::kS || v.type == Type::kB) && v.scalar.empty()) {
      return Invalid(std::string("One or more parameter values are not valid. The AttributeValue for a key attribute "
                                 "cannot contain an empty ") +
                     (v.type == Type::kS ? "string" : "binary") + " value. Key: " + k.name);
    }
    if (v.scalar.size() > max_bytes) {
      return Invalid(max_bytes == kMaxHashKeyBytes
                         ? "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"
                         : "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes");
    }
    *out = EncodeKey(v);
    return base::Status::Ok();
  };
  Keys keys;
  EF_RETURN_IF_ERROR(check(t.hash, kMaxHashKeyBytes, &keys.hash));
  if (t.range) EF_RETURN_IF_ERROR(check(*t.range, kMaxRangeKeyBytes, &keys.range));
  if (key_only && item.size() != (t.range ? 2u : 1u)) {
    return Invalid("The provided key element does not match the schema");
  }
  return keys;
}

base::Status TableStore::ValidateKey(const TableInfo& table, const Item& key) const {
  return ItemKeys(table, key, true).status();
}

base::StatusOr<std::optional<std::string>> TableStore::ReadItemJson(base::Db& db,
                                                                    std::unordered_map<std::string, base::Stmt>& cache,
                                                                    int64_t tid, const Keys& keys) {
  Lease q(db, cache, "SELECT item FROM items WHERE tid=? AND hk=? AND rk=?");
  if (!q.ok()) return q.status();
  q->Bind(1, tid).BindBlob(2, keys.hash).BindBlob(3, keys.range);
  base::StatusOr<bool> row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(std::string(q->Blob(0)));
}

base::StatusOr<std::optional<Item>> TableStore::ReadItem(base::Db& db, std::unordered_map<std::string, base::Stmt>& cache,
                                                         int64_t tid, const Keys& keys) {
  base::StatusOr<std::optional<std::string>> text = ReadItemJson(db, cache, tid, keys);
  if (!text.ok()) return text.status();
  if (!text->has_value()) return std::optional<Item>();
  base::StatusOr<Item> item = ParseStoredItem(**text);
  if (!item.ok()) return item.status();
  return std::optional<Item>(std::move(*item));
}

base::Status TableStore::WriteItem(int64_t tid, const Keys& keys, const Item& item) {
  Lease q(writer_, write_stmts_, "INSERT OR REPLACE INTO items(tid, hk, rk, item) VALUES(?,?,?,?)");
  if (!q.ok()) return q.status();
  return q->Bind(1, tid).BindBlob(2, keys.hash).BindBlob(3, keys.range).BindBlob(4, Serialize(item)).Run();
}

base::Status TableStore::DeleteRow(int64_t tid, const Keys& keys) {
  Lease q(writer_, write_stmts_, "DELETE FROM items WHERE tid=? AND hk=? AND rk=?");
  if (!q.ok()) return q.status();
  return q->Bind(1, tid).BindBlob(2, keys.hash).BindBlob(3, keys.range).Run();
}

base::StatusOr<std::optional<Item>> TableStore::Put(const std::string& table, Item item, const Condition* condition) {
  base::StatusOr<TableInfo> t = GetTable(table);
  if (!t.ok()) return t.status();
  base::StatusOr<Keys> keys = ItemKeys(*t, item, false);
  if (!keys.ok()) return keys.status();
  if (ItemSize(item) > kMaxItemBytes) return Invalid("Item size has exceeded the maximum allowed size");
  std::lock_guard<std::recursive_mutex> lock(write_mu_);
  base::StatusOr<int64_t> tid = TableId(table);  // the table may have been deleted meanwhile
  if (!tid.ok()) return tid.status();
  base::StatusOr<std::optional<Item>> old = ReadItem(writer_, write_stmts_, *tid, *keys);
  if (!old.ok()) return old.status();
  if (condition && !Evaluate(*condition, old->value_or(Item()))) return ConditionFailed();
  EF_RETURN_IF_ERROR(WriteItem(*tid, *keys, item));
  return old;
}

base::StatusOr<std::optional<Item>> TableStore::Delete(const std::string& table, const Item& key,
                                                       const Condition* condition) {
  base::StatusOr<TableInfo> t = GetTable(table);
  if (!t.ok()) return t.status();
  base::StatusOr<Keys> keys = ItemKeys(*t, key, true);
  if (!keys.ok()) return keys.status();
  std::lock_guard<std::recursive_mutex> lock(write_mu_);
  base::StatusOr<int64_t> tid = TableId(table);
  if (!tid.ok()) return tid.status();
  base::StatusOr<std::optional<Item>> old = ReadItem(writer_, write_stmts_, *tid, *keys);
  if (!old.ok()) return old.status();
  if (condition && !Evaluate(*condition, old->value_or(Item()))) return ConditionFailed();
  if (old->has_value()) EF_RETURN_IF_ERROR(DeleteRow(*tid, *keys));
  return old;
}

base::StatusOr<UpdateResult> TableStore::Update(const std::string& table, const Item& key,
                                                const UpdateExpression& update, const Condition* condition) {
  base::StatusOr<TableInfo> t = GetTable(table);
  if (!t.ok()) return t.status();
  base::StatusOr<Keys> keys = ItemKeys(*t, key, true);
  if (!keys.ok()) return keys.status();
  for (const UpdateAction& a : update.actions) {
    const std::string& top = a.path[0].name;
    if (top == t->hash.name || (t->range && top == t->range->name)) {
      return Invalid("One or more parameter values were invalid: Cannot update attribute " + top +
                     ". This attribute is part of the key");
    }
  }
  std::lock_guard<std::recursive_mutex> lock(write_mu_);
  base::StatusOr<int64_t> tid = TableId(table);
  if (!tid.ok()) return tid.status();
  base::StatusOr<std::optional<Item>> old = ReadItem(writer_, write_stmts_, *tid, *keys);
  if (!old.ok()) return old.status();
  if (condition && !Evaluate(*condition, old->value_or(Item()))) return ConditionFailed();
  UpdateResult result;
  result.old_item = std::move(*old);
  result.new_item = result.old_item.value_or(key);
  EF_RETURN_IF_ERROR(ApplyUpdate(update, &result.new_item));
  if (ItemSize(result.new_item) > kMaxItemBytes) return Invalid("Item size to update has exceeded the maximum allowed size");
  EF_RETURN_IF_ERROR(WriteItem(*tid, *keys, result.new_item));
  return result;
}

base::StatusOr<std::optional<Item>> TableStore::Get(const std::string& table, const Item& key) {
  base::StatusOr<TableInfo> t = GetTable(table);
  if (!t.ok()) return t.status();
  base::StatusOr<Keys> keys = ItemKeys(*t, key, true);
  if (!keys.ok()) return keys.status();
  base::StatusOr<int64_t> tid = TableId(table);
  if (!tid.ok()) return tid.status();
  Reader* reader;
  std::unique_lock<std::mutex> lock = AcquireReader(&reader);
  return ReadItem(reader->db, reader->stmts, *tid, *keys);
}

base::StatusOr<std::optional<std::string>> TableStore::GetJson(const std::string& table, const Item& key) {
  base::StatusOr<TableInfo> t = GetTable(table);
  if (!t.ok()) return t.status();
  base::StatusOr<Keys> keys = ItemKeys(*t, key, true);
  if (!keys.ok()) return keys.status();
  base::StatusOr<int64_t> tid = TableId(table);
  if (!tid.ok()) return tid.status();
  Reader* reader;
  std::unique_lock<std::mutex> lock = AcquireReader(&reader);
  return ReadItemJson(reader->db, reader->stmts, *tid, *keys);
}

base::Status TableStore::BatchWrite(const std::vector<WriteRequest>& writes) {
  struct Prepared {
    int64_t tid;
    Keys keys;
    const WriteRequest* w;
  };
  std::vector<Prepared> prepared;
  for (const WriteRequest& w : writes) {
    base::StatusOr<TableInfo> t = GetTable(w.table);
    if (!t.ok()) return t.status();
    base::StatusOr<Keys> keys = ItemKeys(*t, w.item, !w.is_put);
    if (!keys.ok()) return keys.status();
    if (w.is_put && ItemSize(w.item) > kMaxItemBytes) return Invalid("Item size has exceeded the maximum allowed size");
    for (const Prepared& p : prepared) {
      if (p.w->table == w.table && p.keys.hash == keys->hash && p.keys.range == keys->range) {
        return Invalid("Provided list of item keys contains duplicates");
      }
    }
    base::StatusOr<int64_t> tid = TableId(w.table);
    if (!tid.ok()) return tid.status();
    prepared.push_back({*tid, std::move(*keys), &w});
  }
  std::lock_guard<std::recursive_mutex> lock(write_mu_);
  Savepoint tx(writer_);
  EF_RETURN_IF_ERROR(tx.status());
  for (const Prepared& p : prepared) {
    EF_RETURN_IF_ERROR(p.w->is_put ? WriteItem(p.tid, p.keys, p.w->item) : DeleteRow(p.tid, p.keys));
  }
  return tx.Release();
}

base::StatusOr<Page> TableStore::Query(const std::string& table, const QuerySpec& spec) {
  base::StatusOr<TableInfo> t = GetTable(table);
  if (!t.ok()) return t.status();
  base::StatusOr<int64_t> tid = TableId(table);
  if (!tid.ok()) return tid.status();
  return RunPage(*t, *tid, spec, false);
}

base::StatusOr<Page> TableStore::Scan(const std::string& table, const QuerySpec& spec) {
  base::StatusOr<TableInfo> t = GetTable(table);
  if (!t.ok()) return t.status();
  base::StatusOr<int64_t> tid = TableId(table);
  if (!tid.ok()) return tid.status();
  return RunPage(*t, *tid, spec, true);
}

base::StatusOr<Page> TableStore::RunPage(const TableInfo& t, int64_t tid, const QuerySpec& spec, bool scan) {
  std::optional<Keys> start;
  if (spec.exclusive_start_key) {
    base::StatusOr<Keys> k = ItemKeys(t, *spec.exclusive_start_key, true);
    if (!k.ok()) return Invalid("The provided starting key is invalid: " + k.status().message());
    start = std::move(*k);
  }
  // Bound parameters in order; SQL grows with the conditions present.
  std::string sql = "SELECT hk, rk, item FROM items WHERE tid=?";
  std::vector<std::string> blobs;
  if (!scan) {
    sql += " AND hk=?";
    blobs.push_back(EncodeKey(spec.hash));
    const RangeCondition& r = spec.range;
    auto bound = [&](const char* op, const Value& v) {
      sql += std::string(" AND rk") + op + "?";
      blobs.push_back(EncodeKey(v));
    };
    switch (r.op) {
      case RangeCondition::Op::kNone: break;
      case RangeCondition::Op::kEq: bound("=", r.a); break;
      case RangeCondition::Op::kLt: bound("<", r.a); break;
      case RangeCondition::Op::kLe: bound("<=", r.a); break;
      case RangeCondition::Op::kGt: bound(">", r.a); break;
      case RangeCondition::Op::kGe: bound(">=", r.a); break;
      case RangeCondition::Op::kBetween: bound(">=", r.a); bound("<=", r.b); break;
      case RangeCondition::Op::kBeginsWith: {
        bound(">=", r.a);
        std::string upper = PrefixSuccessor(EncodeKey(r.a));
        if (!upper.empty()) {
          sql += " AND rk<?";
          blobs.push_back(std::move(upper));
        }
        break;
      }
    }
    if (start) {
      sql += spec.forward ? " AND rk>?" : " AND rk<?";
      blobs.push_back(start->range);
    }
    sql += spec.forward ? " ORDER BY rk ASC" : " ORDER BY rk DESC";
  } else {
    if (start) {
      sql += " AND (hk, rk) > (?, ?)";
      blobs.push_back(start->hash);
      blobs.push_back(start->range);
    }
    sql += " ORDER BY hk, rk";
  }
  Reader* reader;
  std::unique_lock<std::mutex> lock = AcquireReader(&reader);
  Lease q(reader->db, reader->stmts, sql);
  if (!q.ok()) return q.status();
  q->Bind(1, tid);
  for (size_t i = 0; i < blobs.size(); ++i) q->BindBlob(static_cast<int>(i) + 2, blobs[i]);
  Page page;
  size_t bytes = 0;
  for (;;) {
    base::StatusOr<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    if (scan && spec.total_segments > 1 &&
        static_cast<int>(Crc32(q->Blob(0)) % static_cast<uint32_t>(spec.total_segments)) != spec.segment) {
      continue;
    }
    std::string_view text = q->Blob(2);
    bytes += text.size();
    base::StatusOr<Item> item = ParseStoredItem(text);
    if (!item.ok()) return item.status();
    ++page.scanned;
    bool last = (spec.limit > 0 && page.scanned >= spec.limit) || bytes >= kMaxPageBytes;
    if (last) page.last_evaluated_key = KeyOf(t, *item);
    if (!spec.filter || Evaluate(*spec.filter, *item)) page.items.push_back(std::move(*item));
    if (last) break;
  }
  return page;
}

}  // namespace dynamodb
