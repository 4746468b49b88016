// `edgeface fn NAME`: runs a built-in function handler under the Lambda Runtime API
// (AWS_LAMBDA_RUNTIME_API), as `edgeface cloud` or AWS Lambda (provided.al2023) starts it.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "functions/registry.h"
#include "runtime/runtime.h"

namespace cli {
namespace {

const char kUsage[] =
    "usage: edgeface fn NAME\n"
    "\n"
    "Serves invocations of the built-in function NAME through the Lambda Runtime API at\n"
    "$AWS_LAMBDA_RUNTIME_API (set by `edgeface cloud` for each instance, and by AWS Lambda).\n"
    "\n"
    "functions:\n"
    "  echo    returns its event unchanged (the empty function of the benchmarks)\n"
    "  probe   does what its JSON event asks, for tests of the engine: {\"print\": TEXT,\n"
    "          \"sleep_ms\": N, \"alloc_mb\": N, \"throw\": MESSAGE, \"exit\": CODE, \"introspect\": true}; returns the event\n"
    "%s"
    "\n"
    "EDGEFACE_FN_INIT_ERROR=MESSAGE makes init fail with MESSAGE (posted to /runtime/init/error);\n"
    "EDGEFACE_FN_INIT_SLEEP_MS=N makes echo's and probe's init take N ms (a slow cold start).\n";

runtime::InvocationResponse Echo(const runtime::InvocationRequest& request) {
  return runtime::InvocationResponse::Success(request.payload, "application/json");
}

runtime::InvocationResponse Probe(const runtime::InvocationRequest& request) {
  auto event = nlohmann::json::parse(request.payload, nullptr, false);
  if (!event.is_object()) return runtime::InvocationResponse::Failure("the event is not a JSON object", "InvalidEvent");
  if (event.contains("print")) std::printf("%s\n", event["print"].get<std::string>().c_str());
  if (event.contains("sleep_ms")) std::this_thread::sleep_for(std::chrono::milliseconds(event["sleep_ms"].get<int>()));
  std::vector<std::vector<char>> held;
  if (event.contains("alloc_mb")) {
    for (int i = 0; i < event["alloc_mb"].get<int>(); ++i) {
      held.emplace_back(1 << 20);
      std::memset(held.back().data(), 1, held.back().size());  // touch it: resident, not just reserved
    }
  }
  if (event.contains("throw")) throw std::runtime_error(event["throw"].get<std::string>());
  if (event.contains("introspect")) {
    const char* trace = std::getenv("_X_AMZN_TRACE_ID");
    nlohmann::json out = {{"request_id", request.request_id}, {"function_arn", request.function_arn},
                          {"trace_env", trace ? trace : ""}, {"trace", request.xray_trace_id},
                          {"remaining_ms", request.remaining_time().count()}};
    return runtime::InvocationResponse::Success(out.dump(), "application/json");
  }
  if (event.contains("exit")) {
    std::fflush(stdout);
    std::_Exit(event["exit"].get<int>());
  }
  return runtime::InvocationResponse::Success(request.payload, "application/json");
}

}  // namespace

// kUsage with the product's functions (src/functions/registry.cc) listed after echo and probe.
std::string Usage() {
  std::string list;
  for (const functions::Builtin& b : functions::Builtins()) {
    list += "  " + std::string(b.name) + "\n          " + b.summary + "\n";
  }
  std::string out(sizeof kUsage + list.size(), '\0');
  out.resize(std::snprintf(out.data(), out.size(), kUsage, list.c_str()));
  return out;
}

int RunFn(int argc, char** argv) {
  if (argc != 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    std::fputs(Usage().c_str(), argc == 2 ? stdout : stderr);
    return argc == 2 ? 0 : 2;
  }
  std::string name = argv[1];
  runtime::Handler handler;
  if (name == "echo") {
    handler = Echo;
  } else if (name == "probe") {
    handler = Probe;
  } else if (const functions::Builtin* builtin = functions::FindBuiltin(name)) {
    std::unique_ptr<functions::Function> fn = builtin->make();
    runtime::InitFunction init = [&fn]() -> std::string {
      if (const char* fail = std::getenv("EDGEFACE_FN_INIT_ERROR")) return fail;
      base::Status s = fn->Init();
      return s.ok() ? std::string() : s.ToString();
    };
    return runtime::RunHandler(init, [&fn](const runtime::InvocationRequest& r) { return fn->Handle(r); });
  } else {
    std::fprintf(stderr, "edgeface fn: unknown function '%s'\n\n%s", name.c_str(), Usage().c_str());
    return 2;
  }
  runtime::InitFunction init = [] {
    if (const char* ms = std::getenv("EDGEFACE_FN_INIT_SLEEP_MS")) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(ms)));
    }
    const char* fail = std::getenv("EDGEFACE_FN_INIT_ERROR");
    return std::string(fail ? fail : "");
  };
  return runtime::RunHandler(init, handler);
}

}  // namespace cli
