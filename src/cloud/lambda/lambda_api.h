// Lambda's REST-JSON API on top of the function engine:
//   POST   /2015-03-31/functions/{name}/invocations     Invoke (RequestResponse 200, Event 202, DryRun 204)
//   POST   /2015-03-31/functions                        CreateFunction (see below for the code)
//   GET    /2015-03-31/functions/                       ListFunctions
//   GET    /2015-03-31/functions/{name}                 GetFunction
//   DELETE /2015-03-31/functions/{name}                 DeleteFunction
//   GET    /2015-03-31/functions/{name}/configuration   GetFunctionConfiguration
//   PUT    /2015-03-31/functions/{name}/configuration   UpdateFunctionConfiguration (memory, timeout, env, handler)
//   PUT    /2017-10-31/functions/{name}/concurrency     PutFunctionConcurrency (DELETE: remove it)
//   GET    /2019-09-30/functions/{name}/concurrency     GetFunctionConcurrency
//   PUT|POST|GET /2019-09-25/functions/{name}/event-invoke-config  retries and destinations
//   POST|GET|PUT|DELETE /2021-10-31/functions/{name}/url  Create/Get/Update/DeleteFunctionUrlConfig
//   POST /2015-03-31/event-source-mappings/, GET (list, ?FunctionName=), GET|DELETE .../{uuid}  (SQS)
// {name} may be a name or an ARN; qualifiers are ignored ($LATEST is the only version).
//
// Where functions come from (until the stack template, issue 4 §7): the registry file
// <data_dir>/functions.json, read at Open and rewritten by every create/update/delete, so
// functions survive a restart as they do on AWS:
//   {"Settings": {"AccountConcurrency": 1000, "IdleTimeoutMs": 60000, "AsyncRetryDelaysMs": [60000, 120000]},
//    "Functions": [{"FunctionName": "echo", "Command": ["build/bin/edgeface", "fn", "echo"],
//                   "Handler": "echo", "MemorySize": 128, "Timeout": 3, "Environment": {"Variables": {}},
//                   "ReservedConcurrentExecutions": 10}]}
// CreateFunction takes the same object (Lambda's fields plus the local "Command" argv), since
// there is no container or zip to unpack locally yet.
//
// Thread-safety: Handle may be called from any number of threads.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "cloud/gateway/routing.h"
#include "cloud/gateway/service.h"
#include "cloud/lambda/engine.h"
#include "cloud/lambda/event_source.h"
#include "cloud/lambda/function_url.h"
#include "http/message.h"

namespace cloud::lambda {

// How the gateway finds us: credential scope "lambda" or the REST paths above.
ServiceRoute LambdaRoute();

class LambdaApi {
 public:
  static base::StatusOr<std::unique_ptr<LambdaApi>> Open(const ServiceContext& ctx);
  // For tests: an engine built with explicit options (options.data_dir must be set).
  static base::StatusOr<std::unique_ptr<LambdaApi>> Open(const ServiceContext& ctx, EngineOptions options);

  // Stops the function URL listeners, then the engine (instances), then frees the listeners.
  ~LambdaApi();

  void Handle(http::Request&& request, http::Reply reply);
  Engine& engine() { return *engine_; }

 private:
  LambdaApi(ServiceContext ctx) : ctx_(std::move(ctx)) {}
  // The hot path (lambda_api.cc).
  void Invoke(const std::string& name, http::Request&& request, http::Reply reply);
  // Management (lambda_manage.cc).
  void HandleFunctions(const std::vector<std::string>& segments, http::Request&& request, http::Reply reply);
  void HandleMappings(const std::vector<std::string>& segments, http::Request&& request, http::Reply reply);
  void HandleUrlConfig(const std::string& name, http::Request&& request, http::Reply reply);
  base::Status SaveRegistry();

  ServiceContext ctx_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<FunctionUrls> urls_;
  std::unique_ptr<EventSourceMappings> mappings_;
  std::mutex registry_mu_;  // serialises rewrites of functions.json
};

}  // namespace cloud::lambda
