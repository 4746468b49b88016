#include "cloud/sqs/sqs_api.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <string_view>

#include "base/ids.h"
#include "cloud/sqs/long_poll.h"
#include "cloud/sqs/sqs_errors.h"
#include "cloud/sqs/sqs_operations.h"
#include "cloud/sqs/sqs_protocol.h"
#include "http/url.h"

namespace cloud {
namespace {

using nlohmann::json;
using sqs::SqsError;


// Answers one request in the protocol it came in. Copyable: long polls keep one.
struct Responder {
  bool json_protocol = false;
  std::string action;
  std::string request_id;
  http::Reply reply;

  void Ok(const json& result) const {
    http::Response r;
    r.headers.Set("x-amzn-RequestId", request_id);
    if (json_protocol) {
      r.headers.Set("Content-Type", "application/x-amz-json-1.0");
      r.body = result.dump(-1, ' ', false, json::error_handler_t::replace);
    } else {
      r.headers.Set("Content-Type", "text/xml");
      r.body = sqs::QueryXmlResponse(action, result, request_id);
    }
    reply(std::move(r));
  }

  void Error(const base::Status& s) const {
    std::string_view name = sqs::SqsErrorName(s);
    if (name.empty()) {
      switch (s.code()) {
        case base::Status::Code::kNotFound: name = "QueueDoesNotExist"; break;
        case base::Status::Code::kInvalidArgument: name = "InvalidParameterValue"; break;
        case base::Status::Code::kAlreadyExists: name = "QueueAlreadyExists"; break;
        default: name = "InternalError";
      }
    }
    sqs::ErrorInfo e = sqs::LookupError(name);
    http::Response r;
    r.status = e.http_status;
    r.headers.Set("x-amzn-RequestId", request_id);
    if (json_protocol) {
      r.headers.Set("Content-Type", "application/x-amz-json-1.0");
      r.headers.Set("x-amzn-query-error", std::string(e.query_code) + (e.sender_fault ? ";Sender" : ";Receiver"));
      r.body = sqs::JsonError(e, sqs::SqsErrorMessage(s));
    } else {
      r.headers.Set("Content-Type", "text/xml");
      r.body = sqs::QueryXmlError(e, sqs::SqsErrorMessage(s), request_id);
    }
    reply(std::move(r));
  }
};

// "AKID" from "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sqs/aws4_request, ...".
std::string AccessKeyOf(const http::Request& req) {
  std::string_view auth = req.headers.GetOr("Authorization", "");
  size_t at = auth.find("Credential=");
  if (at == std::string_view::npos) return {};
  auth.remove_prefix(at + 11);
  return std::string(auth.substr(0, std::min(auth.find('/'), auth.size())));
}

std::string LastPathSegment(std::string_view path) {
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace

SqsApi::SqsApi(ServiceContext ctx, std::unique_ptr<sqs::SqsStore> store)
    : ctx_(std::move(ctx)), store_(std::move(store)) {
  sqs::SqsStore* s = store_.get();
  poller_ = std::make_unique<sqs::LongPoller>(s->clock(), [s](const std::string& q) { return s->NextVisibleMs(q); });
  sqs::LongPoller* poller = poller_.get();
  store_->SetMessagesAvailableCallback([poller](const std::string& q) { poller->Notify(q); });
}

SqsApi::~SqsApi() { Stop(); }

base::StatusOr<std::unique_ptr<SqsApi>> SqsApi::Open(const ServiceContext& ctx) {
  sqs::StoreOptions options;
  options.region = ctx.region;
  options.account_id = ctx.account_id;
  if (const char* g = std::getenv("EDGEFACE_SQS_GROUP_COMMIT"); g && std::string_view(g) == "0") {
    options.group_commit = false;
  }
  return Open(ctx, sqs::SystemClock::Get(), options);
}

base::StatusOr<std::unique_ptr<SqsApi>> SqsApi::Open(const ServiceContext& ctx, sqs::Clock* clock,
                                                     sqs::StoreOptions options) {
  auto store = sqs::SqsStore::Open(ctx.data_dir, clock, std::move(options));
  if (!store.ok()) return store.status();
  return std::unique_ptr<SqsApi>(new SqsApi(ctx, std::move(*store)));
}

void SqsApi::Stop() {
  if (poller_) poller_->Stop();
}

void SqsApi::WakeLongPolls() { poller_->Wake(); }
size_t SqsApi::waiting_receives() const { return poller_->waiting(); }

void SqsApi::Handle(http::Request&& req, http::Reply reply) {
  Responder out{false, "", base::NewUuid(), std::move(reply)};
  json params;
  std::optional<std::string_view> target = req.headers.Get("X-Amz-Target");
  if (target && target->rfind("AmazonSQS.", 0) == 0) {
    out.json_protocol = true;
    out.action = std::string(target->substr(10));
    params = json::parse(req.body.empty() ? std::string_view("{}") : std::string_view(req.body), nullptr, false);
    if (params.is_discarded() || !params.is_object()) {
      return out.Error(SqsError(base::Status::Code::kInvalidArgument, "SerializationException",
                                "The request body is not a JSON object."));
    }
  } else {
    std::vector<std::pair<std::string, std::string>> fields = req.query;
    if (!req.body.empty()) {
      auto form = http::ParseQueryString(req.body, /*plus_is_space=*/true);
      if (!form) {
        return out.Error(sqs::InvalidParameterValue("The form body has a malformed percent-encoding."));
      }
      fields.insert(fields.end(), std::make_move_iterator(form->begin()), std::make_move_iterator(form->end()));
    }
    auto parsed = sqs::ParseQueryParams(fields);
    if (!parsed.ok()) return out.Error(parsed.status());
    out.action = std::move(parsed->action);
    params = std::move(parsed->params);
  }

  std::string host(req.headers.GetOr("Host", ""));
  std::string base = host.empty() ? ctx_.endpoint : "http://" + host;
  if (base.empty()) base = "http://127.0.0.1:4566";
  std::string sender = AccessKeyOf(req);
  sqs::CallContext call{params, base + "/" + ctx_.account_id + "/", LastPathSegment(req.path),
                        sender.empty() ? ctx_.account_id : sender};

  if (out.action != "ReceiveMessage") {
    // Sends answer from the store's commit thread, once their group commit has returned.
    const std::string action = out.action;  // `out` moves into the callback
    return sqs::RunOperation(*store_, action, call, [out = std::move(out)](base::StatusOr<json> result) {
      if (!result.ok()) return out.Error(result.status());
      out.Ok(*result);
    });
  }

  base::StatusOr<sqs::ReceiveRequest> request = sqs::ReadReceiveRequest(call);
  if (!request.ok()) return out.Error(request.status());
  auto got = store_->Receive(request->queue, request->max_messages, request->visibility_timeout_s);
  if (!got.ok()) return out.Error(got.status());
  if (!got->empty()) return out.Ok(sqs::ReceiveResult(*got, *request));
  int64_t wait_s = request->wait_time_s.value_or(0);
  if (!request->wait_time_s) {
    auto attrs = store_->GetQueueAttributes(request->queue, {"ReceiveMessageWaitTimeSeconds"});
    if (attrs.ok()) wait_s = std::stoll(attrs->at("ReceiveMessageWaitTimeSeconds"));
  }
  if (wait_s <= 0) return out.Ok(json::object());

  sqs::LongPoller::Waiter waiter;
  waiter.deadline_ms = store_->clock()->NowMs() + wait_s * 1000;
  sqs::SqsStore* store = store_.get();
  auto shared = std::make_shared<const std::pair<Responder, sqs::ReceiveRequest>>(std::move(out), std::move(*request));
  waiter.attempt = [store, shared] {
    const auto& [responder, rr] = *shared;
    auto messages = store->Receive(rr.queue, rr.max_messages, rr.visibility_timeout_s);
    if (!messages.ok()) {
      responder.Error(messages.status());
      return true;
    }
    if (messages->empty()) return false;
    responder.Ok(sqs::ReceiveResult(*messages, rr));
    return true;
  };
  waiter.expire = [shared] { shared->first.Ok(json::object()); };
  poller_->Add(shared->second.queue, std::move(waiter));
}

}  // namespace cloud
