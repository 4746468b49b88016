// SQS benchmark: SendMessage, then ReceiveMessage + DeleteMessage pairs that drain what was sent.
// The loadgen replays fixed requests; a receive+delete pair needs the receipt handle of the
// receive, so this program signs each request as it goes (SigV4, as boto3 would; query protocol).
//
//   sqs_bench --endpoint http://127.0.0.1:4566 [--connections 4] [--messages 20000] [--pid PID] [--label edgeface]
//
// Last lines: "RESULT <label> sqs-send <req/s> <p50 ms> <p99 ms> <errors> <rss-before KiB> <rss-after KiB>"
//             "RESULT <label> sqs-receive-delete <pairs/s> <p50 ms> <p99 ms> <errors> <rss-before KiB> <rss-after KiB>"
// (pair latency = receive + delete). Figures only; it never fails on a time.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "aws/sigv4.h"
#include "http/message.h"
#include "http/url.h"

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  std::string endpoint;
  std::string label = "server";
  int connections = 4;
  long messages = 20000;
  int pid = 0;
};

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "sqs_bench: %s\n", why.c_str());
  std::exit(2);
}

long ProcStatusKb(int pid, const char* field) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::strlen(field));
  }
  return 0;
}

// Text between <tag> and </tag>, or "".
std::string Between(const std::string& xml, const std::string& tag) {
  size_t a = xml.find("<" + tag + ">");
  if (a == std::string::npos) return {};
  a += tag.size() + 2;
  size_t b = xml.find("</" + tag + ">", a);
  return b == std::string::npos ? std::string() : xml.substr(a, b - a);
}

std::string XmlUnescape(std::string s) {
  static const std::pair<const char*, const char*> kEntities[] = {
      {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&#xD;", "\r"}, {"&#13;", "\r"}};
  for (auto [from, to] : kEntities) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + 1)) s.replace(at, std::strlen(from), to);
  }
  return s;
}

class Client {
 public:
  Client(const std::string& host, const std::string& port) : socket_(ioc_), host_(host + ":" + port) {
    tcp::resolver resolver(ioc_);
    endpoints_ = resolver.resolve(host, port);
  }

  // POSTs a signed query-protocol form; returns the status (-1 on a transport error).
  int Post(const std::vector<std::pair<std::string, std::string>>& form, std::string* body) {
    http::Request r;
    r.method = "POST";
    r.target = "/";
    r.ParseTarget();
    r.headers.Add("Host", host_);
    r.headers.Add("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    for (const auto& [k, v] : form) {
      r.body += r.body.empty() ? "" : "&";
      r.body += http::UriEncode(k) + "=" + http::UriEncode(v);
    }
    r.body += "&Version=2012-11-05";
    aws::SignOptions o;
    o.service = "sqs";
    aws::SignRequest(r, aws::Credentials{"test", "test", ""}, o);
    std::string wire = "POST / HTTP/1.1\r\n";
    for (const auto& [n, v] : r.headers.fields()) wire += n + ": " + v + "\r\n";
    wire += "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n" + r.body;
    for (int attempt = 0; attempt < 2; ++attempt) {
      boost::system::error_code ec;
      if (!socket_.is_open()) {
        asio::connect(socket_, endpoints_, ec);
        if (ec) return -1;
        socket_.set_option(tcp::no_delay(true));
        buffer_.clear();
      }
      asio::write(socket_, asio::buffer(wire), ec);
      bhttp::response_parser<bhttp::string_body> parser;
      parser.body_limit(boost::none);
      if (!ec) bhttp::read(socket_, buffer_, parser, ec);
      if (ec) {
        socket_.close(ec);
        continue;
      }
      if (!parser.get().keep_alive()) socket_.close(ec);
      *body = parser.get().body();
      return static_cast<int>(parser.get().result_int());
    }
    return -1;
  }

 private:
  asio::io_context ioc_;
  tcp::socket socket_;
  tcp::resolver::results_type endpoints_;
  boost::beast::flat_buffer buffer_;
  std::string host_;
};

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

struct Phase {
  std::vector<double> latencies_ms;
  long errors = 0;
  double seconds = 0;
  long rss_before = 0, rss_after = 0;
};

