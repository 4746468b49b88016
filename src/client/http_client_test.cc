#include "client/http_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "net/server.h"

namespace client {
namespace {

using namespace std::chrono_literals;

// A real server on 127.0.0.1 that echoes what it got, remembers the peer addresses it saw, and
// answers /slow after 300 ms from another thread (as a long poll does).
class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    net::ServerOptions options;
    options.port = 0;
    options.io_threads = 1;
    server_ = std::make_unique<net::Server>(options, [this](http::Request&& request, http::Reply reply) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        peers_.insert(request.remote_addr);
      }
      if (request.path == "/slow") {
        std::thread([reply] {
          std::this_thread::sleep_for(300ms);
          http::Response r;
          r.body = "late";
          reply(std::move(r));
        }).detach();
        return;
      }
      http::Response response;
      response.status = request.path == "/missing" ? 404 : 200;
      response.headers.Add("X-Method", request.method);
      response.headers.Add("X-Echo", std::string(request.headers.GetOr("X-Test", "")));
      response.headers.Add("X-Content-Type", std::string(request.headers.GetOr("Content-Type", "none")));
      response.body = request.body;
      reply(std::move(response));
    });
    ASSERT_TRUE(server_->Start().ok());
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override {
    server_->Stop();
    std::this_thread::sleep_for(350ms);  // let a detached /slow reply finish before the server goes
    server_.reset();
  }

  std::unique_ptr<net::Server> server_;
  std::string base_;
  std::mutex mu_;
  std::set<std::string> peers_;
};

TEST_F(HttpClientTest, SendsMethodHeadersAndBodyAndReadsTheResponse) {
  HttpClient client;
  http::Headers headers;
  headers.Add("X-Test", "hello");
  headers.Add("Content-Type", "application/json");
  auto post = client.Post(base_ + "/echo", R"({"a":1})", headers);
  ASSERT_TRUE(post.ok()) << post.status().ToString();
  EXPECT_EQ(post->status, 200);
  EXPECT_EQ(post->body, R"({"a":1})");
  EXPECT_EQ(post->headers.GetOr("x-method", ""), "POST");
  EXPECT_EQ(post->headers.GetOr("X-Echo", ""), "hello");
  EXPECT_EQ(post->headers.GetOr("X-Content-Type", ""), "application/json");

  auto put = client.Put(base_ + "/echo", "data");
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->headers.GetOr("X-Method", ""), "PUT");
  EXPECT_EQ(put->body, "data");
  // No form Content-Type is invented for a body.
  EXPECT_EQ(put->headers.GetOr("X-Content-Type", ""), "none");

  auto get = client.Get(base_ + "/missing");
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->status, 404);
  EXPECT_EQ(get->headers.GetOr("X-Method", ""), "GET");

  auto del = client.Send("DELETE", base_ + "/echo", {}, {});
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->headers.GetOr("X-Method", ""), "DELETE");
}

TEST_F(HttpClientTest, ReusesOneConnectionAcrossRequests) {
  HttpClient client;
  for (int i = 0; i < 10; ++i) {
    auto r = client.Post(base_ + "/echo", std::string(i * 100, 'x'));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->body.size(), size_t(i * 100));
  }
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(peers_.size(), 1u);
}

TEST_F(HttpClientTest, TimeoutZeroWaitsForALateAnswerAndAShortTimeoutFails) {
  HttpClient client;
  auto waited = client.Get(base_ + "/slow", {}, RequestOptions{.timeout = 0ms});
  ASSERT_TRUE(waited.ok()) << waited.status().ToString();
  EXPECT_EQ(waited->body, "late");

  auto timed_out = client.Get(base_ + "/slow", {}, RequestOptions{.timeout = 50ms});
  ASSERT_FALSE(timed_out.ok());
  EXPECT_EQ(timed_out.status().code(), base::Status::Code::kDeadlineExceeded);
  // The client is still usable after a timeout.
  auto after = client.Get(base_ + "/echo");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->status, 200);
}

TEST(HttpClientNoServer, RefusedConnectionIsUnavailable) {
  // Bind-and-release a port so nothing listens there.
  uint16_t port;
  {
    net::ServerOptions options;
    options.port = 0;
    options.io_threads = 1;
    net::Server s(options, [](http::Request&&, http::Reply reply) { reply(http::Response{}); });
    ASSERT_TRUE(s.Start().ok());
    port = s.port();
  }
  HttpClient client;
  auto r = client.Get("http://127.0.0.1:" + std::to_string(port) + "/");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Status::Code::kUnavailable);
  auto bad = client.Get("nope://x");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), base::Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace client
