#include "edge/frame_sampler.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

#include <time.h>
#include <turbojpeg.h>

#include <array>
#include <chrono>
#include <cmath>
#include <thread>

#include "media/image.h"
#include "media/jpeg_encode.h"

namespace edge {
namespace {

using base::Status;

// Video's limited range (Y 16..235, Cb/Cr 16..240) to JPEG's full range 0..255, one plane row,
// in 8.8 fixed point (255/219 = 298/256, 255/224 = 291/256). Blocks of 16 with restrict pointers:
// GCC vectorises them at -O2 (its cheap cost model refuses loops needing an epilogue).
inline uint8_t WidenLuma(int v) {
  v = ((v - 16) * 298 + 128) >> 8;
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}
inline uint8_t WidenChroma(int v) {
  v = (((v - 128) * 291 + 128) >> 8) + 128;
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}
template <uint8_t (*Widen)(int)>
void WidenRow(const uint8_t* __restrict src, uint8_t* __restrict dst, int n) {
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    for (int k = 0; k < 16; ++k) dst[i + k] = Widen(src[i + k]);
  }
  for (; i < n; ++i) dst[i] = Widen(src[i]);
}

double ThreadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

std::string AvError(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

}  // namespace

struct FrameSampler::Impl {
  SamplerOptions options;
  AVCodecContext* dec = nullptr;
  AVFrame* frame = nullptr;
  SwsContext* sws = nullptr;       // jpeg_via_rgb only
  SwsContext* yuv_sws = nullptr;   // to full-range YUV 4:2:0
  std::array<int, 5> yuv_sws_key{};  // what yuv_sws converts (source size and format, output size, range)
  AVRational tb{1, 1};
  bool have_origin = false;
  int64_t origin_pts = 0;    // the source's time 0, in stream units
  int64_t next_index = 0;    // the next multiple of interval_s to sample
  int decode_errors = 0;
  media::RgbImage rgb;       // jpeg_via_rgb only
  media::JpegEncoder jpeg;   // jpeg_via_rgb only
  tjhandle tj = nullptr;
  AVFrame* yuv = nullptr;    // full-range 4:2:0 planes for TurboJPEG
  unsigned char* jpeg_buf = nullptr;  // tjAlloc'd, reused
  unsigned long jpeg_buf_size = 0;
  double busy_ms = 0;        // running total of time spent in the decoder
  // Packets in the decoder: pts, delivery time, busy_ms at delivery (a frame comes out a few
  // packets after its own; the ring holds more than any decoder's reorder depth).
  struct InFlight {
    int64_t pts = AV_NOPTS_VALUE;
    int64_t wall_ms = 0;
    int64_t due_ms = 0;
    double busy_ms = 0;
  };
  static constexpr size_t kRing = 64;
  InFlight ring[kRing];
  size_t ring_next = 0;

  ~Impl() {
    if (jpeg_buf) tjFree(jpeg_buf);
    if (tj) tjDestroy(tj);
    av_frame_free(&yuv);
    sws_freeContext(yuv_sws);
    sws_freeContext(sws);
    av_frame_free(&frame);
    avcodec_free_context(&dec);
  }

  // Whether a frame shown at pts_s may be the next sample: the first half of each interval.
  bool InSamplingWindow(double pts_s) const {
    const double k = std::floor((pts_s + 1e-3) / options.interval_s);
    return pts_s + 1e-3 - k * options.interval_s < options.interval_s / 2;
  }

  const InFlight* Find(int64_t pts) const {
    for (const InFlight& f : ring) {
      if (f.pts == pts && pts != AV_NOPTS_VALUE) return &f;
    }
    return nullptr;
  }

  Status Receive(std::vector<SampledFrame>* out) {
    while (true) {
      const int err = avcodec_receive_frame(dec, frame);
      if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return Status::Ok();
      if (err < 0) return Status::Internal("decoder: " + AvError(err));
      const int64_t ts = frame->best_effort_timestamp != AV_NOPTS_VALUE ? frame->best_effort_timestamp : frame->pts;
      // As the source computes pts_s, so a frame's capture time is its packet's (never later
      // than the packet's delivery with --realtime pacing).
      const double t = ts == AV_NOPTS_VALUE ? 0 : (ts - origin_pts) * av_q2d(tb);
      const double due = next_index * options.interval_s;
      if (t + 1e-3 < due) {
        av_frame_unref(frame);
        continue;
      }
      // Skip the multiples this frame passes (a gap in the stream): one frame per due time.
      next_index = static_cast<int64_t>(std::floor((t + 1e-3) / options.interval_s)) + 1;
      SampledFrame s;
      s.t_s = t;
      s.capture_ms = options.origin_ms + std::llround(t * 1000);
      s.decoded_ms = NowMs();
      const InFlight* packet = Find(frame->pts);
      s.packet_ms = packet ? packet->wall_ms : s.decoded_ms;
      s.packet_due_ms = packet ? packet->due_ms : s.packet_ms;
      s.decode_busy_ms = packet ? busy_ms - packet->busy_ms : 0;
      if (options.release_at_capture && s.decoded_ms < s.capture_ms) {
        std::this_thread::sleep_for(std::chrono::milliseconds(s.capture_ms - s.decoded_ms));
        s.decoded_ms = NowMs();
      }
      const auto c0 = std::chrono::steady_clock::now();
      const double cpu0 = ThreadCpuMs();
      Status st = options.jpeg_via_rgb ? ConvertViaRgb(&s) : Convert(&s);
      s.encode_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - c0).count();
      s.encode_cpu_ms = ThreadCpuMs() - cpu0;
      av_frame_unref(frame);
      EF_RETURN_IF_ERROR(st);
      out->push_back(std::move(s));
    }
  }

