// net::Server on a real socket on 127.0.0.1, driven by a raw-bytes client, so every test sees
// exactly what goes over the wire.
#include "net/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

namespace net {
namespace {

// A blocking client with a 5 s receive bound, so a broken server fails a test instead of hanging it.
class RawClient {
 public:
  // `receive_buffer` > 0 shrinks the socket's receive buffer (a slow reader fills up sooner).
  explicit RawClient(uint16_t port, int receive_buffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (receive_buffer > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }

  void Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }

  // Reads until `marker` appears in what was received and not consumed; false on EOF/timeout.
  bool ReadUntil(std::string_view marker) {
    while (pending_.find(marker) == std::string::npos) {
      if (!ReadMore()) return false;
    }
    return true;
  }

  // The header block of a response to HEAD (no body follows).
  std::string ReadHead() {
    if (!ReadUntil("\r\n\r\n")) return "";
    size_t end = pending_.find("\r\n\r\n");
    std::string head = pending_.substr(0, end);
    pending_.erase(0, end + 4);
    return head;
  }

  // One response: status code, headers (raw) and a Content-Length body. -1 on EOF/timeout.
  struct Response {
    int status = -1;
    std::string head;
    std::string body;
  };
  Response ReadResponse() {
    Response r;
    if (!ReadUntil("\r\n\r\n")) return r;
    size_t end = pending_.find("\r\n\r\n");
    r.head = pending_.substr(0, end);
    pending_.erase(0, end + 4);
    r.status = std::atoi(r.head.c_str() + 9);
    size_t length = 0;
    size_t cl = Lower(r.head).find("content-length:");
    if (cl != std::string::npos) length = std::strtoull(r.head.c_str() + cl + 15, nullptr, 10);
    while (pending_.size() < length) {
      if (!ReadMore()) return Response{};
    }
    r.body = pending_.substr(0, length);
    pending_.erase(0, length);
    return r;
  }

  // True when the server closed the connection (read returns 0), false on timeout/data.
  bool ServerClosed() {
    char c;
    return ::recv(fd_, &c, 1, 0) == 0;
  }

 private:
  static std::string Lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  bool ReadMore() {
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    pending_.append(buf, static_cast<size_t>(n));
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
  std::string pending_;
};

// Echoes what it parsed: "METHOD path body-size body", so tests can check de-chunking and routing.
void Echo(http::Request&& req, http::Reply reply) {
  http::Response r;
  r.body = req.method + " " + req.path + " " + std::to_string(req.body.size()) + " " + req.body;
  r.headers.Set("Content-Type", "text/plain");
  reply(std::move(r));
}

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(http::Handler handler, ServerOptions options = {}) {
    options.port = 0;
    server_ = std::make_unique<Server>(options, std::move(handler));
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_NE(server_->port(), 0);
  }
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  StartServer(Echo);
  RawClient c(server_->port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 3; ++i) {
    c.Send("GET /a%20b?x=1 HTTP/1.1\r\nHost: localhost\r\n\r\n");
    auto r = c.ReadResponse();
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "GET /a b 0 ");
  }
}

TEST_F(ServerTest, ExpectContinueGetsInterim100ThenTheBody) {
  StartServer(Echo);
  RawClient c(server_->port());
  c.Send("PUT /obj HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  ASSERT_TRUE(c.ReadUntil("HTTP/1.1 100 Continue\r\n\r\n"));
  auto interim = c.ReadResponse();
  EXPECT_EQ(interim.status, 100);
  c.Send("hello");
  auto r = c.ReadResponse();
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "PUT /obj 5 hello");
}

// Regression: botocore 1.29 sends "Expect: 100-continue" on empty PUTs too and waits for the
// interim 100; without it every later response on the connection was read one request late.
TEST_F(ServerTest, ExpectContinueWithEmptyBodyStillGetsInterim100) {
  StartServer(Echo);
  RawClient c(server_->port());
  c.Send("PUT /empty HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nExpect: 100-continue\r\n\r\n");
  auto interim = c.ReadResponse();
  EXPECT_EQ(interim.status, 100);
  auto r = c.ReadResponse();
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "PUT /empty 0 ");
}

TEST_F(ServerTest, ChunkedRequestBodyIsDechunked) {
  StartServer(Echo);
  RawClient c(server_->port());
  c.Send("POST /q HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
         "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n");
  auto r = c.ReadResponse();
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "POST /q 7 abcdefg");
}

// Answers an over-limit body as a service would (S3 says EntityTooLarge), otherwise echoes.
void TooLargeOrEcho(http::Request&& req, http::Reply reply) {
  if (!req.body_too_large) return Echo(std::move(req), std::move(reply));
  http::Response r;
  r.status = 400;
  r.body = "EntityTooLarge " + req.method + " " + req.path + " " + std::to_string(req.body.size());
  reply(std::move(r));
}

