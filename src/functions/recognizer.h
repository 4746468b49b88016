// Recognizer: one FacePipeline per process plus the gallery from the object store, kept fresh.
// Shared by face-recognition (one frame per invocation) and video-recognition (frames of a clip).
//
// Thread-safety: none; one invocation at a time (Lambda semantics).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "client/aws.h"
#include "face/pipeline.h"
#include "functions/gallery_cache.h"
#include "media/image.h"

namespace functions {

struct RecognizedFace {
  face::Box box;
  double score = 0;
  std::string name;  // face::kUnknown unless the nearest entry is within the tolerance
  double distance = 0;
};

struct RecognizeTimings {
  double detect_ms = 0;
  double describe_ms = 0;  // landmarks + chips + descriptors + matching
};

// The gallery in S3: the base object `key` plus the person objects under PersonObjectPrefix(key)
// (gallery_cache.h), assembled. Etag() costs a HeadObject and a ListObjects; Fetch a GetObject per
// object. NotFound only when neither the base nor any person object exists.
class S3GallerySource : public GallerySource {
 public:
  S3GallerySource(client::AwsConfig config, std::string bucket, std::string key)
      : s3_(std::move(config)), bucket_(std::move(bucket)), key_(std::move(key)) {}
  base::StatusOr<std::string> Etag() override;
  base::StatusOr<std::string> Fetch(std::string* etag) override;
  std::string Describe() const override { return "s3://" + bucket_ + "/" + key_; }
  // The assembled gallery itself; *version (if given) as Etag() would report it.
  base::StatusOr<face::Gallery> FetchGallery(std::string* version);

 private:
  base::StatusOr<std::vector<client::S3Object>> ListPersonObjects();

  client::S3Client s3_;
  std::string bucket_, key_;
};

class Recognizer {
 public:
  // Loads the models (FacePipeline::DefaultModelsDir()) and the gallery from
  // $GALLERY_BUCKET/$GALLERY_KEY (defaults edgeface-models, gallery/encodings.json), checked for
  // changes at most every $GALLERY_CHECK_MS (default 1000) milliseconds.
  static base::StatusOr<std::unique_ptr<Recognizer>> Create(const client::AwsConfig& config);

  // Refreshes the gallery if due (a failure is logged to stderr and the old gallery kept).
  void RefreshGallery();

  // Faces in detection-score order, at most max_faces (0: all), each matched against the gallery.
  std::vector<RecognizedFace> Recognize(const media::RgbImage& img, int max_faces, RecognizeTimings* timings);

  const GalleryCache& gallery() const { return *gallery_; }
  const face::FacePipeline& pipeline() const { return *pipeline_; }
  double models_load_ms() const { return models_load_ms_; }    // wall time of Create's two loads
  double gallery_load_ms() const { return gallery_load_ms_; }

 private:
  Recognizer() = default;
  std::unique_ptr<face::FacePipeline> pipeline_;
  std::unique_ptr<GalleryCache> gallery_;
  std::vector<uint8_t> chips_;  // reused across invocations
  media::RgbImage chip_;
  double models_load_ms_ = 0, gallery_load_ms_ = 0;
};

// [{"box":[l,t,r,b],"name":..,"distance":..}] (distance rounded to 4 decimals).
nlohmann::json FacesJson(const std::vector<RecognizedFace>& faces);

}  // namespace functions
