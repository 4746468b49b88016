// oneDNN convolutions: forward inference, NHWC activations (our layout, so no reorders between
// layers), weights reordered once at load time into whatever the JIT kernel chosen for this CPU
// wants, bias and relu (and, for residual blocks, the sum with the block's input) fused as
// post-ops. One primitive per batch size the FastNet uses (1 and kFastBatch).
//
// Threads: a primitive is immutable and may execute on several threads at once. Each thread
// keeps its own stream, memory objects and scratchpad (scratchpad_mode::user), found by op id.
// oneDNN from Debian parallelises with OpenMP; each Run sets the calling thread's OpenMP team to
// one thread for the call (the budget is per core; callers parallelise across faces).
#include "nn/conv_ops.h"

#ifdef EDGEFACE_HAVE_DNNL
#include <oneapi/dnnl/dnnl.hpp>

#include <atomic>
#include <unordered_map>

extern "C" {
void omp_set_num_threads(int);
int omp_get_max_threads(void);
}
#endif

namespace nn {

#ifndef EDGEFACE_HAVE_DNNL
base::StatusOr<std::unique_ptr<ConvOp>> MakeDnnlConvOp(FoldedConv, int, int, bool, bool) {
  return base::Status::FailedPrecondition("edgeface was built without oneDNN");
}
#else
namespace {

const dnnl::engine& Engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

std::atomic<uint64_t> next_op_id{1};

class DnnlConvOp : public ConvOp {
 public:
  static base::StatusOr<std::unique_ptr<ConvOp>> Create(const FoldedConv& c, int in_rows, int in_cols, bool relu,
                                                        bool accumulate) {
    std::unique_ptr<DnnlConvOp> op(new DnnlConvOp());
    op->out_rows_ = (in_rows + 2 * c.pad - c.kernel) / c.stride + 1;
    op->out_cols_ = (in_cols + 2 * c.pad - c.kernel) / c.stride + 1;
    try {
      using dt = dnnl::memory::data_type;
      using tag = dnnl::memory::format_tag;
      const dnnl::memory::desc user_weights_md({c.out, c.in, c.kernel, c.kernel}, dt::f32, tag::hwio);
      const dnnl::memory::desc bias_md({c.out}, dt::f32, tag::a);
      dnnl::memory user_weights(user_weights_md, Engine(), const_cast<float*>(c.weights.data()));
      op->bias_ = dnnl::memory(bias_md, Engine());
      std::copy(c.bias.begin(), c.bias.end(), static_cast<float*>(op->bias_.get_data_handle()));
      dnnl::post_ops post;
      if (accumulate) post.append_sum(1.0f);
      if (relu) post.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
      dnnl::primitive_attr attr;
      attr.set_post_ops(post);
      attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
      dnnl::stream stream(Engine());
      for (int b = 0; b < 2; ++b) {
        const int n = b == 0 ? 1 : kFastBatch;
        const dnnl::memory::desc src_md({n, c.in, in_rows, in_cols}, dt::f32, tag::nhwc);
        const dnnl::memory::desc dst_md({n, c.out, op->out_rows_, op->out_cols_}, dt::f32, tag::nhwc);
        const dnnl::memory::desc any_weights_md({c.out, c.in, c.kernel, c.kernel}, dt::f32, tag::any);
        dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                             src_md, any_weights_md, bias_md, dst_md, {c.stride, c.stride},
                                             {c.pad, c.pad}, {c.pad, c.pad});
        Variant& v = op->variants_[b];
        v.pd = dnnl::convolution_forward::primitive_desc(desc, attr, Engine());
        v.prim = dnnl::convolution_forward(v.pd);
        v.weights = dnnl::memory(v.pd.weights_desc(), Engine());
        dnnl::reorder(user_weights, v.weights).execute(stream, user_weights, v.weights);
        v.impl = v.pd.impl_info_str();
      }
      stream.wait();
    } catch (const dnnl::error& e) {
      return base::Status::Internal(std::string("oneDNN convolution: ") + e.what());
    }
    return std::unique_ptr<ConvOp>(std::move(op));
  }

  void Run(const float* in, int n, float* out) const override {
    const int b = n == 1 ? 0 : 1;
    const Variant& v = variants_[b];
    PerThread& t = ThreadState(b, v);
    t.src.set_data_handle(const_cast<float*>(in));
    t.dst.set_data_handle(out);
    dnnl_exec_arg_t args[] = {
        {DNNL_ARG_SRC, t.src.get()},         {DNNL_ARG_WEIGHTS, v.weights.get()}, {DNNL_ARG_BIAS, bias_.get()},
        {DNNL_ARG_DST, t.dst.get()},         {DNNL_ARG_SCRATCHPAD, t.scratch.get()},
    };
    const int saved_threads = omp_get_max_threads();
    omp_set_num_threads(1);
    dnnl_primitive_execute(v.prim.get(), Stream().get(), sizeof args / sizeof args[0], args);
    omp_set_num_threads(saved_threads);
  }

  const std::string& impl_name() const { return variants_[0].impl; }

 private:
  struct Variant {
    dnnl::convolution_forward::primitive_desc pd;
    dnnl::convolution_forward prim;
    dnnl::memory weights;
    std::string impl;
  };
  struct PerThread {
    dnnl::memory src, dst, scratch;
    std::vector<uint8_t> scratch_bytes;
  };

  DnnlConvOp() : id_(next_op_id.fetch_add(1)) {}

  static const dnnl::stream& Stream() {
    thread_local const dnnl::stream stream(Engine());
    return stream;
  }

  // This thread's memory objects for variant b (made on the thread's first call).
  PerThread& ThreadState(int b, const Variant& v) const {
    thread_local std::unordered_map<uint64_t, PerThread> states;
    PerThread& t = states[id_ * 2 + b];
    if (!t.src) {
      t.src = dnnl::memory(v.pd.src_desc(), Engine(), DNNL_MEMORY_NONE);
      t.dst = dnnl::memory(v.pd.dst_desc(), Engine(), DNNL_MEMORY_NONE);
      t.scratch_bytes.resize(std::max<size_t>(v.pd.scratchpad_desc().get_size(), 1));
      t.scratch = dnnl::memory(v.pd.scratchpad_desc(), Engine(), t.scratch_bytes.data());
    }
    return t;
  }

  uint64_t id_;
  Variant variants_[2];
  dnnl::memory bias_;
};

}  // namespace

base::StatusOr<std::unique_ptr<ConvOp>> MakeDnnlConvOp(FoldedConv conv, int in_rows, int in_cols, bool relu,
                                                       bool accumulate) {
  return DnnlConvOp::Create(conv, in_rows, in_cols, relu, accumulate);
}
#endif

}  // namespace nn