  void OutputSize(int* w, int* h) const {
    *w = frame->width;
    *h = frame->height;
    if (options.max_width > 0 && *w > options.max_width) {
      *h = std::max(2, static_cast<int>(std::lround(static_cast<double>(*h) * options.max_width / *w)));
      *w = options.max_width;
    }
  }

  Status EnsureYuv(int w, int h) {
    if (yuv->width == w && yuv->height == h) return Status::Ok();
    av_frame_unref(yuv);
    yuv->format = AV_PIX_FMT_YUV420P;
    yuv->width = w;
    yuv->height = h;
    if (av_frame_get_buffer(yuv, 0) < 0) return Status::ResourceExhausted("no memory for a frame");
    return Status::Ok();
  }

  // The decoder's frame → full-range YUV 4:2:0 (JPEG's own colour space: same BT.601 matrix as
  // the RGB path used, only the range widened) → TurboJPEG from the planes.
  Status Convert(SampledFrame* s) {
    int w, h;
    OutputSize(&w, &h);
    const auto format = static_cast<AVPixelFormat>(frame->format);
    const bool full_range = frame->color_range == AVCOL_RANGE_JPEG || format == AV_PIX_FMT_YUVJ420P;
    const AVFrame* src = frame;
    const bool planar420 = format == AV_PIX_FMT_YUV420P || format == AV_PIX_FMT_YUVJ420P;
    const bool same_size = w == frame->width && h == frame->height;
    if (planar420 && same_size && !full_range) {
      // The common case (a camera's H.264 at its own size): only the range to widen, a cheap
      // pass over the planes (libswscale takes its general scaler path for a range change).
      EF_RETURN_IF_ERROR(EnsureYuv(w, h));
      for (int y = 0; y < h; ++y) WidenRow<WidenLuma>(frame->data[0] + y * frame->linesize[0], yuv->data[0] + y * yuv->linesize[0], w);
      const int cw = (w + 1) / 2, ch = (h + 1) / 2;
      for (int p = 1; p <= 2; ++p) {
        for (int y = 0; y < ch; ++y) WidenRow<WidenChroma>(frame->data[p] + y * frame->linesize[p], yuv->data[p] + y * yuv->linesize[p], cw);
      }
      src = yuv;
    } else if (!(planar420 && same_size && full_range)) {
      // To YUV420P with the destination range set to full (the "J" formats are deprecated). The
      // ranges are options of the context, set before it is initialised (swscale picks a plain
      // plane copy for same-format same-size conversions otherwise).
      const int src_range = full_range ? 1 : 0;
      if (!yuv_sws || yuv_sws_key != std::array<int, 5>{frame->width, frame->height, format, w, h * 2 + src_range}) {
        sws_freeContext(yuv_sws);
        yuv_sws = sws_alloc_context();
        if (!yuv_sws) return Status::ResourceExhausted("no memory for the pixel converter");
        av_opt_set_int(yuv_sws, "srcw", frame->width, 0);
        av_opt_set_int(yuv_sws, "srch", frame->height, 0);
        av_opt_set_int(yuv_sws, "src_format", format, 0);
        av_opt_set_int(yuv_sws, "dstw", w, 0);
        av_opt_set_int(yuv_sws, "dsth", h, 0);
        av_opt_set_int(yuv_sws, "dst_format", AV_PIX_FMT_YUV420P, 0);
        av_opt_set_int(yuv_sws, "src_range", src_range, 0);
        av_opt_set_int(yuv_sws, "dst_range", 1, 0);
        av_opt_set_int(yuv_sws, "sws_flags", SWS_BILINEAR, 0);
        if (sws_init_context(yuv_sws, nullptr, nullptr) < 0) {
          sws_freeContext(yuv_sws);
          yuv_sws = nullptr;
          return Status::Internal("cannot convert the frame's pixel format");
        }
        yuv_sws_key = {frame->width, frame->height, format, w, h * 2 + src_range};
      }
      EF_RETURN_IF_ERROR(EnsureYuv(w, h));
      sws_scale(yuv_sws, frame->data, frame->linesize, 0, frame->height, yuv->data, yuv->linesize);
      src = yuv;
    }
    if (!tj) tj = tjInitCompress();
    if (!tj) return Status::Internal("cannot start the JPEG encoder");
    const unsigned long need = tjBufSize(w, h, TJSAMP_420);
    if (need > jpeg_buf_size) {
      if (jpeg_buf) tjFree(jpeg_buf);
      jpeg_buf = tjAlloc(static_cast<int>(need));
      jpeg_buf_size = jpeg_buf ? need : 0;
      if (!jpeg_buf) return Status::ResourceExhausted("no memory for a JPEG buffer");
    }
    const unsigned char* planes[3] = {src->data[0], src->data[1], src->data[2]};
    int strides[3] = {src->linesize[0], src->linesize[1], src->linesize[2]};
    unsigned long size = jpeg_buf_size;
    if (tjCompressFromYUVPlanes(tj, planes, w, strides, h, TJSAMP_420, &jpeg_buf, &size, options.jpeg_quality,
                                TJFLAG_NOREALLOC) != 0) {
      return Status::Internal(std::string("JPEG encoding failed: ") + tjGetErrorStr2(tj));
    }
    s->width = w;
    s->height = h;
    s->jpeg.assign(reinterpret_cast<const char*>(jpeg_buf), size);
    return Status::Ok();
  }

