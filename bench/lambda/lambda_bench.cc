// lambda_bench: warm invoke overhead and cold starts through a Lambda Invoke API on loopback.
//
//   lambda_bench --endpoint http://127.0.0.1:4566 --function echo [--n 2000] [--threads 1]
//                [--cold N --cold-command "build/bin/edgeface fn echo"] [--unsigned]
//
// Warm: --threads clients (one keep-alive connection each) invoke the function with "{}" --n times
// in total; prints p50/p99 latency and invocations/s. Cold: creates N fresh functions
// (CreateFunction with our local "Command") and invokes each once, printing the first-invoke
// latency and the Init Duration of the REPORT line. Requests are SigV4-signed (test/test) unless
// --unsigned (peers that do not check signatures).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/sigv4.h"
#include "client/http_client.h"

namespace {

using Clock = std::chrono::steady_clock;

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

int Warm(const Options& o) {
  const std::string path = "/2015-03-31/functions/" + o.function + "/invocations";
  const std::string url = o.endpoint + path;
  {  // one call first, so the figure is warm
    client::HttpClient c;
    auto r = c.Post(url, "{}", Signed(o, "POST", path, "{}"));
    if (!r.ok() || r->status != 200) {
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
      client::HttpClient c;
      while (next.fetch_add(1) < o.n) {
        auto h = Signed(o, "POST", path, "{}");
        auto t0 = Clock::now();
        auto r = c.Post(url, "{}", h);
        auto t1 = Clock::now();
        if (!r.ok() || r->status != 200) ++errors;
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
