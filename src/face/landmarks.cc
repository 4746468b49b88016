#include "face/landmarks.h"

#include <dlib/image_processing/shape_predictor.h>
#include <zlib.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include <cerrno>
#include "face/landmark_format.h"
#include "media/dlib_image.h"

namespace face {

namespace fmt = landmark_format;

// Views into the file, mapped read-only: loading is one mmap and one CRC pass, with no copy of
// the 65 MB of leaf values (a read into fresh memory cost ~5x more CPU).
struct LandmarkModel::Data {
  std::string_view bytes;  // the mapping
  ~Data() {
    if (!bytes.empty()) munmap(const_cast<char*>(bytes.data()), bytes.size());
  }
  fmt::Header h;
  dlib::matrix<float, 0, 1> initial_shape;
  std::vector<std::vector<dlib::vector<float, 2>>> deltas;  // [cascade][feature]
  const uint32_t* anchors = nullptr;                        // [cascade][feature]
  const fmt::Split* splits = nullptr;                       // [cascade][tree][split]
  const float* leaves = nullptr;                            // [cascade][tree][leaf][2*parts]
};

LandmarkModel::LandmarkModel(std::unique_ptr<Data> data) : data_(std::move(data)) {}
LandmarkModel::LandmarkModel(LandmarkModel&&) noexcept = default;
LandmarkModel& LandmarkModel::operator=(LandmarkModel&&) noexcept = default;
LandmarkModel::~LandmarkModel() = default;

base::StatusOr<LandmarkModel> LandmarkModel::Load(const std::string& path) {
  auto d = std::make_unique<Data>();
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return base::Status::NotFound(path + ": landmark model missing; run tools/setup.sh (it runs "
                                    "`edgeface convert-models`)");
    }
    return base::Status::IoError(path + ": " + std::strerror(errno));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size <= 0) {
    close(fd);
    return base::Status::Corruption(path + ": not a landmark model file: empty");
  }
  void* map = mmap(nullptr, st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  close(fd);
  if (map == MAP_FAILED) return base::Status::IoError(path + ": mmap: " + std::strerror(errno));
  d->bytes = std::string_view(static_cast<const char*>(map), st.st_size);
  auto corrupt = [&](const std::string& why) {
    return base::Status::Corruption(path + ": not a landmark model file: " + why);
  };
  if (d->bytes.size() < fmt::kHeaderSize) return corrupt("too short");
  std::memcpy(&d->h, d->bytes.data(), fmt::kHeaderSize);
  const fmt::Header& h = d->h;
  if (std::memcmp(h.magic, fmt::kMagic, sizeof h.magic) != 0) return corrupt("bad magic");
  if (h.version != fmt::kVersion) return corrupt("version " + std::to_string(h.version));
  if (h.num_parts != kLandmarkCount) {
    return base::Status::InvalidArgument(path + ": model has " + std::to_string(h.num_parts) +
                                         " points, expected 68");
  }
  if (h.tree_depth < 1 || h.tree_depth > 16 || h.num_cascades > 1000 || h.trees_per_cascade > 100000 ||
      h.features_per_cascade > 100000 || h.payload_bytes != fmt::PayloadBytes(h) ||
      d->bytes.size() - fmt::kHeaderSize != h.payload_bytes) {
    return corrupt("sizes do not add up");
  }
  const auto* payload = reinterpret_cast<const uint8_t*>(d->bytes.data()) + fmt::kHeaderSize;
  if (crc32_z(0, payload, h.payload_bytes) != h.crc32) return corrupt("checksum mismatch");

  const auto* p = payload;
  d->initial_shape.set_size(2 * h.num_parts);
  std::memcpy(&d->initial_shape(0), p, 8 * h.num_parts);
  p += 8 * h.num_parts;
  d->anchors = reinterpret_cast<const uint32_t*>(p);
  const size_t features = size_t{h.num_cascades} * h.features_per_cascade;
  for (size_t i = 0; i < features; ++i) {
    if (d->anchors[i] >= h.num_parts) return corrupt("anchor out of range");
  }
  p += 4 * features;
  const auto* delta = reinterpret_cast<const float*>(p);
  d->deltas.resize(h.num_cascades);
  for (uint32_t c = 0; c < h.num_cascades; ++c) {
    d->deltas[c].resize(h.features_per_cascade);
    for (uint32_t i = 0; i < h.features_per_cascade; ++i) {
      const float* xy = delta + 2 * (size_t{c} * h.features_per_cascade + i);
      d->deltas[c][i] = dlib::vector<float, 2>(xy[0], xy[1]);
    }
  }
  p += 8 * features;
  d->splits = reinterpret_cast<const fmt::Split*>(p);
  const size_t splits = size_t{h.num_cascades} * h.trees_per_cascade * ((size_t{1} << h.tree_depth) - 1);
  for (size_t i = 0; i < splits; ++i) {
    if (d->splits[i].idx1 >= h.features_per_cascade || d->splits[i].idx2 >= h.features_per_cascade) {
      return corrupt("split feature out of range");
    }
  }
  p += sizeof(fmt::Split) * splits;
  d->leaves = reinterpret_cast<const float*>(p);
  return LandmarkModel(std::move(d));
}

Landmarks LandmarkModel::Predict(const media::RgbImage& img, const Box& box) const {
  // This mirrors dlib::shape_predictor::operator() step by step, with dlib's own transforms, so
  // the points are identical to dlib's (landmarks_test checks it).
  const Data& d = *data_;
  const fmt::Header& h = d.h;
  const dlib::rectangle rect(box.left, box.top, box.right, box.bottom);
  const dlib::point_transform_affine tform_to_img = dlib::impl::unnormalizing_tform(rect);
  const dlib::rectangle area = dlib::get_rect(img);
  const dlib::const_image_view<media::RgbImage> view(img);
  const size_t num_splits = (size_t{1} << h.tree_depth) - 1, num_leaves = size_t{1} << h.tree_depth;
  const size_t shape_size = 2 * h.num_parts;

  dlib::matrix<float, 0, 1> current = d.initial_shape;
  std::vector<float> features(h.features_per_cascade);
  for (uint32_t c = 0; c < h.num_cascades; ++c) {
    const dlib::matrix<float, 2, 2> tform = dlib::matrix_cast<float>(
        dlib::impl::find_tform_between_shapes(d.initial_shape, current).get_m());
    const uint32_t* anchor = d.anchors + size_t{c} * h.features_per_cascade;
    for (uint32_t i = 0; i < h.features_per_cascade; ++i) {
      const dlib::point p =
          tform_to_img(tform * d.deltas[c][i] + dlib::impl::location(current, anchor[i]));
      features[i] = area.contains(p) ? dlib::get_pixel_intensity(view[p.y()][p.x()]) : 0;
    }
    float* shape = &current(0);
    for (uint32_t t = 0; t < h.trees_per_cascade; ++t) {
      const size_t tree = size_t{c} * h.trees_per_cascade + t;
      const fmt::Split* split = d.splits + tree * num_splits;
      size_t i = 0;
      while (i < num_splits) {
        i = features[split[i].idx1] - features[split[i].idx2] > split[i].thresh ? 2 * i + 1 : 2 * i + 2;
      }
      const float* leaf = d.leaves + (tree * num_leaves + (i - num_splits)) * shape_size;
      for (size_t k = 0; k < shape_size; ++k) shape[k] += leaf[k];
    }
  }
  Landmarks out;
  for (int i = 0; i < kLandmarkCount; ++i) {
    const dlib::point p = tform_to_img(dlib::impl::location(current, i));
    out[i] = {p.x(), p.y()};
  }
  return out;
}

}  // namespace face
