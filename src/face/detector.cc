#include "face/detector.h"

#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_transforms.h>

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <sstream>

#include "base/files.h"
#include "media/dlib_image.h"

namespace face {

namespace {
// "EFHOG\r\n\x1a" | u32 payload bytes | u32 CRC-32 of the payload | dlib::serialize(detector).
constexpr char kMagic[8] = {'E', 'F', 'H', 'O', 'G', '\r', '\n', '\x1a'};
constexpr size_t kHeader = 16;
}  // namespace

struct FaceDetector::Pool {
  dlib::frontal_face_detector prototype;
  std::mutex mu;
  std::vector<std::unique_ptr<dlib::frontal_face_detector>> free;  // guarded by mu

  std::unique_ptr<dlib::frontal_face_detector> Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!free.empty()) {
        auto d = std::move(free.back());
        free.pop_back();
        return d;
      }
    }
    return std::make_unique<dlib::frontal_face_detector>(prototype);
  }
  void Release(std::unique_ptr<dlib::frontal_face_detector> d) {
    std::lock_guard<std::mutex> lock(mu);
    free.push_back(std::move(d));
  }
};

FaceDetector::FaceDetector() : pool_(std::make_unique<Pool>()) {
  pool_->prototype = dlib::get_frontal_face_detector();
}
FaceDetector::FaceDetector(std::unique_ptr<Pool> pool) : pool_(std::move(pool)) {}

base::Status FaceDetector::WriteDetectorModel(const std::string& path) {
  std::ostringstream out;
  dlib::serialize(dlib::get_frontal_face_detector(), out);
  const std::string payload = out.str();
  const uint32_t size = payload.size();
  const uint32_t crc = crc32_z(0, reinterpret_cast<const Bytef*>(payload.data()), payload.size());
  std::string file(kMagic, sizeof kMagic);
  file.append(reinterpret_cast<const char*>(&size), 4);
  file.append(reinterpret_cast<const char*>(&crc), 4);
  return base::WriteFileAtomic(path, file + payload);
}

base::StatusOr<std::unique_ptr<FaceDetector>> FaceDetector::Load(const std::string& path) {
  base::StatusOr<std::string> bytes = base::ReadFile(path, 64 << 20);
  if (!bytes.ok()) {
    if (bytes.status().code() == base::Status::Code::kNotFound) {
      return base::Status::NotFound(path + ": face detector model missing; run tools/setup.sh (it runs "
                                    "`edgeface convert-models`)");
    }
    return bytes.status().WithContext(path);
  }
  uint32_t size = 0, crc = 0;
  if (bytes->size() < kHeader || std::memcmp(bytes->data(), kMagic, sizeof kMagic) != 0) {
    return base::Status::Corruption(path + ": not a face detector file");
  }
  std::memcpy(&size, bytes->data() + 8, 4);
  std::memcpy(&crc, bytes->data() + 12, 4);
  if (bytes->size() - kHeader != size ||
      crc32_z(0, reinterpret_cast<const Bytef*>(bytes->data()) + kHeader, size) != crc) {
    return base::Status::Corruption(path + ": face detector file damaged (size or checksum)");
  }
  auto pool = std::make_unique<Pool>();
  try {
    std::istringstream in(bytes->substr(kHeader));
    dlib::deserialize(pool->prototype, in);
  } catch (const std::exception& e) {
    return base::Status::Corruption(path + ": " + e.what());
  }
  return std::unique_ptr<FaceDetector>(new FaceDetector(std::move(pool)));
}
FaceDetector::~FaceDetector() = default;

double ScanScale(int width, int height, const DetectOptions& options) {
  double scale = std::ldexp(1.0, std::max(0, options.upsample));
  const double pixels = static_cast<double>(width) * height;
  if (options.max_scan_pixels > 0 && pixels * scale * scale > options.max_scan_pixels) {
    scale = std::sqrt(options.max_scan_pixels / pixels);
  }
  return scale;
}

std::vector<Detection> FaceDetector::Detect(const media::RgbImage& img,
                                            const DetectOptions& options) const {
  std::vector<Detection> out;
  if (img.empty()) return out;
  const double scale = ScanScale(img.width, img.height, options);
  std::vector<dlib::rect_detection> found;
  auto detector = pool_->Acquire();
  const int doublings = static_cast<int>(std::lround(std::log2(scale)));
  if (scale >= 1 && std::abs(scale - std::ldexp(1.0, doublings)) < 1e-9) {
    // Exactly face_recognition's path: pyramid_up N times, scan, map the boxes back down.
    if (doublings == 0) {
      (*detector)(img, found, options.adjust_threshold);
    } else {
      dlib::pyramid_down<2> pyr;
      dlib::array2d<dlib::rgb_pixel> up;
      dlib::pyramid_up(img, up, pyr);
      for (int i = 1; i < doublings; ++i) dlib::pyramid_up(up, pyr);
      (*detector)(up, found, options.adjust_threshold);
      for (auto& d : found) d.rect = pyr.rect_down(d.rect, doublings);
    }
  } else {
    const int w = std::max(1, static_cast<int>(std::lround(img.width * scale)));
    const int h = std::max(1, static_cast<int>(std::lround(img.height * scale)));
    const media::RgbImage scaled = media::Resize(img, w, h);
    (*detector)(scaled, found, options.adjust_threshold);
    const double sx = static_cast<double>(img.width) / w, sy = static_cast<double>(img.height) / h;
    for (auto& d : found) {
      d.rect = dlib::rectangle(std::lround(d.rect.left() * sx), std::lround(d.rect.top() * sy),
                               std::lround((d.rect.right() + 1) * sx) - 1,
                               std::lround((d.rect.bottom() + 1) * sy) - 1);
    }
  }
  pool_->Release(std::move(detector));
  std::sort(found.begin(), found.end(),
            [](const dlib::rect_detection& a, const dlib::rect_detection& b) {
              return a.detection_confidence > b.detection_confidence;
            });
  out.reserve(found.size());
  for (const auto& d : found) {
    out.push_back({{d.rect.left(), d.rect.top(), d.rect.right(), d.rect.bottom()}, d.detection_confidence});
  }
  return out;
}

}  // namespace face
