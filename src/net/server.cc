// The listener accepts; each Session reads, parses, dispatches and writes (Beast's async server
// example is the model: one strand per connection, the handler a plain function).
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
#include <boost/asio/strand.hpp>
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

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, const ServerOptions& options, const http::Handler& handler,
          DrainState& drain)
      : stream_(std::move(socket)), options_(options), handler_(handler), drain_(drain) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  ~Session() {
    if (awaiting_answer_) drain_.in_flight.fetch_sub(1);  // the handler dropped its Reply
  }

  void Run() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
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

    auto once = std::make_shared<std::atomic<bool>>(false);
    http::Reply reply = [self = shared_from_this(), once](http::Response response) {
      if (once->exchange(true)) return;  // a second reply is a caller bug; the first one won
      auto boxed = std::make_shared<http::Response>(std::move(response));
      asio::post(self->stream_.get_executor(), [self, boxed] { self->Write(std::move(*boxed)); });
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
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  const ServerOptions& options_;
  const http::Handler& handler_;
  DrainState& drain_;
  bool awaiting_answer_ = false;  // a request went to the handler; its answer is not written yet
  std::string remote_;
  bool keep_alive_ = false;
  bool head_ = false;
  bool unread_body_ = false;  // the request's body was over the limit and left unread
  std::vector<char> drain_buffer_;
  unsigned version_ = 11;
};

}  // namespace

struct Server::Impl {
  Impl(ServerOptions o, http::Handler h)
      : options(std::move(o)), handler(std::move(h)), acceptor(asio::make_strand(ioc)) {}

  void Accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) std::make_shared<Session>(std::move(socket), options, handler, drain)->Run();
      Accept();  // a failed accept (EMFILE) must not stop the server
    });
  }

  ServerOptions options;
  http::Handler handler;
  DrainState drain;
  asio::io_context ioc;
  // Keeps the I/O threads running while Stop() drains: with the acceptor closed, a session that
  // waits for its handler's answer has no I/O pending, and run() would return too early.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  bool running = false;
};

Server::Server(ServerOptions options, http::Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() { Stop(); }

uint16_t Server::port() const { return impl_->port; }

base::Status Server::Listen() {
  Impl& s = *impl_;
  if (s.acceptor.is_open()) return base::Status::Ok();
  beast::error_code ec;
  auto address = asio::ip::make_address(s.options.host, ec);
  if (ec) return base::Status::InvalidArgument("bad listen address '" + s.options.host + "': " + ec.message());
  tcp::endpoint endpoint(address, s.options.port);
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    s.acceptor.close(ignored);
    return base::Status::IoError("cannot listen on " + s.options.host + ":" +
                                 std::to_string(s.options.port) + ": " + ec.message());
  }
  s.port = s.acceptor.local_endpoint().port();
  return base::Status::Ok();
}

base::Status Server::Start() {
  Impl& s = *impl_;
  if (s.running) return base::Status::FailedPrecondition("server already started");
  EF_RETURN_IF_ERROR(Listen());
  s.work.emplace(s.ioc.get_executor());
  s.Accept();
  int n = s.options.io_threads > 0 ? s.options.io_threads : 1;
  for (int i = 0; i < n; ++i) s.threads.emplace_back([&s] { s.ioc.run(); });
  s.running = true;
  return base::Status::Ok();
}

void Server::Stop() {
  Impl& s = *impl_;
  if (!s.running) return;
  s.running = false;
  s.drain.stopping = true;
  asio::post(s.acceptor.get_executor(), [&s] {
    beast::error_code ec;
    s.acceptor.close(ec);
  });
  // Let answers already on their way (a long poll answered by its service's Stop, a write that
  // is committing) reach their clients, for a bounded time.
  auto deadline = std::chrono::steady_clock::now() + s.options.drain_timeout;
  while (s.drain.in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  s.work.reset();
  s.ioc.stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
}

}  // namespace net
