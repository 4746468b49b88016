// oneDNN convolutions: forward inference, NHWC activations (our layout, so no reorders between
// layers), weights reordered once at load time into whatever the JIT kernel chosen for this CPU
// wants, bias and relu (and, for residual blocks, the sum with the block's input) fused as
// post-ops.
//
// Threads: a primitive is immutable and may execute on several threads at once. Each thread
// keeps its own stream, memory objects and scratchpad (scratchpad_mode::user), per kernel.
// oneDNN from Debian parallelises with OpenMP; each Run sets the calling thread's OpenMP team to
// one thread for the call (the budget is per core; callers parallelise across faces).
#include "nn/conv_ops.h"

#ifdef EDGEFACE_HAVE_DNNL
#include <oneapi/dnnl/dnnl.hpp>

#include <sys/mman.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <unordered_map>

extern "C" {
void omp_set_num_threads(int);
int omp_get_max_threads(void);
}
#endif

namespace nn {

#ifndef EDGEFACE_HAVE_DNNL
base::StatusOr<std::unique_ptr<ConvOp>> MakeDnnlConvOp(const ConvParams&, int, int, bool, bool) {
  return base::Status::FailedPrecondition("edgeface was built without oneDNN");
}
#else
namespace {

const dnnl::engine& Engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// Sets the calling thread's OpenMP team size for a scope (oneDNN's parallel regions follow it).
class OneOmpThread {
 public:
  OneOmpThread() : saved_(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~OneOmpThread() { omp_set_num_threads(saved_); }

 private:
  int saved_;
};

// A convolution primitive for one shape and fusion. Making one (oneDNN picks and JIT-compiles a
// kernel) costs milliseconds, and the network has 29 convolutions of only 17 kinds, so they are
// made once per process and shared: a primitive holds no weights and executes on many threads.
// Kernels are never freed (at most one per kind: 17 for this network).
struct Kernel {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward prim;
};

std::shared_ptr<const Kernel> GetKernel(const ConvParams& c, int in_rows, int in_cols, int out_rows, int out_cols,
                                        bool relu, bool accumulate) {
  static std::mutex mu;
  static std::map<std::vector<int>, std::shared_ptr<const Kernel>> kernels;
  const std::vector<int> key = {c.kernel, c.in, c.out, c.stride, c.pad, in_rows, in_cols, relu, accumulate};
  std::lock_guard<std::mutex> lock(mu);
  std::shared_ptr<const Kernel>& k = kernels[key];
  if (k) return k;
  using dt = dnnl::memory::data_type;
  using tag = dnnl::memory::format_tag;
  dnnl::post_ops post;
  if (accumulate) post.append_sum(1.0f);
  if (relu) post.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
  dnnl::primitive_attr attr;
  attr.set_post_ops(post);
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const dnnl::memory::desc src_md({1, c.in, in_rows, in_cols}, dt::f32, tag::nhwc);
  const dnnl::memory::desc dst_md({1, c.out, out_rows, out_cols}, dt::f32, tag::nhwc);
  const dnnl::memory::desc any_weights_md({c.out, c.in, c.kernel, c.kernel}, dt::f32, tag::any);
  const dnnl::memory::desc bias_md({c.out}, dt::f32, tag::a);
  dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                       src_md, any_weights_md, bias_md, dst_md, {c.stride, c.stride},
                                       {c.pad, c.pad}, {c.pad, c.pad});
  auto made = std::make_shared<Kernel>();
  made->pd = dnnl::convolution_forward::primitive_desc(desc, attr, Engine());
  made->prim = dnnl::convolution_forward(made->pd);
  k = made;
  return k;
}

// The reordered filters of all ops live in 2 MB-aligned chunks advised as transparent huge pages:
// the network's 22 MB of weights then cost about a dozen page faults at load instead of 5,600
// (each a few microseconds on a virtual machine). A chunk is freed with the last op using it.
std::shared_ptr<uint8_t> AllocateWeights(size_t bytes) {
  constexpr size_t kHuge = size_t{2} << 20, kChunk = size_t{8} << 20;
  struct Chunk {
    uint8_t* base = nullptr;
    size_t size = 0, used = 0;
    ~Chunk() { std::free(base); }
  };
  static std::mutex mu;
  static std::weak_ptr<Chunk> current;
  bytes = (bytes + 63) / 64 * 64;
  std::lock_guard<std::mutex> lock(mu);
  std::shared_ptr<Chunk> chunk = current.lock();
  if (!chunk || chunk->used + bytes > chunk->size) {
    chunk = std::make_shared<Chunk>();
    chunk->size = std::max(kChunk, (bytes + kHuge - 1) / kHuge * kHuge);
    chunk->base = static_cast<uint8_t*>(std::aligned_alloc(kHuge, chunk->size));
    if (!chunk->base) return nullptr;
    ::madvise(chunk->base, chunk->size, MADV_HUGEPAGE);  // a hint; without it, ordinary pages
    current = chunk;
  }
  uint8_t* p = chunk->base + chunk->used;
  chunk->used += bytes;
  return std::shared_ptr<uint8_t>(chunk, p);  // shares the chunk's ownership
}

class DnnlConvOp : public ConvOp {
 public:
  static base::StatusOr<std::unique_ptr<ConvOp>> Create(const ConvParams& c, int in_rows, int in_cols, bool relu,
                                                        bool accumulate) {
    std::unique_ptr<DnnlConvOp> op(new DnnlConvOp());
    op->out_rows_ = (in_rows + 2 * c.pad - c.kernel) / c.stride + 1;
    op->out_cols_ = (in_cols + 2 * c.pad - c.kernel) / c.stride + 1;
    op->in_floats_ = size_t(in_rows) * in_cols * c.in;
    op->out_floats_ = size_t(op->out_rows_) * op->out_cols_ * c.out;
    OneOmpThread one_thread;
    try {
      op->kernel_ = GetKernel(c, in_rows, in_cols, op->out_rows_, op->out_cols_, relu, accumulate);
      using dt = dnnl::memory::data_type;
      using tag = dnnl::memory::format_tag;
      // Folding the affine: w' = w * scale[out] (the reorder's per-output-channel scale, dim 0 of
      // oihw), b' = b * scale + shift.
      dnnl::memory user_weights({{c.out, c.in, c.kernel, c.kernel}, dt::f32, tag::hwio}, Engine(),
                                const_cast<float*>(c.filters.data()));
      const dnnl::memory::desc& weights_md = op->kernel_->pd.weights_desc();
      op->weights_storage_ = AllocateWeights(weights_md.get_size());
      if (!op->weights_storage_) return base::Status::ResourceExhausted("no memory for convolution weights");
      op->weights_ = dnnl::memory(weights_md, Engine(), op->weights_storage_.get());
      dnnl::primitive_attr fold;
      fold.set_output_scales(1 << 0, c.scale);
      dnnl::stream stream(Engine());
      dnnl::reorder(dnnl::reorder::primitive_desc(user_weights, op->weights_, fold))
          .execute(stream, user_weights, op->weights_);
      stream.wait();
      op->bias_ = dnnl::memory({{c.out}, dt::f32, tag::a}, Engine());
      float* bias = static_cast<float*>(op->bias_.get_data_handle());
      for (int o = 0; o < c.out; ++o) bias[o] = c.bias[o] * c.scale[o] + c.shift[o];
    } catch (const dnnl::error& e) {
      return base::Status::Internal(std::string("oneDNN convolution: ") + e.what());
    }
    return std::unique_ptr<ConvOp>(std::move(op));
  }

