// face-recognition: a frame (base64 in the event, or an S3 object) → the faces in it, named.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>

#include "base/base64.h"
#include "functions/common.h"
#include "functions/events.h"
#include "functions/recognizer.h"
#include "functions/registry.h"
#include "media/image_decode.h"

namespace functions {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// CPU time of this process so far (user + system), in ms: init figures that mean something on a
// loaded machine, where wall time mostly measures the other processes.
double ProcessCpuMs() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

class FaceRecognition : public Function {
 public:
  base::Status Init() override {
    const auto t0 = Clock::now();
    base::StatusOr<client::AwsConfig> config = client::AwsConfig::FromEnvironment();
    if (!config.ok()) return config.status();
    base::StatusOr<std::unique_ptr<Recognizer>> r = Recognizer::Create(*config);
    if (!r.ok()) return r.status();
    recognizer_ = std::move(*r);
    s3_ = std::make_unique<client::S3Client>(*config);
    std::fprintf(stderr,
                 "face-recognition: init %.1f ms wall (models %.1f, gallery %.1f), process CPU %.1f ms; gallery of %zu "
                 "entries, etag %s\n",
                 MsBetween(t0, Clock::now()), recognizer_->models_load_ms(), recognizer_->gallery_load_ms(),
                 ProcessCpuMs(), recognizer_->gallery().gallery().size(), recognizer_->gallery().etag().c_str());
    return base::Status::Ok();
  }

  runtime::InvocationResponse Handle(const runtime::InvocationRequest& request) override {
    const auto t0 = Clock::now();
    base::StatusOr<FaceEvent> ev = ParseFaceEvent(ParsePayload(request.payload));
    if (!ev.ok()) return FailWith(ev.status());
    recognizer_->RefreshGallery();

    // fetch: the bytes of the image (base64 decode, or GetObject).
    std::string bytes;
    if (!ev->image_base64.empty()) {
      std::optional<std::string> decoded = base::Base64Decode(ev->image_base64, base::Base64Mode::kLenient);
      if (!decoded) return Fail(kInvalidEvent, "event.image is not base64");
      bytes = std::move(*decoded);
    } else {
      base::StatusOr<std::string> got = s3_->GetObject(ev->bucket, ev->key);
      if (!got.ok()) return FailWith(got.status().WithContext("s3://" + ev->bucket + "/" + ev->key));
      bytes = std::move(*got);
    }
    const auto t1 = Clock::now();
    base::StatusOr<media::RgbImage> img = media::DecodeImage(bytes);
    if (!img.ok()) return Fail(kInvalidImage, img.status().message());
    const auto t2 = Clock::now();
    RecognizeTimings rt;
    std::vector<RecognizedFace> faces = recognizer_->Recognize(*img, ev->max_faces, &rt);
    const auto t3 = Clock::now();
    json answer = {{"faces", FacesJson(faces)},
                   {"gallery_etag", recognizer_->gallery().etag()},
                   {"timings_ms",
                    {{"fetch", MsBetween(t0, t1)},
                     {"decode", MsBetween(t1, t2)},
                     {"detect", rt.detect_ms},
                     {"describe", rt.describe_ms},
                     {"total", MsBetween(t0, t3)}}}};
    return Answer(answer);
  }

 private:
  std::unique_ptr<Recognizer> recognizer_;
  std::unique_ptr<client::S3Client> s3_;
};

}  // namespace

std::unique_ptr<Function> MakeFaceRecognition() { return std::make_unique<FaceRecognition>(); }

}  // namespace functions
