// lambda_bench: warm invoke overhead and cold starts through a Lambda Invoke API on loopback.
//
//   lambda_bench --endpoint http://127.0.0.1:4566 --function echo [--n 2000] [--threads 1]
//                [--cold N --cold-command "build/bin/edgeface fn echo"] [--unsigned]
//
// Warm: --threads clients (one keep-alive connection each) invoke the function with "{}" --n times
// in total; prints p50/p99 latency and invocations/s. A function error (X-Amz-Function-Error)
// counts as an error: a broken function must not pass for a fast one. Cold: creates N fresh functions
// (CreateFunction with our local "Command") and invokes each once, printing the first-invoke
// latency and the Init Duration of the REPORT line. Requests are SigV4-signed (test/test) unless
// --unsigned (peers that do not check signatures).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "aws/sigv4.h"
#include "client/http_client.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

struct Options {
  std::string endpoint = "http://127.0.0.1:4566";
  std::string function = "echo";
  int n = 2000;
  int threads = 1;
  int cold = 0;
  std::string cold_command;
  bool sign = true;
};

http::Headers Signed(const Options& o, const std::string& method, const std::string& path, const std::string& body,
                     http::Headers extra = {}) {
  if (!o.sign) return extra;
  http::Request req;
  req.method = method;
  req.target = path;
  req.ParseTarget();
  req.body = body;
  req.headers = extra;
  req.headers.Add("Host", o.endpoint.substr(o.endpoint.find("://") + 3));
  aws::SignOptions sign;
  sign.service = "lambda";
  aws::SignRequest(req, aws::Credentials{}, sign);
  req.headers.Remove("Host");
  return req.headers;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5));
  return v[i];
}

// A keep-alive HTTP/1.1 client on Boost.Beast (sync): far cheaper per request than libcurl, so the
// load generator, which shares the machine's cores with the server, takes as little CPU as it can.
class BeastClient {
 public:
  explicit BeastClient(const std::string& endpoint) {
    std::string hostport = endpoint.substr(endpoint.find("://") + 3);
    host_ = hostport;
    size_t colon = hostport.rfind(':');
    asio::ip::tcp::resolver resolver(io_);
    asio::connect(socket_, resolver.resolve(hostport.substr(0, colon), hostport.substr(colon + 1)));
    socket_.set_option(asio::ip::tcp::no_delay(true));
  }
  // Status and whether X-Amz-Function-Error was set; -1 on a transport error.
  int Post(const std::string& target, const std::string& body, const http::Headers& headers, bool* function_error) {
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, target, 11};
    req.set(bhttp::field::host, host_);
    for (const auto& [k, v] : headers.fields()) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    beast::error_code ec;
    bhttp::write(socket_, req, ec);
    if (ec) return -1;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(socket_, buffer_, res, ec);
    if (ec) return -1;
    *function_error = res.count("X-Amz-Function-Error") > 0;
    return static_cast<int>(res.result_int());
  }

 private:
  asio::io_context io_;
  asio::ip::tcp::socket socket_{io_};
  beast::flat_buffer buffer_;
  std::string host_;
};

int Warm(const Options& o) {
  const std::string path = "/2015-03-31/functions/" + o.function + "/invocations";
  const std::string url = o.endpoint + path;
  {  // one call first, so the figure is warm
    client::HttpClient c;
    auto r = c.Post(url, "{}", Signed(o, "POST", path, "{}"));
    if (!r.ok() || r->status != 200 || r->headers.Has("X-Amz-Function-Error")) {
      std::fprintf(stderr, "lambda_bench: warm-up invoke failed: %s\n",
                   r.ok() ? (std::to_string(r->status) + " " + r->body).c_str() : r.status().ToString().c_str());
      return 1;
    }
  }
  std::vector<std::vector<double>> lat(o.threads);
  std::atomic<int> next{0}, errors{0};
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back([&, t] {
      BeastClient c(o.endpoint);
      // Every request carries a valid SigV4 signature (the server verifies each one); identical
      // requests signed in the same second are identical, so the signature is made once a second.
      http::Headers h;
      std::time_t signed_at = 0;
      lat[t].reserve(o.n / o.threads + 1);
      while (next.fetch_add(1) < o.n) {
        if (std::time_t now = std::time(nullptr); now != signed_at) {
          h = Signed(o, "POST", path, "{}");
          signed_at = now;
        }
        bool function_error = false;
        auto t0 = Clock::now();
        int status = c.Post(path, "{}", h, &function_error);
        auto t1 = Clock::now();
        if (status != 200 || function_error) ++errors;
        if (status < 0) break;
        lat[t].push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      }
    });
  }
  for (auto& th : threads) th.join();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::printf("warm  %s threads=%d n=%d errors=%d  p50=%.3f ms  p99=%.3f ms  %.0f invocations/s\n",
              o.function.c_str(), o.threads, o.n, errors.load(), Percentile(all, 0.5), Percentile(all, 0.99), o.n / secs);
  return errors.load() ? 1 : 0;
}

