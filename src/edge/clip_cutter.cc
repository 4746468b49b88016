#include "edge/clip_cutter.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace edge {
namespace {

using base::Status;

std::string AvError(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

// A growing, seekable in-memory file for the MP4 muxer (it seeks back to patch box sizes).
struct MemorySink {
  std::string bytes;
  size_t pos = 0;

  static int Write(void* opaque, uint8_t* buf, int size) {
    auto* s = static_cast<MemorySink*>(opaque);
    if (s->pos + size > s->bytes.size()) s->bytes.resize(s->pos + size);
    std::memcpy(s->bytes.data() + s->pos, buf, size);
    s->pos += size;
    return size;
  }
  static int64_t Seek(void* opaque, int64_t offset, int whence) {
    auto* s = static_cast<MemorySink*>(opaque);
    int64_t to;
    switch (whence & ~AVSEEK_FORCE) {
      case AVSEEK_SIZE: return static_cast<int64_t>(s->bytes.size());
      case SEEK_SET: to = offset; break;
      case SEEK_CUR: to = static_cast<int64_t>(s->pos) + offset; break;
      case SEEK_END: to = static_cast<int64_t>(s->bytes.size()) + offset; break;
      default: return -1;
    }
    if (to < 0) return -1;
    s->pos = static_cast<size_t>(to);
    return to;
  }
};

struct Held {
  AVPacket* pkt = nullptr;  // a reference to the source's packet
  double pts_s = 0;
  bool key = false;
};

constexpr double kEpsilon = 1e-3;  // timestamps are rounded to the time base

}  // namespace

struct ClipCutter::Impl {
  ClipOptions options;
  AVCodecParameters* par = nullptr;
  AVRational tb{1, 1};
  double frame_s = 0;       // nominal frame duration (fills packets without a duration)
  size_t lookahead = 3;     // packets seen past a cut before it is trusted (B-frame reorder depth)
  bool started = false;     // a keyframe has been seen
  std::vector<Held> buf;    // from the keyframe that the current clip needs, decode order
  size_t clip_begin = 0;    // buf[clip_begin] is the current clip's first packet
  double clip_start_s = 0;

  ~Impl() {
    for (Held& h : buf) av_packet_free(&h.pkt);
    avcodec_parameters_free(&par);
  }

  // The first cut index j in (clip_begin, limit] at which every later packet shows after every
  // earlier one and the later ones start at or after the clip's end; 0 when there is none yet.
  size_t FindCut(size_t limit) const {
    if (buf.size() < 2) return 0;
    // Clips end on the grid of multiples of clip_seconds (so a late cut, a B-frame group after
    // the grid point, does not push every later clip back), at least half a clip after the start.
    const double k = std::ceil((clip_start_s + options.clip_seconds / 2) / options.clip_seconds - kEpsilon);
    const double due = k * options.clip_seconds - kEpsilon;
    std::vector<double> suffix_min(buf.size() + 1, std::numeric_limits<double>::infinity());
    for (size_t i = buf.size(); i-- > 0;) suffix_min[i] = std::min(suffix_min[i + 1], buf[i].pts_s);
    double prefix_max = -std::numeric_limits<double>::infinity();
    for (size_t j = 0; j < buf.size(); ++j) {
      if (j > clip_begin && j <= limit && suffix_min[j] >= due && suffix_min[j] > prefix_max) return j;
      prefix_max = std::max(prefix_max, buf[j].pts_s);
    }
    return 0;
  }

  // Muxes buf[0, end) as one clip shown from clip_start_s to `end_s`.
  Status Emit(size_t end, double end_s, std::vector<Clip>* done) {
    Clip clip;
    clip.start_s = clip_start_s;
    clip.duration_s = end_s - clip_start_s;
    clip.capture_ms = options.origin_ms + std::llround(clip_start_s * 1000);
    clip.frames = static_cast<int>(end - clip_begin);
    clip.preroll_frames = static_cast<int>(clip_begin);

    AVFormatContext* oc = nullptr;
    int err = avformat_alloc_output_context2(&oc, nullptr, "mp4", nullptr);
    if (err < 0) return Status::Internal("mp4 muxer: " + AvError(err));
    MemorySink sink;
    constexpr int kIoBuffer = 1 << 16;
    auto* io_buf = static_cast<unsigned char*>(av_malloc(kIoBuffer));
    AVIOContext* io = avio_alloc_context(io_buf, kIoBuffer, 1, &sink, nullptr, &MemorySink::Write, &MemorySink::Seek);
    oc->pb = io;
    oc->flags |= AVFMT_FLAG_CUSTOM_IO;
    AVPacket* out = av_packet_alloc();
    auto cleanup = [&] {
      av_packet_free(&out);
      avformat_free_context(oc);
      if (io) av_freep(&io->buffer);
      avio_context_free(&io);
    };
    AVStream* st = avformat_new_stream(oc, nullptr);
    avcodec_parameters_copy(st->codecpar, par);
    st->codecpar->codec_tag = 0;
    st->time_base = tb;
    err = avformat_write_header(oc, nullptr);
    if (err < 0) {
      cleanup();
      return Status::Internal("mp4 header: " + AvError(err));
    }
    // Presentation starts at 0: pre-roll packets get negative times, which the muxer turns into
    // an edit list that skips them.
    int64_t start_ts = buf[clip_begin].pkt->pts;
    for (size_t i = clip_begin; i < end; ++i) start_ts = std::min(start_ts, buf[i].pkt->pts);
    const int64_t default_duration =
        frame_s > 0 ? std::max<int64_t>(1, std::llround(frame_s / av_q2d(tb))) : 1;
    for (size_t i = 0; i < end && err >= 0; ++i) {
      av_packet_ref(out, buf[i].pkt);
      out->pts -= start_ts;
      out->dts -= start_ts;
      if (out->duration <= 0) out->duration = default_duration;
      out->stream_index = 0;
      out->pos = -1;
      av_packet_rescale_ts(out, tb, st->time_base);
      err = av_write_frame(oc, out);
      av_packet_unref(out);
    }
    if (err >= 0) err = av_write_trailer(oc);
    if (err >= 0) avio_flush(io);
    cleanup();
    if (err < 0) return Status::Internal("mp4 mux: " + AvError(err));
    clip.mp4 = std::move(sink.bytes);
    done->push_back(std::move(clip));
    return Status::Ok();
  }

