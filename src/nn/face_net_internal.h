// What tests and benchmarks see of a loaded FaceNet beyond its public interface: the parameters
// as read (for the reference path and for dlib) and the fast path it runs.
#pragma once

#include <memory>

#include "nn/face_net.h"
#include "nn/fast_net.h"
#include "nn/weights.h"

namespace nn {

struct FaceNet::Impl {
  NetParams params;                // as stored, unfolded: what ref::Forward and dlib take
  std::unique_ptr<FastNet> fast;   // what Describe runs
};

FaceNet::Impl& InternalImpl(const FaceNet& net);

}  // namespace nn
