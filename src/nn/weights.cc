#include "nn/weights.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "base/files.h"
#include "nn/weights_format.h"

namespace nn {
namespace {

using base::Status;
using base::StatusOr;

// Little-endian float32 as stored by TF.js (every machine we build for is little endian).
float LoadFloat32(const unsigned char* p) {
  float f;
  std::memcpy(&f, p, sizeof f);
  return f;
}

StatusOr<RawTensor> Take(std::map<std::string, RawTensor>& tensors, const std::string& name,
                         const std::vector<int>& shape) {
  auto it = tensors.find(name);
  if (it == tensors.end()) return Status::InvalidArgument("tensor " + name + " is missing");
  if (it->second.shape != shape) {
    std::string got, want;
    for (int d : it->second.shape) got += (got.empty() ? "" : ",") + std::to_string(d);
    for (int d : shape) want += (want.empty() ? "" : ",") + std::to_string(d);
    return Status::InvalidArgument("tensor " + name + " has shape [" + got + "], expected [" + want + "]");
  }
  return std::move(it->second);
}

Status TakeConv(std::map<std::string, RawTensor>& tensors, const std::string& layer, int kernel,
                int in, int out, int stride, ConvParams* p) {
  p->kernel = kernel;
  p->in = in;
  p->out = out;
  p->stride = stride;
  p->pad = stride == 1 ? kernel / 2 : 0;
  struct Part {
    const char* suffix;
    std::vector<int> shape;
    std::vector<float>* dst;
  } parts[] = {
      {"/conv/filters", {kernel, kernel, in, out}, &p->filters},
      {"/conv/bias", {out}, &p->bias},
      {"/scale/weights", {out}, &p->scale},
      {"/scale/biases", {out}, &p->shift},
  };
  for (Part& part : parts) {
    StatusOr<RawTensor> t = Take(tensors, layer + part.suffix, part.shape);
    if (!t.ok()) return t.status();
    *part.dst = std::move(t->values);
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::map<std::string, RawTensor>> ReadTfjsWeights(const std::string& manifest_path,
                                                           const std::string& bin_path) {
  StatusOr<std::string> manifest_text = base::ReadFile(manifest_path, format::kMaxManifestBytes);
  if (!manifest_text.ok()) return manifest_text.status().WithContext(manifest_path);
  StatusOr<std::string> bin = base::ReadFile(bin_path, format::kMaxBinBytes);
  if (!bin.ok()) return bin.status().WithContext(bin_path);

  nlohmann::json manifest = nlohmann::json::parse(*manifest_text, nullptr, /*allow_exceptions=*/false);
  if (manifest.is_discarded() || !manifest.is_array() || manifest.size() != 1 ||
      !manifest[0].is_object() || !manifest[0].contains("weights") || !manifest[0]["weights"].is_array()) {
    return Status::Corruption(manifest_path + ": not a TF.js weights manifest with one weight group");
  }
  const nlohmann::json& paths = manifest[0].value("paths", nlohmann::json::array());
  if (!paths.is_array() || paths.size() != 1) {
    return Status::Corruption(manifest_path + ": expected exactly one entry in \"paths\"");
  }

  std::map<std::string, RawTensor> tensors;
  const auto* data = reinterpret_cast<const unsigned char*>(bin->data());
  const uint64_t size = bin->size();
  uint64_t offset = 0;
  for (const nlohmann::json& entry : manifest[0]["weights"]) {
    if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() ||
        !entry.contains("shape") || !entry["shape"].is_array()) {
      return Status::Corruption(manifest_path + ": a weights entry lacks name or shape");
    }
    const std::string name = entry["name"].get<std::string>();
    auto bad = [&](const std::string& what) {
      return Status::Corruption(manifest_path + ": tensor " + name + ": " + what);
    };
    RawTensor t;
    uint64_t count = 1;
    for (const nlohmann::json& d : entry["shape"]) {
      if (!d.is_number_integer() || d.get<int64_t>() <= 0 || d.get<int64_t>() > (1 << 24)) {
        return bad("bad dimension in shape");
      }
      t.shape.push_back(d.get<int>());
      count *= d.get<uint64_t>();
      if (count > format::kMaxBinBytes) return bad("too many values");
    }
    if (entry.value("dtype", std::string()) != format::kFloatDtype) return bad("dtype is not float32");

    t.values.resize(count);
    if (entry.contains("quantization")) {
      const nlohmann::json& q = entry["quantization"];
      if (!q.is_object() || q.value("dtype", std::string()) != format::kQuantizedDtype ||
          !q.contains("scale") || !q["scale"].is_number() || !q.contains("min") || !q["min"].is_number()) {
        return bad("quantization is not uint8 with scale and min");
      }
      // Dequantise in double, round once: the closest float to q*scale+min.
      const double scale = q["scale"].get<double>(), min = q["min"].get<double>();
      if (offset + count > size) return bad("runs past the end of " + bin_path);
      for (uint64_t i = 0; i < count; ++i) {
        t.values[i] = static_cast<float>(data[offset + i] * scale + min);
      }
      offset += count;
    } else {
      if (offset + 4 * count > size) return bad("runs past the end of " + bin_path);
      for (uint64_t i = 0; i < count; ++i) t.values[i] = LoadFloat32(data + offset + 4 * i);
      offset += 4 * count;
    }
    if (!tensors.emplace(name, std::move(t)).second) return bad("listed twice");
  }
  if (offset != size) {
    return Status::Corruption(bin_path + ": " + std::to_string(size) + " bytes, but the manifest describes " +
                              std::to_string(offset));
  }
  return tensors;
}

StatusOr<NetParams> LoadNetParams(const std::string& manifest_path, const std::string& bin_path) {
  StatusOr<std::map<std::string, RawTensor>> tensors = ReadTfjsWeights(manifest_path, bin_path);
  if (!tensors.ok()) return tensors.status();
  NetParams net;
  Status s = TakeConv(*tensors, std::string(format::kStem), format::kStemKernel, 3, format::kStemChannels,
                      format::kStemStride, &net.stem);
  int channels = format::kStemChannels;
  for (const format::BlockSpec& spec : format::kBlocks) {
    if (!s.ok()) break;
    BlockParams b;
    b.name = spec.name;
    b.down = spec.down;
    s = TakeConv(*tensors, b.name + "/conv1", format::kBlockKernel, channels, spec.channels, spec.down ? 2 : 1,
                 &b.conv1);
    if (s.ok()) {
      s = TakeConv(*tensors, b.name + "/conv2", format::kBlockKernel, spec.channels, spec.channels, 1, &b.conv2);
    }
    channels = spec.channels;
    net.blocks.push_back(std::move(b));
  }
  if (s.ok()) {
    StatusOr<RawTensor> fc = Take(*tensors, std::string(format::kFc), {format::kFcInputs, format::kFcOutputs});
    if (fc.ok()) net.fc = std::move(fc->values);
    s = fc.status();
  }
  if (!s.ok()) return s.WithContext(manifest_path);
  return net;
}

}  // namespace nn
