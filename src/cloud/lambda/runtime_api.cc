// One thread per instance polls the listener and the runtime's connections; Beast's parser turns
// bytes into requests (chunked bodies, limits); answers are written with plain non-blocking
// sends. An event for a held /next is written by whichever thread dispatches it (see the header).
#include "cloud/lambda/runtime_api.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "cloud/lambda/errors.h"
#include "http/message.h"
#include "runtime/protocol.h"

namespace cloud::lambda {
namespace {

namespace p = runtime::protocol;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

constexpr uint32_t kMaxHeaderBytes = 64 * 1024;
// Larger than the 6 MB limit, so an oversized response reaches the engine and fails its invocation
// with Lambda's error instead of a bare 413.
constexpr uint64_t kMaxBodyBytes = 16ull << 20;
constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";

std::string_view View(beast::string_view s) { return std::string_view(s.data(), s.size()); }

// Wakes the server thread: to finish a large write, to parse requests that waited behind a held
// /next, or to stop.
struct Waker {
  int fd = -1;
  ~Waker() {
    if (fd >= 0) close(fd);
  }
  void Wake() const {
    uint64_t one = 1;
    ssize_t n = write(fd, &one, sizeof one);
    (void)n;  // the counter cannot overflow in practice; a failed wake-up is a lost nudge only
  }
};

// One connection from the instance's runtime. Only the server thread reads or closes `fd`; any
// thread may write to it under `mu` (answers are written in request order: while a /next is held
// nothing else is answered on the connection, and the event goes out first).
struct Conn {
  Conn(int fd, std::shared_ptr<const Waker> waker) : fd(fd), waker(std::move(waker)) {}
  ~Conn() {
    if (fd >= 0) close(fd);
  }

  std::mutex mu;
  int fd;                       // -1 once closed
  std::string out;              // answered, not yet written: deferred behind a pipelined /next, or the rest of a large write
  bool holding_next = false;    // a GET /next waits for an event
  bool close_after_next = false;
  bool unparsed_input = false;  // requests wait in `in` behind the held /next
  bool closing = false;         // shut down once `out` is written
  const std::shared_ptr<const Waker> waker;

  // Server thread only.
  std::string in;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser;
  bool sent_continue = false;
  bool dead = false;

  // Writes what the socket takes now of `out`. REQUIRES: mu held.
  void FlushLocked() {
    size_t done = 0;
    while (done < out.size() && fd >= 0) {
      ssize_t n = send(fd, out.data() + done, out.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        done += static_cast<size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        break;  // the server thread polls for POLLOUT and continues
      } else {
        done = out.size();  // the runtime went away; the server thread sees the hang-up
        shutdown(fd, SHUT_RDWR);
      }
    }
    out.erase(0, done);
    if (out.empty() && closing && fd >= 0) shutdown(fd, SHUT_RDWR);
  }
};

std::string Answer(int status, std::string_view body, bool keep_alive) {
  std::string r = "HTTP/1.1 " + std::to_string(status) + " " + std::string(http::ReasonPhrase(status)) +
                  "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  if (!keep_alive) r += "Connection: close\r\n";
  r += "\r\n";
  r.append(body);
  return r;
}

std::string PostAnswer(InstanceRuntime::PostStatus status, bool keep_alive) {
  switch (status) {
    case InstanceRuntime::PostStatus::kAccepted:
      return Answer(202, R"({"status":"OK"})", keep_alive);
    case InstanceRuntime::PostStatus::kTooLarge:
      return Answer(413,
                    ErrorJson("Exceeded maximum allowed payload size (" + std::to_string(p::kMaxResponseBytes) + " bytes).",
                              "RequestEntityTooLarge"),
                    keep_alive);
    case InstanceRuntime::PostStatus::kUnknownRequest:
      return Answer(400, ErrorJson("Invalid request ID", "InvalidRequestID"), keep_alive);
    case InstanceRuntime::PostStatus::kGone:
      break;
  }
  return Answer(500, ErrorJson("The sandbox is being stopped", "Runtime.Unavailable"), keep_alive);
}

void AddHeader(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

// Answers the held /next of `c` with `e`: the deferred answers before it and the event go out in
// one send; what the socket does not take now is left to the server thread.
void Deliver(const std::shared_ptr<Conn>& c, const RuntimeEvent& e) {
  std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
  AddHeader(head, p::kRequestIdHeader, e.request_id);
  AddHeader(head, p::kDeadlineMsHeader, std::to_string(e.deadline_ms));
  AddHeader(head, p::kFunctionArnHeader, e.function_arn);
  AddHeader(head, p::kTraceIdHeader, e.trace_id);
  if (!e.client_context.empty()) AddHeader(head, p::kClientContextHeader, e.client_context);
  if (!e.cognito_identity.empty()) AddHeader(head, p::kCognitoIdentityHeader, e.cognito_identity);
  AddHeader(head, p::kPipeliningHeader, "1");
  AddHeader(head, "Content-Length", std::to_string(e.payload.size()));

  std::lock_guard<std::mutex> lock(c->mu);
  if (c->fd < 0 || !c->holding_next) return;
  c->holding_next = false;
  if (c->close_after_next) {
    head += "Connection: close\r\n";
    c->closing = true;
  }
  head += "\r\n";
  const std::string_view parts[3] = {c->out, head, e.payload};
  size_t total = 0, written = 0;
  for (const auto& part : parts) total += part.size();
  if (c->out.empty() || c->out.size() < (64u << 10)) {  // nothing large waiting: try the one send
    iovec iov[3];
    for (int i = 0; i < 3; ++i) iov[i] = {const_cast<char*>(parts[i].data()), parts[i].size()};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = 3;
    ssize_t n;
    do n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      c->out.clear();
      shutdown(c->fd, SHUT_RDWR);
      return;
    }
    written = n > 0 ? static_cast<size_t>(n) : 0;
  }
  if (written == total) {
    c->out.clear();
    if (c->closing) shutdown(c->fd, SHUT_RDWR);
  } else {
    // A large event (or a slow reader): keep the rest and let the server thread finish it.
    std::string rest;
    rest.reserve(total - written);
    for (const auto& part : parts) {
      size_t skip = std::min(written, part.size());
      rest.append(part.substr(skip));
      written -= skip;
    }
    c->out = std::move(rest);
  }
  if (!c->out.empty() || c->unparsed_input) c->waker->Wake();
}

class LoopbackEndpoint : public RuntimeEndpoint {
 public:
  explicit LoopbackEndpoint(InstanceRuntime* runtime) : runtime_(runtime), waker_(std::make_shared<Waker>()) {}

