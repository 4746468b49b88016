// The listener accepts; each Session reads, parses, dispatches and writes (Beast's async server
// example is the model, the handler a plain function).
//
// Threading: one io_context per I/O thread (concurrency hint 1), and each accepted connection is
// pinned to the context with the fewest live connections. A connection's reads, its handler and
// its writes therefore all run on one thread and need no strand; on this 2-core VM a hand-off
// between threads (a futex wake-up and a task switch, ~4.5 per request with one shared context
// and a strand per connection) costs more than parsing and routing a request.
#include "net/server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "net/file_range_body.h"

namespace net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";

bool HeaderContainsToken(std::string_view value, std::string_view token) {
  // "100-continue" compared case-insensitively, ignoring surrounding spaces.
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return http::EqualsIgnoreCase(value, token);
}

// What Stop() needs to know of every session: how many dispatched requests still await their
// answer's write, and whether to take new requests at all.
struct DrainState {
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
  std::atomic<bool> stopped{false};  // the drain is over: later answers are dropped
};

using Executor = asio::io_context::executor_type;

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `live` counts the sessions of the context `executor` belongs to (for the least-loaded pick).
  Session(tcp::socket&& socket, Executor executor, const ServerOptions& options, const http::Handler& handler,
          DrainState& drain, std::atomic<int>& live)
      : stream_(std::move(socket)), executor_(executor), options_(options), handler_(handler), drain_(drain),
        live_(live), idle_timer_(executor), fd_(stream_.socket().native_handle()) {
    live_.fetch_add(1, std::memory_order_relaxed);
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  ~Session() {
    if (awaiting_answer_) drain_.in_flight.fetch_sub(1);  // the handler dropped its Reply
    live_.fetch_sub(1, std::memory_order_relaxed);
  }

  // Called on the accepting thread: moves to the connection's own thread (inline when they are
  // the same).
  void Run() {
    asio::dispatch(executor_, [self = shared_from_this()] { self->ReadHeader(); });
  }

 private:
  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(options_.max_header_bytes));
    parser_->body_limit(options_.max_body_bytes);
    stream_.expires_after(options_.read_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec, size_t) {
                               self->OnHeader(ec);
                             });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return FailRead(ec);
    if (drain_.stopping.load()) return Close();  // stopping: no new work
    auto expect = parser_->get()[bhttp::field::expect];
    // The interim 100 goes out whenever it is asked for, even for an empty body: botocore 1.29
    // waits for it and otherwise reads the 100 it never got as the status line of the NEXT
    // response on the connection, putting every later answer one request out of step.
    if (!expect.empty() && HeaderContainsToken(expect, "100-continue")) {
      stream_.expires_after(options_.write_timeout);
      asio::async_write(stream_, asio::buffer(kContinue, sizeof(kContinue) - 1),
                        [self = shared_from_this()](beast::error_code ec, size_t) {
                          if (ec) return self->Close();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  // Reads the body piecewise so the timeout bounds each step of progress, not the whole upload.
  void ReadBody() {
    if (parser_->is_done()) return Dispatch();
    // Beast reads no more than the buffer's free capacity (at least 512 bytes), and after the
    // header that capacity is about the header's size: a 1 MiB body came in ~2,000 reads of
    // ~512 bytes, each a recvmsg, an epoll round and a timer re-arm. A body of more than a few KiB
    // is read 64 KiB at a time instead (the capacity stays with the connection for its next one).
    auto left = parser_->content_length_remaining();  // boost::optional
    if ((!left || *left > kSmallBody) && buffer_.capacity() - buffer_.size() < kBodyReadChunk) {
      buffer_.reserve(buffer_.size() + kBodyReadChunk);
    }
    stream_.expires_after(options_.read_timeout);
    bhttp::async_read_some(stream_, buffer_, *parser_,
                           [self = shared_from_this()](beast::error_code ec, size_t) {
                             if (ec) return self->FailRead(ec);
                             self->ReadBody();
                           });
  }

  static constexpr uint64_t kSmallBody = 4096;
  static constexpr size_t kBodyReadChunk = 64 * 1024;

  void FailRead(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == bhttp::error::partial_message) {
      return Close();  // the client went away or stalled: nobody to answer
    }
    if (ec == bhttp::error::body_limit) return DispatchTooLarge();
    if (ec == bhttp::error::header_limit) return SendError(431, "request header block exceeds the limit");
    return SendError(400, "malformed HTTP request: " + ec.message());
  }

  void SendError(int status, std::string message) {
    http::Response r;
    r.status = status;
    r.headers.Set("Content-Type", "text/plain");
    r.body = std::move(message) + "\n";
    keep_alive_ = false;
    head_ = false;
    Write(std::move(r));
  }

  // The header block is whole but the body went over the limit (declared or while reading):
  // the service answers in its own words (S3: EntityTooLarge), then the connection closes.
  void DispatchTooLarge() {
    // A declared Content-Length over the limit fails inside Beast's header step, after the
    // start line and every field were stored but before is_header_done(): test the target.
    if (parser_->get().target().empty()) return SendError(413, "request body exceeds the limit");
    Dispatch(/*body_too_large=*/true);
  }

  void Dispatch(bool body_too_large = false) {
    auto& msg = parser_->get();
    http::Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (const auto& field : msg) req.headers.Add(std::string(field.name_string()), std::string(field.value()));
    if (!body_too_large) req.body = std::move(msg.body());
    req.body_too_large = body_too_large;
    req.remote_addr = remote_;
    keep_alive_ = msg.keep_alive() && !body_too_large;
    unread_body_ = body_too_large;
    version_ = msg.version();
    head_ = msg.method() == bhttp::verb::head;
    if (!req.ParseTarget()) return SendError(400, "malformed percent-encoding in the request target");
    awaiting_answer_ = true;
    drain_.in_flight.fetch_add(1);
    answer_state_.store(0, std::memory_order_relaxed);

    const uint64_t seq = ++dispatched_;
    http::Reply reply = [self = shared_from_this(), seq](http::Response response) {
      uint64_t expected = seq - 1;  // a second reply is a caller bug; the first one won
      if (!self->answered_.compare_exchange_strong(expected, seq)) return;
      self->Answer(seq, std::move(response));
    };
    try {
      handler_(std::move(req), reply);
    } catch (const std::exception& e) {
      http::Response r;
      r.status = 500;
      r.body = std::string("internal error: ") + e.what() + "\n";
      reply(std::move(r));
    }
    // Not answered yet (a commit thread, a function instance or a long poll will answer): let
    // whichever thread answers write the answer itself.
    if (answered_.load(std::memory_order_acquire) != seq) ArmDirectAnswer(seq);
  }

  // ---- Answers from other threads ----
  //
  // An answer given while the handler runs (on this thread) is written with Beast as usual. For
  // a later answer, the request's thread arms the connection after the handler returns: it waits
  // (without a Beast operation, so nothing of the stream is touched) for the client's next bytes
  // and keeps an idle timer. The answering thread then sends the serialized answer with one
  // non-blocking sendmsg on the socket, from its own thread: the connection's thread is not woken
  // to write it, only later by the client's next request, which it has to read anyway. An answer
  // that comes before the arming, does not fit the socket buffer, streams a file or closes the
  // connection goes to the connection's thread as before. `answer_state_` orders the two sides.
  enum : unsigned { kArmed = 1, kAnswering = 2, kWritten = 4, kReadable = 8 };
  static constexpr size_t kMaxDirectBody = 256 * 1024;

  void Answer(uint64_t seq, http::Response response) {
    if (drain_.stopped.load()) return;
    const bool direct_ok = response.file_path.empty() && response.body.size() <= kMaxDirectBody && keep_alive_ &&
                           !unread_body_;
    unsigned prev = answer_state_.fetch_or(kAnswering, std::memory_order_acq_rel);
    if (prev & kArmed) {
      if (direct_ok && SendDirect(seq, response)) return;
      // The connection's thread stops waiting and writes it.
      return OnThread([self = shared_from_this(), r = std::move(response)]() mutable {
        self->Disarm();
        self->Write(std::move(r));
      });
    }
    OnThread([self = shared_from_this(), r = std::move(response)]() mutable { self->Write(std::move(r)); });
  }

  // Runs `f` on the connection's thread: at once when already there, else posted (one wake-up).
  template <class F>
  void OnThread(F&& f) {
    if (executor_.running_in_this_thread()) return f();
    asio::post(executor_, std::forward<F>(f));
  }

  void ArmDirectAnswer(uint64_t seq) {
    unsigned prev = answer_state_.fetch_or(kArmed, std::memory_order_acq_rel);
    if (prev & kAnswering) return;  // answered meanwhile from another thread: posted to us
    armed_ = true;
    ArmIdleTimer(seq, std::chrono::steady_clock::now() + options_.read_timeout);
    if (buffer_.size() > 0) {
      // The next request is already read (pipelined): the answering thread continues at once.
      unsigned prev = answer_state_.fetch_or(kReadable, std::memory_order_acq_rel);
      if (prev & kWritten) ContinueAfterDirectAnswer(seq);  // it was quicker still
      return;
    }
    stream_.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this(), seq](beast::error_code ec) {
      if (seq != self->dispatched_ || !self->armed_ || ec == asio::error::operation_aborted) return;
      unsigned prev = self->answer_state_.fetch_or(kReadable, std::memory_order_acq_rel);
      // Else the client sent more (a pipelined request) or hung up before the answer: the
      // answering thread continues once the answer is out.
      if (prev & kWritten) self->ContinueAfterDirectAnswer(seq);
    });
  }

  // While the answer is pending the timer only re-arms itself (a long poll may last minutes);
  // once it is written, the client has `read_timeout` to start its next request, as usual.
  void ArmIdleTimer(uint64_t seq, std::chrono::steady_clock::time_point at) {
    idle_timer_.expires_at(at);
    idle_timer_.async_wait([self = shared_from_this(), seq](beast::error_code ec) {
      if (seq != self->dispatched_ || !self->armed_ || ec == asio::error::operation_aborted) return;
      unsigned state = self->answer_state_.load(std::memory_order_acquire);
      if (state & kReadable) return;  // the answering thread continues or has continued
      auto now = std::chrono::steady_clock::now();
      if (!(state & kWritten)) return self->ArmIdleTimer(seq, now + self->options_.read_timeout);
      auto idle_until = std::chrono::steady_clock::time_point(
                            std::chrono::nanoseconds(self->written_at_ns_.load(std::memory_order_relaxed))) +
                        self->options_.read_timeout;
      if (now < idle_until) return self->ArmIdleTimer(seq, idle_until);
      self->Disarm();
      self->Close();  // an idle keep-alive connection
    });
  }

  // Connection's thread only.
  void Disarm() {
    if (!armed_) return;
    armed_ = false;
    idle_timer_.cancel();
    beast::error_code ec;
    stream_.socket().cancel(ec);  // the wait for readability
  }

  void ContinueAfterDirectAnswer(uint64_t seq) {
    if (seq != dispatched_ || !armed_) return;
    Disarm();
    if (drain_.stopping.load()) return Close();
    ReadHeader();
  }

  void FinishAnswer() {
    if (awaiting_answer_.exchange(false)) drain_.in_flight.fetch_sub(1);
  }

  // Any thread, with the connection armed. Serializes `r` and sends what the socket takes now;
  // false (nothing sent, `r` intact) when the socket would block at once, so the caller hands it
  // over. A partial send hands the rest to the connection's thread.
  bool SendDirect(uint64_t seq, http::Response& r) {
    bhttp::response<bhttp::string_body> msg;
    FillHeader(msg, r);
    bool has_length = r.headers.Has("Content-Length");
    msg.body() = std::move(r.body);
    if (!(head_ && has_length)) msg.prepare_payload();
    bhttp::serializer<false, bhttp::string_body> sr{msg};
    beast::error_code ec;
    std::string rest;  // what the socket did not take, in order
    bool sent_any = false, failed = false;
    while (!sr.is_done()) {
      size_t offered = 0;
      sr.next(ec, [&](beast::error_code&, const auto& buffers) {
        iovec iov[16];
        size_t n = 0;
        for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers); ++it) {
          asio::const_buffer b = *it;
          offered += b.size();
          if (b.size() == 0) continue;
          if (!rest.empty() || n == 16) {
            rest.append(static_cast<const char*>(b.data()), b.size());
          } else {
            iov[n++] = {const_cast<void*>(b.data()), b.size()};
          }
        }
        if (n == 0) return;
        msghdr mh{};
        mh.msg_iov = iov;
        mh.msg_iovlen = n;
        ssize_t w;
        do w = ::sendmsg(fd_, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
        while (w < 0 && errno == EINTR);
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
          failed = true;
          return;
        }
        size_t skip = w > 0 ? static_cast<size_t>(w) : 0;
        if (skip > 0) sent_any = true;
        std::string unsent;
        for (size_t i = 0; i < n; ++i) {
          size_t drop = std::min(skip, iov[i].iov_len);
          skip -= drop;
          unsent.append(static_cast<const char*>(iov[i].iov_base) + drop, iov[i].iov_len - drop);
        }
        rest.insert(0, unsent);  // `rest` held only what came after these iovecs
      });
      if (ec || failed) break;
      if (!sent_any) {
        r.body = std::move(msg.body());  // the socket is full: hand the whole answer over
        return false;
      }
      sr.consume(offered);
    }
    if (ec || failed) {
      FinishAnswer();
      OnThread([self = shared_from_this()] {
        self->Disarm();
        self->Close();
      });
      return true;
    }
    if (!rest.empty()) {
      auto pending = std::make_shared<std::string>(std::move(rest));
      OnThread([self = shared_from_this(), pending] {
        self->Disarm();
        self->stream_.expires_after(self->options_.write_timeout + std::chrono::milliseconds(pending->size() / 1000));
        asio::async_write(self->stream_, asio::buffer(*pending), [self, pending](beast::error_code ec, size_t) {
          self->FinishAnswer();
          if (ec || self->drain_.stopping.load()) return self->Close();
          self->ReadHeader();
        });
      });
      return true;
    }
    written_at_ns_.store(std::chrono::steady_clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    FinishAnswer();
    unsigned prev = answer_state_.fetch_or(kWritten, std::memory_order_acq_rel);
    if (prev & kReadable) {
      OnThread([self = shared_from_this(), seq] { self->ContinueAfterDirectAnswer(seq); });
    }
    return true;
  }

  template <class Message>
  void FillHeader(Message& msg, const http::Response& r) {
    msg.version(version_ ? version_ : 11);
    msg.result(static_cast<unsigned>(r.status));
    msg.reason(std::string(http::ReasonPhrase(r.status)));
    for (const auto& [name, value] : r.headers.fields()) msg.insert(name, value);
    msg.keep_alive(keep_alive_);
  }

  void Write(http::Response r) {
    if (!r.file_path.empty()) return WriteFile(std::move(r));
    auto msg = std::make_shared<bhttp::response<bhttp::string_body>>();
    FillHeader(*msg, r);
    bool has_length = r.headers.Has("Content-Length");
    msg->body() = std::move(r.body);
    // A HEAD answer carries the length of the GET body it describes; do not overwrite it.
    if (!(head_ && has_length)) msg->prepare_payload();
    Send(msg);
  }

  void WriteFile(http::Response r) {
    auto msg = std::make_shared<bhttp::response<FileRangeBody>>();
    FillHeader(*msg, r);
    int fd = ::open(r.file_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      http::Response err;
      err.status = 500;
      err.body = "cannot open the stored file\n";
      return Write(std::move(err));
    }
    msg->body().fd = fd;
    msg->body().offset = r.file_offset;
    msg->body().length = r.file_length;
    msg->content_length(r.file_length);
    Send(msg);
  }

  template <class Message>
  void Send(std::shared_ptr<Message> msg) {
    // Large bodies get time proportional to their size (at least 1 MB/s) on top of the base.
    uint64_t bytes = msg->payload_size().value_or(0);
    stream_.expires_after(options_.write_timeout + std::chrono::milliseconds(bytes / 1000));
    bhttp::async_write(stream_, *msg, [self = shared_from_this(), msg](beast::error_code ec, size_t) {
      self->FinishAnswer();
      if (!ec && self->unread_body_) return self->LingerThenClose();
      if (self->drain_.stopping.load()) return self->Close();
      if (ec || !self->keep_alive_) return self->Close();
      self->ReadHeader();
    });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  // After answering a request whose body we did not read: closing at once with unread bytes
  // makes the kernel send a reset, which can destroy the answer before the client reads it. So
  // half-close, then read and drop what the client still sends, for a bounded time.
  void LingerThenClose() {
    unread_body_ = false;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds(2));
    Drain(64ull << 20);
  }

  void Drain(uint64_t budget) {
    drain_buffer_.resize(64 * 1024);
    stream_.async_read_some(asio::buffer(drain_buffer_),
                            [self = shared_from_this(), budget](beast::error_code ec, size_t n) {
                              if (ec || n >= budget) {
                                self->stream_.close();
                                return;
                              }
                              self->Drain(budget - n);
                            });
  }

  beast::tcp_stream stream_;
  const Executor executor_;  // the one thread this connection lives on
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  const ServerOptions& options_;
  const http::Handler& handler_;
  DrainState& drain_;
  std::atomic<int>& live_;
  uint64_t dispatched_ = 0;             // requests handed to the handler (this thread only)
  std::atomic<uint64_t> answered_{0};   // the last of them whose Reply was called (any thread)
  // A request went to the handler; its answer is not written yet (cleared by whoever writes it).
  std::atomic<bool> awaiting_answer_{false};
  std::atomic<unsigned> answer_state_{0};  // kArmed | kAnswering | kWritten | kReadable
  std::atomic<int64_t> written_at_ns_{0};  // steady clock, when a direct answer went out
  bool armed_ = false;                      // connection's thread only
  asio::steady_timer idle_timer_;           // connection's thread only
  const int fd_;
  std::string remote_;
  bool keep_alive_ = false;
  bool head_ = false;
  bool unread_body_ = false;  // the request's body was over the limit and left unread
  std::vector<char> drain_buffer_;
  unsigned version_ = 11;
};

}  // namespace

