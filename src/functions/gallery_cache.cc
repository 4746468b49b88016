#include "functions/gallery_cache.h"

#include <cmath>
#include <cstdio>
#include <functional>
#include <set>

namespace functions {

using base::Status;

GalleryCache::GalleryCache(std::unique_ptr<GallerySource> source, std::chrono::milliseconds check_interval,
                           Clock clock)
    : source_(std::move(source)), check_interval_(check_interval), clock_(std::move(clock)) {}

Status GalleryCache::Reload() {
  std::string etag;
  base::StatusOr<std::string> body = source_->Fetch(&etag);
  if (!body.ok()) {
    if (body.status().code() != Status::Code::kNotFound) return body.status().WithContext(source_->Describe());
    gallery_ = face::Gallery();  // deleted: nobody is known any more
    etag_.clear();
    return Status::Ok();
  }
  base::StatusOr<face::Gallery> parsed = face::Gallery::Parse(*body, source_->Describe());
  if (!parsed.ok()) {
    // Remember the broken version's ETag anyway, so a bad upload is reported once per change
    // instead of being fetched again every interval.
    etag_ = etag;
    return parsed.status();
  }
  gallery_ = std::move(*parsed);
  etag_ = std::move(etag);
  ++loads_;
  return Status::Ok();
}

Status GalleryCache::Load() {
  last_check_ = clock_();
  return Reload();
}

Status GalleryCache::MaybeRefresh() {
  const auto now = clock_();
  if (now - last_check_ < check_interval_) return Status::Ok();
  last_check_ = now;
  base::StatusOr<std::string> etag = source_->Etag();
  if (!etag.ok()) {
    if (etag.status().code() != Status::Code::kNotFound) return etag.status().WithContext(source_->Describe());
    if (etag_.empty() && gallery_.size() == 0) return Status::Ok();  // still none
    gallery_ = face::Gallery();
    etag_.clear();
    return Status::Ok();
  }
  if (*etag == etag_) return Status::Ok();
  return Reload();
}

face::Gallery MergeGallery(const face::Gallery& base, const face::Gallery& added) {
  std::set<std::string> replaced;
  for (const auto& e : added.entries()) replaced.insert(e.name);
  face::Gallery out;
  for (const auto& e : base.entries()) {
    if (!replaced.count(e.name)) out.Add(e.name, e.encoding);
  }
  for (const auto& e : added.entries()) out.Add(e.name, e.encoding);
  return out;
}

std::string PersonObjectPrefix(std::string_view gallery_key) { return std::string(gallery_key) + ".d/"; }

std::string PersonObjectKey(std::string_view gallery_key, std::string_view person) {
  return PersonObjectPrefix(gallery_key) + std::string(person) + ".json";
}

std::string AssembledGalleryVersion(const std::string& base_etag,
                                    const std::vector<std::pair<std::string, std::string>>& part_keys_and_etags) {
  if (part_keys_and_etags.empty()) return base_etag;
  std::string all = base_etag;
  for (const auto& [key, etag] : part_keys_and_etags) {
    all += '\n';
    all += key;
    all += '\t';
    all += etag;
  }
  char digest[40];
  std::snprintf(digest, sizeof digest, "\"%016zx-%zu\"", std::hash<std::string>{}(all), part_keys_and_etags.size());
  return digest;
}

base::StatusOr<face::Gallery> AssembleGallery(const std::optional<std::string>& base_json, std::string_view base_name,
                                              const std::vector<GalleryPart>& parts, std::string_view bucket) {
  face::Gallery out;
  if (base_json) {
    base::StatusOr<face::Gallery> base = face::Gallery::Parse(*base_json, std::string(base_name));
    if (!base.ok()) return base.status();
    out = std::move(*base);
  }
  for (const GalleryPart& part : parts) {
    base::StatusOr<face::Gallery> g = face::Gallery::Parse(part.body, "s3://" + std::string(bucket) + "/" + part.key);
    if (!g.ok()) return g.status();
    out = MergeGallery(out, *g);
  }
  return out;
}

size_t HeldOutCount(size_t n, double split) {
  size_t held = static_cast<size_t>(std::lround(static_cast<double>(n) * split));
  if (held >= n) held = n > 0 ? n - 1 : 0;
  return held;
}

}  // namespace functions
