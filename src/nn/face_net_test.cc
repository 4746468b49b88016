// The whole network: fast path vs reference, both vs dlib's own DNN on the same weights, and the
// property users rely on (same person < 0.6 < different people).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "nn/dlib_peer.h"
#include "nn/face_net.h"
#include "nn/face_net_internal.h"
#include "nn/fast_net.h"
#include "nn/reference.h"

namespace nn {
namespace {

const char* kLfw = "../shared/data/lfw/images/";

float MaxAbsDiff(const Descriptor& a, const Descriptor& b) {
  float m = 0;
  for (int i = 0; i < kDescriptorSize; ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

float Distance(const Descriptor& a, const Descriptor& b) {
  float s = 0;
  for (int i = 0; i < kDescriptorSize; ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(s);
}

std::vector<uint8_t> Chip(const std::string& lfw_name, int crop = 150) {
  base::StatusOr<std::vector<uint8_t>> chip = LoadCentreChip(kLfw + lfw_name, crop);
  EXPECT_TRUE(chip.ok()) << chip.status().ToString();
  return chip.ok() ? *chip : std::vector<uint8_t>(kChipSize * kChipSize * 3, 0);
}

class FaceNetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    base::StatusOr<FaceNet> net = FaceNet::LoadFromDir("models");
    ASSERT_TRUE(net.ok()) << net.status().ToString();
    net_ = new FaceNet(std::move(*net));
  }
  static void TearDownTestSuite() { delete net_; }
  static FaceNet* net_;
};
FaceNet* FaceNetTest::net_ = nullptr;

const std::vector<std::string> kChips = {
    "Aaron_Eckhart/Aaron_Eckhart_0001.jpg",
    "George_W_Bush/George_W_Bush_0001.jpg",
    "Serena_Williams/Serena_Williams_0001.jpg",
};

// dlib's own network, our dequantised weights copied into its layers: the independent check that
// we read the weights and built the architecture as dlib's anet_type does.
TEST_F(FaceNetTest, ReferenceAndFastMatchDlibDnnWithin1e5) {
  const NetParams& params = InternalImpl(*net_).params;
  base::StatusOr<std::unique_ptr<DlibFaceNet>> dlib_net = DlibFaceNet::Create(params);
  ASSERT_TRUE(dlib_net.ok()) << dlib_net.status().ToString();
  for (const std::string& name : kChips) {
    std::vector<uint8_t> chip = Chip(name);
    Descriptor want = (*dlib_net)->Describe(chip.data());
    Descriptor ref = ref::Forward(params, chip.data());
    Descriptor fast = net_->Describe(chip.data());
    std::printf("%s: max |ref - dlib| = %.3g, max |fast - dlib| = %.3g, max |fast - ref| = %.3g\n",
                name.c_str(), MaxAbsDiff(ref, want), MaxAbsDiff(fast, want), MaxAbsDiff(fast, ref));
    EXPECT_LT(MaxAbsDiff(ref, want), 1e-5f) << name;
    EXPECT_LT(MaxAbsDiff(fast, want), 1e-5f) << name;
    float norm = 0;
    for (float v : want) norm += v * v;
    EXPECT_GT(norm, 0.01f) << name << ": a descriptor of a face should not be near zero";
  }
}

}  // namespace
}  // namespace nn
