#include "edge/source.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#ifdef EDGEFACE_HAVE_AVDEVICE
#include <libavdevice/avdevice.h>
#endif
}

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

namespace edge {
namespace {

using base::Status;
using Clock = std::chrono::steady_clock;

std::string AvError(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

void InitFfmpegOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    avformat_network_init();
#ifdef EDGEFACE_HAVE_AVDEVICE
    avdevice_register_all();
#endif
  });
}

bool IsDevicePath(const std::string& url) { return url.rfind("/dev/video", 0) == 0; }
bool IsNetworkUrl(const std::string& url) {
  return url.find("://") != std::string::npos && url.rfind("file:", 0) != 0;
}

}  // namespace

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {
// Sleeps until the system clock reads at least `epoch_ms` (the clock capture times are on).
void SleepUntilMs(int64_t epoch_ms) {
  for (int64_t now = NowMs(); now < epoch_ms; now = NowMs()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(epoch_ms - now));
  }
}
}  // namespace

SourcePacket::SourcePacket() : pkt(av_packet_alloc()) {}
SourcePacket::~SourcePacket() { av_packet_free(&pkt); }

struct Source::Impl {
  SourceOptions options;
  AVFormatContext* fmt = nullptr;
  int stream = -1;
  AVRational tb{1, 1};
  bool live = false;
  // Timestamp origin (the stream's start time for a file, else the first packet's pts), in
  // stream units, and the epoch ms at which it was captured.
  bool have_origin = false;
  int64_t origin = 0;
  int64_t origin_ms = 0;
  int64_t last_dts = AV_NOPTS_VALUE;  // to fill in packets without timestamps
  double max_pts_s = 0;               // pacing: the latest frame "captured" so far
  // Interrupt deadline for blocking network reads (reset before each read).
  Clock::time_point deadline = Clock::time_point::max();

  static int Interrupt(void* opaque) {
    return Clock::now() > static_cast<Impl*>(opaque)->deadline ? 1 : 0;
  }
  ~Impl() { avformat_close_input(&fmt); }
};

Source::Source(std::string url, std::unique_ptr<Impl> impl) : url_(std::move(url)), impl_(std::move(impl)) {}
Source::~Source() = default;

