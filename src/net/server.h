// net::Server: the HTTP/1.1 server of `edgeface cloud` (Boost.Beast/Asio underneath; no Beast
// type leaves src/net). It accepts on one address, reads requests with limits and timeouts, hands
// each to an http::Handler and writes the Response back, with keep-alive.
//
// What a client sees:
//  - keep-alive (HTTP/1.1 default, HTTP/1.0 with "Connection: keep-alive"), `Expect: 100-continue`
//    (the interim 100 goes out only when the request is within limits), chunked request bodies;
//  - a header block over `max_header_bytes` → 431, a request Beast cannot parse → 400; a body
//    over `max_body_bytes` (declared by Content-Length or found while reading) goes to the
//    handler with Request::body_too_large set and no body, so the service answers in its own
//    error format; in each case the connection closes afterwards, the server goes on;
//  - a request's header block must arrive whole within `read_timeout` of the connection becoming
//    ready for it (slowloris clients and idle keep-alive connections are disconnected), and each
//    read of the body must make progress within `read_timeout`;
//  - responses with Response::file_path stream that file range from disk in 64 KiB pieces.
//
// Thread-safety: Start/Stop from one thread. Each connection is pinned to one of `io_threads` I/O
// threads (the one with the fewest connections when it is accepted); its requests' handler runs
// there. The handler may call its Reply from any thread, at any later time, exactly once: on the
// connection's own thread the answer is written at once, from any other thread it is handed to
// the connection's thread (one wake-up). A handler should not block: it holds up every other
// connection of its thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "http/message.h"

namespace net {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 4566;                       // 0 picks a free port; see Server::port()
  int io_threads = 2;
  uint64_t max_header_bytes = 64 * 1024;
  uint64_t max_body_bytes = 64ull << 20;      // per request, held in memory (S3 multipart covers more)
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds write_timeout{60'000};
  // How long Stop() waits for requests already handed to the handler to be answered and written.
  std::chrono::milliseconds drain_timeout{2'000};
};

class Server {
 public:
  Server(ServerOptions options, http::Handler handler);
  ~Server();  // Stop()s if running.
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens, without accepting yet: after success port() is the bound port, and
  // clients that connect wait in the backlog until Start() (so services can be wired to a port
  // chosen by --port 0 before anyone is served). Fails (with the OS's words) when the address is
  // in use or invalid.
  base::Status Listen();
  // Listen()s if not done yet, then accepts and starts the I/O threads.
  base::Status Start();
  uint16_t port() const;

  // Stops accepting and reading new requests, waits up to `drain_timeout` for the answers of
  // requests already handed to the handler to be written (so a service that answers its parked
  // requests before Stop, e.g. SQS long polls, reaches its clients), then joins the I/O threads;
  // connections are dropped. Replies that arrive afterwards are dropped. Idempotent.
  // REQUIRES: whoever may still hold a Reply (the handler's services) is destroyed after Stop()
  // and before ~Server, as a Reply keeps its connection, which lives on the server's I/O context.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace net
