// edge::FrameSampler: one JPEG every `interval_s` of media time from the source's packets (the
// frame the device sends to the cloud). Decodes every packet (libavcodec) but converts and encodes
// only the sampled frames: the first frame at or after each multiple of interval_s
// (0, interval_s, 2*interval_s, ... on the source's clock).
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
  int64_t decoded_ms = 0;  // wall-clock epoch ms when the decoder gave the frame out
  double encode_ms = 0;    // pixel conversion (and scaling) + JPEG encoding
};

struct SamplerOptions {
  double interval_s = 0.5;
  int64_t origin_ms = 0;   // epoch ms of the source's time 0
  int jpeg_quality = 90;
  int max_width = 0;       // > 0: frames wider than this are scaled down (keeps aspect)
  int decoder_threads = 1;
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
