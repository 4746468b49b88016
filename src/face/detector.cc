#include "face/detector.h"

#include <dlib/image_processing/frontal_face_detector.h>

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <sstream>

#include "base/files.h"
#include "face/detector_pool.h"

namespace face {

bool CpuCanScan() {
#if defined(EDGEFACE_DETECTOR_AVX2)
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return true;
#endif
}

namespace {
// "EFHOG\r\n\x1a" | u32 payload bytes | u32 CRC-32 of the payload | dlib::serialize(detector).
constexpr char kMagic[8] = {'E', 'F', 'H', 'O', 'G', '\r', '\n', '\x1a'};
constexpr size_t kHeader = 16;
}  // namespace


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
  if (!CpuCanScan()) {
    return base::Status::FailedPrecondition(
        "this build's face detector needs a CPU with AVX2 and FMA; rebuild with "
        "cmake -DEDGEFACE_AVX2=OFF");
  }
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

}  // namespace face
