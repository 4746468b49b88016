// SqsStore: opening the database and everything about queues. Messages are in sqs_store_messages.cc.
#include "cloud/sqs/sqs_store.h"

#include <nlohmann/json.hpp>

#include "base/files.h"
#include "cloud/sqs/sqs_errors.h"
#include "cloud/sqs/sqs_store_internal.h"

namespace cloud::sqs {
namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS queues(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  attributes TEXT NOT NULL,   -- JSON object of settable attributes
  tags TEXT NOT NULL,         -- JSON object
  created_s INTEGER NOT NULL,
  modified_s INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS messages(
  seq INTEGER PRIMARY KEY,            -- send order
  queue_id INTEGER NOT NULL,
  message_id TEXT NOT NULL,
  body TEXT NOT NULL,
  md5_of_body TEXT NOT NULL,
  attributes BLOB NOT NULL,           -- message.h EncodeAttributes
  sender_id TEXT NOT NULL,
  sent_ms INTEGER NOT NULL,
  visible_ms INTEGER NOT NULL,        -- receivable when visible_ms <= now
  receive_count INTEGER NOT NULL DEFAULT 0,
  first_receive_ms INTEGER NOT NULL DEFAULT 0,
  receipt_token INTEGER NOT NULL DEFAULT 0);  -- changes on every receive
CREATE INDEX IF NOT EXISTS messages_ready ON messages(queue_id, visible_ms, seq);
CREATE INDEX IF NOT EXISTS messages_age ON messages(queue_id, sent_ms);
)sql";

std::string ToJson(const AttributeMap& m) { return nlohmann::json(m).dump(); }

AttributeMap FromJson(std::string_view text) {
  AttributeMap m;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return m;
  for (auto& [k, v] : j.items()) {
    if (v.is_string()) m[k] = v.get<std::string>();
  }
  return m;
}

base::Status ValidateTags(const AttributeMap& tags) {
  if (tags.size() > 50) return InvalidParameterValue("Too many tags: a queue has at most 50.");
  for (const auto& [k, v] : tags) {
    if (k.empty() || k.size() > 128 || v.size() > 256) {
      return InvalidParameterValue("Tag keys must be 1-128 characters and values at most 256.");
    }
  }
  return base::Status::Ok();
}

}  // namespace

SqsStore::SqsStore(base::Db db, Clock* clock, StoreOptions options)
    : clock_(clock), options_(std::move(options)), db_(std::move(db)), rng_(std::random_device{}()) {}

SqsStore::~SqsStore() = default;

base::StatusOr<std::unique_ptr<SqsStore>> SqsStore::Open(const std::string& dir, Clock* clock,
                                                         StoreOptions options) {
  EF_RETURN_IF_ERROR(base::MakeDirs(dir));
  base::StatusOr<base::Db> db = base::Db::Open(dir + "/sqs.db", options.sync);
  if (!db.ok()) return db.status();
  // WAL checkpoints run on their own connection (base/wal_checkpointer.h), not inside a commit:
  // an automatic checkpoint stalled the commit that triggered it, and with it every request of
  // that I/O thread, for its copy and two fsyncs (the p99 of SQS requests). That needs the
  // normal locking mode (a locking_mode=EXCLUSIVE connection saved a few fcntl calls per
  // transaction but lets no second connection in).
  EF_RETURN_IF_ERROR(db->Exec(kSchema));
  EF_RETURN_IF_ERROR(base::WalCheckpointer::DisableAutoCheckpoint(*db));
  auto checkpointer = base::WalCheckpointer::Start(dir + "/sqs.db", options.sync);
  if (!checkpointer.ok()) return checkpointer.status();
  std::unique_ptr<SqsStore> store(new SqsStore(std::move(*db), clock, std::move(options)));
  store->checkpointer_ = std::move(*checkpointer);
  EF_RETURN_IF_ERROR(store->Load());
  if (store->options_.group_commit) store->sends_.emplace(store->db_, store->mu_);
  return store;
}

