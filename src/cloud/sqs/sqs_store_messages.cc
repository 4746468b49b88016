// SqsStore: sending, receiving, deleting and hiding messages.
#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <memory>

#include "cloud/sqs/sqs_errors.h"
#include "cloud/sqs/sqs_store.h"
#include "cloud/sqs/sqs_store_internal.h"

namespace cloud::sqs {
namespace {

// A receipt handle names the queue, the message row and the receive it was issued for:
// base64("<queue id>:<seq>:<token>"). Opaque to clients; only this file reads it.
struct ReceiptHandle {
  int64_t queue_id = 0;
  int64_t seq = 0;
  uint64_t token = 0;
};

std::string EncodeHandle(const ReceiptHandle& h) {
  char buf[80];
  int n = std::snprintf(buf, sizeof buf, "%lld:%lld:%016llx", static_cast<long long>(h.queue_id),
                        static_cast<long long>(h.seq), static_cast<unsigned long long>(h.token));
  return Base64Encode(std::string_view(buf, static_cast<size_t>(n)));
}

base::StatusOr<ReceiptHandle> DecodeHandle(std::string_view text) {
  auto invalid = [&] {
    return SqsError(base::Status::Code::kInvalidArgument, "ReceiptHandleIsInvalid",
                    "The input receipt handle \"" + std::string(text.substr(0, 200)) + "\" is not a valid receipt handle.");
  };
  if (text.empty() || text.size() > 200) return invalid();
  std::optional<std::string> raw = Base64Decode(text);
  if (!raw) return invalid();
  ReceiptHandle h;
  const char* p = raw->data();
  const char* end = p + raw->size();
  auto r1 = std::from_chars(p, end, h.queue_id);
  if (r1.ec != std::errc() || r1.ptr == end || *r1.ptr != ':') return invalid();
  auto r2 = std::from_chars(r1.ptr + 1, end, h.seq);
  if (r2.ec != std::errc() || r2.ptr == end || *r2.ptr != ':') return invalid();
  auto r3 = std::from_chars(r2.ptr + 1, end, h.token, 16);
  if (r3.ec != std::errc() || r3.ptr != end || end - (r2.ptr + 1) != 16) return invalid();
  return h;
}

// Runs `stmt` for a statement with no rows and resets it, also on failure.
base::Status RunReset(base::Stmt& stmt) {
  base::Status s = stmt.Run();
  stmt.Reset();
  return s;
}

}  // namespace

std::string SqsStore::NewMessageId() {
  // A random (version 4) UUID, as SQS message ids are.
  uint64_t a = rng_(), b = rng_();
  a = (a & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;
  b = (b & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(a >> 32), static_cast<unsigned long long>((a >> 16) & 0xFFFF),
                static_cast<unsigned long long>(a & 0xFFFF), static_cast<unsigned long long>(b >> 48),
                static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFull));
  return buf;
}

base::StatusOr<std::vector<base::StatusOr<SentMessage>>> SqsStore::SendLocked(
    std::string_view queue, std::vector<NewMessage>& messages, std::string* queue_name) {
  std::vector<base::StatusOr<SentMessage>> results;
  results.reserve(messages.size());
  const Queue* q = Find(queue);
  if (!q) return QueueDoesNotExist();
  *queue_name = q->name;
  const int64_t now = clock_->NowMs();
  base::Stmt& insert = *stmts_->insert_message;
  std::string encoded_attributes;
  for (NewMessage& m : messages) {
    int64_t delay = m.delay_seconds.value_or(q->config.delay_s);
    if (delay < 0 || delay > 900) {
      results.push_back(InvalidParameterValue("Value " + std::to_string(delay) +
                                              " for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided."));
      continue;
    }
    base::Status body_ok = ValidateBody(m.body);
    if (!body_ok.ok()) {
      results.push_back(body_ok);
      continue;
    }
    size_t size = MessageSize(m.body, m.attributes);
    if (size > static_cast<size_t>(q->config.max_message_size)) {
      results.push_back(InvalidParameterValue(
          "One or more parameters are invalid. Reason: Message must be shorter than " +
          std::to_string(q->config.max_message_size) + " bytes."));
      continue;
    }
    SentMessage sent{NewMessageId(), Md5Hex(m.body), Md5OfAttributes(m.attributes)};
    encoded_attributes = EncodeAttributes(m.attributes);
    insert.Bind(1, q->id).Bind(2, sent.message_id).Bind(3, m.body).Bind(4, sent.md5_of_body);
    insert.BindBlob(5, encoded_attributes).Bind(6, m.sender_id).Bind(7, now);
    insert.Bind(8, now + delay * 1000);
    EF_RETURN_IF_ERROR(RunReset(insert));
    results.push_back(std::move(sent));
  }
  return results;
}

void SqsStore::SubmitSend(std::string_view queue, std::vector<NewMessage> messages, SendDone done) {
  struct Pending {
    std::string queue;
    std::vector<NewMessage> messages;
    std::string queue_name;  // as stored, for the long-poll notification
    base::StatusOr<std::vector<base::StatusOr<SentMessage>>> result = base::Status::Internal("send did not run");
    SendDone done;
  };
  if (!sends_) {
    std::string queue_name;
    base::StatusOr<std::vector<base::StatusOr<SentMessage>>> result = base::Status::Internal("send did not run");
    {
      std::lock_guard<std::mutex> lock(mu_);
      base::Transaction txn(db_);
      result = txn.status().ok() ? SendLocked(queue, messages, &queue_name) : txn.status();
      if (result.ok()) {
        base::Status commit = txn.Commit();
        if (!commit.ok()) result = commit;
      }
    }
    if (result.ok() && on_available_) on_available_(queue_name);
    return done(std::move(result));
  }
  auto p = std::make_shared<Pending>();
  p->queue = std::string(queue);
  p->messages = std::move(messages);
  p->done = std::move(done);
  sends_->Submit(
      // On the commit thread with mu_ held, inside the group's transaction and our savepoint:
      // a failure here (no queue, an I/O error) rolls back only this call's rows.
      [this, p] {
        p->result = SendLocked(p->queue, p->messages, &p->queue_name);
        return p->result.status();
      },
      [this, p](base::Status commit) {
        if (!commit.ok()) return p->done(commit);
        // Also for delayed messages: the long poller then re-reads the queue's next visible time.
        if (p->result.ok() && on_available_) on_available_(p->queue_name);
        p->done(std::move(p->result));
      });
}

base::StatusOr<std::vector<base::StatusOr<SentMessage>>> SqsStore::SendMessages(
    std::string_view queue, std::vector<NewMessage> messages) {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<base::StatusOr<std::vector<base::StatusOr<SentMessage>>>> out;
  SubmitSend(queue, std::move(messages), [&](base::StatusOr<std::vector<base::StatusOr<SentMessage>>> r) {
    std::lock_guard<std::mutex> lock(mu);
    out.emplace(std::move(r));
    cv.notify_one();
  });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return out.has_value(); });
  return std::move(*out);
}