TEST_F(ServerTest, StopWaitsForAnswersAlreadyOnTheirWay) {
  // A service answers a held request (a long poll) as the server stops: the client gets it.
  std::mutex mu;
  http::Reply held;
  StartServer([&](http::Request&&, http::Reply reply) {
    std::lock_guard lock(mu);
    held = std::move(reply);
  });
  RawClient c(server_->port());
  c.Send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n");
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard lock(mu);
      if (held) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::thread answerer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    http::Response r;
    r.body = "late answer";
    std::lock_guard lock(mu);
    held(std::move(r));
  });
  server_->Stop();
  answerer.join();
  auto r = c.ReadResponse();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "late answer");
}

TEST_F(ServerTest, OversizeBodyGoesToTheHandlerWithout100ContinueThenCloses) {
  ServerOptions o;
  o.max_body_bytes = 10;
  StartServer(TooLargeOrEcho, o);
  RawClient c(server_->port());
  c.Send("PUT /big HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n");
  auto r = c.ReadResponse();
  EXPECT_EQ(r.status, 400);  // not an interim 100: the client must not send the body
  EXPECT_EQ(r.body, "EntityTooLarge PUT /big 0");
  EXPECT_TRUE(c.ServerClosed());
}

TEST_F(ServerTest, OversizeChunkedBodyGoesToTheHandler) {
  ServerOptions o;
  o.max_body_bytes = 10;
  StartServer(TooLargeOrEcho, o);
  RawClient c(server_->port());
  c.Send("PUT /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n");
  auto r = c.ReadResponse();
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "EntityTooLarge PUT /big 0");
}

TEST_F(ServerTest, AnswerToAnOversizeBodyReachesAClientStillSendingIt) {
  // The client sends the whole (too large) body without waiting: the answer must not be lost
  // to a connection reset caused by the unread bytes.
  ServerOptions o;
  o.max_body_bytes = 1000;
  StartServer(TooLargeOrEcho, o);
  RawClient c(server_->port());
  c.Send("PUT /big HTTP/1.1\r\nHost: x\r\nContent-Length: 300000\r\n\r\n" + std::string(300000, 'z'));
  auto r = c.ReadResponse();
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "EntityTooLarge PUT /big 0");
}

TEST_F(ServerTest, OversizeHeaderIs431) {
  ServerOptions o;
  o.max_header_bytes = 1024;
  StartServer(Echo, o);
  RawClient c(server_->port());
  c.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
  EXPECT_EQ(c.ReadResponse().status, 431);
}

TEST_F(ServerTest, MalformedRequestIs400AndTheServerKeepsServing) {
  StartServer(Echo);
  {
    RawClient bad(server_->port());
    bad.Send("THIS IS NOT HTTP\r\n\r\n");
    EXPECT_EQ(bad.ReadResponse().status, 400);
    EXPECT_TRUE(bad.ServerClosed());
  }
  {
    RawClient bad(server_->port());
    bad.Send("GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n");  // bad percent-encoding in the target
    EXPECT_EQ(bad.ReadResponse().status, 400);
  }
  RawClient good(server_->port());
  good.Send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
  auto r = good.ReadResponse();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "GET /ok 0 ");
}

TEST_F(ServerTest, SlowClientIsDisconnectedAfterTheReadTimeout) {
  ServerOptions o;
  o.read_timeout = std::chrono::milliseconds(300);
  StartServer(Echo, o);
  RawClient slow(server_->port());
  slow.Send("GET / HTTP/1.1\r\nHost: x\r\n");  // never finishes its header block
  EXPECT_TRUE(slow.ServerClosed());           // the client's own bound is 5 s
  RawClient good(server_->port());
  good.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(good.ReadResponse().status, 200);
}

TEST_F(ServerTest, ReplyFromAnotherThreadLater) {
  std::vector<std::thread> workers;
  std::mutex mu;
  StartServer([&](http::Request&& req, http::Reply reply) {
    std::lock_guard<std::mutex> lock(mu);
    workers.emplace_back([reply] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      http::Response r;
      r.status = 202;
      r.body = "later";
      reply(r);
      reply(r);  // a second reply is ignored, not a crash
    });
  });
  RawClient c(server_->port());
  c.Send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");  // pipelined
  auto r1 = c.ReadResponse();
  auto r2 = c.ReadResponse();
  EXPECT_EQ(r1.status, 202);
  EXPECT_EQ(r1.body, "later");
  EXPECT_EQ(r2.status, 202);
  std::lock_guard<std::mutex> lock(mu);
  for (auto& t : workers) t.join();
}

