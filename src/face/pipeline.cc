#include "face/pipeline.h"

#include <unistd.h>

#include <cstdlib>
#include <future>

#include "face/chip.h"
#include "face/landmark_format.h"
#include "nn/face_net.h"

namespace face {

FacePipeline::~FacePipeline() = default;

std::string FacePipeline::DefaultModelsDir() {
  if (const char* env = std::getenv("EDGEFACE_MODELS"); env && *env) return env;
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    std::string path(exe, n);
    // <repo>/<build dir>/bin/edgeface → <repo>/models
    for (int up = 0; up < 3 && path.find('/') != std::string::npos; ++up) path.erase(path.rfind('/'));
    const std::string dir = path + "/models";
    if (access((dir + "/" + landmark_format::kDefaultFileName).c_str(), R_OK) == 0 ||
        access((dir + "/face_recognition_model.bin").c_str(), R_OK) == 0) {
      return dir;
    }
  }
  return "models";
}

base::StatusOr<std::unique_ptr<FacePipeline>> FacePipeline::Load(const std::string& models_dir) {
  std::unique_ptr<FacePipeline> p(new FacePipeline());
  // The two model files load in parallel: together they are most of a cold start.
  auto landmarks = std::async(std::launch::async, [&] {
    return LandmarkModel::Load(models_dir + "/" + landmark_format::kDefaultFileName);
  });
  base::StatusOr<nn::FaceNet> net = nn::FaceNet::LoadFromDir(models_dir);
  base::StatusOr<std::unique_ptr<FaceDetector>> detector =
      FaceDetector::Load(models_dir + "/" + landmark_format::kDetectorFileName);
  base::StatusOr<LandmarkModel> lm = landmarks.get();
  if (!lm.ok()) return lm.status();
  if (!net.ok()) return net.status();
  if (!detector.ok()) return detector.status();
  p->detector_ = std::move(detector).value();
  p->landmarks_ = std::make_unique<LandmarkModel>(std::move(lm).value());
  p->net_ = std::make_unique<nn::FaceNet>(std::move(net).value());
  return p;
}

std::vector<Detection> FacePipeline::Detect(const media::RgbImage& img, const DetectOptions& options) const {
  return detector_->Detect(img, options);
}

Landmarks FacePipeline::FindLandmarks(const media::RgbImage& img, const Box& box) const {
  return landmarks_->Predict(img, box);
}

void MirrorImage(const media::RgbImage& img, media::RgbImage* out) {
  out->Reset(img.width, img.height);
  for (int y = 0; y < img.height; ++y) {
    const uint8_t* src = img.row(y);
    uint8_t* dst = out->row(y);
    for (int x = 0; x < img.width; ++x) {
      const uint8_t* s = src + (img.width - 1 - x) * 3;
      dst[x * 3] = s[0];
      dst[x * 3 + 1] = s[1];
      dst[x * 3 + 2] = s[2];
    }
  }
}

Descriptor FacePipeline::DescribeChip(const media::RgbImage& chip, bool flip) const {
  if (!flip) return net_->Describe(chip.pixels.data());
  std::vector<uint8_t> both(chip.pixels.size() * 2);
  media::RgbImage mirrored;
  MirrorImage(chip, &mirrored);
  std::copy(chip.pixels.begin(), chip.pixels.end(), both.begin());
  std::copy(mirrored.pixels.begin(), mirrored.pixels.end(), both.begin() + chip.pixels.size());
  Descriptor d[2];
  net_->DescribeBatch(both.data(), 2, d);
  Descriptor mean;
  for (int i = 0; i < kDescriptorSize; ++i) mean[i] = 0.5f * (d[0][i] + d[1][i]);
  return mean;
}

std::vector<Face> FacePipeline::Process(const media::RgbImage& img, const PipelineOptions& options) const {
  std::vector<Detection> dets = detector_->Detect(img, options.detect);
  if (options.max_faces > 0 && dets.size() > static_cast<size_t>(options.max_faces)) {
    dets.resize(options.max_faces);
  }
  std::vector<Face> faces(dets.size());
  if (dets.empty()) return faces;
  // Chips side by side (and their mirror images after them), described in one batch.
  const size_t chip_bytes = size_t{kChipSize} * kChipSize * 3;
  const int copies = options.flip ? 2 : 1;
  std::vector<uint8_t> chips(chip_bytes * dets.size() * copies);
  media::RgbImage chip, mirrored;
  for (size_t i = 0; i < dets.size(); ++i) {
    faces[i].box = dets[i].box;
    faces[i].score = dets[i].score;
    faces[i].landmarks = landmarks_->Predict(img, dets[i].box);
    ExtractChip(img, dets[i].box, faces[i].landmarks, &chip);
    std::copy(chip.pixels.begin(), chip.pixels.end(), chips.begin() + i * chip_bytes);
    if (options.flip) {
      MirrorImage(chip, &mirrored);
      std::copy(mirrored.pixels.begin(), mirrored.pixels.end(),
                chips.begin() + (dets.size() + i) * chip_bytes);
    }
  }
  std::vector<Descriptor> out(dets.size() * copies);
  net_->DescribeBatch(chips.data(), static_cast<int>(out.size()), out.data());
  for (size_t i = 0; i < dets.size(); ++i) {
    faces[i].descriptor = out[i];
    if (options.flip) {
      for (int k = 0; k < kDescriptorSize; ++k) {
        faces[i].descriptor[k] = 0.5f * (out[i][k] + out[dets.size() + i][k]);
      }
    }
  }
  return faces;
}

}  // namespace face
