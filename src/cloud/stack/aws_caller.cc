#include "cloud/stack/aws_caller.h"

namespace cloud::stack {

base::StatusOr<client::HttpResponse> AwsCaller::Rest(const std::string& service, const std::string& method,
                                                     const std::string& path, const std::string& query,
                                                     std::string_view body, const std::string& content_type) {
  http::Request req;
  req.method = method;
  req.target = query.empty() ? path : path + "?" + query;
  req.ParseTarget();
  req.headers.Add("Host", endpoint_.substr(endpoint_.find("://") + 3));
  if (!content_type.empty()) req.headers.Add("Content-Type", content_type);
  req.body = std::string(body);
  aws::SignOptions sign;
  sign.region = region_;
  sign.service = service;
  sign.add_content_sha256 = service == "s3";
  aws::SignRequest(req, credentials_, sign);
  req.headers.Remove("Host");  // curl sends the same one
  return http_.Send(method, endpoint_ + req.target, req.headers, body);
}

base::StatusOr<nlohmann::json> AwsCaller::Json(const std::string& service, const std::string& target,
                                               const nlohmann::json& params, std::string* error_type) {
  http::Request req;
  req.method = "POST";
  req.target = "/";
  req.ParseTarget();
  req.body = params.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  req.headers.Add("Host", endpoint_.substr(endpoint_.find("://") + 3));
  req.headers.Add("Content-Type", "application/x-amz-json-1.0");
  req.headers.Add("X-Amz-Target", target);
  aws::SignOptions sign;
  sign.region = region_;
  sign.service = service;
  aws::SignRequest(req, credentials_, sign);
  req.headers.Remove("Host");
  auto r = http_.Post(endpoint_ + "/", req.body, req.headers);
  if (!r.ok()) return r.status();
  auto j = nlohmann::json::parse(r->body.empty() ? "{}" : r->body, nullptr, false);
  if (r->status != 200) {
    std::string type = j.is_object() ? j.value("__type", "") : "";
    if (error_type != nullptr) *error_type = type.substr(type.find('#') == std::string::npos ? 0 : type.find('#') + 1);
    return base::Status::Unavailable(target + " answered " + std::to_string(r->status) + ": " + r->body);
  }
  if (j.is_discarded()) return base::Status::Corruption(target + ": unparsable answer");
  return j;
}

}  // namespace cloud::stack
