// The engine and the Invoke API with real function processes (build/bin/lambda_fn, the built-in
// handlers of `edgeface fn`) talking to real Runtime API listeners on 127.0.0.1.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cloud/lambda/lambda_test_util.h"

namespace cloud::lambda {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::Call;
using testing::Invoke;

class EngineTest : public ::testing::Test {
 protected:
  void Open(EngineOptions options = {}) {
    ServiceContext ctx;
    ctx.data_dir = dir_.path;
    options.data_dir = dir_.path;
    options.idle_timeout = 5s;
    options.async_retry_delays = {100ms, 200ms};
    options.destination_sender = [this](const std::string& arn, const std::string& record) {
      std::lock_guard<std::mutex> lock(mu_);
      destinations_.emplace_back(arn, record);
      return base::Status::Ok();
    };
    auto api = LambdaApi::Open(ctx, std::move(options));
    ASSERT_TRUE(api.ok()) << api.status().ToString();
    api_ = std::move(*api);
  }
  void AddFunction(const std::string& name, const std::string& builtin, int timeout_s = 3,
                   std::optional<int> reserved = std::nullopt, std::map<std::string, std::string> env = {}) {
    FunctionConfig c;
    c.name = name;
    c.command = {testing::FnBinary(), builtin};
    c.timeout_s = timeout_s;
    c.reserved_concurrency = reserved;
    c.environment = std::move(env);
    ASSERT_TRUE(api_->engine().CreateFunction(c).ok());
  }
  FunctionStats Stats(const std::string& name) { return *api_->engine().Stats(name); }

  testing::TempDir dir_;
  std::unique_ptr<LambdaApi> api_;
  std::mutex mu_;
  std::vector<std::pair<std::string, std::string>> destinations_;
};

TEST_F(EngineTest, EchoReturnsThePayloadWarmAfterOneColdStartWithLambdaLogLines) {
  Open();
  AddFunction("echo", "echo");
  http::Headers tail;
  tail.Add("X-Amz-Log-Type", "Tail");
  http::Response first = Invoke(*api_, "echo", R"({"hello":"world"})", tail);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.body, R"({"hello":"world"})");
  EXPECT_EQ(first.headers.GetOr("X-Amz-Executed-Version", ""), "$LATEST");
  EXPECT_FALSE(first.headers.Has("X-Amz-Function-Error"));
  std::string log = testing::Base64Decode(first.headers.GetOr("X-Amz-Log-Result", ""));
  std::string id(first.headers.GetOr("x-amzn-RequestId", ""));
  EXPECT_NE(log.find("START RequestId: " + id + " Version: $LATEST"), std::string::npos) << log;
  EXPECT_NE(log.find("END RequestId: " + id), std::string::npos) << log;
  EXPECT_NE(log.find("REPORT RequestId: " + id), std::string::npos) << log;
  EXPECT_NE(log.find("Init Duration:"), std::string::npos) << log;

  for (int i = 0; i < 5; ++i) {
    http::Response again = Invoke(*api_, "echo", std::to_string(i), tail);
    ASSERT_EQ(again.status, 200);
    EXPECT_EQ(again.body, std::to_string(i));
    std::string warm_log = testing::Base64Decode(again.headers.GetOr("X-Amz-Log-Result", ""));
    EXPECT_EQ(warm_log.find("Init Duration:"), std::string::npos) << warm_log;
  }
  EXPECT_EQ(Stats("echo").cold_starts, 1);
  EXPECT_EQ(Stats("echo").invocations, 6);
}

TEST_F(EngineTest, TwentyParallelCallsRunOnSeveralInstances) {
  Open();
  AddFunction("probe", "probe");
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&, i] {
      http::Response r = Invoke(*api_, "probe", json{{"sleep_ms", 300}, {"i", i}}.dump());
      json body = json::parse(r.body, nullptr, false);
      if (r.status == 200 && body.is_object() && body["i"] == i) {
        ++ok;
      } else {
        ADD_FAILURE() << "call " << i << ": " << r.status << " " << r.body;  // which failure, when it does
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 20);
  FunctionStats s = Stats("probe");
  EXPECT_GT(s.cold_starts, 1);
  EXPECT_GT(s.peak_concurrency, 1);
  EXPECT_LE(s.peak_concurrency, 20);
}

