#include "cloud/lambda/sqs_client.h"

#include <vector>

#include "aws/sigv4.h"

namespace cloud::lambda {

base::StatusOr<std::string> SqsClient::QueueUrl(const std::string& arn) const {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= arn.size(); ++i) {
    if (i == arn.size() || arn[i] == ':') {
      parts.push_back(arn.substr(start, i - start));
      start = i + 1;
    }
  }
  if (parts.size() != 6 || parts[0] != "arn" || parts[2] != "sqs" || parts[5].empty()) {
    return base::Status::InvalidArgument("not an SQS queue ARN: " + arn);
  }
  return ctx_.endpoint + "/" + parts[4] + "/" + parts[5];
}

base::StatusOr<nlohmann::json> SqsClient::Call(const std::string& action, const nlohmann::json& params,
                                               std::chrono::milliseconds timeout) {
  if (ctx_.endpoint.empty()) return base::Status::FailedPrecondition("no endpoint to reach SQS");
  http::Request req;
  req.method = "POST";
  req.target = "/";
  req.ParseTarget();
  req.body = params.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  req.headers.Add("Host", ctx_.endpoint.substr(ctx_.endpoint.find("://") + 3));
  req.headers.Add("Content-Type", "application/x-amz-json-1.0");
  req.headers.Add("X-Amz-Target", "AmazonSQS." + action);
  aws::SignOptions sign;
  sign.region = ctx_.region;
  sign.service = "sqs";
  aws::SignRequest(req, aws::Credentials{}, sign);
  req.headers.Remove("Host");  // curl sends the same one
  auto r = http_.Post(ctx_.endpoint + "/", req.body, req.headers, client::RequestOptions{.timeout = timeout});
  if (!r.ok()) return r.status();
  auto j = nlohmann::json::parse(r->body.empty() ? "{}" : r->body, nullptr, false);
  if (r->status != 200) {
    std::string type = j.is_object() ? j.value("__type", "") : "";
    if (type.find("NonExistentQueue") != std::string::npos || type.find("QueueDoesNotExist") != std::string::npos) {
      return base::Status::NotFound("SQS " + action + ": " + r->body);
    }
    return base::Status::Unavailable("SQS " + action + " answered " + std::to_string(r->status) + ": " + r->body);
  }
  if (j.is_discarded()) return base::Status::Corruption("SQS " + action + ": unparsable answer");
  return j;
}

}  // namespace cloud::lambda