base::Status SqsStore::DropExpired(const Queue& q, int64_t now_ms) {
  base::Stmt& s = *stmts_->drop_expired;
  s.Bind(1, q.id).Bind(2, now_ms - q.config.retention_s * 1000);
  return RunReset(s);
}

base::StatusOr<std::vector<ReceivedMessage>> SqsStore::Receive(std::string_view queue, int max_messages,
                                                               std::optional<int64_t> visibility_timeout_s) {
  std::vector<ReceivedMessage> out;
  std::string redriven_to;
  bool visible_again = false;  // a visibility timeout of 0 (given or the queue's)
  {
    std::lock_guard<std::mutex> lock(mu_);
    const Queue* q = Find(queue);
    if (!q) return QueueDoesNotExist();
    const int64_t now = clock_->NowMs();
    const int64_t visible_at = now + visibility_timeout_s.value_or(q->config.visibility_timeout_s) * 1000;
    visible_again = visible_at == now;
    const Queue* dlq = q->config.dead_letter_queue.empty() ? nullptr : Find(q->config.dead_letter_queue);
    base::Transaction txn(db_);
    EF_RETURN_IF_ERROR(txn.status());
    EF_RETURN_IF_ERROR(DropExpired(*q, now));
    base::Stmt& select = *stmts_->select_ready;
    // Redriven messages do not count towards max_messages, so select again after a redrive until
    // full or empty. A message is returned at most once per call (with VisibilityTimeout 0 it
    // would otherwise match again at once).
    std::vector<int64_t> taken;
    bool redrove = true;
    for (int round = 0; redrove && round < 100 && static_cast<int>(out.size()) < max_messages; ++round) {
      redrove = false;
      select.Bind(1, q->id).Bind(2, now).Bind(3, static_cast<int64_t>(max_messages - out.size()));
      std::vector<ReceivedMessage> batch;
      std::vector<int64_t> seqs;
      for (;;) {
        base::StatusOr<bool> row = select.Step();
        if (!row.ok()) {
          select.Reset();
          return row.status();
        }
        if (!*row) break;
        ReceivedMessage m;
        if (std::find(taken.begin(), taken.end(), select.Int(0)) != taken.end()) continue;
        seqs.push_back(select.Int(0));
        m.message_id = std::string(select.Text(1));
        m.body = std::string(select.Text(2));
        m.md5_of_body = std::string(select.Text(3));
        base::StatusOr<MessageAttributes> attrs = DecodeAttributes(select.Blob(4));
        if (attrs.ok()) m.attributes = std::move(*attrs);
        m.sender_id = std::string(select.Text(5));
        m.sent_ms = select.Int(6);
        m.receive_count = select.Int(7);
        m.first_receive_ms = select.Int(8);
        batch.push_back(std::move(m));
      }
      select.Reset();
      if (batch.empty()) break;
      for (size_t i = 0; i < batch.size(); ++i) {
        ReceivedMessage& m = batch[i];
        if (dlq && m.receive_count >= q->config.max_receive_count) {
          base::Stmt& move = *stmts_->move_to_queue;
          move.Bind(1, dlq->id).Bind(2, now).Bind(3, seqs[i]);
          EF_RETURN_IF_ERROR(RunReset(move));
          redriven_to = dlq->name;
          redrove = true;
          continue;
        }
        ReceiptHandle handle{q->id, seqs[i], rng_()};
        base::Stmt& mark = *stmts_->mark_received;
        mark.Bind(1, visible_at).Bind(2, static_cast<int64_t>(handle.token)).Bind(3, now).Bind(4, seqs[i]);
        EF_RETURN_IF_ERROR(RunReset(mark));
        m.receive_count += 1;
        if (m.first_receive_ms == 0) m.first_receive_ms = now;
        m.receipt_handle = EncodeHandle(handle);
        taken.push_back(seqs[i]);
        out.push_back(std::move(m));
      }
    }
    EF_RETURN_IF_ERROR(txn.Commit());
  }
  if (!redriven_to.empty() && on_available_) on_available_(redriven_to);
  // A visibility timeout of 0 makes the received messages receivable again at once.
  if (!out.empty() && visible_again && on_available_) on_available_(std::string(queue));
  return out;
}

