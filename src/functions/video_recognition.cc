// video-recognition: pipeline 3. An S3 ObjectCreated event for <bucket>/test_N.mp4 → the first
// recognisable face in the video → the student's record → OUTPUT_BUCKET/test_N.csv holding one
// line "name,major,year" (the table's values verbatim).
//
// What the CSV says when there is no answer (docs/functions.md):
//   no face matches the gallery in any scanned frame → "unknown,,"
//   a gallery person without a table row              → "<name>,,"
#include <chrono>
#include <cstdio>

#include "functions/common.h"
#include "functions/events.h"
#include "functions/recognizer.h"
#include "functions/registry.h"
#include "functions/students.h"
#include "media/video.h"

namespace functions {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

class VideoRecognition : public Function {
 public:
  base::Status Init() override {
    base::StatusOr<client::AwsConfig> config = client::AwsConfig::FromEnvironment();
    if (!config.ok()) return config.status();
    base::StatusOr<std::unique_ptr<Recognizer>> r = Recognizer::Create(*config);
    if (!r.ok()) return r.status();
    recognizer_ = std::move(*r);
    s3_ = std::make_unique<client::S3Client>(*config);
    db_ = std::make_unique<client::DynamoDbClient>(*config);
    output_bucket_ = EnvOr("OUTPUT_BUCKET", "546proj2output");
    table_ = EnvOr("STUDENTS_TABLE", "students");
    // Frames scanned: the first, then one every SCAN_EVERY_S seconds until a face matches.
    scan_every_s_ = std::strtod(EnvOr("SCAN_EVERY_S", "0.1").c_str(), nullptr);
    if (!(scan_every_s_ > 0)) scan_every_s_ = 0.1;
    return base::Status::Ok();
  }

  runtime::InvocationResponse Handle(const runtime::InvocationRequest& request) override {
    recognizer_->RefreshGallery();
    return ForEachObject("video-recognition", request, "results", [this](const ObjectRef& ref) { return Recognize(ref); });
  }

 private:
  base::StatusOr<json> Recognize(const ObjectRef& ref) {
    const auto t0 = Clock::now();
    base::StatusOr<std::string> video = s3_->GetObject(ref.bucket, ref.key);
    if (!video.ok()) return video.status();
    const auto t1 = Clock::now();
    base::StatusOr<media::VideoReader> reader = media::VideoReader::OpenMemory(std::move(*video));
    if (!reader.ok()) return reader.status();
    std::string name = face::kUnknown;
    int frames = 0, faces_seen = 0;
    std::optional<double> distance;
    while (true) {
      base::StatusOr<bool> got = reader->NextSample(scan_every_s_, &frame_);
      if (!got.ok()) return got.status();
      if (!*got) break;
      ++frames;
      std::vector<RecognizedFace> faces = recognizer_->Recognize(frame_.image, 0, nullptr);
      faces_seen += static_cast<int>(faces.size());
      if (!faces.empty() && !distance) distance = faces[0].distance;
      auto known = std::find_if(faces.begin(), faces.end(), [](const RecognizedFace& f) { return f.name != face::kUnknown; });
      if (known != faces.end()) {
        name = known->name;
        distance = known->distance;
        break;
      }
    }
    if (frames == 0) return base::Status::InvalidArgument("the video has no frame");
    const auto t2 = Clock::now();
    json record = nullptr;
    std::string status = name == face::kUnknown ? (faces_seen ? "unknown" : "no_face") : "recognized";
    if (status == "recognized") {
      base::StatusOr<std::optional<json>> found = LookupStudent(*db_, table_, name);
      if (!found.ok()) return found.status();
      if (found->has_value()) {
        record = **found;
      } else {
        status = "no_record";
      }
    }
    const auto t3 = Clock::now();
    const std::string csv = CsvLine({name, RecordField(record, "major"), RecordField(record, "year")});
    const std::string slash_free = ref.key.substr(ref.key.rfind('/') == std::string::npos ? 0 : ref.key.rfind('/') + 1);
    const std::string output_key = ReplaceExtension(slash_free, "csv");
    base::StatusOr<std::string> put = s3_->PutObject(output_bucket_, output_key, csv, "text/csv");
    if (!put.ok()) return put.status().WithContext("s3://" + output_bucket_ + "/" + output_key);
    const auto t4 = Clock::now();
    return json{{"bucket", ref.bucket},
                {"key", ref.key},
                {"output_bucket", output_bucket_},
                {"output_key", output_key},
                {"csv", csv},
                {"status", status},
                {"name", name},
                {"record", record},
                {"distance", distance ? json(*distance) : json(nullptr)},
                {"frames_scanned", frames},
                {"timings_ms",
                 {{"fetch", MsBetween(t0, t1)},
                  {"recognize", MsBetween(t1, t2)},
                  {"lookup", MsBetween(t2, t3)},
                  {"store", MsBetween(t3, t4)},
                  {"total", MsBetween(t0, t4)}}}};
  }

  std::unique_ptr<Recognizer> recognizer_;
  std::unique_ptr<client::S3Client> s3_;
  std::unique_ptr<client::DynamoDbClient> db_;
  std::string output_bucket_, table_;
  double scan_every_s_ = 0.1;
  media::VideoFrame frame_;
};

}  // namespace

std::unique_ptr<Function> MakeVideoRecognition() { return std::make_unique<VideoRecognition>(); }

}  // namespace functions
