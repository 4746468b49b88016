// dlib's .dat → our landmark format. Only `edgeface convert-models` (run by tools/setup.sh)
// and tests call this; it is the one place that pays for dlib's slow deserialisation.
#include <dlib/image_processing/shape_predictor.h>
#include <zlib.h>

#include <cstring>
#include <fstream>

#include "base/files.h"
#include "face/landmark_format.h"
#include "face/landmarks.h"

namespace face {

namespace fmt = landmark_format;

base::Status ConvertDlibLandmarkModel(const std::string& dat_path, const std::string& out_path) {
  dlib::matrix<float, 0, 1> initial_shape;
  std::vector<std::vector<dlib::impl::regression_tree>> forests;
  std::vector<std::vector<unsigned long>> anchor_idx;
  std::vector<std::vector<dlib::vector<float, 2>>> deltas;
  std::ifstream in(dat_path, std::ios::binary);
  if (!in) return base::Status::NotFound(dat_path + ": cannot open (apt-get install libdlib-data)");
  try {
    // The fields of dlib::shape_predictor, in the order its serialize() writes them.
    int version = 0;
    dlib::deserialize(version, in);
    if (version != 1) return base::Status::Corruption(dat_path + ": not a version 1 shape_predictor");
    dlib::deserialize(initial_shape, in);
    dlib::deserialize(forests, in);
    dlib::deserialize(anchor_idx, in);
    dlib::deserialize(deltas, in);
  } catch (const std::exception& e) {
    return base::Status::Corruption(dat_path + ": " + e.what());
  }
  fmt::Header h{};
  std::memcpy(h.magic, fmt::kMagic, sizeof h.magic);
  h.version = fmt::kVersion;
  h.num_parts = initial_shape.size() / 2;
  h.num_cascades = forests.size();
  h.trees_per_cascade = forests.empty() ? 0 : forests[0].size();
  h.features_per_cascade = anchor_idx.empty() ? 0 : anchor_idx[0].size();
  const size_t num_splits = forests.empty() || forests[0].empty() ? 0 : forests[0][0].splits.size();
  while ((size_t{1} << h.tree_depth) - 1 < num_splits) ++h.tree_depth;
  // Our format stores a uniform ensemble; refuse anything else rather than mis-convert it.
  auto uniform = [&] {
    if (h.tree_depth == 0 || (size_t{1} << h.tree_depth) - 1 != num_splits) return false;
    if (anchor_idx.size() != forests.size() || deltas.size() != forests.size()) return false;
    for (size_t c = 0; c < forests.size(); ++c) {
      if (forests[c].size() != h.trees_per_cascade || anchor_idx[c].size() != h.features_per_cascade ||
          deltas[c].size() != h.features_per_cascade) return false;
      for (const auto& tree : forests[c]) {
        if (tree.splits.size() != num_splits || tree.leaf_values.size() != num_splits + 1) return false;
        for (const auto& leaf : tree.leaf_values) {
          if (leaf.size() != initial_shape.size()) return false;
        }
      }
    }
    return true;
  };
  if (!uniform()) return base::Status::InvalidArgument(dat_path + ": ensemble shape not supported");
  h.payload_bytes = fmt::PayloadBytes(h);

  std::string payload;
  payload.reserve(h.payload_bytes);
  auto put = [&](const void* p, size_t n) { payload.append(static_cast<const char*>(p), n); };
  for (long i = 0; i < initial_shape.size(); ++i) put(&initial_shape(i), 4);
  for (const auto& cascade : anchor_idx) {
    for (unsigned long a : cascade) {
      const auto v = static_cast<uint32_t>(a);
      put(&v, 4);
    }
  }
  for (const auto& cascade : deltas) {
    for (const auto& v : cascade) {
      const float xy[2] = {v.x(), v.y()};
      put(xy, 8);
    }
  }
  for (const auto& cascade : forests) {
    for (const auto& tree : cascade) {
      for (const auto& s : tree.splits) {
        const fmt::Split out{static_cast<uint32_t>(s.idx1), static_cast<uint32_t>(s.idx2), s.thresh};
        put(&out, sizeof out);
      }
    }
  }
  for (const auto& cascade : forests) {
    for (const auto& tree : cascade) {
      for (const auto& leaf : tree.leaf_values) put(&leaf(0), 4 * leaf.size());
    }
  }
  if (payload.size() != h.payload_bytes) return base::Status::Internal("landmark payload size mismatch");
  h.crc32 = crc32_z(0, reinterpret_cast<const Bytef*>(payload.data()), payload.size());
  std::string file(reinterpret_cast<const char*>(&h), sizeof h);
  file += payload;
  return base::WriteFileAtomic(out_path, file);
}

}  // namespace face