  // One image per execution: batching gained under 6% with oneDNN here and would double the
  // kernels to make at load time (docs/nn.md).
  void Run(const float* in, int n, float* out) const override {
    PerThread& t = ThreadState();
    OneOmpThread one_thread;
    for (int img = 0; img < n; ++img) {
      t.src.set_data_handle(const_cast<float*>(in + img * in_floats_));
      t.dst.set_data_handle(out + img * out_floats_);
      dnnl_exec_arg_t args[] = {
          {DNNL_ARG_SRC, t.src.get()}, {DNNL_ARG_WEIGHTS, weights_.get()}, {DNNL_ARG_BIAS, bias_.get()},
          {DNNL_ARG_DST, t.dst.get()}, {DNNL_ARG_SCRATCHPAD, t.scratch.get()},
      };
      dnnl_primitive_execute(kernel_->prim.get(), Stream().get(), sizeof args / sizeof args[0], args);
    }
  }

 private:
  struct PerThread {
    dnnl::memory src, dst, scratch;
    std::vector<uint8_t> scratch_bytes;
  };

  DnnlConvOp() = default;

  static const dnnl::stream& Stream() {
    thread_local const dnnl::stream stream(Engine());
    return stream;
  }

  // This thread's memory objects for this op's kernel (made on the thread's first call). They
  // depend only on the kernel, which lives as long as the process, so ops of the same shape share
  // them and a thread holds at most one set per kernel kind however many nets are loaded.
  PerThread& ThreadState() const {
    thread_local std::unordered_map<const Kernel*, PerThread> states;
    PerThread& t = states[kernel_.get()];
    if (!t.src) {
      const auto& pd = kernel_->pd;
      t.src = dnnl::memory(pd.src_desc(), Engine(), DNNL_MEMORY_NONE);
      t.dst = dnnl::memory(pd.dst_desc(), Engine(), DNNL_MEMORY_NONE);
      t.scratch_bytes.resize(std::max<size_t>(pd.scratchpad_desc().get_size(), 1));
      t.scratch = dnnl::memory(pd.scratchpad_desc(), Engine(), t.scratch_bytes.data());
    }
    return t;
  }

  size_t in_floats_ = 0, out_floats_ = 0;
  std::shared_ptr<const Kernel> kernel_;
  std::shared_ptr<uint8_t> weights_storage_;  // declared before weights_, which points into it
  dnnl::memory weights_, bias_;
};

}  // namespace

base::StatusOr<std::unique_ptr<ConvOp>> MakeDnnlConvOp(const ConvParams& p, int in_rows, int in_cols, bool relu,
                                                       bool accumulate) {
  return DnnlConvOp::Create(p, in_rows, in_cols, relu, accumulate);
}
#endif

}  // namespace nn
