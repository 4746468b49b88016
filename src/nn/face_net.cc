#include "nn/face_net.h"

#include "nn/face_net_internal.h"
#include "nn/weights_format.h"

namespace nn {

FaceNet::FaceNet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FaceNet::FaceNet(FaceNet&&) noexcept = default;
FaceNet& FaceNet::operator=(FaceNet&&) noexcept = default;
FaceNet::~FaceNet() = default;

FaceNet::Impl& InternalImpl(const FaceNet& net) { return *net.impl_; }

base::StatusOr<FaceNet> FaceNet::Load(const std::string& manifest_path, const std::string& bin_path) {
  base::StatusOr<NetParams> params = LoadNetParams(manifest_path, bin_path);
  if (!params.ok()) return params.status();
  auto impl = std::make_unique<Impl>();
  impl->params = std::move(*params);
  base::StatusOr<std::unique_ptr<FastNet>> fast = FastNet::Create(impl->params, DefaultBackend());
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
