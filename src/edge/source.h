// edge::Source: the device's camera. Reads compressed video packets from a file, a V4L2 camera
// (/dev/videoN), or a network stream FFmpeg understands (udp://, rtsp://, http://, ...), through
// libavformat, without decoding. The clip cutter remuxes these packets; the frame sampler decodes
// them.
//
//   base::StatusOr<std::unique_ptr<Source>> s = Source::Open("test_0.mp4", {.realtime = true});
//   SourcePacket p;
//   while (*s->Next(&p)) { cutter.Add(p); sampler.Add(p); }
//
// Time: every packet carries `pts_s`/`dts_s`, seconds from the stream's time 0, and `wall_ms`, the
// epoch milliseconds at which the packet was delivered. Time 0 is the first frame shown: for a
// file, the stream's start time as libavformat reports it (edit lists applied, so a file that
// starts with pre-roll or whose first packet is not its first frame shown has packets with
// negative or out-of-order times), else the first packet's pts. `origin_ms()` is the epoch ms at
// which time 0 was "captured": a frame shown at t was captured at origin_ms() + t.
//
// With `realtime`, a file is delivered as a camera would: a packet leaves no earlier than
// origin_ms() + the largest presentation time up to and including it (a camera hands a packet
// over once its frame and every earlier one has been captured; a B-frame comes right after the
// later frame it refers to), so no packet is ever delivered before its frame's capture time.
// Live sources are never paced (they pace themselves).
//
// Errors: Open fails with InvalidArgument when the source cannot be opened or has no video
// stream (the message names the source); Next fails with IoError on a read error.
//
// Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"

struct AVPacket;
struct AVCodecParameters;

namespace edge {

struct SourceOptions {
  bool realtime = false;        // pace files at their frame rate
  std::string input_format;     // force a demuxer ("v4l2", "mpegts"); empty: FFmpeg guesses
  int open_timeout_s = 10;      // network sources: give up opening after this long
  // The stream's time 0 is captured no earlier than this epoch ms (a later file of a playlist
  // starts after the previous one ended); with `realtime` the first packet is held until then.
  int64_t not_before_ms = 0;
  // With `realtime`: deliver packets up to this many seconds before their pace (a source that is
  // decoded ahead and released at capture time, edge::FrameSampler's release_at_capture).
  double lead_s = 0;
};

// One compressed video packet. Owns its AVPacket.
struct SourcePacket {
  SourcePacket();
  ~SourcePacket();
  SourcePacket(const SourcePacket&) = delete;
  SourcePacket& operator=(const SourcePacket&) = delete;

  AVPacket* pkt;          // timestamps in the source stream's time base, as demuxed
  double pts_s = 0;       // presentation time, seconds since the stream's first packet
  double dts_s = 0;       // decode time, likewise
  double duration_s = 0;  // 0 when unknown
  bool keyframe = false;
  int64_t wall_ms = 0;    // epoch ms at delivery
  // With realtime pacing: epoch ms at which a camera would have handed the packet over (its
  // frame's and every earlier frame's capture); wall_ms is later only when the reader fell behind
  // (the device decoding slower than real time). Otherwise equal to wall_ms.
  int64_t due_ms = 0;
};

class Source {
 public:
  static base::StatusOr<std::unique_ptr<Source>> Open(const std::string& url, const SourceOptions& options = {});
  ~Source();

  // The next video packet into *packet (replacing its contents). Returns false at the end of the
  // stream. Packets come in decode order.
  base::StatusOr<bool> Next(SourcePacket* packet);

  const AVCodecParameters* codecpar() const;  // of the video stream
  int time_base_num() const;
  int time_base_den() const;
  double frame_rate() const;   // frames per second, 0 when unknown
  double duration_s() const;   // of a file, 0 when unknown (live sources)
  bool is_live() const;        // a device or network stream (never paced)
  // Epoch ms at which the stream's time 0 was captured; set by the first Next().
  int64_t origin_ms() const;
  // The stream's time 0 in its time base (pts_s = (pts - origin_pts()) * time base).
  int64_t origin_pts() const;
  const std::string& url() const { return url_; }

 private:
  struct Impl;
  Source(std::string url, std::unique_ptr<Impl> impl);
  std::string url_;
  std::unique_ptr<Impl> impl_;
};

// Epoch milliseconds now (system clock).
int64_t NowMs();

}  // namespace edge
