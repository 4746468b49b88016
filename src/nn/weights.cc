#include "nn/weights.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "base/files.h"
#include "nn/weights_format.h"

namespace nn {

using base::Status;
using base::StatusOr;

namespace {

// obj[key] when it is a string, else "" (nlohmann's value() throws on a non-string).
std::string StringField(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string ShapeString(const std::vector<int>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace

struct WeightsFile::Rep {
  struct Entry {
    std::vector<int> shape;
    uint64_t offset = 0, count = 0;
    bool quantized = false;
    double scale = 0, min = 0;
  };
  std::string manifest_path, bin_path;
  std::vector<std::string> names;
  std::map<std::string, Entry> entries;
  // The .bin, mapped read-only and populated up front (one pass over the page cache instead of a
  // fault per page while dequantising).
  const unsigned char* data = nullptr;
  size_t size = 0;
  bool mapped = false;
  std::string owned;  // FromMemory's copy of the .bin

  ~Rep() {
    if (mapped) ::munmap(const_cast<unsigned char*>(data), size);
  }

  // Parses the manifest and places every tensor in data[0, size).
  Status Parse(const std::string& manifest_text);
};

WeightsFile::WeightsFile(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
WeightsFile::WeightsFile(WeightsFile&&) noexcept = default;
WeightsFile& WeightsFile::operator=(WeightsFile&&) noexcept = default;
WeightsFile::~WeightsFile() = default;

StatusOr<WeightsFile> WeightsFile::Open(const std::string& manifest_path, const std::string& bin_path) {
  StatusOr<std::string> manifest_text = base::ReadFile(manifest_path, format::kMaxManifestBytes);
  if (!manifest_text.ok()) return manifest_text.status();
  auto rep = std::make_unique<Rep>();
  rep->manifest_path = manifest_path;
  rep->bin_path = bin_path;

  const int fd = ::open(bin_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(bin_path + ": no such file");
    return Status::IoError(bin_path + ": open: " + std::strerror(errno));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(bin_path + ": not a regular file");
  }
  if (uint64_t(st.st_size) > format::kMaxBinBytes) {
    ::close(fd);
    return Status::ResourceExhausted(bin_path + ": larger than " + std::to_string(format::kMaxBinBytes) + " bytes");
  }
  rep->size = size_t(st.st_size);
  if (rep->size > 0) {
    void* p = ::mmap(nullptr, rep->size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      return Status::IoError(bin_path + ": mmap: " + std::strerror(errno));
    }
    rep->data = static_cast<const unsigned char*>(p);
    rep->mapped = true;
  }
  ::close(fd);
  EF_RETURN_IF_ERROR(rep->Parse(*manifest_text));
  return WeightsFile(std::move(rep));
}

StatusOr<WeightsFile> WeightsFile::FromMemory(const std::string& manifest_json, std::string bin) {
  auto rep = std::make_unique<Rep>();
  rep->manifest_path = "manifest";
  rep->bin_path = "bin";
  rep->owned = std::move(bin);
  rep->data = reinterpret_cast<const unsigned char*>(rep->owned.data());
  rep->size = rep->owned.size();
  EF_RETURN_IF_ERROR(rep->Parse(manifest_json));
  return WeightsFile(std::move(rep));
}

Status WeightsFile::Rep::Parse(const std::string& manifest_text) {
  nlohmann::json manifest = nlohmann::json::parse(manifest_text, nullptr, /*allow_exceptions=*/false);
  if (manifest.is_discarded() || !manifest.is_array() || manifest.size() != 1 || !manifest[0].is_object() ||
      !manifest[0].contains("weights") || !manifest[0]["weights"].is_array()) {
    return Status::Corruption(manifest_path + ": not a TF.js weights manifest with one weight group");
  }
  auto paths = manifest[0].find("paths");
  if (paths == manifest[0].end() || !paths->is_array() || paths->size() != 1) {
    return Status::Corruption(manifest_path + ": expected exactly one entry in \"paths\"");
  }

  uint64_t offset = 0;
  for (const nlohmann::json& item : manifest[0]["weights"]) {
    if (!item.is_object() || !item.contains("name") || !item["name"].is_string() || !item.contains("shape") ||
        !item["shape"].is_array()) {
      return Status::Corruption(manifest_path + ": a weights entry lacks name or shape");
    }
    const std::string name = item["name"].get<std::string>();
    auto bad = [&](const std::string& what) {
      return Status::Corruption(manifest_path + ": tensor " + name + ": " + what);
    };
    Rep::Entry e;
    e.count = 1;
    for (const nlohmann::json& d : item["shape"]) {
      if (!d.is_number_integer() || d.get<int64_t>() <= 0 || d.get<int64_t>() > (1 << 24)) {
        return bad("bad dimension in shape");
      }
      e.shape.push_back(d.get<int>());
      e.count *= d.get<uint64_t>();
      if (e.count > format::kMaxBinBytes) return bad("too many values");
    }
    if (StringField(item, "dtype") != format::kFloatDtype) return bad("dtype is not float32");
    if (item.contains("quantization")) {
      const nlohmann::json& q = item["quantization"];
      if (!q.is_object() || StringField(q, "dtype") != format::kQuantizedDtype || !q.contains("scale") ||
          !q["scale"].is_number() || !q.contains("min") || !q["min"].is_number()) {
        return bad("quantization is not uint8 with scale and min");
      }
      e.quantized = true;
      e.scale = q["scale"].get<double>();
      e.min = q["min"].get<double>();
    }
    e.offset = offset;
    offset += e.quantized ? e.count : 4 * e.count;  // uint8 or float32 as stored
    if (offset > size) return bad("runs past the end of " + bin_path);
    if (!entries.emplace(name, std::move(e)).second) return bad("listed twice");
    names.push_back(name);
  }
  if (offset != size) {
    return Status::Corruption(bin_path + ": " + std::to_string(size) + " bytes, but the manifest describes " +
                              std::to_string(offset));
  }
  return Status::Ok();
}

std::vector<std::string> WeightsFile::Names() const { return rep_->names; }

Status WeightsFile::Read(const std::string& name, const std::vector<int>& shape, std::vector<float>* out) const {
  auto it = rep_->entries.find(name);
  if (it == rep_->entries.end()) {
    return Status::InvalidArgument(rep_->manifest_path + ": tensor " + name + " is missing");
  }
  const Rep::Entry& e = it->second;
  if (!shape.empty() && e.shape != shape) {
    return Status::InvalidArgument(rep_->manifest_path + ": tensor " + name + " has shape " +
                                   ShapeString(e.shape) + ", expected " + ShapeString(shape));
  }
  out->resize(e.count);
  const unsigned char* p = rep_->data + e.offset;
  if (e.quantized) {
    // q * scale + min in double, rounded once to float, as TF.js computes it.
    for (uint64_t i = 0; i < e.count; ++i) (*out)[i] = static_cast<float>(p[i] * e.scale + e.min);
  } else {
    std::memcpy(out->data(), p, 4 * e.count);  // little-endian float32, like every host we build for
  }
  return Status::Ok();
}

StatusOr<RawTensor> WeightsFile::Read(const std::string& name) const {
  RawTensor t;
  EF_RETURN_IF_ERROR(Read(name, {}, &t.values));
  t.shape = rep_->entries.at(name).shape;
  return t;
}

static_assert(kNumConvs == 1 + 2 * int(std::size(format::kBlocks)));

Status ReadConv(const WeightsFile& file, int index, ConvParams* p) {
  if (index < 0 || index >= kNumConvs) return Status::InvalidArgument("no convolution " + std::to_string(index));
  std::string layer;
  if (index == 0) {
    layer = std::string(format::kStem);
    p->kernel = format::kStemKernel;
    p->in = 3;
    p->out = format::kStemChannels;
    p->stride = format::kStemStride;
  } else {
    const int block = (index - 1) / 2;
    const bool second = (index - 1) % 2 == 1;
    const format::BlockSpec& spec = format::kBlocks[block];
    layer = std::string(spec.name) + (second ? "/conv2" : "/conv1");
    p->kernel = format::kBlockKernel;
    p->in = second ? spec.channels : (block == 0 ? format::kStemChannels : format::kBlocks[block - 1].channels);
    p->out = spec.channels;
    p->stride = spec.down && !second ? 2 : 1;
  }
  p->pad = p->stride == 1 ? p->kernel / 2 : 0;
  EF_RETURN_IF_ERROR(file.Read(layer + "/conv/filters", {p->kernel, p->kernel, p->in, p->out}, &p->filters));
  EF_RETURN_IF_ERROR(file.Read(layer + "/conv/bias", {p->out}, &p->bias));
  EF_RETURN_IF_ERROR(file.Read(layer + "/scale/weights", {p->out}, &p->scale));
  EF_RETURN_IF_ERROR(file.Read(layer + "/scale/biases", {p->out}, &p->shift));
  return Status::Ok();
}

StatusOr<NetParams> LoadNetParams(const std::string& manifest_path, const std::string& bin_path) {
  StatusOr<WeightsFile> file = WeightsFile::Open(manifest_path, bin_path);
  if (!file.ok()) return file.status();
  NetParams net;
  EF_RETURN_IF_ERROR(ReadConv(*file, 0, &net.stem));
  for (size_t b = 0; b < std::size(format::kBlocks); ++b) {
    BlockParams block;
    block.name = format::kBlocks[b].name;
    block.down = format::kBlocks[b].down;
    EF_RETURN_IF_ERROR(ReadConv(*file, 1 + 2 * int(b), &block.conv1));
    EF_RETURN_IF_ERROR(ReadConv(*file, 2 + 2 * int(b), &block.conv2));
    net.blocks.push_back(std::move(block));
  }
  EF_RETURN_IF_ERROR(file->Read(std::string(format::kFc), {format::kFcInputs, format::kFcOutputs}, &net.fc));
  return net;
}

}  // namespace nn
