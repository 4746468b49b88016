// Each layer of the fast path against the reference on random input (ncnn test_layer style):
// same input, both implementations, compare. Tolerance: |fast - ref| <= 1e-4 + 1e-4 * |ref|
// (float sums of up to 2304 products in a different order; values are O(1)).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "nn/fast_net.h"
#include "nn/reference.h"

namespace nn {
namespace {

std::mt19937 rng(546);

void Fill(std::vector<float>& v, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  for (float& f : v) f = d(rng);
}

Activation RandomActivation(int rows, int cols, int ch, int n = 1) {
  Activation a(rows * n, cols, ch);  // n images stacked: NHWC batches are images one after another
  Fill(a.v, -1.0f, 1.0f);
  return a;
}

Activation Image(const Activation& batch, int img, int rows) {
  Activation a(rows, batch.cols, batch.channels);
  std::copy(batch.v.begin() + size_t(img) * a.v.size(), batch.v.begin() + size_t(img + 1) * a.v.size(), a.v.begin());
  return a;
}

ConvParams RandomConv(int kernel, int in, int out, int stride) {
  ConvParams p;
  p.kernel = kernel;
  p.in = in;
  p.out = out;
  p.stride = stride;
  p.pad = stride == 1 ? kernel / 2 : 0;
  p.filters.resize(size_t(kernel) * kernel * in * out);
  p.bias.resize(out);
  p.scale.resize(out);
  p.shift.resize(out);
  const float w = 1.0f / std::sqrt(float(kernel * kernel * in));
  Fill(p.filters, -w, w);
  Fill(p.bias, -0.1f, 0.1f);
  Fill(p.scale, 0.5f, 3.0f);
  Fill(p.shift, -1.0f, 1.0f);
  return p;
}

void ExpectClose(const std::vector<float>& fast, const std::vector<float>& ref, const char* what) {
  ASSERT_EQ(fast.size(), ref.size()) << what;
  int bad = 0;
  for (size_t i = 0; i < ref.size() && bad < 5; ++i) {
    if (!(std::abs(fast[i] - ref[i]) <= 1e-4f + 1e-4f * std::abs(ref[i]))) {
      ADD_FAILURE() << what << " [" << i << "]: fast " << fast[i] << " ref " << ref[i];
      ++bad;
    }
  }
}

struct ConvCase {
  const char* name;
  int rows, kernel, in, out, stride;
  bool relu, accumulate;
};
// Every convolution shape the network has, and its three fusions.
const ConvCase kConvCases[] = {
    {"stem 7x7/2 3->32", 150, 7, 3, 32, 2, true, false},
    {"3x3 32 relu", 35, 3, 32, 32, 1, true, false},
    {"3x3 32 +residual relu", 35, 3, 32, 32, 1, true, true},
    {"3x3/2 32->64", 35, 3, 32, 64, 2, false, false},
    {"3x3 64 +residual relu", 17, 3, 64, 64, 1, true, true},
    {"3x3/2 64->128 relu", 17, 3, 64, 128, 2, true, false},
    {"3x3 128 relu", 8, 3, 128, 128, 1, true, false},
    {"3x3/2 128->256 relu", 8, 3, 128, 256, 2, true, false},
    {"3x3 256 on 3x3", 3, 3, 256, 256, 1, false, false},
    {"3x3 256 +residual relu", 4, 3, 256, 256, 1, true, true},
    {"3x3/2 256 on 4x4", 4, 3, 256, 256, 2, true, false},
};

class ConvOpTest : public ::testing::TestWithParam<Backend> {};

TEST_P(ConvOpTest, MatchesReferenceConvAffineResidualRelu) {
  if (!BackendAvailable(GetParam())) GTEST_SKIP() << "not built in";
  for (const ConvCase& c : kConvCases) {
    for (int n : {1, kFastBatch}) {
      SCOPED_TRACE(std::string(c.name) + ", n=" + std::to_string(n));
      const ConvParams p = RandomConv(c.kernel, c.in, c.out, c.stride);
      base::StatusOr<std::unique_ptr<ConvOp>> op = MakeConvOp(GetParam(), p, c.rows, c.rows, c.relu, c.accumulate);
      ASSERT_TRUE(op.ok()) << op.status().ToString();
      const int orows = (*op)->out_rows();
      ASSERT_EQ(orows, (c.rows + 2 * p.pad - c.kernel) / c.stride + 1);
      const Activation in = RandomActivation(c.rows, c.rows, c.in, n);
      const Activation residual = RandomActivation(orows, orows, c.out, n);
      std::vector<float> fast = c.accumulate ? residual.v : std::vector<float>(residual.v.size(), 12345.0f);
      (*op)->Run(in.v.data(), n, fast.data());

      std::vector<float> ref;
      for (int img = 0; img < n; ++img) {
        Activation y = ref::Conv(Image(in, img, c.rows), p);
        ref::Affine(y, p.scale, p.shift);
        if (c.accumulate) y = ref::AddZeroPadded(y, Image(residual, img, orows));
        if (c.relu) ref::Relu(y);
        ref.insert(ref.end(), y.v.begin(), y.v.end());
      }
      ExpectClose(fast, ref, c.name);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ConvOpTest, ::testing::Values(Backend::kBlas, Backend::kDnnl),
                         [](const auto& info) { return info.param == Backend::kBlas ? "Blas" : "Dnnl"; });

TEST(FastLayersTest, NormalizeMatchesDlibInput) {
  std::vector<uint8_t> chips(size_t(2) * kChipSize * kChipSize * 3);
  for (uint8_t& b : chips) b = rng() & 0xff;
  chips[0] = 0;
  chips[1] = 255;
  std::vector<float> fast(chips.size());
  NormalizeChips(chips.data(), 2, fast.data());
  std::vector<float> ref;
  for (int img = 0; img < 2; ++img) {
    Activation a = ref::Input(chips.data() + size_t(img) * kChipSize * kChipSize * 3, kChipSize, kChipSize);
    ref.insert(ref.end(), a.v.begin(), a.v.end());
  }
  EXPECT_EQ(fast, ref);
  EXPECT_FLOAT_EQ(fast[0], -122.782f / 256);
  EXPECT_FLOAT_EQ(fast[1], (255 - 117.001f) / 256);
}

TEST(FastLayersTest, MaxPoolMatchesReference) {
  const int n = 2;
  const Activation in = RandomActivation(72, 72, 32, n);
  std::vector<float> fast(size_t(n) * 35 * 35 * 32);
  MaxPoolNhwc(in.v.data(), n, 72, 72, 32, 3, 2, fast.data());
  std::vector<float> ref;
  for (int img = 0; img < n; ++img) {
    Activation y = ref::MaxPool(Image(in, img, 72), 3, 2);
    ASSERT_EQ(y.rows, 35);
    ref.insert(ref.end(), y.v.begin(), y.v.end());
  }
  EXPECT_EQ(fast, ref);
}

// residual_down's sum: avg-pooled input plus the block's output, zero-padded to the larger size
// in channels (32 -> 64) and in rows/columns (the pooled 4x4 against a 3x3 conv output).
TEST(FastLayersTest, AvgPoolAddReluMatchesReferenceWhenShapesDiffer) {
  struct Case {
    int rows, x_ch, y_rows, y_ch;
  } cases[] = {{35, 32, 17, 64}, {17, 64, 8, 128}, {8, 128, 3, 256}, {4, 256, 1, 256}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.rows);
    const int n = 2;
    const Activation x = RandomActivation(c.rows, c.rows, c.x_ch, n);
    const Activation y = RandomActivation(c.y_rows, c.y_rows, c.y_ch, n);
    const int p_rows = (c.rows - 2) / 2 + 1, o_rows = std::max(p_rows, c.y_rows);
    std::vector<float> fast(size_t(n) * o_rows * o_rows * c.y_ch);
    AvgPoolAddRelu(x.v.data(), c.rows, c.rows, c.x_ch, y.v.data(), c.y_rows, c.y_rows, c.y_ch, n, fast.data());
    std::vector<float> ref;
    for (int img = 0; img < n; ++img) {
      Activation sum = ref::AddZeroPadded(Image(y, img, c.y_rows), ref::AvgPool(Image(x, img, c.rows), 2, 2));
      ref::Relu(sum);
      ASSERT_EQ(sum.rows, o_rows);
      ref.insert(ref.end(), sum.v.begin(), sum.v.end());
    }
    ExpectClose(fast, ref, "avg pool + add + relu");
  }
}

TEST(FastLayersTest, GlobalAvgFcMatchesReference) {
  const int n = 3;
  const Activation x = RandomActivation(2, 2, 256, n);
  std::vector<float> fc(256 * 128);
  Fill(fc, -0.1f, 0.1f);
  Descriptor fast[n];
  GlobalAvgFcNhwc(x.v.data(), n, 2, 2, 256, fc.data(), fast);
  for (int img = 0; img < n; ++img) {
    Descriptor ref = ref::GlobalAvgFc(Image(x, img, 2), fc);
    ExpectClose(std::vector<float>(fast[img].begin(), fast[img].end()), std::vector<float>(ref.begin(), ref.end()),
                "avg pool everything + fc");
  }
}

}  // namespace
}  // namespace nn
