#include "edge/frame_sampler.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
}

#include <chrono>
#include <cmath>

#include "media/image.h"
#include "media/jpeg_encode.h"

namespace edge {
namespace {

using base::Status;

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
  SwsContext* sws = nullptr;
  AVRational tb{1, 1};
  bool have_origin = false;
  double origin_s = 0;       // stream time (s) of the source's time 0
  int64_t next_index = 0;    // the next multiple of interval_s to sample
  int decode_errors = 0;
  media::RgbImage rgb;
  media::JpegEncoder jpeg;

  ~Impl() {
    sws_freeContext(sws);
    av_frame_free(&frame);
    avcodec_free_context(&dec);
  }

  Status Receive(std::vector<SampledFrame>* out) {
    while (true) {
      const int err = avcodec_receive_frame(dec, frame);
      if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return Status::Ok();
      if (err < 0) return Status::Internal("decoder: " + AvError(err));
      const int64_t ts = frame->best_effort_timestamp != AV_NOPTS_VALUE ? frame->best_effort_timestamp : frame->pts;
      const double t = ts == AV_NOPTS_VALUE ? 0 : ts * av_q2d(tb) - origin_s;
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
      const auto c0 = std::chrono::steady_clock::now();
      Status st = Convert(&s);
      s.encode_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - c0).count();
      av_frame_unref(frame);
      EF_RETURN_IF_ERROR(st);
      out->push_back(std::move(s));
    }
  }

  Status Convert(SampledFrame* s) {
    int w = frame->width, h = frame->height;
    if (options.max_width > 0 && w > options.max_width) {
      h = std::max(2, static_cast<int>(std::lround(static_cast<double>(h) * options.max_width / w)));
      w = options.max_width;
    }
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
  if (!impl->dec || !impl->frame) return Status::ResourceExhausted("out of memory for the decoder");
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
    m.origin_s = packet.pkt->pts * av_q2d(m.tb) - packet.pts_s;
  }
  int err = avcodec_send_packet(m.dec, packet.pkt);
  if (err == AVERROR(EAGAIN)) {
    EF_RETURN_IF_ERROR(m.Receive(out));
    err = avcodec_send_packet(m.dec, packet.pkt);
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