// Answers given after the handler returned are written by the answering thread itself; the
// connection then goes on as usual: next request served, idle connection closed after read_timeout,
// and an answer slower than read_timeout still arrives.
TEST_F(ServerTest, LateAnswersKeepTheConnectionThenIdleTimeoutStillApplies) {
  std::vector<std::thread> workers;
  std::mutex mu;
  ServerOptions o;
  o.read_timeout = std::chrono::milliseconds(300);
  StartServer(
      [&](http::Request&& req, http::Reply reply) {
        auto delay = std::chrono::milliseconds(req.path == "/slow" ? 700 : 20);
        std::lock_guard<std::mutex> lock(mu);
        workers.emplace_back([reply, delay, path = req.path] {
          std::this_thread::sleep_for(delay);
          http::Response r;
          r.body = "answer to " + path;
          reply(std::move(r));
        });
      },
      o);
  RawClient c(server_->port());
  c.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  auto r1 = c.ReadResponse();
  EXPECT_EQ(r1.status, 200);
  EXPECT_EQ(r1.body, "answer to /slow");
  c.Send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
  auto r2 = c.ReadResponse();
  EXPECT_EQ(r2.status, 200);
  EXPECT_EQ(r2.body, "answer to /fast");
  EXPECT_TRUE(c.ServerClosed());  // idle after the answer: closed after ~300 ms (client bound 5 s)
  std::lock_guard<std::mutex> lock(mu);
  for (auto& t : workers) t.join();
}

// Late answers larger than the socket takes at once (a reader that does not read yet), one
// within the directly written size and one above it, arrive whole and in order.
TEST_F(ServerTest, LateLargeAnswersToASlowReaderArriveWhole) {
  std::vector<std::thread> workers;
  std::mutex mu;
  auto body_of = [](size_t n) {
    std::string b(n, 'x');
    for (size_t i = 0; i < n; ++i) b[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    return b;
  };
  StartServer([&](http::Request&& req, http::Reply reply) {
    size_t n = std::strtoull(req.path.c_str() + 1, nullptr, 10);
    std::lock_guard<std::mutex> lock(mu);
    workers.emplace_back([reply, n, body_of] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      http::Response r;
      r.body = body_of(n);
      reply(std::move(r));
    });
  });
  RawClient c(server_->port(), /*receive_buffer=*/4096);
  for (size_t n : {60000u, 250000u, 300000u, 10u}) {
    c.Send("GET /" + std::to_string(n) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(150));  // the answer meets a full socket
    auto r = c.ReadResponse();
    EXPECT_EQ(r.status, 200) << n;
    EXPECT_TRUE(r.body == body_of(n)) << n << " bytes, got " << r.body.size();
  }
  std::lock_guard<std::mutex> lock(mu);
  for (auto& t : workers) t.join();
}

// A held request answered later from another request's handler on the same I/O thread (a long
// poll woken by a write): both clients get their answers, and the held connection goes on.
TEST_F(ServerTest, HeldRequestAnsweredFromTheSameThreadLater) {
  std::mutex mu;
  http::Reply held;
  ServerOptions o;
  o.io_threads = 1;
  StartServer(
      [&](http::Request&& req, http::Reply reply) {
        http::Response r;
        if (req.path == "/wait") {
          std::lock_guard lock(mu);
          held = std::move(reply);
          return;
        }
        if (req.path == "/wake") {
          std::lock_guard lock(mu);
          http::Response woken;
          woken.body = "woken";
          if (held) held(std::move(woken));
          held = nullptr;
        }
        r.body = "ok " + req.path;
        reply(std::move(r));
      },
      o);
  RawClient waiter(server_->port());
  waiter.Send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n");
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard lock(mu);
      if (held) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  RawClient waker(server_->port());
  waker.Send("GET /wake HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(waker.ReadResponse().body, "ok /wake");
  EXPECT_EQ(waiter.ReadResponse().body, "woken");
  waiter.Send("GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(waiter.ReadResponse().body, "ok /again");
}

TEST_F(ServerTest, StreamsAFileRange) {
  std::string path = ::testing::TempDir() + "/net_test_range.bin";
  std::string content;
  for (int i = 0; i < 200000; ++i) content.push_back(static_cast<char>('a' + i % 26));
  std::ofstream(path, std::ios::binary) << content;
  StartServer([&](http::Request&& req, http::Reply reply) {
    http::Response r;
    r.status = 206;
    r.file_path = path;
    r.file_offset = 1000;
    r.file_length = 150000;
    reply(std::move(r));
  });
  RawClient c(server_->port());
  c.Send("GET /f HTTP/1.1\r\nHost: x\r\n\r\n");
  auto r = c.ReadResponse();
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, content.substr(1000, 150000));
  std::remove(path.c_str());
}

TEST_F(ServerTest, HeadKeepsTheContentLengthTheHandlerSet) {
  StartServer([](http::Request&& req, http::Reply reply) {
    http::Response r;
    r.headers.Set("Content-Length", "12345");
    reply(std::move(r));
  });
  RawClient c(server_->port());
  c.Send("HEAD /obj HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string head = c.ReadHead();
  EXPECT_NE(head.find("Content-Length: 12345"), std::string::npos) << head;
  // No body bytes followed the HEAD answer: the next response parses cleanly.
  c.Send("GET /obj HTTP/1.1\r\nHost: x\r\n\r\n");
  auto r = c.ReadResponse();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
}

TEST_F(ServerTest, SecondServerOnTheSamePortFailsClearly) {
  StartServer(Echo);
  ServerOptions o;
  o.port = server_->port();
  Server second(o, Echo);
  base::Status s = second.Start();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot listen"), std::string::npos);
}

}  // namespace
}  // namespace net