  ~LoopbackEndpoint() override {
    stopping_ = true;
    if (thread_.joinable()) {
      waker_->Wake();
      thread_.join();
    }
    for (auto& c : conns_) {
      std::lock_guard<std::mutex> lock(c->mu);
      if (c->fd >= 0) close(c->fd);
      c->fd = -1;  // a held /next's Deliver finds the connection gone
    }
    if (listen_fd_ >= 0) close(listen_fd_);
  }

  base::Status Start() {
    waker_->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (waker_->fd < 0) return base::Status::IoError(std::string("eventfd: ") + strerror(errno));
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (listen_fd_ < 0) return base::Status::IoError(std::string("socket: ") + strerror(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listen_fd_, 64) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return base::Status::IoError(std::string("Runtime API listener on 127.0.0.1: ") + strerror(errno));
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread(&LoopbackEndpoint::Loop, this);
    return base::Status::Ok();
  }

  std::string address() const override { return "127.0.0.1:" + std::to_string(port_); }

 private:
  void Loop() {
    std::vector<pollfd> fds;
    for (;;) {
      fds.clear();
      fds.push_back({waker_->fd, POLLIN, 0});
      fds.push_back({listen_fd_, POLLIN, 0});
      for (auto& c : conns_) {
        short events = POLLIN;
        {
          std::lock_guard<std::mutex> lock(c->mu);
          // Answers deferred behind a held /next wait for the event; anything else pending is
          // the rest of a write the socket did not take at once.
          if (!c->out.empty() && !c->holding_next) events |= POLLOUT;
        }
        fds.push_back({c->fd, events, 0});
      }
      if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) return;
      if (fds[0].revents & POLLIN) {
        uint64_t v;
        ssize_t n = read(waker_->fd, &v, sizeof v);
        (void)n;
      }
      if (stopping_) return;
      for (size_t i = 0; i < conns_.size(); ++i) {
        const auto& c = conns_[i];
        const short revents = fds[i + 2].revents;
        if (revents & POLLOUT) {
          std::lock_guard<std::mutex> lock(c->mu);
          if (!c->holding_next) c->FlushLocked();
        }
        if (revents & (POLLIN | POLLHUP | POLLERR)) Read(*c);
        if (!c->dead) Parse(c);
      }
      std::erase_if(conns_, [](const std::shared_ptr<Conn>& c) {
        if (!c->dead) return false;
        std::lock_guard<std::mutex> lock(c->mu);
        close(c->fd);
        c->fd = -1;
        return true;
      });
      if (fds[1].revents & POLLIN) Accept();
    }
  }

  void Accept() {
    for (;;) {
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      conns_.push_back(std::make_shared<Conn>(fd, waker_));
    }
  }

  static void Read(Conn& c) {
    char buf[64 * 1024];
    for (;;) {
      ssize_t n = recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        c.in.append(buf, static_cast<size_t>(n));
        // Requests queued behind a held /next are bounded: a runtime only pipelines a GET.
        if (c.in.size() > kMaxBodyBytes + kMaxHeaderBytes) c.dead = true;
        if (static_cast<size_t>(n) == sizeof buf && !c.dead) continue;
        return;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      c.dead = true;  // end of stream or error: the runtime closed it (a held /next is dropped)
      return;
    }
  }

