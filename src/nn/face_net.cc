#include "nn/face_net.h"

#include "nn/fast_net.h"
#include "nn/weights.h"
#include "nn/weights_format.h"

namespace nn {

struct FaceNet::Impl {
  std::unique_ptr<FastNet> fast;
};

FaceNet::FaceNet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FaceNet::FaceNet(FaceNet&&) noexcept = default;
FaceNet& FaceNet::operator=(FaceNet&&) noexcept = default;
FaceNet::~FaceNet() = default;

base::StatusOr<FaceNet> FaceNet::Load(const std::string& manifest_path, const std::string& bin_path) {
  base::StatusOr<WeightsFile> file = WeightsFile::Open(manifest_path, bin_path);
  if (!file.ok()) return file.status();
  auto impl = std::make_unique<Impl>();
  base::StatusOr<std::unique_ptr<FastNet>> fast = FastNet::Create(*file, DefaultBackend());
  if (!fast.ok()) return fast.status();
  impl->fast = std::move(*fast);
  return FaceNet(std::move(impl));
}

base::StatusOr<FaceNet> FaceNet::LoadFromDir(const std::string& models_dir) {
  return Load(models_dir + "/" + std::string(format::kManifestFileName),
              models_dir + "/" + std::string(format::kBinFileName));
}

Descriptor FaceNet::Describe(const uint8_t* chip_rgb) const {
  Descriptor d;
  impl_->fast->Forward(chip_rgb, 1, &d);
  return d;
}

void FaceNet::DescribeBatch(const uint8_t* chips_rgb, int n, Descriptor* out) const {
  if (n <= 0) return;
  impl_->fast->Forward(chips_rgb, n, out);
}

}  // namespace nn
