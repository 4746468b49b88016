// edge::Source: the device's camera. Reads compressed video packets from a file, a V4L2 camera
// (/dev/videoN), or a network stream FFmpeg understands (udp://, rtsp://, http://, ...), through
// libavformat, without decoding. The clip cutter remuxes these packets; the frame sampler decodes
// them.
//
//   base::StatusOr<std::unique_ptr<Source>> s = Source::Open("test_0.mp4", {.realtime = true});
//   SourcePacket p;
//   while (*s->Next(&p)) { cutter.Add(p); sampler.Add(p); }
//
// Time: every packet carries `pts_s`/`dts_s`, seconds from the first packet of the stream (so a
// camera's and a file's clocks look alike), and `wall_ms`, the epoch milliseconds at which the
// packet was delivered (the moment a camera "captured" it). With `realtime`, packets of a file are
// delivered no earlier than their presentation time after the first one (a camera's pace); live
// sources are never paced (they pace themselves).
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