// One I/O thread and the connections pinned to it.
struct IoThread {
  std::atomic<int> live{0};  // sessions alive on this context (declared first: outlives them)
  asio::io_context ioc{1};   // concurrency hint 1: only this thread runs it
  // Keeps the thread running while Stop() drains: with the acceptor closed, a session that
  // waits for its handler's answer has no I/O pending, and run() would return too early.
  std::optional<asio::executor_work_guard<Executor>> work;
  std::thread thread;
};

struct Server::Impl {
  Impl(ServerOptions o, http::Handler h) : options(std::move(o)), handler(std::move(h)) {
    int n = options.io_threads > 0 ? options.io_threads : 1;
    for (int i = 0; i < n; ++i) io.push_back(std::make_unique<IoThread>());
    // With several I/O threads, accepting gets a thread of its own, so a handler that blocks
    // its I/O thread (it should not, but a proxy in a test does) cannot hold up new
    // connections, which go to the other threads.
    if (n > 1) accept_thread = std::make_unique<IoThread>();
    acceptor.emplace(AcceptThread().ioc.get_executor());
  }

  ~Impl() {
    acceptor.reset();
    accept_thread.reset();
    // Destroying a context destroys its queued handlers and with them the sessions they hold;
    // each session belongs to the context whose queue holds it.
    io.clear();
  }

