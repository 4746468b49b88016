// oneDNN convolutions. Filled in below when built with oneDNN (EDGEFACE_HAVE_DNNL).
#include "nn/conv_ops.h"

namespace nn {

#ifndef EDGEFACE_HAVE_DNNL
base::StatusOr<std::unique_ptr<ConvOp>> MakeDnnlConvOp(FoldedConv, int, int, bool) {
  return base::Status::FailedPrecondition("edgeface was built without oneDNN");
}
#endif

}  // namespace nn