  // Ends the current clip at buf[cut] and starts the next one there.
  Status CutAt(size_t cut, std::vector<Clip>* done) {
    double next_start = std::numeric_limits<double>::infinity();
    for (size_t i = cut; i < buf.size(); ++i) next_start = std::min(next_start, buf[i].pts_s);
    EF_RETURN_IF_ERROR(Emit(cut, next_start, done));
    // Keep packets from the last keyframe at or before the cut: the next clip's pre-roll.
    size_t keep = 0;
    for (size_t i = 0; i <= cut && i < buf.size(); ++i) {
      if (buf[i].key) keep = i;
    }
    for (size_t i = 0; i < keep; ++i) av_packet_free(&buf[i].pkt);
    buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(keep));
    clip_begin = cut - keep;
    clip_start_s = next_start;
    return Status::Ok();
  }
};

ClipCutter::ClipCutter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClipCutter::~ClipCutter() = default;

base::StatusOr<std::unique_ptr<ClipCutter>> ClipCutter::Create(const Source& source, const ClipOptions& options) {
  if (!(options.clip_seconds > 0)) return Status::InvalidArgument("clip length must be > 0 s");
  const AVCodecParameters* par = source.codecpar();
  const AVOutputFormat* mp4 = av_guess_format("mp4", nullptr, nullptr);
  if (!mp4 || avformat_query_codec(mp4, par->codec_id, FF_COMPLIANCE_NORMAL) != 1) {
    return Status::InvalidArgument(std::string("cannot cut clips without re-encoding: MP4 cannot hold ") +
                                   avcodec_get_name(par->codec_id) + " video from " + source.url() +
                                   " (use an H.264 source)");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->par = avcodec_parameters_alloc();
  avcodec_parameters_copy(impl->par, par);
  impl->tb = AVRational{source.time_base_num(), source.time_base_den()};
  impl->frame_s = source.frame_rate() > 0 ? 1.0 / source.frame_rate() : 0;
  impl->lookahead = static_cast<size_t>(std::max(0, par->video_delay)) + 2;
  return std::unique_ptr<ClipCutter>(new ClipCutter(std::move(impl)));
}

base::Status ClipCutter::Add(const SourcePacket& packet, std::vector<Clip>* done) {
  Impl& m = *impl_;
  if (!m.started) {
    if (!packet.keyframe) return Status::Ok();  // joined mid-GOP: nothing decodable yet
    m.started = true;
    m.clip_start_s = packet.pts_s;
  }
  Held h;
  h.pkt = av_packet_clone(packet.pkt);
  if (!h.pkt) return Status::ResourceExhausted("out of memory holding a packet");
  h.pts_s = packet.pts_s;
  h.key = packet.keyframe;
  m.buf.push_back(h);
  if (m.buf.size() <= m.lookahead) return Status::Ok();
  const size_t cut = m.FindCut(m.buf.size() - m.lookahead);
  if (cut) return m.CutAt(cut, done);
  return Status::Ok();
}

base::Status ClipCutter::Flush(std::vector<Clip>* done) {
  Impl& m = *impl_;
  while (size_t cut = m.buf.empty() ? 0 : m.FindCut(m.buf.size() - 1)) EF_RETURN_IF_ERROR(m.CutAt(cut, done));
  if (m.buf.size() > m.clip_begin) {
    double end_s = m.clip_start_s;
    for (size_t i = m.clip_begin; i < m.buf.size(); ++i) {
      const double d = m.buf[i].pkt->duration > 0 ? m.buf[i].pkt->duration * av_q2d(m.tb) : m.frame_s;
      end_s = std::max(end_s, m.buf[i].pts_s + d);
    }
    EF_RETURN_IF_ERROR(m.Emit(m.buf.size(), end_s, done));
  }
  for (Held& h : m.buf) av_packet_free(&h.pkt);
  m.buf.clear();
  m.clip_begin = 0;
  m.started = false;
  return Status::Ok();
}

}  // namespace edge