  // The context with the fewest live connections, the next one in turn on a tie, so one client
  // with several connections spreads them over the threads.
  IoThread& PickThread() {
    size_t n = io.size(), best = next_pick % n;
    for (size_t k = 1; k < n; ++k) {
      size_t i = (next_pick + k) % n;
      if (io[i]->live.load(std::memory_order_relaxed) < io[best]->live.load(std::memory_order_relaxed)) best = i;
    }
    next_pick = best + 1;
    return *io[best];
  }

  IoThread& AcceptThread() { return accept_thread ? *accept_thread : *io[0]; }

  void Accept() {
    IoThread& target = PickThread();
    acceptor->async_accept(target.ioc.get_executor(), [this, &target](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
      if (!ec) {
        std::make_shared<Session>(std::move(socket), target.ioc.get_executor(), options, handler, drain, target.live)
            ->Run();
      }
      Accept();  // a failed accept (EMFILE) must not stop the server
    });
  }

  ServerOptions options;
  http::Handler handler;
  DrainState drain;
  std::vector<std::unique_ptr<IoThread>> io;
  std::unique_ptr<IoThread> accept_thread;  // null with one I/O thread: it accepts too
  std::optional<tcp::acceptor> acceptor;
  size_t next_pick = 0;  // accepting thread only
  uint16_t port = 0;
  bool running = false;
};