base::Status SqsStore::Load() {
  auto prepare = [&](std::optional<base::Stmt>& out, std::string_view sql) -> base::Status {
    base::StatusOr<base::Stmt> s = db_.Prepare(sql);
    if (!s.ok()) return s.status().WithContext(sql);
    out = std::move(*s);
    return base::Status::Ok();
  };
  stmts_ = std::make_unique<Statements>();
  Statements& s = *stmts_;
  EF_RETURN_IF_ERROR(prepare(s.insert_message,
      "INSERT INTO messages(queue_id, message_id, body, md5_of_body, attributes, sender_id, sent_ms, visible_ms)"
      " VALUES(?,?,?,?,?,?,?,?)"));
  EF_RETURN_IF_ERROR(prepare(s.select_ready,
      "SELECT seq, message_id, body, md5_of_body, attributes, sender_id, sent_ms, receive_count, first_receive_ms"
      " FROM messages WHERE queue_id=? AND visible_ms<=? ORDER BY visible_ms, seq LIMIT ?"));
  EF_RETURN_IF_ERROR(prepare(s.mark_received,
      "UPDATE messages SET visible_ms=?, receive_count=receive_count+1, receipt_token=?,"
      " first_receive_ms=CASE WHEN first_receive_ms=0 THEN ? ELSE first_receive_ms END WHERE seq=?"));
  EF_RETURN_IF_ERROR(prepare(s.move_to_queue,
      "UPDATE messages SET queue_id=?, visible_ms=?, receive_count=0, first_receive_ms=0, receipt_token=0"
      " WHERE seq=?"));
  EF_RETURN_IF_ERROR(prepare(s.delete_message, "DELETE FROM messages WHERE seq=? AND queue_id=?"));
  EF_RETURN_IF_ERROR(prepare(s.select_for_visibility,
      "SELECT receipt_token, visible_ms FROM messages WHERE seq=? AND queue_id=?"));
  EF_RETURN_IF_ERROR(prepare(s.set_visible, "UPDATE messages SET visible_ms=? WHERE seq=?"));
  EF_RETURN_IF_ERROR(prepare(s.drop_expired, "DELETE FROM messages WHERE queue_id=? AND sent_ms<=?"));
  EF_RETURN_IF_ERROR(prepare(s.next_visible,
      "SELECT MIN(visible_ms) FROM messages WHERE queue_id=? AND visible_ms>?"));
  EF_RETURN_IF_ERROR(prepare(s.counts,
      "SELECT COALESCE(SUM(visible_ms<=?1),0), COALESCE(SUM(visible_ms>?1 AND receive_count>0),0),"
      " COALESCE(SUM(visible_ms>?1 AND receive_count=0),0) FROM messages WHERE queue_id=?2 AND sent_ms>?3"));

  base::StatusOr<base::Stmt> rows = db_.Prepare("SELECT id, name, attributes, tags, created_s, modified_s FROM queues");
  if (!rows.ok()) return rows.status();
  const std::string arn_prefix = QueueArn("");
  for (;;) {
    base::StatusOr<bool> more = rows->Step();
    if (!more.ok()) return more.status();
    if (!*more) break;
    auto q = std::make_unique<Queue>();
    q->id = rows->Int(0);
    q->name = std::string(rows->Text(1));
    q->attributes = FromJson(rows->Text(2));
    q->tags = FromJson(rows->Text(3));
    q->created_s = rows->Int(4);
    q->modified_s = rows->Int(5);
    q->config = ParseQueueConfig(q->attributes, arn_prefix);
    queues_[q->name] = std::move(q);
  }
  return base::Status::Ok();
}

void SqsStore::SetMessagesAvailableCallback(std::function<void(const std::string&)> callback) {
  on_available_ = std::move(callback);
}

std::string SqsStore::QueueArn(std::string_view name) const {
  std::string arn = "arn:aws:sqs:" + options_.region + ":" + options_.account_id + ":";
  arn.append(name);
  return arn;
}

SqsStore::Queue* SqsStore::Find(std::string_view name) {
  auto it = queues_.find(name);
  return it == queues_.end() ? nullptr : it->second.get();
}
const SqsStore::Queue* SqsStore::Find(std::string_view name) const {
  auto it = queues_.find(name);
  return it == queues_.end() ? nullptr : it->second.get();
}

base::Status SqsStore::PersistQueue(const Queue& q) {
  base::StatusOr<base::Stmt> s = db_.Prepare(
      "INSERT INTO queues(id, name, attributes, tags, created_s, modified_s) VALUES(?,?,?,?,?,?)"
      " ON CONFLICT(id) DO UPDATE SET attributes=excluded.attributes, tags=excluded.tags,"
      " modified_s=excluded.modified_s");
  if (!s.ok()) return s.status();
  s->Bind(1, q.id).Bind(2, q.name).Bind(3, ToJson(q.attributes)).Bind(4, ToJson(q.tags));
  s->Bind(5, q.created_s).Bind(6, q.modified_s);
  return s->Run();
}

