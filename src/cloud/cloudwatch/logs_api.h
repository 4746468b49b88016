// CloudWatch Logs' JSON 1.1 API (X-Amz-Target: Logs_20140328.<Operation>) over the log files of
// log_store.h: DescribeLogGroups, DescribeLogStreams, GetLogEvents, FilterLogEvents. Read-only:
// the function engine writes the groups /aws/lambda/<name>.
//
// Tokens: GetLogEvents' nextForwardToken is "f/<byte offset>" (repeats at the end, as on AWS);
// FilterLogEvents' and the Describe calls' nextToken is the number of items already returned.
//
// Thread-safety: Handle may be called from any number of threads (reads only).
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "cloud/gateway/routing.h"
#include "cloud/gateway/service.h"
#include "http/message.h"

namespace cloudwatch {

// X-Amz-Target prefix "Logs_20140328." (credential scope "logs").
cloud::ServiceRoute LogsRoute();

class LogsApi {
 public:
  // Reads log groups under `root` (GroupDir layout).
  explicit LogsApi(std::string root) : root_(std::move(root)) {}
  // ctx.data_dir is the root.
  static base::StatusOr<std::unique_ptr<LogsApi>> Open(const cloud::ServiceContext& ctx);

  void Handle(http::Request&& request, http::Reply reply) { reply(HandleNow(request)); }
  http::Response HandleNow(const http::Request& request);

 private:
  const std::string root_;
};

}  // namespace cloudwatch
