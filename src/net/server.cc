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
};

using Executor = asio::io_context::executor_type;

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `live` counts the sessions of the context `executor` belongs to (for the least-loaded pick).
  Session(tcp::socket&& socket, Executor executor, const ServerOptions& options, const http::Handler& handler,
          DrainState& drain, std::atomic<int>& live)
      : stream_(std::move(socket)), executor_(executor), options_(options), handler_(handler), drain_(drain),
        live_(live) {
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
    stream_.expires_after(options_.read_timeout);
    bhttp::async_read_some(stream_, buffer_, *parser_,
                           [self = shared_from_this()](beast::error_code ec, size_t) {
                             if (ec) return self->FailRead(ec);
                             self->ReadBody();
                           });
  }

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

    // A Reply on the connection's own thread (the handler answered at once, or a service that
    // runs on this thread answered later) writes at once; from any other thread it posts once.
    const uint64_t seq = ++dispatched_;
    http::Reply reply = [self = shared_from_this(), seq](http::Response response) {
      uint64_t expected = seq - 1;  // a second reply is a caller bug; the first one won
      if (!self->answered_.compare_exchange_strong(expected, seq)) return;
      if (self->executor_.running_in_this_thread()) return self->Write(std::move(response));
      asio::post(self->executor_, [self, r = std::move(response)]() mutable { self->Write(std::move(r)); });
    };
    try {
      handler_(std::move(req), reply);
    } catch (const std::exception& e) {
      http::Response r;
      r.status = 500;
      r.body = std::string("internal error: ") + e.what() + "\n";
      reply(std::move(r));
    }
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
      if (self->awaiting_answer_) {
        self->awaiting_answer_ = false;
        self->drain_.in_flight.fetch_sub(1);
      }
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
  bool awaiting_answer_ = false;  // a request went to the handler; its answer is not written yet
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
    acceptor.emplace(io[0]->ioc.get_executor());  // accepting runs on the first thread
  }

  ~Impl() {
    acceptor.reset();
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
  for (auto& t : s.io) t->work.emplace(t->ioc.get_executor());
  s.Accept();
  for (auto& t : s.io) t->thread = std::thread([&ioc = t->ioc] { ioc.run(); });
  s.running = true;
  return base::Status::Ok();
}

void Server::Stop() {
  Impl& s = *impl_;
  if (!s.running) return;
  s.running = false;
  s.drain.stopping = true;
  asio::post(s.io[0]->ioc, [&s] {
    beast::error_code ec;
    s.acceptor->close(ec);
  });
  // Let answers already on their way (a long poll answered by its service's Stop, a write that
  // is committing) reach their clients, for a bounded time.
  auto deadline = std::chrono::steady_clock::now() + s.options.drain_timeout;
  while (s.drain.in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  for (auto& t : s.io) {
    t->work.reset();
    t->ioc.stop();
  }
  for (auto& t : s.io) {
    if (t->thread.joinable()) t->thread.join();
  }
}

}  // namespace net