TEST_F(EngineTest, ReservedConcurrencyThrottlesSynchronousCallsWith429) {
  Open();
  AddFunction("one", "probe", 3, 1);
  std::thread slow([&] { EXPECT_EQ(Invoke(*api_, "one", R"({"sleep_ms":1500})").status, 200); });
  // Wait until the first call holds the only slot.
  for (int i = 0; i < 200 && Stats("one").busy == 0; ++i) std::this_thread::sleep_for(10ms);
  http::Response r = Invoke(*api_, "one", "{}");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers.GetOr("x-amzn-ErrorType", ""), "TooManyRequestsException");
  EXPECT_EQ(json::parse(r.body)["Reason"], "ReservedFunctionConcurrentInvocationLimitExceeded");
  slow.join();
  EXPECT_EQ(Stats("one").throttles, 1);
  EXPECT_EQ(Invoke(*api_, "one", "{}").status, 200);
}

TEST_F(EngineTest, TimeoutKillsTheInstanceAndIsAFunctionError) {
  Open();
  AddFunction("slow", "probe", 1);
  http::Response r = Invoke(*api_, "slow", R"({"sleep_ms":5000})");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.GetOr("X-Amz-Function-Error", ""), "Unhandled");
  json body = json::parse(r.body);
  EXPECT_EQ(body["errorType"], "Sandbox.Timedout");
  EXPECT_NE(body["errorMessage"].get<std::string>().find("Task timed out after 1.00 seconds"), std::string::npos);
  // The next call gets a fresh instance.
  http::Response next = Invoke(*api_, "slow", R"({"sleep_ms":1})");
  EXPECT_EQ(next.status, 200);
  EXPECT_FALSE(next.headers.Has("X-Amz-Function-Error"));
  EXPECT_EQ(Stats("slow").cold_starts, 2);
}

TEST_F(EngineTest, ACrashFailsOnlyItsInvocationAndTheInstanceIsReplaced) {
  Open();
  AddFunction("crash", "probe");
  http::Response r = Invoke(*api_, "crash", R"({"exit":3,"print":"going down"})", [] {
    http::Headers h;
    h.Add("X-Amz-Log-Type", "Tail");
    return h;
  }());
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.GetOr("X-Amz-Function-Error", ""), "Unhandled");
  json body = json::parse(r.body);
  EXPECT_EQ(body["errorType"], "Runtime.ExitError");
  EXPECT_NE(body["errorMessage"].get<std::string>().find("Runtime exited with error: exit status 3"), std::string::npos);
  std::string log = testing::Base64Decode(r.headers.GetOr("X-Amz-Log-Result", ""));
  EXPECT_NE(log.find("going down"), std::string::npos) << log;
  EXPECT_EQ(Invoke(*api_, "crash", "{}").status, 200);
  EXPECT_EQ(Stats("crash").cold_starts, 2);
}

TEST_F(EngineTest, AThrowingHandlerIsAFunctionErrorAndTheInstanceLivesOn) {
  Open();
  AddFunction("thrower", "probe");
  http::Response r = Invoke(*api_, "thrower", R"({"throw":"bad input"})");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.GetOr("X-Amz-Function-Error", ""), "Unhandled");
  json body = json::parse(r.body);
  EXPECT_EQ(body["errorMessage"], "bad input");
  EXPECT_EQ(body["errorType"], "std::runtime_error");
  EXPECT_TRUE(body["stackTrace"].is_array());
  EXPECT_EQ(Invoke(*api_, "thrower", "{}").status, 200);
  EXPECT_EQ(Stats("thrower").cold_starts, 1);
}

TEST_F(EngineTest, TheRuntimeClientSeesRequestIdDeadlineArnAndTraceId) {
  Open();
  AddFunction("probe", "probe", 5);
  http::Headers trace;
  trace.Add("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1");
  http::Response r = Invoke(*api_, "probe", R"({"introspect":true})", trace);
  ASSERT_EQ(r.status, 200) << r.body;
  json body = json::parse(r.body);
  EXPECT_EQ(body["request_id"], r.headers.GetOr("x-amzn-RequestId", ""));
  EXPECT_EQ(body["function_arn"], "arn:aws:lambda:us-east-1:000000000000:function:probe");
  EXPECT_EQ(body["trace"], "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1");
  EXPECT_EQ(body["trace_env"], body["trace"]);  // exported as _X_AMZN_TRACE_ID
  EXPECT_GT(body["remaining_ms"].get<int64_t>(), 3000);
  EXPECT_LE(body["remaining_ms"].get<int64_t>(), 5000);
}

TEST_F(EngineTest, InitFailureIsReportedAsTheRuntimePostedIt) {
  Open();
  AddFunction("broken", "echo", 3, std::nullopt, {{"EDGEFACE_FN_INIT_ERROR", "gallery missing"}});
  http::Response r = Invoke(*api_, "broken", "{}");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.GetOr("X-Amz-Function-Error", ""), "Unhandled");
  json body = json::parse(r.body);
  EXPECT_EQ(body["errorType"], "Runtime.InitError");
  EXPECT_EQ(body["errorMessage"], "gallery missing");
}

