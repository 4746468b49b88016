// libFuzzer target for the weights reader: input = manifest JSON, a 0 byte, then the .bin bytes.
// Whatever the input, WeightsFile::FromMemory returns a Status or a file whose tensors all read
// back within the .bin (ASan checks), and ReadConv fails cleanly on a manifest of another network.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "nn/weights.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto* zero = static_cast<const uint8_t*>(std::memchr(data, 0, size));
  const size_t manifest_len = zero ? size_t(zero - data) : size;
  const std::string manifest(reinterpret_cast<const char*>(data), manifest_len);
  std::string bin;
  if (zero) bin.assign(reinterpret_cast<const char*>(zero + 1), size - manifest_len - 1);
  base::StatusOr<nn::WeightsFile> file = nn::WeightsFile::FromMemory(manifest, std::move(bin));
  if (!file.ok()) return 0;
  std::vector<float> values;
  for (const std::string& name : file->Names()) {
    if (!file->Read(name, {}, &values).ok()) __builtin_trap();  // every listed tensor must read
  }
  nn::ConvParams p;
  for (int i = 0; i < nn::kNumConvs; ++i) (void)nn::ReadConv(*file, i, &p);
  return 0;
}