base::Status SqsStore::DeleteMessage(std::string_view queue, std::string_view receipt_handle) {
  base::StatusOr<ReceiptHandle> h = DecodeHandle(receipt_handle);
  if (!h.ok()) return h.status();
  std::lock_guard<std::mutex> lock(mu_);
  const Queue* q = Find(queue);
  if (!q) return QueueDoesNotExist();
  if (h->queue_id != q->id) return DecodeHandle("").status();
  base::Stmt& del = *stmts_->delete_message;
  del.Bind(1, h->seq).Bind(2, q->id);
  return RunReset(del);
}

base::Status SqsStore::ChangeVisibility(std::string_view queue, std::string_view receipt_handle, int64_t seconds) {
  base::StatusOr<ReceiptHandle> h = DecodeHandle(receipt_handle);
  if (!h.ok()) return h.status();
  if (seconds < 0 || seconds > 43200) {
    return InvalidParameterValue("Value " + std::to_string(seconds) +
                                 " for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.");
  }
  std::string queue_name;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const Queue* q = Find(queue);
    if (!q) return QueueDoesNotExist();
    queue_name = q->name;
    if (h->queue_id != q->id) return DecodeHandle("").status();
    const int64_t now = clock_->NowMs();
    base::Stmt& sel = *stmts_->select_for_visibility;
    sel.Bind(1, h->seq).Bind(2, q->id);
    base::StatusOr<bool> row = sel.Step();
    if (!row.ok()) {
      sel.Reset();
      return row.status();
    }
    bool found = *row;
    uint64_t token = found ? static_cast<uint64_t>(sel.Int(0)) : 0;
    int64_t visible_ms = found ? sel.Int(1) : 0;
    sel.Reset();
    if (!found || token != h->token) {
      return InvalidParameterValue("Value " + std::string(receipt_handle) +
                                   " for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.");
    }
    if (visible_ms <= now) {
      return SqsError(base::Status::Code::kFailedPrecondition, "MessageNotInflight",
                      "The message referred to isn't in flight.");
    }
    base::Stmt& set = *stmts_->set_visible;
    set.Bind(1, now + seconds * 1000).Bind(2, h->seq);
    EF_RETURN_IF_ERROR(RunReset(set));
  }
  if (on_available_) on_available_(queue_name);
  return base::Status::Ok();
}

std::optional<int64_t> SqsStore::NextVisibleMs(std::string_view queue) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Queue* q = Find(queue);
  if (!q) return std::nullopt;
  base::Stmt& s = *stmts_->next_visible;
  s.Bind(1, q->id).Bind(2, clock_->NowMs());
  base::StatusOr<bool> row = s.Step();
  std::optional<int64_t> out;
  if (row.ok() && *row && !s.IsNull(0)) out = s.Int(0);
  s.Reset();
  return out;
}

}  // namespace cloud::sqs
