// web: the function URL of pipeline 1. A frame → face-recognition → student-lookup → the answer,
// on the HTTP response and, when asked, on the responses queue.
#include <chrono>
#include <cstdio>

#include "functions/common.h"
#include "functions/events.h"
#include "functions/identify.h"
#include "functions/registry.h"

namespace functions {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

json NullOr(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

runtime::InvocationResponse HttpAnswer(int status, const json& body) {
  json r = {{"statusCode", status}, {"headers", {{"content-type", "application/json"}}}, {"body", body.dump()}};
  return runtime::InvocationResponse::Success(r.dump(), "application/json");
}

class Web : public Function {
 public:
  base::Status Init() override {
    base::StatusOr<client::AwsConfig> config = client::AwsConfig::FromEnvironment();
    if (!config.ok()) return config.status();
    identifier_ = std::make_unique<Identifier>(*config);
    sqs_ = std::make_unique<client::SqsClient>(*config);
    responses_queue_ = EnvOr("RESPONSES_QUEUE", "responses");
    return base::Status::Ok();
  }

  runtime::InvocationResponse Handle(const runtime::InvocationRequest& request) override {
    const auto t0 = Clock::now();
    json event = ParsePayload(request.payload);
    // A function URL caller gets HTTP 400 for a bad request; a direct invoker a function error.
    const bool url = event.is_object() && (event.contains("requestContext") || event.contains("isBase64Encoded"));
    base::StatusOr<WebRequest> req = ParseWebEvent(std::move(event), request.request_id);
    if (!req.ok()) {
      if (url) return HttpAnswer(400, {{"error", req.status().message()}});
      return FailWith(req.status());
    }
    // The base64 frame goes on as it came: no decode, no re-encode, and no JSON escaping when it
    // is plain base64 (no character of that alphabet needs escaping).
    std::string face_event;
    if (IsPlainBase64(req->image_base64)) {
      face_event.reserve(req->image_base64.size() + 16);
      face_event += R"({"image":")";
      face_event += req->image_base64;
      face_event += R"("})";
    } else {
      face_event = json{{"image", req->image_base64}}.dump();
    }
    base::StatusOr<Identity> id = identifier_->Identify(face_event);
    if (!id.ok()) {
      const std::string why = id.status().message();
      std::fprintf(stderr, "web: %s: %s\n", req->request_id.c_str(), why.c_str());
      // face-recognition refusing the image (InvalidImage) is the caller's fault: 400.
      const bool bad_image = why.find("InvalidImage") != std::string::npos;
      if (req->from_function_url) return HttpAnswer(bad_image ? 400 : 502, {{"error", why}});
      return Fail(bad_image ? kInvalidImage : kDownstreamError, why);
    }
    json answer = {{"request_id", req->request_id},
                   {"filename", NullOr(req->filename)},
                   {"device_id", NullOr(req->device_id)},
                   {"capture_ms", req->capture_ms ? json(*req->capture_ms) : json(nullptr)},
                   {"status", id->status},
                   {"name", id->name ? json(*id->name) : json(nullptr)},
                   {"record", id->record},
                   {"distance", id->distance ? json(*id->distance) : json(nullptr)},
                   {"timings_ms",
                    {{"recognition", id->recognition_ms},
                     {"lookup", id->lookup_ms},
                     {"total", MsBetween(t0, Clock::now())},
                     {"face", id->face_timings}}}};
    // ---- dashboard (issue 6, helper "dash"): the chosen face's box in the answer (additive
    // field, [l,t,r,b] in the frame's pixels, null without a face), and ONE structured line per
    // answer on stdout, which the engine keeps in this function's CloudWatch log; /_dashboard/
    // reads those lines for its latest-recognitions and devices panels (src/cloud/dashboard).
    answer["box"] = id->box;
    std::printf("EDGEFACE_RECOGNITION %s\n", answer.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
    std::fflush(stdout);
    // ---- end dashboard
    if (req->respond_to_queue) {
      base::Status sent = SendToResponses(answer.dump());
      answer["queued"] = sent.ok();
      if (!sent.ok()) {
        std::fprintf(stderr, "web: %s: responses queue: %s\n", req->request_id.c_str(), sent.message().c_str());
        answer["queue_error"] = sent.message();
      }
    }
    return req->from_function_url ? HttpAnswer(200, answer) : Answer(answer);
  }

 private:
  base::Status SendToResponses(const std::string& body) {
    if (responses_url_.empty()) {
      base::StatusOr<std::string> url = sqs_->GetQueueUrl(responses_queue_);
      if (!url.ok()) return url.status().WithContext("GetQueueUrl " + responses_queue_);
      responses_url_ = *url;
    }
    base::StatusOr<std::string> id = sqs_->SendMessage(responses_url_, body);
    return id.ok() ? base::Status::Ok() : id.status();
  }

  std::unique_ptr<Identifier> identifier_;  // one Lambda client (one connection) per instance
  std::unique_ptr<client::SqsClient> sqs_;
  std::string responses_queue_, responses_url_;
};

}  // namespace

std::unique_ptr<Function> MakeWeb() { return std::make_unique<Web>(); }

}  // namespace functions
