#include "media/video.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>

namespace media {
namespace {

using base::Status;

std::string AvError(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

// Bytes in memory, read by libavformat through custom I/O callbacks.
struct MemorySource {
  std::string bytes;
  size_t pos = 0;

  static int Read(void* opaque, uint8_t* buf, int size) {
    auto* s = static_cast<MemorySource*>(opaque);
    if (s->pos >= s->bytes.size()) return AVERROR_EOF;
    const size_t n = std::min(static_cast<size_t>(size), s->bytes.size() - s->pos);
    std::memcpy(buf, s->bytes.data() + s->pos, n);
    s->pos += n;
    return static_cast<int>(n);
  }
  static int64_t Seek(void* opaque, int64_t offset, int whence) {
    auto* s = static_cast<MemorySource*>(opaque);
    const auto size = static_cast<int64_t>(s->bytes.size());
    int64_t to;
    switch (whence & ~AVSEEK_FORCE) {
      case AVSEEK_SIZE: return size;
      case SEEK_SET: to = offset; break;
      case SEEK_CUR: to = static_cast<int64_t>(s->pos) + offset; break;
      case SEEK_END: to = size + offset; break;
      default: return -1;
    }
    if (to < 0 || to > size) return -1;
    s->pos = static_cast<size_t>(to);
    return to;
  }
};

}  // namespace

struct VideoReader::Impl {
  VideoOptions options;
  std::unique_ptr<MemorySource> memory;
  AVIOContext* avio = nullptr;
  AVFormatContext* format = nullptr;
  AVCodecContext* codec = nullptr;
  SwsContext* sws = nullptr;
  AVPacket* packet = nullptr;
  AVFrame* frame = nullptr;
  int stream = -1;
  AVRational time_base{1, 1};
  int64_t start_pts = 0;
  bool flushed = false;    // the decoder has been told the input ended
  int64_t frames_out = 0;
  int64_t next_sample = 0;  // index k of the next sample time k * every_s

  ~Impl() {
    sws_freeContext(sws);
    av_frame_free(&frame);
    av_packet_free(&packet);
    avcodec_free_context(&codec);
    avformat_close_input(&format);
    if (avio) {
      av_freep(&avio->buffer);
      avio_context_free(&avio);
    }
  }

  Status Open(const std::string& url) {
    static std::once_flag quiet;
    // Errors reach the caller as Status; FFmpeg's own log would interleave with our output.
    std::call_once(quiet, [] { av_log_set_level(AV_LOG_QUIET); });
    format = avformat_alloc_context();
    if (!format) return Status::ResourceExhausted("out of memory");
    if (memory) {
      constexpr int kBuffer = 64 * 1024;
      auto* buffer = static_cast<uint8_t*>(av_malloc(kBuffer));
      avio = buffer ? avio_alloc_context(buffer, kBuffer, 0, memory.get(), &MemorySource::Read,
                                         nullptr, &MemorySource::Seek)
                    : nullptr;
      if (!avio) {
        av_free(buffer);
        return Status::ResourceExhausted("out of memory");
      }
      format->pb = avio;
    }
    int err = avformat_open_input(&format, memory ? nullptr : url.c_str(), nullptr, nullptr);
    if (err < 0) {
      // avformat_open_input frees the context on failure.
      return Status::InvalidArgument("not a video FFmpeg can read: " + AvError(err));
    }
    err = avformat_find_stream_info(format, nullptr);
    if (err < 0) return Status::InvalidArgument("cannot read the video's streams: " + AvError(err));
    const AVCodec* decoder = nullptr;
    stream = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
    if (stream == AVERROR_STREAM_NOT_FOUND) return Status::InvalidArgument("no video stream in the file");
    if (stream < 0 || !decoder) {
      return Status::InvalidArgument("no decoder for the video stream: " + AvError(stream));
    }
    AVStream* st = format->streams[stream];
    const AVCodecParameters* par = st->codecpar;
    if (static_cast<int64_t>(par->width) * par->height > options.max_pixels) {
      return Status::ResourceExhausted("video frames are " + std::to_string(par->width) + "x" +
                                       std::to_string(par->height) + ", over the pixel limit");
    }
    codec = avcodec_alloc_context3(decoder);
    if (!codec) return Status::ResourceExhausted("out of memory");
    if ((err = avcodec_parameters_to_context(codec, par)) < 0) {
      return Status::InvalidArgument("bad video stream parameters: " + AvError(err));
    }
    codec->thread_count = options.decoder_threads;
    if ((err = avcodec_open2(codec, decoder, nullptr)) < 0) {
      return Status::InvalidArgument("cannot open the video decoder: " + AvError(err));
    }
    time_base = st->time_base;
    start_pts = st->start_time == AV_NOPTS_VALUE ? 0 : st->start_time;
    packet = av_packet_alloc();
    frame = av_frame_alloc();
    if (!packet || !frame) return Status::ResourceExhausted("out of memory");
    return Status::Ok();
  }

