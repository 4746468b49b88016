// `edgeface stack`: check a stack template, or apply it to a running `edgeface cloud` (what
// `edgeface cloud --stack` does at start), e.g. to load or reload the data without a restart.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cloud/stack/apply.h"
#include "cloud/stack/template.h"

namespace cli {
namespace {

const char kUsage[] =
    "usage: edgeface stack FILE [--endpoint http://127.0.0.1:4566] [--parameter Name=Value]...\n"
    "                      [--reload-data] [--check] [--access-key test --secret-key test]\n"
    "\n"
    "Creates in a running `edgeface cloud` what the template declares and is missing, one line per\n"
    "resource (docs/stack.md). With --reload-data, writes the template's table items and bucket\n"
    "objects again. With --check, only reads the template and reports what it declares.\n"
    "Exit status: 0 done, 1 the template or the cloud refused, 2 bad usage.\n";

}  // namespace

int RunStack(int argc, char** argv) {
  cloud::stack::TemplateOptions options;
  cloud::stack::ApplyOptions apply;
  std::string path;
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* name) -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "edgeface stack: %s needs a value\n", name);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--endpoint") {
      apply.endpoint = value("--endpoint");
    } else if (a == "--parameter") {
      base::Status s = cloud::stack::AddParameterOverride(value("--parameter"), options.parameter_overrides);
      if (!s.ok()) return std::fprintf(stderr, "edgeface stack: %s\n", s.message().c_str()), 2;
    } else if (a == "--reload-data") {
      apply.reload_data = true;
    } else if (a == "--check") {
      check_only = true;
    } else if (a == "--access-key") {
      apply.credentials.access_key = value("--access-key");
    } else if (a == "--secret-key") {
      apply.credentials.secret_key = value("--secret-key");
    } else if (!a.empty() && a[0] != '-' && path.empty()) {
      path = a;
    } else {
      std::fprintf(stderr, "edgeface stack: unexpected argument '%s'\n\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (path.empty()) return std::fprintf(stderr, "%s", kUsage), 2;
  if (apply.endpoint.rfind("http://", 0) != 0) {
    return std::fprintf(stderr, "edgeface stack: --endpoint must be http://HOST:PORT\n"), 2;
  }
  while (!apply.endpoint.empty() && apply.endpoint.back() == '/') apply.endpoint.pop_back();
  options.template_path = path;
  options.endpoint = apply.endpoint;
  auto stack = cloud::stack::LoadTemplate(options);
  if (!stack.ok()) {
    std::fprintf(stderr, "edgeface stack: %s\n", stack.status().message().c_str());
    return 1;
  }
  for (const auto& w : stack->warnings) std::fprintf(stderr, "edgeface stack: warning: %s\n", w.c_str());
  if (check_only) {
    std::printf("%s: %zu functions, %zu buckets, %zu tables, %zu queues\n", path.c_str(), stack->functions.size(),
                stack->buckets.size(), stack->tables.size(), stack->queues.size());
    return 0;
  }
  apply.report = [](const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  };
  base::Status s = cloud::stack::ApplyStack(*stack, apply);
  if (!s.ok()) {
    std::fprintf(stderr, "edgeface stack: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace cli
