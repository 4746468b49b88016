// `edgeface cloud`: the local cloud in one process (DESIGN.md §1): gateway + services on one port.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "base/files.h"
#include "cloud/gateway/gateway.h"
#include "cloud/server/services.h"
#include "cloud/stack/apply.h"
#include "cloud/stack/template.h"
#include "net/server.h"

namespace cli {
namespace {

const char kUsage[] =
    "usage: edgeface cloud [--port 4566] [--host 127.0.0.1] [--data DIR] [--no-auth]\n"
    "                      [--access-key test --secret-key test] [--io-threads 2] [--max-body-mb 64]\n"
    "                      [--stack template.yaml [--parameter Name=Value]... [--reload-data]]\n"
    "\n"
    "Runs the local cloud: S3, DynamoDB and SQS wire APIs (and whatever else is built in) on one\n"
    "HTTP port, as `aws --endpoint-url http://127.0.0.1:4566` and boto3 expect.\n"
    "\n"
    "  --port N         port to listen on (default 4566; 0 picks a free port)\n"
    "  --host ADDR      address to listen on (default 127.0.0.1: loopback only)\n"
    "  --data DIR       where everything is stored, one folder per service (default ./.edgeface-data)\n"
    "  --no-auth        accept requests without checking SigV4 signatures\n"
    "  --access-key K   the access key clients sign with (default test)\n"
    "  --secret-key S   its secret (default test)\n"
    "  --io-threads N   HTTP I/O threads (default 2)\n"
    "  --max-body-mb N  largest request body held in memory (default 64; S3 multipart covers more)\n"
    "  --stack FILE     create what the stack template declares and is missing (docs/stack.md);\n"
    "                   one line per resource on stderr (`stack: bucket NAME created|exists`)\n"
    "  --parameter N=V  a template parameter's value (repeatable)\n"
    "  --reload-data    load the stack's table items and bucket objects again even if present\n"
    "\n"
    "Prints one line when ready: `edgeface cloud ready on http://HOST:PORT (data DIR, keys K/S)`.\n"
    "Stops cleanly on SIGINT or SIGTERM (exit 0).\n";

// Stop signals arrive on whichever thread the kernel picks (libraries such as OpenBLAS start
// threads before main with signals unblocked), so a handler writes to a pipe that main reads.
int g_stop_pipe[2] = {-1, -1};

void OnStopSignal(int sig) {
  unsigned char b = static_cast<unsigned char>(sig);
  [[maybe_unused]] ssize_t n = write(g_stop_pipe[1], &b, 1);
}

bool ParseInt(const char* s, long lo, long hi, long* out) {
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (!*s || *end || v < lo || v > hi) return false;
  *out = v;
  return true;
}

}  // namespace

int RunCloud(int argc, char** argv) {
  net::ServerOptions server_options;
  cloud::GatewayOptions gateway_options;
  cloud::ServiceOptions service_options;
  std::string access_key = "test", secret_key = "test";
  cloud::stack::TemplateOptions stack_options;  // --stack
  std::string stack_path;
  bool reload_data = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "edgeface cloud: %s needs a value\n", name);
        std::exit(2);
      }
      return argv[++i];
    };
    long n = 0;
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--port") {
      if (!ParseInt(value("--port"), 0, 65535, &n)) return std::fprintf(stderr, "edgeface cloud: bad --port\n"), 2;
      server_options.port = static_cast<uint16_t>(n);
    } else if (a == "--host") {
      server_options.host = value("--host");
    } else if (a == "--data") {
      service_options.data_root = value("--data");
    } else if (a == "--no-auth") {
      gateway_options.require_auth = false;
    } else if (a == "--access-key") {
      access_key = value("--access-key");
    } else if (a == "--secret-key") {
      secret_key = value("--secret-key");
    } else if (a == "--io-threads") {
      if (!ParseInt(value("--io-threads"), 1, 64, &n)) return std::fprintf(stderr, "edgeface cloud: bad --io-threads\n"), 2;
      server_options.io_threads = static_cast<int>(n);
    } else if (a == "--max-body-mb") {
      if (!ParseInt(value("--max-body-mb"), 1, 4096, &n)) return std::fprintf(stderr, "edgeface cloud: bad --max-body-mb\n"), 2;
      server_options.max_body_bytes = static_cast<uint64_t>(n) << 20;
    } else if (a == "--stack") {
      stack_path = value("--stack");
    } else if (a == "--parameter") {
      base::Status ps = cloud::stack::AddParameterOverride(value("--parameter"), stack_options.parameter_overrides);
      if (!ps.ok()) return std::fprintf(stderr, "edgeface cloud: %s\n", ps.message().c_str()), 2;
    } else if (a == "--reload-data") {
      reload_data = true;
    } else {
      std::fprintf(stderr, "edgeface cloud: unknown option '%s'\n\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  gateway_options.keys = {{access_key, secret_key}};
  service_options.access_key = access_key;
  service_options.secret_key = secret_key;

  if (pipe2(g_stop_pipe, O_CLOEXEC) != 0) {
    std::perror("edgeface cloud: pipe");
    return 1;
  }
  struct sigaction sa = {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto gateway = std::make_unique<cloud::Gateway>(gateway_options);
  auto server = std::make_unique<net::Server>(server_options, gateway->AsHandler());
  base::Status s = server->Listen();
  if (!s.ok()) {
    std::fprintf(stderr, "edgeface cloud: %s\n", s.ToString().c_str());
    return 1;
  }
  std::string shown_host = server_options.host == "0.0.0.0" || server_options.host == "::" ? "127.0.0.1"
                                                                                           : server_options.host;
  if (shown_host.find(':') != std::string::npos) shown_host = "[" + shown_host + "]";
  service_options.endpoint = "http://" + shown_host + ":" + std::to_string(server->port());
  // The stack is read before any service opens its data: a bad template changes nothing.
  base::StatusOr<cloud::stack::Stack> stack = base::Status::NotFound("no --stack");
  if (!stack_path.empty()) {
    stack_options.template_path = stack_path;
    stack_options.task_roots_dir = service_options.data_root + "/task-roots";  // .zip CodeUris
    stack_options.endpoint = service_options.endpoint;
    stack_options.region = service_options.region;
    stack_options.account_id = service_options.account_id;
    stack = cloud::stack::LoadTemplate(stack_options);
    if (!stack.ok()) {
      std::fprintf(stderr, "edgeface cloud: stack: %s\n", stack.status().message().c_str());
      return 1;
    }
    for (const auto& w : stack->warnings) std::fprintf(stderr, "edgeface cloud: stack: warning: %s\n", w.c_str());
  }
  // One cloud per data directory: two would each keep their own state in memory (SQS in-flight
  // messages, Lambda instances, caches) over the same files. Taken after the stack is checked,
  // so that a bad template leaves no data directory behind.
  base::StatusOr<base::DirLock> data_lock = base::DirLock::Acquire(service_options.data_root);
  if (!data_lock.ok()) {
    std::fprintf(stderr, "edgeface cloud: --data %s\n", data_lock.status().ToString().c_str());
    return 1;
  }
  s = cloud::RegisterServices(*gateway, service_options);
  if (s.ok()) s = server->Start();
  if (!s.ok()) {
    std::fprintf(stderr, "edgeface cloud: %s\n", s.ToString().c_str());
    return 1;
  }
  if (!stack_path.empty()) {
    cloud::stack::ApplyOptions apply;
    apply.endpoint = service_options.endpoint;
    apply.region = service_options.region;
    apply.account_id = service_options.account_id;
    apply.credentials = {access_key, secret_key, ""};
    apply.reload_data = reload_data;
    apply.report = [](const std::string& line) { std::fprintf(stderr, "stack: %s\n", line.c_str()); };
    s = cloud::stack::ApplyStack(*stack, apply);
    if (!s.ok()) {
      std::fprintf(stderr, "edgeface cloud: stack %s: %s\n", stack_path.c_str(), s.ToString().c_str());
      server->Stop();
      gateway.reset();
      server.reset();
      return 1;
    }
  }
  std::string services;
  for (const auto& name : gateway->ServiceNames()) services += " " + name;
  std::fprintf(stderr, "edgeface cloud: services:%s\n", services.empty() ? " (none built)" : services.c_str());
  if (gateway_options.require_auth) {
    std::printf("edgeface cloud ready on %s (data %s, keys %s/%s)\n", service_options.endpoint.c_str(),
                service_options.data_root.c_str(), access_key.c_str(), secret_key.c_str());
  } else {
    std::printf("edgeface cloud ready on %s (data %s, auth off)\n", service_options.endpoint.c_str(),
                service_options.data_root.c_str());
  }
  std::fflush(stdout);

  unsigned char sig = 0;
  while (read(g_stop_pipe[0], &sig, 1) < 0 && errno == EINTR) {
  }
  std::fprintf(stderr, "edgeface cloud: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  // Order matters: services answer what they hold (long polls), the server drains those answers
  // and stops its I/O threads, then the services go (and any Reply they hold), then the server's
  // I/O context that those replies' connections live on.
  gateway->Stop();
  server->Stop();
  gateway.reset();
  server.reset();
  return 0;
}

}  // namespace cli
