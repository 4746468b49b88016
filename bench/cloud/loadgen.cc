// loadgen: N keep-alive connections replaying pre-signed requests from a template against any
// AWS-compatible endpoint (edgeface cloud or a peer), printing throughput, latency percentiles and
// the server's memory. Signing happens before the clock starts, so it measures the server.
//
//   loadgen --endpoint http://127.0.0.1:4566 --template bench/cloud/templates/s3-put-1k.tmpl \
//           [--connections 4] [--requests 20000] [--label edgeface] [--pid PID]
//           [--access-key test --secret-key test] [--no-setup]
//
// Last line: "RESULT <label> <template> <req/s> <p50 ms> <p99 ms> <errors> <rss-before KiB> <rss-after KiB>"
// (bench/cloud/run.sh reads it to print ratios).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "aws/sigv4.h"
#include "request_template.h"

namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Args {
  std::string endpoint, template_path, label = "server", access_key = "test", secret_key = "test";
  int connections = 4;
  long requests = 20000;
  long warmup = 200;
  int pid = 0;
  bool setup = true;
};

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "loadgen: %s\n", msg.c_str());
  std::exit(2);
}

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto v = [&]() -> std::string {
      if (i + 1 >= argc) Die(k + " needs a value");
      return argv[++i];
    };
    if (k == "--endpoint") a.endpoint = v();
    else if (k == "--template") a.template_path = v();
    else if (k == "--label") a.label = v();
    else if (k == "--connections") a.connections = std::max(1, std::atoi(v().c_str()));
    else if (k == "--requests") a.requests = std::max(1L, std::atol(v().c_str()));
    else if (k == "--warmup") a.warmup = std::max(0L, std::atol(v().c_str()));
    else if (k == "--pid") a.pid = std::atoi(v().c_str());
    else if (k == "--access-key") a.access_key = v();
    else if (k == "--secret-key") a.secret_key = v();
    else if (k == "--no-setup") a.setup = false;
    else Die("unknown option " + k + " (see the comment at the top of bench/cloud/loadgen.cc)");
  }
  if (a.endpoint.rfind("http://", 0) != 0 || a.template_path.empty()) Die("--endpoint http://HOST:PORT and --template FILE are required");
  return a;
}

// VmRSS or VmHWM of a process in KiB (0 when unknown).
long ProcStatusKb(int pid, const char* field) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::strlen(field));
  }
  return 0;
}

// The wire bytes of one signed request.
std::string BuildSigned(const bench::RequestSpec& spec, const bench::RequestTemplate& t, int i, const Args& a,
                        const std::string& host) {
  http::Request r;
  r.method = spec.method;
  r.target = bench::Expand(spec.target, i, a.endpoint);
  if (!r.ParseTarget()) Die("bad target " + r.target);
  r.headers.Add("Host", host);
  for (const auto& [n, v] : spec.headers) r.headers.Add(n, bench::Expand(v, i, a.endpoint));
  if (&spec == &t.request && t.body_bytes >= 0) {
    r.body.assign(static_cast<size_t>(t.body_bytes), 'x');
  } else {
    r.body = bench::Expand(spec.body, i, a.endpoint);
  }
  aws::SignOptions o;
  o.service = t.service;
  o.add_content_sha256 = t.service == "s3";
  aws::SignRequest(r, aws::Credentials{a.access_key, a.secret_key, ""}, o);
  std::string wire = r.method + " " + r.target + " HTTP/1.1\r\n";
  for (const auto& [n, v] : r.headers.fields()) wire += n + ": " + v + "\r\n";
  wire += "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n";
  wire += r.body;
  return wire;
}

class Connection {
 public:
  Connection(asio::io_context& ioc, const tcp::resolver::results_type& ep) : socket_(ioc), ep_(ep) {}