base::StatusOr<bool> SqsStore::CreateQueue(std::string_view name, const AttributeMap& attributes,
                                           const AttributeMap& tags) {
  EF_RETURN_IF_ERROR(ValidateQueueName(name));
  AttributeMap normalized = attributes;
  const std::string arn_prefix = QueueArn("");
  EF_RETURN_IF_ERROR(NormalizeQueueAttributes(normalized, arn_prefix));
  EF_RETURN_IF_ERROR(ValidateTags(tags));
  std::lock_guard<std::mutex> lock(mu_);
  if (const Queue* existing = Find(name)) {
    for (const auto& [k, v] : normalized) {
      auto it = existing->attributes.find(k);
      if (it == existing->attributes.end() ? !v.empty() : it->second != v) {
        return SqsError(base::Status::Code::kAlreadyExists, "QueueAlreadyExists",
                        "A queue already exists with the same name and a different value for attribute " + k);
      }
    }
    return false;
  }
  auto q = std::make_unique<Queue>();
  q->name = std::string(name);
  q->attributes = DefaultQueueAttributes();
  for (const auto& [k, v] : normalized) {
    if (v.empty()) q->attributes.erase(k); else q->attributes[k] = v;
  }
  if (q->attributes.count("RedrivePolicy")) {
    QueueConfig c = ParseQueueConfig(q->attributes, arn_prefix);
    if (!c.dead_letter_queue.empty() && !Find(c.dead_letter_queue)) {
      return SqsError(base::Status::Code::kInvalidArgument, "InvalidAttributeValue",
                      "Value for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.");
    }
  }
  q->tags = tags;
  q->created_s = q->modified_s = clock_->NowMs() / 1000;
  q->config = ParseQueueConfig(q->attributes, arn_prefix);
  int64_t max_id = 0;
  for (const auto& [n, other] : queues_) max_id = std::max(max_id, other->id);
  base::StatusOr<base::Stmt> seq = db_.Prepare("SELECT COALESCE(MAX(id),0) FROM queues");
  if (!seq.ok()) return seq.status();
  base::StatusOr<bool> row = seq->Step();
  if (!row.ok()) return row.status();
  // Ids are never reused while messages of a deleted queue might remain.
  q->id = std::max(max_id, seq->Int(0)) + 1;
  EF_RETURN_IF_ERROR(PersistQueue(*q));
  queues_[q->name] = std::move(q);
  return true;
}

base::Status SqsStore::DeleteQueue(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  Queue* q = Find(name);
  if (!q) return QueueDoesNotExist();
  base::Transaction txn(db_);
  EF_RETURN_IF_ERROR(txn.status());
  base::StatusOr<base::Stmt> del_messages = db_.Prepare("DELETE FROM messages WHERE queue_id=?");
  base::StatusOr<base::Stmt> del_queue = db_.Prepare("DELETE FROM queues WHERE id=?");
  if (!del_messages.ok()) return del_messages.status();
  if (!del_queue.ok()) return del_queue.status();
  EF_RETURN_IF_ERROR(del_messages->Bind(1, q->id).Run());
  EF_RETURN_IF_ERROR(del_queue->Bind(1, q->id).Run());
  EF_RETURN_IF_ERROR(txn.Commit());
  queues_.erase(queues_.find(name));
  return base::Status::Ok();
}

base::Status SqsStore::PurgeQueue(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  Queue* q = Find(name);
  if (!q) return QueueDoesNotExist();
  base::StatusOr<base::Stmt> s = db_.Prepare("DELETE FROM messages WHERE queue_id=?");
  if (!s.ok()) return s.status();
  return s->Bind(1, q->id).Run();
}

bool SqsStore::QueueExists(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  return Find(name) != nullptr;
}

std::vector<std::string> SqsStore::ListQueues(std::string_view prefix) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (auto it = queues_.lower_bound(prefix); it != queues_.end() && it->first.rfind(prefix, 0) == 0; ++it) {
    out.push_back(it->first);
  }
  return out;
}

