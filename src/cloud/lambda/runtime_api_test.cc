// The Runtime API endpoint on real sockets, spoken to byte by byte as runtimes do: the engine side
// is a small InstanceRuntime that records what it is told and holds /next until the test
// delivers an event (the engine's own behaviour is covered by lambda_engine_test).
#include "cloud/lambda/runtime_api.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "runtime/protocol.h"

namespace cloud::lambda {
namespace {

using namespace std::chrono_literals;

class RecordingRuntime : public InstanceRuntime {
 public:
  void Next(std::function<void(const RuntimeEvent&)> deliver) override {
    std::lock_guard<std::mutex> lock(mu_);
    waiter_ = std::move(deliver);
    cv_.notify_all();
  }
  PostStatus PostResponse(const std::string& id, std::string payload, std::string content_type) override {
    std::lock_guard<std::mutex> lock(mu_);
    posts_.push_back("response " + id + " " + content_type + " " + payload);
    return id == "gone" ? PostStatus::kGone : id == "unknown" ? PostStatus::kUnknownRequest : PostStatus::kAccepted;
  }
  PostStatus PostError(const std::string& id, std::string type, std::string body) override {
    std::lock_guard<std::mutex> lock(mu_);
    posts_.push_back("error " + id + " " + type + " " + body);
    return PostStatus::kAccepted;
  }
  PostStatus PostInitError(std::string type, std::string body) override {
    std::lock_guard<std::mutex> lock(mu_);
    posts_.push_back("init " + type + " " + body);
    return PostStatus::kAccepted;
  }

  // Waits until a /next is held, then answers it with an event carrying `payload`.
  bool Deliver(const std::string& id, std::string payload) {
    std::function<void(const RuntimeEvent&)> deliver;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (!cv_.wait_for(lock, 5s, [&] { return waiter_ != nullptr; })) return false;
      deliver = std::move(waiter_);
      waiter_ = nullptr;
    }
    auto owned = std::make_shared<std::string>(std::move(payload));
    RuntimeEvent e;
    e.request_id = id;
    e.payload = *owned;
    e.owner = owned;
    e.deadline_ms = 1234;
    e.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:f";
    e.trace_id = "Root=1-abc";
    deliver(e);
    return true;
  }
  std::vector<std::string> posts() {
    std::lock_guard<std::mutex> lock(mu_);
    return posts_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::function<void(const RuntimeEvent&)> waiter_;
  std::vector<std::string> posts_;
};

// A blocking client socket with a 5 s receive timeout (a test never hangs).
class Client {
 public:
  explicit Client(const std::string& address) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(address.find(':') + 1))));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() { close(fd_); }
  bool connected() const { return connected_; }
  void Send(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }
  // Reads until `needle` has arrived (or 5 s pass); returns everything read so far.
  std::string ReadUntil(const std::string& needle) {
    while (buffer_.find(needle) == std::string::npos) {
      char buf[65536];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      buffer_.append(buf, static_cast<size_t>(n));
    }
    return buffer_;
  }
  // Reads until `bytes` bytes have arrived in total.
  std::string ReadBytes(size_t bytes) {
    while (buffer_.size() < bytes) {
      char buf[65536];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      buffer_.append(buf, static_cast<size_t>(n));
    }
    return buffer_;
  }
  // True when the server closed the connection (read returns 0) within 5 s.
  bool Closed() {
    char c;
    return recv(fd_, &c, 1, 0) == 0;
  }
  void Clear() { buffer_.clear(); }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

constexpr char kNext[] = "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n";