  // Decodes the next frame into `frame`; false at the end of the stream.
  base::StatusOr<bool> Decode() {
    // Bounds the work spent on a stream whose packets never produce a frame (fuzzed input).
    for (int attempts = 0; attempts < 1'000'000; ++attempts) {
      int err = avcodec_receive_frame(codec, frame);
      if (err == 0) {
        ++frames_out;
        return true;
      }
      if (err == AVERROR_EOF) return false;
      if (err != AVERROR(EAGAIN)) {
        if (flushed) return false;
        continue;  // a corrupt frame: skip it, as the ffmpeg program does
      }
      if (flushed) return false;
      err = av_read_frame(format, packet);
      if (err < 0) {
        avcodec_send_packet(codec, nullptr);  // drain the frames the decoder still holds
        flushed = true;
        continue;
      }
      if (packet->stream_index == stream) avcodec_send_packet(codec, packet);  // errors: skip
      av_packet_unref(packet);
    }
    return Status::InvalidArgument("video stream produces no frames");
  }

  double FrameTime() const {
    int64_t pts = frame->best_effort_timestamp;
    if (pts == AV_NOPTS_VALUE) {
      const AVRational rate = format->streams[stream]->avg_frame_rate;
      return rate.num > 0 ? (frames_out - 1) * av_q2d(av_inv_q(rate)) : 0.0;
    }
    return (pts - start_pts) * av_q2d(time_base);
  }

  Status Convert(VideoFrame* out) {
    const int w = frame->width, h = frame->height;
    if (w <= 0 || h <= 0 || static_cast<int64_t>(w) * h > options.max_pixels) {
      return Status::InvalidArgument("video frame has bad dimensions " + std::to_string(w) + "x" +
                                     std::to_string(h));
    }
    sws = sws_getCachedContext(sws, w, h, static_cast<AVPixelFormat>(frame->format), w, h,
                               AV_PIX_FMT_RGB24, SWS_BILINEAR, nullptr, nullptr, nullptr);
    if (!sws) return Status::InvalidArgument("cannot convert this video's pixel format to RGB");
    out->image.Reset(w, h);
    uint8_t* dst[4] = {out->image.pixels.data(), nullptr, nullptr, nullptr};
    int dst_stride[4] = {static_cast<int>(out->image.stride()), 0, 0, 0};
    sws_scale(sws, frame->data, frame->linesize, 0, h, dst, dst_stride);
    out->t = FrameTime();
    return Status::Ok();
  }
};

VideoReader::VideoReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VideoReader::VideoReader(VideoReader&&) noexcept = default;
VideoReader& VideoReader::operator=(VideoReader&&) noexcept = default;
VideoReader::~VideoReader() = default;

base::StatusOr<VideoReader> VideoReader::OpenFile(const std::string& path, const VideoOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  Status s = impl->Open(path);
  if (!s.ok()) return s.WithContext(path);
  return VideoReader(std::move(impl));
}

base::StatusOr<VideoReader> VideoReader::OpenMemory(std::string bytes, const VideoOptions& options) {
  if (bytes.empty()) return Status::InvalidArgument("empty file: not a video");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->memory = std::make_unique<MemorySource>();
  impl->memory->bytes = std::move(bytes);
  EF_RETURN_IF_ERROR(impl->Open(""));
  return VideoReader(std::move(impl));
}

int VideoReader::width() const { return impl_->codec->width; }
int VideoReader::height() const { return impl_->codec->height; }
double VideoReader::duration() const {
  return impl_->format->duration > 0 ? impl_->format->duration / double{AV_TIME_BASE} : 0.0;
}

base::StatusOr<bool> VideoReader::Next(VideoFrame* frame) {
  base::StatusOr<bool> got = impl_->Decode();
  if (!got.ok() || !*got) return got;
  EF_RETURN_IF_ERROR(impl_->Convert(frame));
  return true;
}

base::StatusOr<bool> VideoReader::NextSample(double every_s, VideoFrame* frame) {
  while (true) {
    base::StatusOr<bool> got = impl_->Decode();
    if (!got.ok() || !*got) return got;
    const double t = impl_->FrameTime();
    // A small epsilon: 0.5 s sampling of a 30000/1001 fps stream must not skip a frame at 0.4999.
    if (t + 1e-6 < impl_->next_sample * every_s) continue;
    impl_->next_sample = static_cast<int64_t>(std::floor(t / every_s + 1e-6)) + 1;
    EF_RETURN_IF_ERROR(impl_->Convert(frame));
    return true;
  }
}

}  // namespace media