  // Handles every complete request in `c->in`, in order, until a /next is held.
  void Parse(const std::shared_ptr<Conn>& c) {
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(c->mu);
        c->unparsed_input = c->holding_next && !c->in.empty();
        if (c->holding_next || c->closing) break;
      }
      if (c->in.empty()) break;
      if (!c->parser) {
        c->parser.emplace();
        c->parser->header_limit(kMaxHeaderBytes);
        c->parser->body_limit(kMaxBodyBytes);
        c->parser->eager(true);
        c->sent_continue = false;
      }
      beast::error_code ec;
      size_t used = c->parser->put(boost::asio::buffer(c->in), ec);
      c->in.erase(0, used);
      if (ec == bhttp::error::need_more || (!ec && !c->parser->is_done())) {
        if (c->parser->is_header_done() && !c->sent_continue) {
          auto expect = c->parser->get()[bhttp::field::expect];
          if (http::EqualsIgnoreCase(View(expect), "100-continue")) {
            c->sent_continue = true;
            std::lock_guard<std::mutex> lock(c->mu);
            c->out += kContinue;
            c->FlushLocked();
          }
        }
        if (used == 0) break;  // wait for more bytes
        continue;
      }
      if (ec) {
        int status = ec == bhttp::error::body_limit ? 413 : ec == bhttp::error::header_limit ? 431 : 400;
        c->parser.reset();
        c->in.clear();
        std::lock_guard<std::mutex> lock(c->mu);
        c->out += Answer(status, ErrorJson("malformed request: " + ec.message(), "InvalidRequest"), false);
        c->closing = true;
        break;
      }
      bhttp::request<bhttp::string_body> request = c->parser->release();
      c->parser.reset();
      Handle(c, request);
    }
    std::lock_guard<std::mutex> lock(c->mu);
    // Answers wait for the event when a pipelined /next is held: both go out in one send.
    if (!c->holding_next && !c->out.empty()) c->FlushLocked();
  }

  void Handle(const std::shared_ptr<Conn>& c, bhttp::request<bhttp::string_body>& request) {
    const bool keep_alive = request.keep_alive();
    std::string_view path = View(request.target());
    path = path.substr(0, path.find('?'));
    const bool post = request.method() == bhttp::verb::post;
    if (request.method() == bhttp::verb::get && path == p::kNextPath) {
      {
        std::lock_guard<std::mutex> lock(c->mu);
        c->holding_next = true;
        c->close_after_next = !keep_alive;
      }
      runtime_->Next([c](const RuntimeEvent& e) { Deliver(c, e); });
      return;
    }
    std::optional<InstanceRuntime::PostStatus> status;
    std::string error_type(View(request[p::kFunctionErrorTypeHeader]));
    if (post && path == p::kInitErrorPath) {
      status = runtime_->PostInitError(std::move(error_type), std::move(request.body()));
    } else if (post && path.starts_with(p::kInvocationPrefix)) {
      std::string_view rest = path.substr(p::kInvocationPrefix.size());
      if (rest.ends_with(p::kResponseSuffix)) {
        std::string id(rest.substr(0, rest.size() - p::kResponseSuffix.size()));
        std::string content_type(View(request[bhttp::field::content_type]));
        if (content_type.empty()) content_type = "application/json";
        status = runtime_->PostResponse(id, std::move(request.body()), std::move(content_type));
      } else if (rest.ends_with(p::kErrorSuffix)) {
        std::string id(rest.substr(0, rest.size() - p::kErrorSuffix.size()));
        status = runtime_->PostError(id, std::move(error_type), std::move(request.body()));
      }
    }
    std::string answer =
        status ? PostAnswer(*status, keep_alive)
               : Answer(404,
                        ErrorJson("Unknown Runtime API path: " + std::string(View(request.method_string())) + " " +
                                      std::string(path),
                                  "InvalidRequest"),
                        keep_alive);
    std::lock_guard<std::mutex> lock(c->mu);
    c->out += answer;
    if (!keep_alive) c->closing = true;
  }

  InstanceRuntime* const runtime_;
  const std::shared_ptr<Waker> waker_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::vector<std::shared_ptr<Conn>> conns_;  // server thread only (and the destructor after it)
  std::thread thread_;
};

}  // namespace

RuntimeEndpointFactory LoopbackRuntimeEndpointFactory() {
  return [](InstanceRuntime* runtime) -> base::StatusOr<std::unique_ptr<RuntimeEndpoint>> {
    auto endpoint = std::make_unique<LoopbackEndpoint>(runtime);
    EF_RETURN_IF_ERROR(endpoint->Start());
    return std::unique_ptr<RuntimeEndpoint>(std::move(endpoint));
  };
}

}  // namespace cloud::lambda
