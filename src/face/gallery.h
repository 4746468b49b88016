// Gallery: the known faces, and matching a descriptor against them.
//
// On disk it is JSON, the format of ../shared/data/cse546/encoding_dlib128.json:
//   {"faces": [{"name": "president_obama", "encoding": [128 numbers]}, ...]}
// A person may have several entries (several photos). Matching is nearest-neighbour by Euclidean
// distance over all entries, accepted when the distance is <= tolerance (0.6, the threshold dlib's
// network was trained for), else "unknown". Never "the first entry within tolerance": that makes
// the answer depend on the file's order.
//
// Thread-safety: const methods are safe from many threads; Add needs exclusive access.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace face {

inline constexpr int kDescriptorSize = 128;
using Descriptor = std::array<float, kDescriptorSize>;  // the same type as nn::Descriptor
inline constexpr double kDefaultTolerance = 0.6;
inline constexpr char kUnknown[] = "unknown";

double Distance(const Descriptor& a, const Descriptor& b);

struct Match {
  std::string name;          // the nearest entry's name if accepted, else kUnknown
  std::string nearest_name;  // the nearest entry's name either way ("" for an empty gallery)
  double distance = 1e9;     // to the nearest entry
  bool accepted = false;     // distance <= tolerance
};

class Gallery {
 public:
  struct Entry {
    std::string name;
    Descriptor encoding;
  };

  // Errors: NotFound, InvalidArgument naming the file and the entry ("g.json: faces[3].encoding
  // has 127 numbers, expected 128").
  static base::StatusOr<Gallery> Load(const std::string& path);
  // `source` names the text in error messages.
  static base::StatusOr<Gallery> Parse(std::string_view json, const std::string& source);

  std::string ToJson() const;
  base::Status Save(const std::string& path) const;  // atomic: old file or whole new one

  void Add(std::string name, const Descriptor& encoding) { entries_.push_back({std::move(name), encoding}); }
  const std::vector<Entry>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }

  Match Nearest(const Descriptor& d, double tolerance = kDefaultTolerance) const;

 private:
  std::vector<Entry> entries_;
};

}  // namespace face
