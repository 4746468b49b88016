// edge::ClipCutter: continuous MP4 clips of about `clip_seconds` each, cut from the source's
// compressed packets WITHOUT re-encoding (libavformat remuxes them; the pixels are the camera's).
//
// Where a clip starts. Clip k covers presentation times [start_k, start_k+1): start_0 is the first
// frame, and start_k+1 is the first frame at or after the next multiple of clip_seconds (at least
// half a clip after start_k) at which the stream can be cut, i.e. where every earlier packet
// (decode order) shows before every later one (no B-frame straddles the cut). The clips'
// durations therefore add up to the stream's, frame for frame; starts stay on the 0.5 s grid
// (late by at most a B-frame group, 3 frames in the cse546 videos), so a 5-minute run makes 600
// clips.
//
// Keyframes further apart than clip_seconds (the cse546 videos have one keyframe per file; many
// cameras one every 1-2 s). A clip that starts between keyframes cannot be decoded on its own,
// so it also carries the packets from the preceding keyframe ("pre-roll"), and its MP4 edit list
// starts the presentation at start_k: every player and FFmpeg decode the pre-roll and show only
// [start_k, start_k+1). Nothing is re-encoded and nothing is lost; the price is bytes (a clip late
// in a long GOP carries that GOP's earlier packets). A camera set to a keyframe every
// clip_seconds (V4L2 H.264 cameras and RTSP cameras have the setting) has no pre-roll.
//
// Codecs: whatever the MP4 muxer takes (H.264, HEVC, MPEG-4, MJPEG); raw video is refused at
// Create (a camera delivering raw frames needs an encoder, which the device does not have).
// Only the video stream is kept.
//
// Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "edge/source.h"

namespace edge {

struct Clip {
  int64_t capture_ms = 0;   // origin_ms + start_s, rounded: the clip's key "<device>/<capture_ms>.mp4"
  double start_s = 0;       // presentation start, seconds on the source's clock
  double duration_s = 0;    // presentation duration (what the edit list shows)
  int frames = 0;           // frames shown
  int preroll_frames = 0;   // packets carried only to decode the first frames
  std::string mp4;          // the whole file
};

struct ClipOptions {
  double clip_seconds = 0.5;
  int64_t origin_ms = 0;    // epoch ms of the source's time 0 (capture time of its first frame)
};

class ClipCutter {
 public:
  // `source` gives the codec parameters and time base (copied; `source` may go away later).
  static base::StatusOr<std::unique_ptr<ClipCutter>> Create(const Source& source, const ClipOptions& options);
  ~ClipCutter();

  // Adds the next packet (decode order). Finished clips are appended to *done.
  base::Status Add(const SourcePacket& packet, std::vector<Clip>* done);
  // Ends the stream: the last (possibly short) clip is appended to *done.
  base::Status Flush(std::vector<Clip>* done);

 private:
  struct Impl;
  explicit ClipCutter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace edge