  Status ConvertViaRgb(SampledFrame* s) {
    int w, h;
    OutputSize(&w, &h);
    sws = sws_getCachedContext(sws, frame->width, frame->height, static_cast<AVPixelFormat>(frame->format), w, h,
                               AV_PIX_FMT_RGB24, SWS_BILINEAR, nullptr, nullptr, nullptr);
    if (!sws) return Status::Internal("cannot convert the frame's pixel format");
    rgb.Reset(w, h);
    uint8_t* dst[4] = {rgb.pixels.data(), nullptr, nullptr, nullptr};
    int dst_stride[4] = {static_cast<int>(rgb.stride()), 0, 0, 0};
    sws_scale(sws, frame->data, frame->linesize, 0, frame->height, dst, dst_stride);
    s->width = w;
    s->height = h;
    return jpeg.Encode(rgb, {.quality = options.jpeg_quality}, &s->jpeg);
  }
};

FrameSampler::FrameSampler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FrameSampler::~FrameSampler() = default;
int FrameSampler::decode_errors() const { return impl_->decode_errors; }

base::StatusOr<std::unique_ptr<FrameSampler>> FrameSampler::Create(const Source& source, const SamplerOptions& options) {
  if (!(options.interval_s > 0)) return Status::InvalidArgument("sampling interval must be > 0 s");
  const AVCodecParameters* par = source.codecpar();
  const AVCodec* codec = avcodec_find_decoder(par->codec_id);
  if (!codec) return Status::InvalidArgument(std::string("no decoder for ") + avcodec_get_name(par->codec_id));
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->tb = AVRational{source.time_base_num(), source.time_base_den()};
  impl->dec = avcodec_alloc_context3(codec);
  impl->frame = av_frame_alloc();
  impl->yuv = av_frame_alloc();
  if (!impl->dec || !impl->frame || !impl->yuv) return Status::ResourceExhausted("out of memory for the decoder");
  int err = avcodec_parameters_to_context(impl->dec, par);
  if (err < 0) return Status::InvalidArgument("decoder parameters: " + AvError(err));
  impl->dec->pkt_timebase = impl->tb;
  impl->dec->thread_count = std::max(1, options.decoder_threads);
  err = avcodec_open2(impl->dec, codec, nullptr);
  if (err < 0) return Status::InvalidArgument("cannot open the decoder: " + AvError(err));
  return std::unique_ptr<FrameSampler>(new FrameSampler(std::move(impl)));
}

base::Status FrameSampler::Add(const SourcePacket& packet, std::vector<SampledFrame>* out) {
  Impl& m = *impl_;
  if (!m.have_origin) {
    m.have_origin = true;
    m.origin_pts = packet.pkt->pts - std::llround(packet.pts_s / av_q2d(m.tb));
  }
  m.ring[m.ring_next] = {packet.pkt->pts, packet.wall_ms, packet.due_ms, m.busy_ms};
  m.ring_next = (m.ring_next + 1) % Impl::kRing;
  // A non-reference frame outside the window where the next sample lies is never needed.
  m.dec->skip_frame = m.options.decode_all || m.InSamplingWindow(packet.pts_s) ? AVDISCARD_DEFAULT : AVDISCARD_NONREF;
  const auto t0 = std::chrono::steady_clock::now();
  int err = avcodec_send_packet(m.dec, packet.pkt);
  if (err == AVERROR(EAGAIN)) {
    m.busy_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    EF_RETURN_IF_ERROR(m.Receive(out));
    const auto t1 = std::chrono::steady_clock::now();
    err = avcodec_send_packet(m.dec, packet.pkt);
    m.busy_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count();
  } else {
    m.busy_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  }
  if (err < 0 && err != AVERROR(EAGAIN)) ++m.decode_errors;
  return m.Receive(out);
}

base::Status FrameSampler::Flush(std::vector<SampledFrame>* out) {
  Impl& m = *impl_;
  avcodec_send_packet(m.dec, nullptr);
  Status st = m.Receive(out);
  avcodec_flush_buffers(m.dec);
  return st;
}

}  // namespace edge
