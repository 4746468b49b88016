// The SQS store without HTTP: SendMessage and Receive+Delete rates with SQLite synchronous=NORMAL
// (the default: a commit survives kill -9) and FULL (fsync per commit: survives power loss).
//
//   sqs_store_bench [--messages 5000] [--dir /tmp/sqs-store-bench]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "cloud/sqs/sqs_store.h"

namespace {

using Clock = std::chrono::steady_clock;
using cloud::sqs::SqsStore;

void Run(const std::string& dir, base::Db::Sync sync, const char* label, int messages) {
  std::filesystem::remove_all(dir);
  cloud::sqs::StoreOptions options;
  options.sync = sync;
  auto store = SqsStore::Open(dir, cloud::sqs::SystemClock::Get(), options);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    std::exit(2);
  }
  (void)(*store)->CreateQueue("bench", {}, {});
  auto t0 = Clock::now();
  for (int i = 0; i < messages; ++i) {
    std::vector<cloud::sqs::NewMessage> m(1);
    m[0].body = "message " + std::to_string(i);
    (void)(*store)->SendMessages("bench", std::move(m));
  }
  double send_s = std::chrono::duration<double>(Clock::now() - t0).count();
  t0 = Clock::now();
  int pairs = 0;
  for (;;) {
    auto got = (*store)->Receive("bench", 1, {});
    if (!got.ok() || got->empty()) break;
    (void)(*store)->DeleteMessage("bench", (*got)[0].receipt_handle);
    ++pairs;
  }
  double drain_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("%-28s send %7.0f/s (%.1f us each), receive+delete %7.0f pairs/s (%.1f us each)\n", label,
              messages / send_s, 1e6 * send_s / messages, pairs / drain_s, 1e6 * drain_s / pairs);
  std::filesystem::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  int messages = 5000;
  std::string dir = "/tmp/sqs-store-bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--messages") messages = std::atoi(argv[i + 1]);
    if (k == "--dir") dir = argv[i + 1];
  }
  Run(dir, base::Db::Sync::kNormal, "synchronous=NORMAL (default)", messages);
  Run(dir, base::Db::Sync::kFull, "synchronous=FULL (fsync)", messages);
  return 0;
}