Server::Server(ServerOptions options, http::Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() { Stop(); }

uint16_t Server::port() const { return impl_->port; }

base::Status Server::Listen() {
  Impl& s = *impl_;
  if (s.acceptor->is_open()) return base::Status::Ok();
  beast::error_code ec;
  auto address = asio::ip::make_address(s.options.host, ec);
  if (ec) return base::Status::InvalidArgument("bad listen address '" + s.options.host + "': " + ec.message());
  tcp::endpoint endpoint(address, s.options.port);
  s.acceptor->open(endpoint.protocol(), ec);
  if (!ec) s.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor->bind(endpoint, ec);
  if (!ec) s.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    s.acceptor->close(ignored);
    return base::Status::IoError("cannot listen on " + s.options.host + ":" +
                                 std::to_string(s.options.port) + ": " + ec.message());
  }
  s.port = s.acceptor->local_endpoint().port();
  return base::Status::Ok();
}

base::Status Server::Start() {
  Impl& s = *impl_;
  if (s.running) return base::Status::FailedPrecondition("server already started");
  EF_RETURN_IF_ERROR(Listen());
  std::vector<IoThread*> all;
  for (auto& t : s.io) all.push_back(t.get());
  if (s.accept_thread) all.push_back(s.accept_thread.get());
  for (IoThread* t : all) t->work.emplace(t->ioc.get_executor());
  s.Accept();
  for (IoThread* t : all) t->thread = std::thread([&ioc = t->ioc] { ioc.run(); });
  s.running = true;
  return base::Status::Ok();
}

void Server::Stop() {
  Impl& s = *impl_;
  if (!s.running) return;
  s.running = false;
  s.drain.stopping = true;
  asio::post(s.AcceptThread().ioc, [&s] {
    beast::error_code ec;
    s.acceptor->close(ec);
  });
  // Let answers already on their way (a long poll answered by its service's Stop, a write that
  // is committing) reach their clients, for a bounded time.
  auto deadline = std::chrono::steady_clock::now() + s.options.drain_timeout;
  while (s.drain.in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  s.drain.stopped = true;
  std::vector<IoThread*> all;
  for (auto& t : s.io) all.push_back(t.get());
  if (s.accept_thread) all.push_back(s.accept_thread.get());
  for (IoThread* t : all) {
    t->work.reset();
    t->ioc.stop();
  }
  for (IoThread* t : all) {
    if (t->thread.joinable()) t->thread.join();
  }
}

}  // namespace net
