// dlib compiles slowly: this is the only translation unit that includes dlib's DNN.
#include "nn/dlib_peer.h"

#include <dlib/dnn.h>
#include <dlib/image_io.h>
#include <dlib/image_transforms.h>

#include <type_traits>

// dlib's DNN multiplies matrices with the system BLAS (OpenBLAS here, the same library our im2col
// path uses); the peer is measured on one core like our paths.
extern "C" void openblas_set_num_threads(int num_threads);

namespace nn {
namespace {

// The network of dlib's examples/dnn_face_recognition_ex.cpp, read from the input up at the end.
template <template <int, template <typename> class, int, typename> class block, int N,
          template <typename> class BN, typename SUBNET>
using residual = dlib::add_prev1<block<N, BN, 1, dlib::tag1<SUBNET>>>;

template <template <int, template <typename> class, int, typename> class block, int N,
          template <typename> class BN, typename SUBNET>
using residual_down =
    dlib::add_prev2<dlib::avg_pool<2, 2, 2, 2, dlib::skip1<dlib::tag2<block<N, BN, 2, dlib::tag1<SUBNET>>>>>>;

template <int N, template <typename> class BN, int stride, typename SUBNET>
using block = BN<dlib::con<N, 3, 3, 1, 1, dlib::relu<BN<dlib::con<N, 3, 3, stride, stride, SUBNET>>>>>;

template <int N, typename SUBNET>
using ares = dlib::relu<residual<block, N, dlib::affine, SUBNET>>;
template <int N, typename SUBNET>
using ares_down = dlib::relu<residual_down<block, N, dlib::affine, SUBNET>>;

template <typename SUBNET> using alevel0 = ares_down<256, SUBNET>;
template <typename SUBNET> using alevel1 = ares<256, ares<256, ares_down<256, SUBNET>>>;
template <typename SUBNET> using alevel2 = ares<128, ares<128, ares_down<128, SUBNET>>>;
template <typename SUBNET> using alevel3 = ares<64, ares<64, ares<64, ares_down<64, SUBNET>>>>;
template <typename SUBNET> using alevel4 = ares<32, ares<32, ares<32, SUBNET>>>;

using anet_type = dlib::loss_metric<dlib::fc_no_bias<128, dlib::avg_pool_everything<
    alevel0<alevel1<alevel2<alevel3<alevel4<
    dlib::max_pool<3, 3, 2, 2, dlib::relu<dlib::affine<dlib::con<32, 7, 7, 2, 2,
    dlib::input_rgb_image_sized<150>>>>>>>>>>>>>;

template <typename T> struct IsCon : std::false_type {};
template <long n, long r, long c, int sy, int sx, int py, int px>
struct IsCon<dlib::con_<n, r, c, sy, sx, py, px>> : std::true_type {};
template <typename T> struct IsFc : std::false_type {};
template <unsigned long n, dlib::fc_bias_mode m>
struct IsFc<dlib::fc_<n, m>> : std::true_type {};

dlib::matrix<dlib::rgb_pixel> ToMatrix(const uint8_t* chip_rgb) {
  dlib::matrix<dlib::rgb_pixel> img(kChipSize, kChipSize);
  for (int r = 0; r < kChipSize; ++r)
    for (int c = 0; c < kChipSize; ++c) {
      const uint8_t* p = chip_rgb + (r * kChipSize + c) * 3;
      img(r, c) = dlib::rgb_pixel(p[0], p[1], p[2]);
    }
  return img;
}

}  // namespace

struct DlibFaceNet::Net {
  anet_type net;
};

DlibFaceNet::DlibFaceNet(std::unique_ptr<Net> net) : net_(std::move(net)) {}
DlibFaceNet::~DlibFaceNet() = default;

base::StatusOr<std::unique_ptr<DlibFaceNet>> DlibFaceNet::Create(const NetParams& params) {
  openblas_set_num_threads(1);
  auto net = std::make_unique<Net>();
  // A default affine_ is in FC_MODE (a scale per value); the trained network's affine layers come
  // from bn_con and are per channel (CONV_MODE), which is what the TF.js tensors hold.
  dlib::visit_computational_layers(net->net, [](auto& layer) {
    if constexpr (std::is_same_v<std::decay_t<decltype(layer)>, dlib::affine_>) layer = dlib::affine_(dlib::CONV_MODE);
  });
  // dlib sizes each layer's parameters on the first forward pass; run one on a grey chip.
  std::vector<uint8_t> grey(kChipSize * kChipSize * 3, 128);
  net->net(ToMatrix(grey.data()));

  // Our layers from the input up, as (conv, affine) pairs; dlib visits from the output down.
  std::vector<const ConvParams*> convs = {&params.stem};
  for (const BlockParams& b : params.blocks) {
    convs.push_back(&b.conv1);
    convs.push_back(&b.conv2);
  }
  std::vector<dlib::tensor*> con_params, fc_params;
  std::vector<dlib::affine_*> affines;  // their parameters are reached through get_gamma/get_beta
  dlib::visit_computational_layers(net->net, [&](auto& layer) {
    using L = std::decay_t<decltype(layer)>;
    if constexpr (IsCon<L>::value) con_params.push_back(&layer.get_layer_params());
    if constexpr (std::is_same_v<L, dlib::affine_>) affines.push_back(&layer);
    if constexpr (IsFc<L>::value) fc_params.push_back(&layer.get_layer_params());
  });
  std::reverse(con_params.begin(), con_params.end());
  std::reverse(affines.begin(), affines.end());
  if (con_params.size() != convs.size() || affines.size() != convs.size() || fc_params.size() != 1) {
    return base::Status::Internal("dlib network has " + std::to_string(con_params.size()) + " con layers, " +
                                  std::to_string(affines.size()) + " affine, expected " +
                                  std::to_string(convs.size()));
  }
  for (size_t l = 0; l < convs.size(); ++l) {
    const ConvParams& p = *convs[l];
    const size_t nfilt = size_t(p.out) * p.in * p.kernel * p.kernel;
    auto gamma = affines[l]->get_gamma();
    auto beta = affines[l]->get_beta();
    if (con_params[l]->size() != nfilt + p.out || gamma.size() != size_t(p.out) || beta.size() != size_t(p.out)) {
      return base::Status::Internal("dlib layer " + std::to_string(l) + " has " +
                                    std::to_string(con_params[l]->size()) + " + " +
                                    std::to_string(gamma.size() + beta.size()) + " parameters, expected " +
                                    std::to_string(nfilt + p.out) + " + " + std::to_string(2 * p.out));
    }
    float* f = con_params[l]->host();
    for (int o = 0; o < p.out; ++o)
      for (int i = 0; i < p.in; ++i)
        for (int r = 0; r < p.kernel; ++r)
          for (int c = 0; c < p.kernel; ++c)
            f[((size_t(o) * p.in + i) * p.kernel + r) * p.kernel + c] =
                p.filters[((size_t(r) * p.kernel + c) * p.in + i) * p.out + o];
    std::copy(p.bias.begin(), p.bias.end(), f + nfilt);
    std::copy(p.scale.begin(), p.scale.end(), gamma.host());
    std::copy(p.shift.begin(), p.shift.end(), beta.host());
  }
  if (fc_params[0]->size() != params.fc.size()) return base::Status::Internal("dlib fc size differs");
  std::copy(params.fc.begin(), params.fc.end(), fc_params[0]->host());
  return std::unique_ptr<DlibFaceNet>(new DlibFaceNet(std::move(net)));
}

Descriptor DlibFaceNet::Describe(const uint8_t* chip_rgb) {
  dlib::matrix<float, 0, 1> out = net_->net(ToMatrix(chip_rgb));
  Descriptor d{};
  for (int i = 0; i < kDescriptorSize; ++i) d[i] = out(i);
  return d;
}

base::StatusOr<std::vector<uint8_t>> LoadCentreChip(const std::string& path, int crop) {
  dlib::matrix<dlib::rgb_pixel> img;
  try {
    dlib::load_image(img, path);
  } catch (const std::exception& e) {
    return base::Status::InvalidArgument(path + ": " + e.what());
  }
  long side = std::min(img.nr(), img.nc());
  if (crop > 0 && crop < side) side = crop;
  if (side <= 0) return base::Status::InvalidArgument(path + ": empty image");
  dlib::matrix<dlib::rgb_pixel> square =
      dlib::subm(img, dlib::rectangle((img.nc() - side) / 2, (img.nr() - side) / 2, (img.nc() - side) / 2 + side - 1,
                                      (img.nr() - side) / 2 + side - 1));
  dlib::matrix<dlib::rgb_pixel> chip(kChipSize, kChipSize);
  dlib::resize_image(square, chip, dlib::interpolate_bilinear());
  std::vector<uint8_t> out(kChipSize * kChipSize * 3);
  for (int r = 0; r < kChipSize; ++r)
    for (int c = 0; c < kChipSize; ++c) {
      uint8_t* p = out.data() + (r * kChipSize + c) * 3;
      p[0] = chip(r, c).red;
      p[1] = chip(r, c).green;
      p[2] = chip(r, c).blue;
    }
  return out;
}

}  // namespace nn