int Cold(const Options& o) {
  std::vector<std::string> argv;
  for (size_t i = 0, j; i < o.cold_command.size(); i = j + 1) {
    j = o.cold_command.find(' ', i);
    if (j == std::string::npos) j = o.cold_command.size();
    if (j > i) argv.push_back(o.cold_command.substr(i, j - i));
  }
  client::HttpClient c;
  std::vector<double> first, init;
  std::string tag = std::to_string(::getpid());
  for (int i = 0; i < o.cold; ++i) {
    std::string name = "cold-" + tag + "-" + std::to_string(i);
    std::string body = nlohmann::json{{"FunctionName", name}, {"Command", argv}}.dump();
    auto created = c.Post(o.endpoint + "/2015-03-31/functions", body, Signed(o, "POST", "/2015-03-31/functions", body));
    if (!created.ok() || created->status != 201) {
      std::fprintf(stderr, "lambda_bench: CreateFunction failed\n");
      return 1;
    }
    std::string path = "/2015-03-31/functions/" + name + "/invocations";
    http::Headers extra;
    extra.Add("X-Amz-Log-Type", "Tail");
    auto h = Signed(o, "POST", path, "{}", extra);
    auto t0 = Clock::now();
    auto r = c.Post(o.endpoint + path, "{}", h);
    auto t1 = Clock::now();
    if (!r.ok() || r->status != 200) return 1;
    first.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    // "Init Duration: 3.21 ms" from the base64 log tail.
    std::string b64(r->headers.GetOr("X-Amz-Log-Result", ""));
    std::string log;
    int val = 0, bits = -8;
    for (char ch : b64) {
      const char* p = std::strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", ch);
      if (!p || !ch) break;
      val = (val << 6) + int(p - "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
      bits += 6;
      if (bits >= 0) {
        log.push_back(char((val >> bits) & 0xFF));
        bits -= 8;
      }
    }
    auto pos = log.find("Init Duration: ");
    if (pos != std::string::npos) init.push_back(std::atof(log.c_str() + pos + 15));
    std::string del = "/2015-03-31/functions/" + name;
    (void)c.Send("DELETE", o.endpoint + del, Signed(o, "DELETE", del, ""), "");
  }
  std::printf("cold  %d fresh functions  first invoke p50=%.2f ms p99=%.2f ms  Init Duration p50=%.2f ms p99=%.2f ms\n",
              o.cold, Percentile(first, 0.5), Percentile(first, 0.99), Percentile(init, 0.5), Percentile(init, 0.99));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--endpoint") o.endpoint = next();
    else if (a == "--function") o.function = next();
    else if (a == "--n") o.n = std::atoi(next().c_str());
    else if (a == "--threads") o.threads = std::max(1, std::atoi(next().c_str()));
    else if (a == "--cold") o.cold = std::atoi(next().c_str());
    else if (a == "--cold-command") o.cold_command = next();
    else if (a == "--unsigned") o.sign = false;
    else {
      std::fprintf(stderr, "usage: lambda_bench --endpoint URL --function NAME [--n N] [--threads T] [--cold N --cold-command CMD] [--unsigned]\n");
      return 2;
    }
  }
  if (o.cold > 0) return Cold(o);
  return Warm(o);
}