base::StatusOr<std::unique_ptr<Source>> Source::Open(const std::string& url, const SourceOptions& options) {
  InitFfmpegOnce();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->live = IsDevicePath(url) || IsNetworkUrl(url) || !options.input_format.empty();

  std::string format_name = options.input_format;
  if (format_name.empty() && IsDevicePath(url)) format_name = "video4linux2";
  const AVInputFormat* format = nullptr;
  if (!format_name.empty()) {
    format = av_find_input_format(format_name.c_str());
    if (!format) {
      return Status::InvalidArgument("cannot open " + url + ": this build has no '" + format_name +
                                     "' input (V4L2 needs libavdevice-dev at build time)");
    }
  }
  impl->fmt = avformat_alloc_context();
  impl->fmt->interrupt_callback.callback = &Impl::Interrupt;
  impl->fmt->interrupt_callback.opaque = impl.get();
  impl->deadline = Clock::now() + std::chrono::seconds(std::max(1, options.open_timeout_s));
  AVDictionary* opts = nullptr;
  // Live sources: probe for at most 1 s of stream (the packets read while probing are kept and
  // delivered; "nobuffer" would drop them, and with them the first keyframe).
  if (impl->live) av_dict_set(&opts, "analyzeduration", "1000000", 0);
  int err = avformat_open_input(&impl->fmt, url.c_str(), format, &opts);
  av_dict_free(&opts);
  if (err < 0) return Status::InvalidArgument("cannot open " + url + ": " + AvError(err));
  err = avformat_find_stream_info(impl->fmt, nullptr);
  if (err < 0) return Status::InvalidArgument("cannot read " + url + ": " + AvError(err));
  impl->deadline = Clock::time_point::max();
  impl->stream = av_find_best_stream(impl->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (impl->stream < 0) return Status::InvalidArgument(url + " has no video stream");
  impl->tb = impl->fmt->streams[impl->stream]->time_base;
  for (unsigned i = 0; i < impl->fmt->nb_streams; ++i) {
    if (static_cast<int>(i) != impl->stream) impl->fmt->streams[i]->discard = AVDISCARD_ALL;
  }
  return std::unique_ptr<Source>(new Source(url, std::move(impl)));
}

base::StatusOr<bool> Source::Next(SourcePacket* packet) {
  Impl& m = *impl_;
  AVPacket* pkt = packet->pkt;
  while (true) {
    av_packet_unref(pkt);
    if (m.live) m.deadline = Clock::now() + std::chrono::seconds(std::max(1, m.options.open_timeout_s));
    const int err = av_read_frame(m.fmt, pkt);
    m.deadline = Clock::time_point::max();
    if (err == AVERROR_EOF) return false;
    if (err == AVERROR_EXIT) return Status::IoError(url_ + ": no data for " + std::to_string(m.options.open_timeout_s) + " s");
    if (err < 0) return Status::IoError("reading " + url_ + ": " + AvError(err));
    if (pkt->stream_index == m.stream) break;
  }
  // Fill in missing timestamps (raw H.264 over UDP has none in places) from the previous packet.
  if (pkt->dts == AV_NOPTS_VALUE) pkt->dts = pkt->pts;
  if (pkt->dts == AV_NOPTS_VALUE && m.last_dts != AV_NOPTS_VALUE) {
    pkt->dts = m.last_dts + std::max<int64_t>(pkt->duration, 1);
  }
  if (pkt->dts == AV_NOPTS_VALUE) pkt->dts = 0;
  if (pkt->pts == AV_NOPTS_VALUE) pkt->pts = pkt->dts;
  m.last_dts = pkt->dts;
  const bool paced = m.options.realtime && !m.live;
  if (!m.have_origin) {
    m.have_origin = true;
    // A file's time 0 is its first frame shown (start_time has the edit list applied); the first
    // packet in decode order may show later (leading B-frames) or be pre-roll that is never shown.
    const int64_t start = m.fmt->streams[m.stream]->start_time;
    m.origin = !m.live && start != AV_NOPTS_VALUE ? start : pkt->pts;
    m.origin_ms = std::max(NowMs(), m.options.not_before_ms);
    if (paced) SleepUntilMs(m.origin_ms);
  }
  const double tb = av_q2d(m.tb);
  packet->pts_s = (pkt->pts - m.origin) * tb;
  packet->dts_s = (pkt->dts - m.origin) * tb;
  packet->duration_s = pkt->duration > 0 ? pkt->duration * tb : 0;
  packet->keyframe = (pkt->flags & AV_PKT_FLAG_KEY) != 0;

  // A camera hands a packet over once its frame (and every earlier one) has been captured, so a
  // file is paced by the largest presentation time seen so far (B-frames come right after the
  // later frame they depend on, as from a real encoder). Capture times are origin_ms + round(t
  // in ms) (edge::FrameSampler, edge::ClipCutter); rounding the same way here keeps every packet
  // at or after its frame's capture time.
  packet->due_ms = 0;
  if (paced) {
    m.max_pts_s = std::max(m.max_pts_s, packet->pts_s);
    packet->due_ms = m.origin_ms + std::llround(m.max_pts_s * 1000);
    SleepUntilMs(packet->due_ms - std::llround(m.options.lead_s * 1000));
  }
  packet->wall_ms = NowMs();
  if (!paced) packet->due_ms = packet->wall_ms;
  return true;
}

const AVCodecParameters* Source::codecpar() const { return impl_->fmt->streams[impl_->stream]->codecpar; }
int Source::time_base_num() const { return impl_->tb.num; }
int Source::time_base_den() const { return impl_->tb.den; }
double Source::frame_rate() const {
  const AVRational r = impl_->fmt->streams[impl_->stream]->avg_frame_rate;
  return r.num > 0 && r.den > 0 ? av_q2d(r) : 0;
}
double Source::duration_s() const {
  const AVStream* st = impl_->fmt->streams[impl_->stream];
  if (st->duration > 0) return st->duration * av_q2d(st->time_base);
  if (impl_->fmt->duration > 0) return impl_->fmt->duration / static_cast<double>(AV_TIME_BASE);
  return 0;
}
bool Source::is_live() const { return impl_->live; }
int64_t Source::origin_ms() const { return impl_->origin_ms; }
int64_t Source::origin_pts() const { return impl_->origin; }

}  // namespace edge
