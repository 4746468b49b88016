// edge::FrameSampler: one JPEG every `interval_s` of media time from the source's packets (the
// frame the device sends to the cloud): the first frame at or after each multiple of interval_s
// (0, interval_s, 2*interval_s, ... on the source's clock).
//
// Work done per frame: a packet whose frame nothing else refers to (a non-reference frame, most
// B-frames) is skipped by the decoder unless its time lies in the first half of a sampling
// interval, where the sampled frame is; every other packet is decoded. Only sampled frames are
// converted: from the decoder's YUV straight to a 4:2:0 JPEG (range and size conversion by
// libswscale, no RGB step).
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

struct SampledFrame {
  double t_s = 0;          // presentation time on the source's clock
  int64_t capture_ms = 0;  // origin_ms + t_s (same clock as the clips' keys)
  int width = 0;
  int height = 0;
  std::string jpeg;
  int64_t packet_ms = 0;   // wall-clock epoch ms when the frame's own packet was delivered
  int64_t packet_due_ms = 0;  // when a camera would have handed that packet over (SourcePacket::due_ms)
  int64_t decoded_ms = 0;  // wall-clock epoch ms when the decoder gave the frame out (or, with
                           // release_at_capture, when the frame was released)
  double decode_busy_ms = 0;  // time spent decoding between packet_ms and decoded_ms
  double encode_ms = 0;    // pixel conversion (and scaling) + JPEG encoding
  double encode_cpu_ms = 0;  // the same step's CPU time (this thread)
};

struct SamplerOptions {
  double interval_s = 0.5;
  int64_t origin_ms = 0;   // epoch ms of the source's time 0
  int jpeg_quality = 90;
  int max_width = 0;       // > 0: frames wider than this are scaled down (keeps aspect)
  int decoder_threads = 1;
  // A raw camera (V4L2 YUYV, a capture card) delivers each frame decoded at its capture time: hold
  // a sampled frame until capture_ms before converting it (the source is decoded ahead, see
  // SourceOptions::lead_s). Off: a frame is converted when the decoder gives it out.
  bool release_at_capture = false;
  // For comparison (bench/pipelines/frame_sampler_bench): decode every packet, and convert via
  // RGB as before (sws to RGB24, then TurboJPEG from RGB).
  bool decode_all = false;
  bool jpeg_via_rgb = false;
};

class FrameSampler {
 public:
  static base::StatusOr<std::unique_ptr<FrameSampler>> Create(const Source& source, const SamplerOptions& options);
  ~FrameSampler();

  // Decodes `packet`; frames due are appended to *out. A packet the decoder rejects is skipped
  // (as a player would) and counted in decode_errors().
  base::Status Add(const SourcePacket& packet, std::vector<SampledFrame>* out);
  // Drains the decoder at the end of the stream.
  base::Status Flush(std::vector<SampledFrame>* out);
  int decode_errors() const;

 private:
  struct Impl;
  explicit FrameSampler(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace edge