  // Sends one request and reads the whole response; returns its status (-1 on a transport error).
  int RoundTrip(const std::string& wire, std::string* body_out) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      boost::system::error_code ec;
      if (!socket_.is_open()) {
        asio::connect(socket_, ep_, ec);
        if (ec) return -1;
        socket_.set_option(tcp::no_delay(true));
        buffer_.clear();
      }
      asio::write(socket_, asio::buffer(wire), ec);
      bhttp::response_parser<bhttp::string_body> parser;
      parser.body_limit(boost::none);
      if (!ec) bhttp::read(socket_, buffer_, parser, ec);
      if (ec) {  // the server closed a kept-alive connection: reconnect once
        socket_.close(ec);
        continue;
      }
      auto& res = parser.get();
      if (!res.keep_alive()) socket_.close(ec);
      if (body_out) *body_out = res.body();
      return static_cast<int>(res.result_int());
    }
    return -1;
  }

 private:
  tcp::socket socket_;
  tcp::resolver::results_type ep_;
  boost::beast::flat_buffer buffer_;
};

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t idx = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(idx, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  Args a = ParseArgs(argc, argv);
  std::ifstream in(a.template_path);
  if (!in) Die("cannot read " + a.template_path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string name = a.template_path.substr(a.template_path.find_last_of('/') + 1);
  name = name.substr(0, name.rfind(".tmpl"));
  auto parsed = bench::ParseTemplate(name, ss.str());
  if (!parsed.ok()) Die(parsed.status().ToString());
  const bench::RequestTemplate& t = *parsed;

  std::string host = a.endpoint.substr(7);
  host = host.substr(0, host.find('/'));
  std::string h = host.substr(0, host.rfind(':')), port = host.substr(host.rfind(':') + 1);
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  auto ep = resolver.resolve(h, port);

  if (a.setup) {
    Connection c(ioc, ep);
    for (const auto& s : t.setup) {
      std::string body;
      int status = c.RoundTrip(BuildSigned(s, t, 0, a, host), &body);
      std::fprintf(stderr, "loadgen: setup %s %s -> %d\n", s.method.c_str(), s.target.c_str(), status);
      if (status < 0) Die("cannot reach " + a.endpoint);
    }
  }

  // Pre-signed pool: signatures stay valid for the 15 minutes a run may take.
  std::vector<std::string> pool;
  pool.reserve(static_cast<size_t>(t.keys));
  for (int i = 0; i < t.keys; ++i) pool.push_back(BuildSigned(t.request, t, i, a, host));

  std::atomic<long> next{0};
  std::atomic<long> errors{0};
  std::mutex mu;
  std::string first_error;
  std::vector<double> latencies_ms;
  long total = a.warmup + a.requests;
  long rss_before = 0;
  Clock::time_point start;
  std::atomic<long> warm_done{0};
  std::atomic<bool> started{false};

  auto worker = [&] {
    asio::io_context local;
    Connection c(local, ep);
    std::vector<double> mine;
    mine.reserve(static_cast<size_t>(a.requests / a.connections + 16));
    while (true) {
      long n = next.fetch_add(1);
      if (n >= total) break;
      if (n == a.warmup) {  // the first measured request starts the clock
        std::lock_guard<std::mutex> lock(mu);
        rss_before = ProcStatusKb(a.pid, "VmRSS:");
        start = Clock::now();
        started = true;
      }
      while (n >= a.warmup && !started.load()) std::this_thread::yield();
      std::string body;
      auto t0 = Clock::now();
      int status = c.RoundTrip(pool[static_cast<size_t>(n % t.keys)], &body);
      double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      if (n >= a.warmup) mine.push_back(ms);
      if (status < 200 || status >= 300) {
        errors.fetch_add(1);
        std::lock_guard<std::mutex> lock(mu);
        if (first_error.empty()) first_error = std::to_string(status) + " " + body.substr(0, 300);
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
  };
  if (a.warmup == 0) {
    rss_before = ProcStatusKb(a.pid, "VmRSS:");
    start = Clock::now();
    started = true;
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < a.connections; ++i) threads.emplace_back(worker);
  for (auto& th : threads) th.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  long rss_after = ProcStatusKb(a.pid, "VmRSS:");
  long hwm = ProcStatusKb(a.pid, "VmHWM:");

  std::sort(latencies_ms.begin(), latencies_ms.end());
  double rate = static_cast<double>(latencies_ms.size()) / seconds;
  std::printf("%s %s: %zu requests on %d connections in %.2f s: %.0f req/s, p50 %.3f ms, p99 %.3f ms, "
              "max %.3f ms, errors %ld",
              a.label.c_str(), t.name.c_str(), latencies_ms.size(), a.connections, seconds, rate,
              Percentile(latencies_ms, 0.5), Percentile(latencies_ms, 0.99),
              latencies_ms.empty() ? 0.0 : latencies_ms.back(), errors.load());
  if (a.pid > 0) std::printf(", server RSS %.1f -> %.1f MiB (peak %.1f)", rss_before / 1024.0, rss_after / 1024.0, hwm / 1024.0);
  std::printf("\n");
  if (!first_error.empty()) std::printf("  first error: %s\n", first_error.c_str());
  std::printf("RESULT %s %s %.1f %.3f %.3f %ld %ld %ld\n", a.label.c_str(), t.name.c_str(), rate,
              Percentile(latencies_ms, 0.5), Percentile(latencies_ms, 0.99), errors.load(), rss_before, rss_after);
  return 0;
}
