// video-splitting: pipeline 2. A clip in S3 → its first frame (or, with SPLIT_EVERY_S, a frame every
// SPLIT_EVERY_S seconds until one names a person) as JPEG in the stage bucket → face-recognition →
// student-lookup → one message per clip on the results queue.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "functions/common.h"
#include "functions/events.h"
#include "functions/identify.h"
#include "functions/registry.h"
#include "media/jpeg_encode.h"
#include "media/video.h"

namespace functions {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

class VideoSplitting : public Function {
 public:
  base::Status Init() override {
    base::StatusOr<client::AwsConfig> config = client::AwsConfig::FromEnvironment();
    if (!config.ok()) return config.status();
    s3_ = std::make_unique<client::S3Client>(*config);
    sqs_ = std::make_unique<client::SqsClient>(*config);
    identifier_ = std::make_unique<Identifier>(*config);
    stage_bucket_ = EnvOr("STAGE_BUCKET", "edgeface-stage");
    results_queue_ = EnvOr("RESULTS_QUEUE", "results");
    every_s_ = std::strtod(EnvOr("SPLIT_EVERY_S", "0").c_str(), nullptr);
    if (!(every_s_ >= 0)) return base::Status::InvalidArgument("SPLIT_EVERY_S must be a number of seconds >= 0");
    return base::Status::Ok();
  }

  // A bad clip fails the whole invocation so that an asynchronous invoke is retried; the good
  // clips' messages are then sent again.
  runtime::InvocationResponse Handle(const runtime::InvocationRequest& request) override {
    return ForEachObject("video-splitting", request, "clips", [this](const ObjectRef& ref) { return Split(ref); });
  }

 private:
  base::StatusOr<json> Split(const ObjectRef& ref) {
    const auto t0 = Clock::now();
    base::StatusOr<std::string> clip = s3_->GetObject(ref.bucket, ref.key);
    if (!clip.ok()) return clip.status();
    const auto t1 = Clock::now();
    base::StatusOr<media::VideoReader> reader = media::VideoReader::OpenMemory(std::move(*clip));
    if (!reader.ok()) return reader.status();
    std::optional<ClipKey> clip_key = ParseClipKey(ref.key);
    // The first frame; with SPLIT_EVERY_S > 0 also one frame every SPLIT_EVERY_S seconds of the
    // clip, each staged and recognised in turn until one names a person.
    double split_ms = 0, stage_ms = 0, first_t = 0;
    int frames = 0;
    std::string frame_key;
    base::StatusOr<Identity> id = base::Status::Internal("no frame");
    while (true) {
      const auto f0 = Clock::now();
      base::StatusOr<bool> got = every_s_ > 0 ? reader->NextSample(every_s_, &frame_) : reader->Next(&frame_);
      if (!got.ok()) return got.status();
      if (!*got) break;
      EF_RETURN_IF_ERROR(jpeg_.Encode(frame_.image, {}, &jpeg_bytes_));
      const auto f1 = Clock::now();
      // Frame i is named by its own capture time: the clip's, plus the frame's offset in it.
      frame_key = ReplaceExtension(ref.key, "jpg");
      if (frames == 0) first_t = frame_.t;
      if (frames > 0 && clip_key) {
        const int64_t ms = clip_key->capture_ms + static_cast<int64_t>((frame_.t - first_t) * 1000 + 0.5);
        frame_key = clip_key->device_id + "/" + std::to_string(ms) + ".jpg";
      } else if (frames > 0) {
        frame_key = ReplaceExtension(ref.key, std::to_string(frames) + ".jpg");
      }
      base::StatusOr<std::string> put = s3_->PutObject(stage_bucket_, frame_key, jpeg_bytes_, "image/jpeg");
      if (!put.ok()) return put.status().WithContext("s3://" + stage_bucket_ + "/" + frame_key);
      const auto f2 = Clock::now();
      split_ms += MsBetween(f0, f1);
      stage_ms += MsBetween(f1, f2);
      ++frames;
      id = identifier_->Identify(json{{"bucket", stage_bucket_}, {"key", frame_key}}.dump());
      if (!id.ok()) return id.status();
      if (every_s_ <= 0 || id->name) break;
    }
    if (frames == 0) return base::Status::InvalidArgument("the clip has no frame");
    const auto t4 = Clock::now();

    json message = {{"device_id", clip_key ? json(clip_key->device_id) : json(nullptr)},
                    {"capture_ms", clip_key ? json(clip_key->capture_ms) : json(nullptr)},
                    {"clip_bucket", ref.bucket},
                    {"clip_key", ref.key},
                    {"frame_key", frame_key},
                    {"status", id->status},
                    {"name", id->name ? json(*id->name) : json(nullptr)},
                    {"record", id->record},
                    {"distance", id->distance ? json(*id->distance) : json(nullptr)},
                    {"frames_scanned", frames},
                    {"timings_ms",
                     {{"fetch", MsBetween(t0, t1)},
                      {"split", split_ms},
                      {"stage", stage_ms},
                      {"recognition", id->recognition_ms},
                      {"lookup", id->lookup_ms},
                      {"total", MsBetween(t0, t4)}}}};
    EF_RETURN_IF_ERROR(Send(message.dump(), clip_key ? clip_key->device_id : std::string()));
    return message;
  }

  base::Status Send(const std::string& body, const std::string& device_id) {
    if (results_url_.empty()) {
      base::StatusOr<std::string> url = sqs_->GetQueueUrl(results_queue_);
      if (!url.ok()) return url.status().WithContext("GetQueueUrl " + results_queue_);
      results_url_ = *url;
    }
    std::map<std::string, std::string> attributes;
    if (!device_id.empty()) attributes["device_id"] = device_id;
    base::StatusOr<std::string> id = sqs_->SendMessage(results_url_, body, attributes);
    return id.ok() ? base::Status::Ok() : id.status().WithContext("SendMessage " + results_queue_);
  }

  std::unique_ptr<client::S3Client> s3_;
  std::unique_ptr<client::SqsClient> sqs_;
  std::unique_ptr<Identifier> identifier_;
  std::string stage_bucket_, results_queue_, results_url_;
  double every_s_ = 0;         // SPLIT_EVERY_S: 0 = the first frame only
  media::VideoFrame frame_;    // reused across clips
  media::JpegEncoder jpeg_;
  std::string jpeg_bytes_;
};

}  // namespace

std::unique_ptr<Function> MakeVideoSplitting() { return std::make_unique<VideoSplitting>(); }

}  // namespace functions