base::StatusOr<AttributeMap> SqsStore::GetQueueAttributes(std::string_view name,
                                                          const std::vector<std::string>& names) const {
  for (const std::string& n : names) {
    if (n != "All" && !IsKnownQueueAttribute(n)) {
      return SqsError(base::Status::Code::kInvalidArgument, "InvalidAttributeName", "Unknown Attribute " + n + ".");
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  const Queue* q = Find(name);
  if (!q) return QueueDoesNotExist();
  bool all = std::find(names.begin(), names.end(), "All") != names.end();
  auto wanted = [&](std::string_view n) { return all || std::find(names.begin(), names.end(), n) != names.end(); };
  AttributeMap out;
  for (const auto& [k, v] : q->attributes) {
    if (wanted(k)) out[k] = v;
  }
  const int64_t now = clock_->NowMs();
  if (wanted("ApproximateNumberOfMessages") || wanted("ApproximateNumberOfMessagesNotVisible") ||
      wanted("ApproximateNumberOfMessagesDelayed")) {
    base::Stmt& s = *stmts_->counts;
    s.Bind(1, now).Bind(2, q->id).Bind(3, now - q->config.retention_s * 1000);
    base::StatusOr<bool> row = s.Step();
    if (!row.ok()) {
      s.Reset();
      return row.status();
    }
    int64_t visible = s.Int(0), in_flight = s.Int(1), delayed = s.Int(2);
    s.Reset();
    if (wanted("ApproximateNumberOfMessages")) out["ApproximateNumberOfMessages"] = std::to_string(visible);
    if (wanted("ApproximateNumberOfMessagesNotVisible")) out["ApproximateNumberOfMessagesNotVisible"] = std::to_string(in_flight);
    if (wanted("ApproximateNumberOfMessagesDelayed")) out["ApproximateNumberOfMessagesDelayed"] = std::to_string(delayed);
  }
  if (wanted("CreatedTimestamp")) out["CreatedTimestamp"] = std::to_string(q->created_s);
  if (wanted("LastModifiedTimestamp")) out["LastModifiedTimestamp"] = std::to_string(q->modified_s);
  if (wanted("QueueArn")) out["QueueArn"] = QueueArn(q->name);
  return out;
}

base::Status SqsStore::SetQueueAttributes(std::string_view name, const AttributeMap& attributes) {
  AttributeMap normalized = attributes;
  const std::string arn_prefix = QueueArn("");
  EF_RETURN_IF_ERROR(NormalizeQueueAttributes(normalized, arn_prefix));
  std::lock_guard<std::mutex> lock(mu_);
  Queue* q = Find(name);
  if (!q) return QueueDoesNotExist();
  Queue updated = *q;
  for (const auto& [k, v] : normalized) {
    if (v.empty() && (k == "RedrivePolicy" || k == "Policy")) updated.attributes.erase(k);
    else updated.attributes[k] = v;
  }
  updated.config = ParseQueueConfig(updated.attributes, arn_prefix);
  if (!updated.config.dead_letter_queue.empty() && !Find(updated.config.dead_letter_queue)) {
    return SqsError(base::Status::Code::kInvalidArgument, "InvalidAttributeValue",
                    "Value for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.");
  }
  updated.modified_s = clock_->NowMs() / 1000;
  EF_RETURN_IF_ERROR(PersistQueue(updated));
  *q = std::move(updated);
  return base::Status::Ok();
}

base::StatusOr<std::vector<std::string>> SqsStore::ListDeadLetterSourceQueues(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!Find(name)) return QueueDoesNotExist();
  std::vector<std::string> out;
  for (const auto& [n, q] : queues_) {
    if (q->config.dead_letter_queue == name) out.push_back(n);
  }
  return out;
}

base::StatusOr<AttributeMap> SqsStore::ListQueueTags(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Queue* q = Find(name);
  if (!q) return QueueDoesNotExist();
  return q->tags;
}

base::Status SqsStore::TagQueue(std::string_view name, const AttributeMap& tags) {
  std::lock_guard<std::mutex> lock(mu_);
  Queue* q = Find(name);
  if (!q) return QueueDoesNotExist();
  Queue updated = *q;
  for (const auto& [k, v] : tags) updated.tags[k] = v;
  EF_RETURN_IF_ERROR(ValidateTags(updated.tags));
  EF_RETURN_IF_ERROR(PersistQueue(updated));
  *q = std::move(updated);
  return base::Status::Ok();
}

base::Status SqsStore::UntagQueue(std::string_view name, const std::vector<std::string>& keys) {
  std::lock_guard<std::mutex> lock(mu_);
  Queue* q = Find(name);
  if (!q) return QueueDoesNotExist();
  Queue updated = *q;
  for (const std::string& k : keys) updated.tags.erase(k);
  EF_RETURN_IF_ERROR(PersistQueue(updated));
  *q = std::move(updated);
  return base::Status::Ok();
}

}  // namespace cloud::sqs
