// Reading the TF.js weight files: the shipped model loads with the values the format defines,
// and bad files give clear errors (no crash, no half-loaded net).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <nlohmann/json.hpp>
#include <string>

#include "base/files.h"
#include "nn/face_net.h"
#include "nn/weights.h"

namespace nn {
namespace {

const std::string kManifest = "models/face_recognition_model-weights_manifest.json";
const std::string kBin = "models/face_recognition_model.bin";

class WeightsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/nn_weights_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    base::StatusOr<std::string> m = base::ReadFile(kManifest);
    base::StatusOr<std::string> b = base::ReadFile(kBin);
    ASSERT_TRUE(m.ok() && b.ok());
    manifest_ = nlohmann::json::parse(*m);
    bin_ = *b;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes the (possibly modified) manifest and bin to the temp dir and loads them.
  base::Status LoadModified() {
    EXPECT_TRUE(base::WriteFileAtomic(dir_ + "/m.json", manifest_.dump()).ok());
    EXPECT_TRUE(base::WriteFileAtomic(dir_ + "/w.bin", bin_).ok());
    return FaceNet::Load(dir_ + "/m.json", dir_ + "/w.bin").status();
  }
  nlohmann::json& Entry(const std::string& name) {
    for (nlohmann::json& e : manifest_[0]["weights"])
      if (e["name"] == name) return e;
    ADD_FAILURE() << name;
    return manifest_;
  }

  std::string dir_;
  nlohmann::json manifest_;
  std::string bin_;
};

TEST_F(WeightsTest, ShippedModelDequantisesAndReadsFloatTensors) {
  base::StatusOr<WeightsFile> file = WeightsFile::Open(kManifest, kBin);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->Names().size(), 4u + 14u * 8u + 1u);  // stem, 14 blocks of two conv+affine, fc
  // The first tensor starts at byte 0 and is quantised: value 0 is bin[0] * scale + min.
  const nlohmann::json& q = Entry("conv32_down/conv/filters")["quantization"];
  const float want = float(uint8_t(bin_[0]) * q["scale"].get<double>() + q["min"].get<double>());
  base::StatusOr<RawTensor> first = file->Read("conv32_down/conv/filters");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->values[0], want);
  EXPECT_EQ(first->shape, (std::vector<int>{7, 7, 3, 32}));
  // The last tensor ends at the end of the file: its last value comes from the last byte.
  const nlohmann::json& fq = Entry("fc")["quantization"];
  base::StatusOr<RawTensor> fc = file->Read("fc");
  ASSERT_TRUE(fc.ok());
  EXPECT_EQ(fc->values.back(), float(uint8_t(bin_.back()) * fq["scale"].get<double>() + fq["min"].get<double>()));
  // conv64_down/conv1/conv/filters is stored as float32: small weights, not 256 levels.
  base::StatusOr<RawTensor> stored_float = file->Read("conv64_down/conv1/conv/filters");
  ASSERT_TRUE(stored_float.ok());
  const RawTensor& f = *stored_float;
  ASSERT_EQ(f.values.size(), 3u * 3 * 32 * 64);
  std::set<float> distinct(f.values.begin(), f.values.end());
  EXPECT_GT(distinct.size(), 1000u);
  for (float v : f.values) ASSERT_TRUE(std::isfinite(v) && std::abs(v) < 1.0f);
}

TEST_F(WeightsTest, LoadFromDirLoadsTheRepositoryModel) {
  base::StatusOr<FaceNet> net = FaceNet::LoadFromDir("models");
  EXPECT_TRUE(net.ok()) << net.status().ToString();
}

TEST_F(WeightsTest, MissingFilesAreNotFoundAndNamed) {
  base::Status s = FaceNet::Load(dir_ + "/none.json", kBin).status();
  EXPECT_EQ(s.code(), base::Status::Code::kNotFound);
  EXPECT_NE(s.message().find("none.json"), std::string::npos) << s.message();
  s = FaceNet::LoadFromDir(dir_).status();
  EXPECT_EQ(s.code(), base::Status::Code::kNotFound);
  s = FaceNet::Load(kManifest, dir_ + "/none.bin").status();
  EXPECT_EQ(s.code(), base::Status::Code::kNotFound);
  EXPECT_NE(s.message().find("none.bin"), std::string::npos) << s.message();
}

TEST_F(WeightsTest, TruncatedOrLongerBinIsCorruption) {
  bin_.resize(bin_.size() - 1);
  base::Status s = LoadModified();
  EXPECT_EQ(s.code(), base::Status::Code::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find("fc"), std::string::npos) << s.message();  // the last tensor runs short
  bin_ += "xy";
  s = LoadModified();
  EXPECT_EQ(s.code(), base::Status::Code::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find("6444033 bytes"), std::string::npos) << s.message();
}

TEST_F(WeightsTest, ManifestThatIsNotJsonOrNotAManifestIsCorruption) {
  ASSERT_TRUE(base::WriteFileAtomic(dir_ + "/m.json", "{\"weights\": [").ok());
  EXPECT_EQ(FaceNet::Load(dir_ + "/m.json", kBin).status().code(), base::Status::Code::kCorruption);
  ASSERT_TRUE(base::WriteFileAtomic(dir_ + "/m.json", "{\"weights\": []}").ok());
  EXPECT_EQ(FaceNet::Load(dir_ + "/m.json", kBin).status().code(), base::Status::Code::kCorruption);
  Entry("fc")["quantization"]["dtype"] = "uint16";
  base::Status s = LoadModified();
  EXPECT_EQ(s.code(), base::Status::Code::kCorruption);
  EXPECT_NE(s.message().find("tensor fc"), std::string::npos) << s.message();
  Entry("fc")["quantization"]["dtype"] = 8;  // not a string: an error, not an exception
  EXPECT_EQ(LoadModified().code(), base::Status::Code::kCorruption);
  Entry("fc")["quantization"]["dtype"] = "uint8";
  Entry("fc")["dtype"] = nullptr;
  EXPECT_EQ(LoadModified().code(), base::Status::Code::kCorruption);
}

TEST_F(WeightsTest, WrongShapeOrMissingTensorIsInvalidArgumentNamingIt) {
  Entry("fc")["shape"] = {128, 256};  // same byte count, wrong layout
  base::Status s = LoadModified();
  EXPECT_EQ(s.code(), base::Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("tensor fc has shape [128,256], expected [256,128]"), std::string::npos)
      << s.message();
  Entry("fc")["shape"] = {256, 128};
  Entry("conv128_1/conv2/scale/biases")["name"] = "conv128_1/conv2/scale/bias";
  s = LoadModified();
  EXPECT_EQ(s.code(), base::Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("conv128_1/conv2/scale/biases is missing"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace nn