std::string Post(const std::string& path, const std::string& body, const std::string& extra = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n" + extra +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

struct Fixture {
  RecordingRuntime runtime;
  std::unique_ptr<RuntimeEndpoint> endpoint;
  Fixture() {
    auto made = LoopbackRuntimeEndpointFactory()(&runtime);
    EXPECT_TRUE(made.ok());
    if (made.ok()) endpoint = std::move(*made);
  }
};

TEST(RuntimeApiTest, NextLongPollsAndCarriesTheEventHeaders) {
  Fixture f;
  ASSERT_TRUE(f.endpoint);
  Client c(f.endpoint->address());
  ASSERT_TRUE(c.connected());
  c.Send(kNext);
  ASSERT_TRUE(f.runtime.Deliver("r1", R"({"x":1})"));
  std::string got = c.ReadUntil(R"({"x":1})");
  EXPECT_TRUE(got.starts_with("HTTP/1.1 200 OK\r\n")) << got;
  EXPECT_NE(got.find("Lambda-Runtime-Aws-Request-Id: r1\r\n"), std::string::npos) << got;
  EXPECT_NE(got.find("Lambda-Runtime-Deadline-Ms: 1234\r\n"), std::string::npos);
  EXPECT_NE(got.find("Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:000000000000:function:f\r\n"),
            std::string::npos);
  EXPECT_NE(got.find("Lambda-Runtime-Trace-Id: Root=1-abc\r\n"), std::string::npos);
  EXPECT_NE(got.find("Content-Length: 7\r\n"), std::string::npos);
  EXPECT_NE(got.find(std::string(runtime::protocol::kPipeliningHeader) + ": 1\r\n"), std::string::npos);
}

TEST(RuntimeApiTest, APipelinedNextIsAnsweredAfterThePostInOrder) {
  Fixture f;
  ASSERT_TRUE(f.endpoint);
  Client c(f.endpoint->address());
  c.Send(kNext);
  ASSERT_TRUE(f.runtime.Deliver("r1", "one"));
  c.ReadUntil("one");
  c.Clear();
  // POST /response and GET /next in one write, as our runtime client sends them.
  c.Send(Post("/2018-06-01/runtime/invocation/r1/response", "result") + kNext);
  ASSERT_TRUE(f.runtime.Deliver("r2", "two"));
  std::string got = c.ReadUntil("two");
  size_t accepted = got.find("HTTP/1.1 202 Accepted");
  size_t event = got.find("Lambda-Runtime-Aws-Request-Id: r2");
  ASSERT_NE(accepted, std::string::npos) << got;
  ASSERT_NE(event, std::string::npos) << got;
  EXPECT_LT(accepted, event);
  EXPECT_EQ(f.runtime.posts(), std::vector<std::string>{"response r1 text/plain result"});
}

TEST(RuntimeApiTest, PostsMapToLambdasStatusCodes) {
  Fixture f;
  ASSERT_TRUE(f.endpoint);
  Client c(f.endpoint->address());
  c.Send(Post("/2018-06-01/runtime/invocation/unknown/response", "x"));
  EXPECT_TRUE(c.ReadUntil("}").starts_with("HTTP/1.1 400 ")) << c.ReadUntil("}");
  c.Clear();
  c.Send(Post("/2018-06-01/runtime/invocation/gone/response", "x"));
  EXPECT_TRUE(c.ReadUntil("}").starts_with("HTTP/1.1 500 "));
  c.Clear();
  c.Send(Post("/2018-06-01/runtime/invocation/r9/error", R"({"errorMessage":"m"})",
              "Lambda-Runtime-Function-Error-Type: Oops\r\n"));
  EXPECT_TRUE(c.ReadUntil("}").starts_with("HTTP/1.1 202 "));
  c.Clear();
  c.Send(Post("/2018-06-01/runtime/init/error", "bad", "Lambda-Runtime-Function-Error-Type: Runtime.X\r\n"));
  EXPECT_TRUE(c.ReadUntil("}").starts_with("HTTP/1.1 202 "));
  c.Clear();
  c.Send("GET /2018-06-01/nothing HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(c.ReadUntil("}").starts_with("HTTP/1.1 404 "));
  auto posts = f.runtime.posts();
  ASSERT_EQ(posts.size(), 4u);
  EXPECT_EQ(posts[2], R"(error r9 Oops {"errorMessage":"m"})");
  EXPECT_EQ(posts[3], "init Runtime.X bad");
}

TEST(RuntimeApiTest, ChunkedBodiesExpectContinueAndOneConnectionPerCall) {
  Fixture f;
  ASSERT_TRUE(f.endpoint);
  {
    // curl asks for 100-continue on large bodies and waits for it before sending the body.
    Client c(f.endpoint->address());
    c.Send("POST /2018-06-01/runtime/invocation/r1/response HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
           "Expect: 100-continue\r\n\r\n");
    EXPECT_TRUE(c.ReadUntil("\r\n\r\n").starts_with("HTTP/1.1 100 Continue\r\n\r\n"));
    c.Send("hello");
    EXPECT_NE(c.ReadUntil("}").find("HTTP/1.1 202 "), std::string::npos);
  }
  {
    Client c(f.endpoint->address());  // a second connection, as curl-based runtimes open one per call
    c.Send("POST /2018-06-01/runtime/invocation/r2/response HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
           "Connection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
    std::string got = c.ReadUntil("}");
    EXPECT_TRUE(got.starts_with("HTTP/1.1 202 ")) << got;
    EXPECT_NE(got.find("Connection: close"), std::string::npos);
    EXPECT_TRUE(c.Closed());
  }
  EXPECT_EQ(f.runtime.posts(), (std::vector<std::string>{"response r1 application/json hello",
                                                          "response r2 application/json abcde"}));
}

TEST(RuntimeApiTest, AnEventLargerThanTheSocketBufferArrivesWhole) {
  Fixture f;
  ASSERT_TRUE(f.endpoint);
  Client c(f.endpoint->address());
  c.Send(kNext);
  std::string payload(6 * 1024 * 1024, 'p');
  payload.back() = 'z';
  ASSERT_TRUE(f.runtime.Deliver("big", payload));  // returns before the client has read it
  std::string head = c.ReadUntil("\r\n\r\n");
  size_t body_at = head.find("\r\n\r\n") + 4;
  std::string got = c.ReadBytes(body_at + payload.size());
  ASSERT_EQ(got.size(), body_at + payload.size());
  EXPECT_EQ(got.substr(body_at), payload);
}

TEST(RuntimeApiTest, MalformedRequestsAreAnswered400AndClosed) {
  Fixture f;
  ASSERT_TRUE(f.endpoint);
  Client c(f.endpoint->address());
  c.Send("this is not HTTP\r\n\r\n");
  EXPECT_TRUE(c.ReadUntil("}").starts_with("HTTP/1.1 400 "));
  EXPECT_TRUE(c.Closed());
  // The endpoint goes on serving.
  Client d(f.endpoint->address());
  d.Send(Post("/2018-06-01/runtime/invocation/r1/response", "ok"));
  EXPECT_TRUE(d.ReadUntil("}").starts_with("HTTP/1.1 202 "));
}

TEST(RuntimeApiTest, DestroyingTheEndpointDropsAHeldNext) {
  Fixture f;
  ASSERT_TRUE(f.endpoint);
  Client c(f.endpoint->address());
  c.Send(kNext);
  std::this_thread::sleep_for(50ms);  // let the server read it (not a timing assertion)
  f.endpoint.reset();
  EXPECT_TRUE(c.Closed());
}

}  // namespace
}  // namespace cloud::lambda
