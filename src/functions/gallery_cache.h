// GalleryCache: the gallery a function matches against, kept in step with the object store.
//
// face-recognition (and video-recognition) read the gallery at init and must see a new person
// without a redeploy, yet cannot afford a GetObject per frame. So before each invocation they call
// MaybeRefresh(): at most once per `check_interval` it asks the source for the current ETag (an S3
// HeadObject, ~0.3 ms locally) and only when the ETag changed does it fetch and parse the gallery.
//
// Failure policy: a gallery object that does not exist is an empty gallery (enroll may create it
// later); a failed check, a failed fetch or a new version that does not parse keeps the current
// gallery (the next check tries again) and is returned so the caller can log it.
//
// Thread-safety: none; a function instance serves one invocation at a time.
#pragma once

#include <chrono>
#include <functional>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "face/gallery.h"

namespace functions {

// Where the gallery lives (an S3 object in production; tests use their own).
class GallerySource {
 public:
  virtual ~GallerySource() = default;
  // The current version's ETag. NotFound when there is no gallery object.
  virtual base::StatusOr<std::string> Etag() = 0;
  // The whole gallery JSON; *etag receives its ETag. NotFound when there is none.
  virtual base::StatusOr<std::string> Fetch(std::string* etag) = 0;
  // "s3://bucket/key", for messages.
  virtual std::string Describe() const = 0;
};

class GalleryCache {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  GalleryCache(std::unique_ptr<GallerySource> source, std::chrono::milliseconds check_interval,
               Clock clock = &std::chrono::steady_clock::now);

  // The first load. Errors other than NotFound (an unreachable store, a gallery that does not
  // parse) are returned: the function's init fails with them.
  base::Status Load();

  // Checks the ETag if `check_interval` has passed since the last check, and reloads when it
  // changed. Returns the error of a failed check or reload (the current gallery stays).
  base::Status MaybeRefresh();

  const face::Gallery& gallery() const { return gallery_; }
  const std::string& etag() const { return etag_; }  // "" while there is no gallery object
  int loads() const { return loads_; }                // successful fetches, including the first

 private:
  base::Status Reload();

  std::unique_ptr<GallerySource> source_;
  std::chrono::milliseconds check_interval_;
  Clock clock_;
  std::chrono::steady_clock::time_point last_check_{};
  face::Gallery gallery_;
  std::string etag_;
  int loads_ = 0;
};

// ---- The gallery in the object store: a base object plus one object per enrolled person ----
//
// The base object is GALLERY_KEY (the course's encodings, loaded by the stack). `enroll` never
// rewrites it: each person it enrols goes to their own object PersonObjectKey(GALLERY_KEY, name),
// a gallery JSON holding only that person's entries. Readers assemble base + person objects. So
// two enrolments at once never lose each other's update (there is no read-modify-write of a shared
// object, and S3 has no compare-and-swap PUT to make one safe); enrolling a person again replaces
// that person's object, i.e. their entries, as a whole.

// "<gallery_key>.d/": where the person objects live ("gallery/encodings.json.d/").
std::string PersonObjectPrefix(std::string_view gallery_key);
// "<gallery_key>.d/<person>.json".
std::string PersonObjectKey(std::string_view gallery_key, std::string_view person);

// One stored object of the gallery, as read.
struct GalleryPart {
  std::string key;
  std::string etag;
  std::string body;  // gallery JSON
};

// The version of an assembled gallery (what GallerySource::Etag reports): the base's ETag alone
// when there are no person objects (so a plain gallery keeps its S3 ETag), else a digest of the
// base's ETag and every person object's key and ETag. `parts` must be in key order.
std::string AssembledGalleryVersion(const std::string& base_etag,
                                    const std::vector<std::pair<std::string, std::string>>& part_keys_and_etags);

// base (may be absent: nullopt) then each part in key order, each part replacing the entries of
// the names it holds (MergeGallery). InvalidArgument naming the object when one does not parse.
base::StatusOr<face::Gallery> AssembleGallery(const std::optional<std::string>& base_json, std::string_view base_name,
                                              const std::vector<GalleryPart>& parts, std::string_view bucket);

// Enrolment's merge: `base` without any entry of a name that `added` has, then `added`'s entries.
// Order: base's surviving entries first (in their order), then added's.
face::Gallery MergeGallery(const face::Gallery& base, const face::Gallery& added);

// How many of a person's n images (sorted by key) are held out for validation: round(n * split),
// but at least one image stays for training (the rule of `edgeface train`).
size_t HeldOutCount(size_t n, double split);

}  // namespace functions