TEST_F(EngineTest, ExceedingTheMemorySizeIsOutOfMemory) {
  Open();
  AddFunction("hungry", "probe");  // 128 MB
  http::Response r = Invoke(*api_, "hungry", R"({"alloc_mb":200})");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.GetOr("X-Amz-Function-Error", ""), "Unhandled");
  EXPECT_EQ(json::parse(r.body)["errorType"], "Runtime.OutOfMemory");
  EXPECT_EQ(Invoke(*api_, "hungry", R"({"alloc_mb":10})").status, 200);
}

TEST_F(EngineTest, AsyncFailuresAreRetriedTwiceThenSentToTheFailureDestination) {
  Open();
  AddFunction("async", "probe");
  FunctionConfig c = *api_->engine().GetFunction("async");
  c.on_failure_destination = "arn:aws:sqs:us-east-1:000000000000:failures";
  ASSERT_TRUE(api_->engine().UpdateFunction(c).ok());
  http::Headers event;
  event.Add("X-Amz-Invocation-Type", "Event");
  http::Response r = Invoke(*api_, "async", R"({"throw":"always"})", event);
  ASSERT_EQ(r.status, 202);
  std::string id(r.headers.GetOr("x-amzn-RequestId", ""));
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!destinations_.empty()) break;
    }
    std::this_thread::sleep_for(20ms);
  }
  std::lock_guard<std::mutex> lock(mu_);
  ASSERT_EQ(destinations_.size(), 1u);
  EXPECT_EQ(destinations_[0].first, "arn:aws:sqs:us-east-1:000000000000:failures");
  json record = json::parse(destinations_[0].second);
  EXPECT_EQ(record["requestContext"]["requestId"], id);
  EXPECT_EQ(record["requestContext"]["condition"], "RetriesExhausted");
  EXPECT_EQ(record["requestContext"]["approximateInvokeCount"], 3);
  EXPECT_EQ(record["requestPayload"]["throw"], "always");
  EXPECT_EQ(record["responseContext"]["functionError"], "Unhandled");
  EXPECT_EQ(record["responsePayload"]["errorMessage"], "always");
  EXPECT_EQ(Stats("async").invocations, 3);
  EXPECT_EQ(Stats("async").async_pending, 0);
}

TEST_F(EngineTest, AsyncSuccessRunsOnceAndLeavesNothingStored) {
  Open();
  AddFunction("async-ok", "echo");
  http::Headers event;
  event.Add("X-Amz-Invocation-Type", "Event");
  ASSERT_EQ(Invoke(*api_, "async-ok", "{}", event).status, 202);
  for (int i = 0; i < 250 && (Stats("async-ok").invocations < 1 || Stats("async-ok").async_pending > 0); ++i) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(Stats("async-ok").invocations, 1);
  EXPECT_EQ(Stats("async-ok").async_pending, 0);
}

TEST_F(EngineTest, AnAsyncBurstWaitsForInstancesInitialisingInsteadOfStartingOnePerEvent) {
  EngineOptions options;
  options.async_cold_starts = 2;
  Open(std::move(options));
  AddFunction("slow-init", "probe", 3, std::nullopt, {{"EDGEFACE_FN_INIT_SLEEP_MS", "400"}});
  http::Headers event;
  event.Add("X-Amz-Invocation-Type", "Event");
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(Invoke(*api_, "slow-init", json{{"sleep_ms", 20}, {"i", i}}.dump(), event).status, 202);
  }
  for (int i = 0; i < 500 && (Stats("slow-init").invocations < 10 || Stats("slow-init").async_pending > 0); ++i) {
    std::this_thread::sleep_for(20ms);
  }
  FunctionStats s = Stats("slow-init");
  EXPECT_EQ(s.invocations, 10);  // every event ran, once
  EXPECT_EQ(s.errors, 0);
  EXPECT_EQ(s.async_pending, 0);
  EXPECT_LE(s.peak_starting, 2);  // never more than two initialising at once
  EXPECT_LT(s.cold_starts, 10);   // the first instances served the waiting events
  EXPECT_EQ(s.throttles, 0);      // waiting for an instance is not a throttle
  // Synchronous calls are served as before.
  http::Response sync = Invoke(*api_, "slow-init", R"({"i":"sync"})");
  EXPECT_EQ(sync.status, 200) << sync.body;
}

