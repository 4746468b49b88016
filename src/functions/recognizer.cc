#include "functions/recognizer.h"

#include <cmath>
#include <cstdio>
#include <optional>

#include "face/chip.h"
#include "functions/common.h"
#include "nn/face_net.h"

namespace functions {

using base::Status;
using Clock = std::chrono::steady_clock;

namespace {
bool IsPersonObject(const std::string& prefix, const std::string& key) {
  return key.size() > prefix.size() + 5 && key.compare(0, prefix.size(), prefix) == 0 &&
         key.compare(key.size() - 5, 5, ".json") == 0;
}
}  // namespace

base::StatusOr<std::vector<client::S3Object>> S3GallerySource::ListPersonObjects() {
  const std::string prefix = PersonObjectPrefix(key_);
  base::StatusOr<std::vector<client::S3Object>> listed = s3_.ListObjects(bucket_, prefix);
  if (!listed.ok()) return listed.status();
  std::vector<client::S3Object> out;
  for (client::S3Object& o : *listed) {
    if (IsPersonObject(prefix, o.key)) out.push_back(std::move(o));
  }
  return out;  // ListObjects answers in key order
}

base::StatusOr<std::string> S3GallerySource::Etag() {
  std::string base_etag;
  base::StatusOr<client::S3Object> head = s3_.HeadObject(bucket_, key_);
  if (head.ok()) {
    base_etag = head->etag;
  } else if (head.status().code() != Status::Code::kNotFound) {
    return head.status();
  }
  base::StatusOr<std::vector<client::S3Object>> people = ListPersonObjects();
  if (!people.ok()) return people.status();
  if (!head.ok() && people->empty()) return head.status();  // no gallery at all
  std::vector<std::pair<std::string, std::string>> parts;
  for (const client::S3Object& o : *people) parts.emplace_back(o.key, o.etag);
  return AssembledGalleryVersion(base_etag, parts);
}

base::StatusOr<std::string> S3GallerySource::Fetch(std::string* etag) {
  base::StatusOr<face::Gallery> g = FetchGallery(etag);
  if (!g.ok()) return g.status();
  return g->ToJson();
}

base::StatusOr<face::Gallery> S3GallerySource::FetchGallery(std::string* version) {
  std::string base_etag;
  std::optional<std::string> base;
  base::StatusOr<std::string> got = s3_.GetObject(bucket_, key_, &base_etag);
  if (got.ok()) {
    base = std::move(*got);
  } else if (got.status().code() != Status::Code::kNotFound) {
    return got.status();
  }
  base::StatusOr<std::vector<client::S3Object>> people = ListPersonObjects();
  if (!people.ok()) return people.status();
  if (!base && people->empty()) return got.status();  // NotFound: no gallery at all
  std::vector<GalleryPart> parts;
  std::vector<std::pair<std::string, std::string>> versions;
  for (const client::S3Object& o : *people) {
    GalleryPart part{o.key, "", ""};
    base::StatusOr<std::string> body = s3_.GetObject(bucket_, o.key, &part.etag);
    if (!body.ok()) {
      if (body.status().code() == Status::Code::kNotFound) continue;  // deleted since the listing
      return body.status();
    }
    part.body = std::move(*body);
    versions.emplace_back(part.key, part.etag);
    parts.push_back(std::move(part));
  }
  base::StatusOr<face::Gallery> assembled = AssembleGallery(base, Describe(), parts, bucket_);
  if (!assembled.ok()) return assembled.status();
  if (version) *version = AssembledGalleryVersion(base_etag, versions);
  return assembled;
}

base::StatusOr<std::unique_ptr<Recognizer>> Recognizer::Create(const client::AwsConfig& config) {
  std::unique_ptr<Recognizer> r(new Recognizer());
  const auto t0 = Clock::now();
  base::StatusOr<std::unique_ptr<face::FacePipeline>> pipeline = face::FacePipeline::Load(face::FacePipeline::DefaultModelsDir());
  if (!pipeline.ok()) return pipeline.status();
  r->pipeline_ = std::move(*pipeline);
  const auto t1 = Clock::now();
  r->models_load_ms_ = MsBetween(t0, t1);
  long check_ms = std::strtol(EnvOr("GALLERY_CHECK_MS", "1000").c_str(), nullptr, 10);
  if (check_ms < 0) check_ms = 0;
  r->gallery_ = std::make_unique<GalleryCache>(
      std::make_unique<S3GallerySource>(config, EnvOr("GALLERY_BUCKET", "edgeface-models"),
                                        EnvOr("GALLERY_KEY", "gallery/encodings.json")),
      std::chrono::milliseconds(check_ms));
  EF_RETURN_IF_ERROR(r->gallery_->Load());
  r->gallery_load_ms_ = MsBetween(t1, Clock::now());
  return r;
}

void Recognizer::RefreshGallery() {
  Status s = gallery_->MaybeRefresh();
  if (!s.ok()) std::fprintf(stderr, "gallery refresh failed, keeping the current one: %s\n", s.message().c_str());
}

std::vector<RecognizedFace> Recognizer::Recognize(const media::RgbImage& img, int max_faces, RecognizeTimings* timings) {
  // FacePipeline::Process's steps, timed apart: detection dominates a frame, descriptors scale
  // with the number of faces.
  const auto t0 = Clock::now();
  face::PipelineOptions options;
  std::vector<face::Detection> dets = pipeline_->Detect(img, options.detect);
  if (max_faces > 0 && dets.size() > static_cast<size_t>(max_faces)) dets.resize(max_faces);
  const auto t1 = Clock::now();
  std::vector<RecognizedFace> out(dets.size());
  if (!dets.empty()) {
    const size_t chip_bytes = size_t{face::kChipSize} * face::kChipSize * 3;
    chips_.resize(chip_bytes * dets.size());
    for (size_t i = 0; i < dets.size(); ++i) {
      face::Landmarks marks = pipeline_->FindLandmarks(img, dets[i].box);
      face::ExtractChip(img, dets[i].box, marks, &chip_);
      std::copy(chip_.pixels.begin(), chip_.pixels.end(), chips_.begin() + i * chip_bytes);
    }
    std::vector<face::Descriptor> descriptors(dets.size());
    pipeline_->net().DescribeBatch(chips_.data(), static_cast<int>(dets.size()), descriptors.data());
    for (size_t i = 0; i < dets.size(); ++i) {
      face::Match m = gallery_->gallery().Nearest(descriptors[i]);
      out[i] = {dets[i].box, dets[i].score, std::move(m.name), m.distance};
    }
  }
  const auto t2 = Clock::now();
  if (timings) *timings = {MsBetween(t0, t1), MsBetween(t1, t2)};
  return out;
}

nlohmann::json FacesJson(const std::vector<RecognizedFace>& faces) {
  nlohmann::json arr = nlohmann::json::array();
  for (const RecognizedFace& f : faces) {
    const double d = f.distance < 1e8 ? std::round(f.distance * 1e4) / 1e4 : -1;
    arr.push_back({{"box", {f.box.left, f.box.top, f.box.right, f.box.bottom}},
                   {"name", f.name},
                   {"distance", d < 0 ? nlohmann::json(nullptr) : nlohmann::json(d)}});
  }
  return arr;
}

}  // namespace functions
