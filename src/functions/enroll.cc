// enroll: `edgeface train` as a function. Images people/<name>/*.jpg in a bucket → one gallery
// entry per image with exactly one face → one gallery object per person enrolled, beside the base
// gallery object (gallery_cache.h): readers see the person's entries replace any of that name,
// everyone else kept; face-recognition picks the change up at its next version check.
#include <chrono>
#include <cstdio>
#include <map>
#include <set>

#include "client/aws.h"
#include "functions/common.h"
#include "functions/events.h"
#include "functions/gallery_cache.h"
#include "functions/recognizer.h"
#include "functions/registry.h"
#include "face/pipeline.h"
#include "media/image_decode.h"

namespace functions {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

class Enroll : public Function {
 public:
  base::Status Init() override {
    base::StatusOr<client::AwsConfig> config = client::AwsConfig::FromEnvironment();
    if (!config.ok()) return config.status();
    base::StatusOr<std::unique_ptr<face::FacePipeline>> p = face::FacePipeline::Load(face::FacePipeline::DefaultModelsDir());
    if (!p.ok()) return p.status();
    pipeline_ = std::move(*p);
    s3_ = std::make_unique<client::S3Client>(*config);
    gallery_bucket_ = EnvOr("GALLERY_BUCKET", "edgeface-models");
    gallery_key_ = EnvOr("GALLERY_KEY", "gallery/encodings.json");
    gallery_source_ = std::make_unique<S3GallerySource>(*config, gallery_bucket_, gallery_key_);
    return base::Status::Ok();
  }

  runtime::InvocationResponse Handle(const runtime::InvocationRequest& request) override {
    const auto t0 = Clock::now();
    base::StatusOr<EnrollEvent> ev = ParseEnrollEvent(ParsePayload(request.payload));
    if (!ev.ok()) return FailWith(ev.status());
    base::StatusOr<std::vector<client::S3Object>> listed = s3_->ListObjects(ev->bucket, ev->prefix);
    if (!listed.ok()) return FailWith(listed.status().WithContext("s3://" + ev->bucket + "/" + ev->prefix));
    std::map<std::string, std::vector<std::string>> people;  // name → keys, sorted (listing order)
    for (const client::S3Object& o : *listed) {
      if (std::optional<std::string> person = PersonOfKey(ev->prefix, o.key)) people[*person].push_back(o.key);
    }
    if (people.empty()) {
      return Fail(kInvalidEvent, "no images under s3://" + ev->bucket + "/" + ev->prefix + "<name>/<image>");
    }
    face::Gallery added;
    json skipped = json::array();
    int right = 0, total = 0;
    for (const auto& [person, keys] : people) {
      const size_t held = HeldOutCount(keys.size(), ev->validation_split);
      std::vector<face::Descriptor> validation;
      for (size_t i = 0; i < keys.size(); ++i) {
        base::StatusOr<face::Descriptor> d = DescribeOne(ev->bucket, keys[i]);
        if (!d.ok()) {
          skipped.push_back({{"key", keys[i]}, {"error", d.status().message()}});
          continue;
        }
        if (i >= keys.size() - held) {
          validation.push_back(*d);
        } else {
          added.Add(person, *d);
        }
      }
      for (const face::Descriptor& d : validation) {
        ++total;
        if (added.Nearest(d).name == person) ++right;
      }
    }
    if (added.size() == 0) return Answer({{"people", 0}, {"faces", 0}, {"skipped", skipped}});

    // Each person goes to their own object (gallery_cache.h): no read-modify-write of a shared
    // gallery object, so enrolments running at once never lose each other's people.
    std::map<std::string, face::Gallery> by_person;
    for (const auto& e : added.entries()) by_person[e.name].Add(e.name, e.encoding);
    std::set<std::string> names;
    for (const auto& [person, g] : by_person) {
      const std::string key = PersonObjectKey(gallery_key_, person);
      base::StatusOr<std::string> put = s3_->PutObject(gallery_bucket_, key, g.ToJson(), "application/json");
      if (!put.ok()) return FailWith(put.status().WithContext("s3://" + gallery_bucket_ + "/" + key));
      names.insert(person);
    }
    // What readers now assemble (including anyone enrolled at the same time).
    std::string version;
    base::StatusOr<face::Gallery> merged = gallery_source_->FetchGallery(&version);
    if (!merged.ok()) return FailWith(merged.status().WithContext("reading the gallery back"));
    return Answer({{"people", names.size()},
                   {"faces", added.size()},
                   {"skipped", skipped},
                   {"validation", {{"right", right}, {"total", total}}},
                   {"gallery_entries", merged->size()},
                   {"gallery_etag", version},
                   {"timings_ms", {{"total", MsBetween(t0, Clock::now())}}}});
  }

 private:
  base::StatusOr<face::Descriptor> DescribeOne(const std::string& bucket, const std::string& key) {
    base::StatusOr<std::string> bytes = s3_->GetObject(bucket, key);
    if (!bytes.ok()) return bytes.status();
    base::StatusOr<media::RgbImage> img = media::DecodeImage(*bytes);
    if (!img.ok()) return img.status();
    std::vector<face::Face> faces = pipeline_->Process(*img, face::PipelineOptions{});
    if (faces.size() != 1) {
      return base::Status::InvalidArgument(faces.empty() ? "no face found" : std::to_string(faces.size()) + " faces: which one is the person is ambiguous");
    }
    return faces[0].descriptor;
  }

  std::unique_ptr<face::FacePipeline> pipeline_;
  std::unique_ptr<client::S3Client> s3_;
  std::string gallery_bucket_, gallery_key_;
  std::unique_ptr<S3GallerySource> gallery_source_;
};

}  // namespace

std::unique_ptr<Function> MakeEnroll() { return std::make_unique<Enroll>(); }

}  // namespace functions
