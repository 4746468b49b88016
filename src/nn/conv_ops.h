// Folding and the convolution backends behind MakeConvOp (fast_net.h).
#pragma once

#include <memory>
#include <vector>

#include "base/status.h"
#include "nn/fast_net.h"
#include "nn/weights.h"

namespace nn {

// con_ followed by affine_ as one convolution: weights [kernel][kernel][in][out] (HWIO, as
// stored) times scale[out]; bias * scale + shift.
struct FoldedConv {
  int kernel = 0, in = 0, out = 0, stride = 1, pad = 0;
  std::vector<float> weights;
  std::vector<float> bias;
};
FoldedConv Fold(const ConvParams& p);

std::unique_ptr<ConvOp> MakeBlasConvOp(FoldedConv conv, int in_rows, int in_cols, bool relu, bool accumulate);
// oneDNN folds while it reorders the filters into its own layout (a per-output-channel scale).
base::StatusOr<std::unique_ptr<ConvOp>> MakeDnnlConvOp(const ConvParams& p, int in_rows, int in_cols, bool relu,
                                                       bool accumulate);

}  // namespace nn