// Runs `step` on every connection until `total` successes; step returns 1 (done one), 0 (nothing
// to do: stop this connection) or -1 (error).
template <class Step>
Phase Run(const Args& a, const std::string& host, const std::string& port, long total, Step step) {
  Phase phase;
  phase.rss_before = ProcStatusKb(a.pid, "VmRSS:");
  std::atomic<long> next{0};
  std::mutex mu;
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < a.connections; ++c) {
    threads.emplace_back([&, c] {
      Client client(host, port);
      std::vector<double> mine;
      long errors = 0;
      while (next.fetch_add(1) < total) {
        auto t0 = Clock::now();
        int r = step(client, c);
        if (r == 0) break;
        if (r < 0) {
          ++errors;
          continue;
        }
        mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
      std::lock_guard<std::mutex> lock(mu);
      phase.latencies_ms.insert(phase.latencies_ms.end(), mine.begin(), mine.end());
      phase.errors += errors;
    });
  }
  for (auto& t : threads) t.join();
  phase.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  phase.rss_after = ProcStatusKb(a.pid, "VmRSS:");
  return phase;
}

void Report(const Args& a, const char* name, Phase& p) {
  double rate = static_cast<double>(p.latencies_ms.size()) / p.seconds;
  double p50 = Percentile(p.latencies_ms, 0.5), p99 = Percentile(p.latencies_ms, 0.99);
  std::printf("%s %s: %zu in %.2f s = %.0f/s, p50 %.3f ms, p99 %.3f ms, %ld errors", a.label.c_str(), name,
              p.latencies_ms.size(), p.seconds, rate, p50, p99, p.errors);
  if (a.pid > 0) std::printf(", server RSS %.1f -> %.1f MiB", p.rss_before / 1024.0, p.rss_after / 1024.0);
  std::printf("\n");
  std::printf("RESULT %s %s %.0f %.3f %.3f %ld %ld %ld\n", a.label.c_str(), name, rate, p50, p99, p.errors,
              p.rss_before, p.rss_after);
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto v = [&]() -> std::string {
      if (i + 1 >= argc) Die("missing value for " + k);
      return argv[++i];
    };
    if (k == "--endpoint") a.endpoint = v();
    else if (k == "--label") a.label = v();
    else if (k == "--connections") a.connections = std::max(1, std::atoi(v().c_str()));
    else if (k == "--messages") a.messages = std::max(1L, std::atol(v().c_str()));
    else if (k == "--pid") a.pid = std::atoi(v().c_str());
    else Die("unknown argument " + k);
  }
  if (a.endpoint.rfind("http://", 0) != 0) Die("--endpoint http://HOST:PORT is required");
  std::string hostport = a.endpoint.substr(7);
  size_t colon = hostport.rfind(':');
  if (colon == std::string::npos) Die("the endpoint needs a port");
  std::string host = hostport.substr(0, colon), port = hostport.substr(colon + 1);

  Client setup(host, port);
  std::string body;
  std::string queue = "sqs-bench-" + std::to_string(std::random_device{}() % 1000000);
  if (setup.Post({{"Action", "CreateQueue"}, {"QueueName", queue}}, &body) != 200) Die("CreateQueue: " + body);
  const std::string url = Between(body, "QueueUrl");

  Phase send = Run(a, host, port, a.messages, [&](Client& c, int) {
    std::string b;
    static thread_local long n = 0;
    int s = c.Post({{"Action", "SendMessage"}, {"QueueUrl", url}, {"MessageBody", "message " + std::to_string(++n)}}, &b);
    return s == 200 ? 1 : -1;
  });
  Report(a, "sqs-send", send);

  Phase drain = Run(a, host, port, a.messages, [&](Client& c, int) {
    std::string b;
    for (int empty = 0; empty < 3;) {
      if (c.Post({{"Action", "ReceiveMessage"}, {"QueueUrl", url}, {"MaxNumberOfMessages", "1"}}, &b) != 200) return -1;
      std::string handle = XmlUnescape(Between(b, "ReceiptHandle"));
      if (handle.empty()) {
        ++empty;  // others hold the rest in flight, or the queue is drained
        continue;
      }
      return c.Post({{"Action", "DeleteMessage"}, {"QueueUrl", url}, {"ReceiptHandle", handle}}, &b) == 200 ? 1 : -1;
    }
    return 0;
  });
  Report(a, "sqs-receive-delete", drain);
  setup.Post({{"Action", "DeleteQueue"}, {"QueueUrl", url}}, &body);
  return 0;
}
