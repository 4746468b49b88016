#include "cloud/stack/aws_caller.h"

namespace cloud::stack {

AwsCaller::AwsCaller(std::string endpoint, std::string region, aws::Credentials credentials)
    : config_(client::AwsConfig::Local(std::move(endpoint))) {
  config_.region = std::move(region);
  config_.credentials = std::move(credentials);
}

client::AwsTransport& AwsCaller::For(const std::string& service) {
  std::unique_ptr<client::AwsTransport>& t = transports_[service];
  if (!t) t = std::make_unique<client::AwsTransport>(config_, service);
  return *t;
}

base::StatusOr<client::HttpResponse> AwsCaller::Rest(const std::string& service, const std::string& method,
                                                     const std::string& path, const std::string& query,
                                                     std::string_view body, const std::string& content_type) {
  http::Headers headers;
  if (!content_type.empty()) headers.Set("Content-Type", content_type);
  return For(service).Exchange(method, path, query, std::move(headers), body);
}

base::StatusOr<nlohmann::json> AwsCaller::Json(const std::string& service, const std::string& target,
                                               const nlohmann::json& params, std::string* error_type) {
  http::Headers headers;
  headers.Set("Content-Type", "application/x-amz-json-1.0");
  headers.Set("X-Amz-Target", target);
  auto r = For(service).Exchange("POST", "/", "", std::move(headers),
                                 params.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
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