TEST_F(EngineTest, InvokeErrorsAndDryRun) {
  Open();
  AddFunction("echo", "echo");
  http::Response missing = Invoke(*api_, "nope", "{}");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.headers.GetOr("x-amzn-ErrorType", ""), "ResourceNotFoundException");
  http::Headers dry;
  dry.Add("X-Amz-Invocation-Type", "DryRun");
  EXPECT_EQ(Invoke(*api_, "echo", "{}", dry).status, 204);
  EXPECT_EQ(Stats("echo").cold_starts, 0);
  http::Response big = Invoke(*api_, "echo", std::string(6 * 1024 * 1024 + 1, 'x'));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.headers.GetOr("x-amzn-ErrorType", ""), "RequestTooLargeException");
  http::Headers event;
  event.Add("X-Amz-Invocation-Type", "Event");
  EXPECT_EQ(Invoke(*api_, "echo", std::string(1024 * 1024 + 1, 'x'), event).status, 413);
  // By ARN, with a qualifier.
  EXPECT_EQ(Invoke(*api_, "arn:aws:lambda:us-east-1:000000000000:function:echo:$LATEST", "7").body, "7");
}

TEST_F(EngineTest, ManagementApiReadsAndUpdatesConfigurationAndPersistsIt) {
  Open();
  AddFunction("echo", "echo");
  http::Response got = Call(*api_, "GET", "/2015-03-31/functions/echo/configuration");
  ASSERT_EQ(got.status, 200);
  json config = json::parse(got.body);
  EXPECT_EQ(config["FunctionArn"], "arn:aws:lambda:us-east-1:000000000000:function:echo");
  EXPECT_EQ(config["MemorySize"], 128);
  http::Response updated = Call(*api_, "PUT", "/2015-03-31/functions/echo/configuration",
                                R"({"MemorySize":256,"Timeout":9,"Environment":{"Variables":{"A":"1"}}})");
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(json::parse(updated.body)["MemorySize"], 256);
  ASSERT_EQ(Call(*api_, "PUT", "/2017-10-31/functions/echo/concurrency", R"({"ReservedConcurrentExecutions":5})").status, 200);
  EXPECT_EQ(json::parse(Call(*api_, "GET", "/2019-09-30/functions/echo/concurrency").body)["ReservedConcurrentExecutions"], 5);
  http::Response list = Call(*api_, "GET", "/2015-03-31/functions/");
  ASSERT_EQ(json::parse(list.body)["Functions"].size(), 1u);
  EXPECT_EQ(json::parse(list.body)["Functions"][0]["FunctionName"], "echo");
  ASSERT_EQ(Call(*api_, "POST", "/2015-03-31/functions",
                 json{{"FunctionName", "echo2"}, {"Command", {testing::FnBinary(), "echo"}}, {"Timeout", 7}}.dump()).status,
            201);
  EXPECT_EQ(Call(*api_, "POST", "/2015-03-31/functions", R"({"FunctionName":"echo2","Command":["x"]})").status, 409);
  // Reopen: the registry brings back what the API created.
  api_.reset();
  Open();
  http::Response again = Call(*api_, "GET", "/2015-03-31/functions/echo2");
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(json::parse(again.body)["Configuration"]["Timeout"], 7);
  EXPECT_EQ(Invoke(*api_, "echo2", "42").body, "42");
}

}  // namespace
}  // namespace cloud::lambda

namespace cloud::lambda {
namespace {

TEST_F(EngineTest, ProvisionedInstancesStartAheadAndServeWarm) {
  Open();
  AddFunction("warm", "echo");
  FunctionConfig c = *api_->engine().GetFunction("warm");
  c.provisioned_concurrency = 2;
  ASSERT_TRUE(api_->engine().UpdateFunction(c).ok());
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (Stats("warm").provisioned_ready < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(Stats("warm").provisioned_ready, 2);
  EXPECT_EQ(Stats("warm").cold_starts, 2);
  http::Headers tail;
  tail.Add("X-Amz-Log-Type", "Tail");
  http::Response r = Invoke(*api_, "warm", "\"x\"", tail);
  ASSERT_EQ(r.status, 200) << r.body;
  std::string log = testing::Base64Decode(r.headers.GetOr("X-Amz-Log-Result", ""));
  EXPECT_NE(log.find("REPORT RequestId: "), std::string::npos) << log;
  EXPECT_EQ(log.find("Init Duration:"), std::string::npos) << "no init on the invoke path: " << log;
  EXPECT_EQ(Stats("warm").cold_starts, 2) << "served by a provisioned instance";
  // More provisioned than reserved is refused, as on AWS.
  c.reserved_concurrency = 1;
  EXPECT_FALSE(api_->engine().UpdateFunction(c).ok());
}

}  // namespace
}  // namespace cloud::lambda
