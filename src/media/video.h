// Video frames through FFmpeg's libraries (libavformat demuxes, libavcodec decodes, libswscale
// converts to RGB): from a file, a URL FFmpeg understands, or bytes already in memory (an MP4
// fetched from the object store, a clip the device just recorded).
//
//   base::StatusOr<VideoReader> r = VideoReader::OpenFile("clip.mp4");
//   VideoFrame f;
//   while (true) {
//     base::StatusOr<bool> got = r->NextSample(0.5, &f);   // one frame per 0.5 s
//     if (!got.ok()) return got.status();
//     if (!*got) break;                                    // end of the video
//     use(f.t, f.image);
//   }
//
// Frames come in presentation order with their time in seconds from the start of the stream.
// Undecodable packets in the middle are skipped (as the ffmpeg program does); a file without a
// video stream, or one that is not a container FFmpeg knows, fails at Open with InvalidArgument.
//
// Thread-safety: a VideoReader is used by one thread at a time; separate readers are independent.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "media/image.h"

namespace media {

struct VideoFrame {
  double t = 0;  // presentation time in seconds from the stream's start
  RgbImage image;
};

struct VideoOptions {
  int decoder_threads = 1;             // 1 keeps a function instance on one core
  int64_t max_pixels = 100'000'000;    // frames larger than this are refused
};

class VideoReader {
 public:
  // Opens a file path or URL. Errors name `path`.
  static base::StatusOr<VideoReader> OpenFile(const std::string& path, const VideoOptions& options = {});
  // Opens a whole container held in memory; the reader keeps `bytes`.
  static base::StatusOr<VideoReader> OpenMemory(std::string bytes, const VideoOptions& options = {});

  VideoReader(VideoReader&&) noexcept;
  VideoReader& operator=(VideoReader&&) noexcept;
  ~VideoReader();

  int width() const;
  int height() const;
  double duration() const;  // seconds; 0 when the container does not say

  // Decodes the next frame into *frame. Returns false at the end of the stream.
  base::StatusOr<bool> Next(VideoFrame* frame);

  // Returns the first frame at or after each multiple of `every_s` seconds (0, every_s, 2*every_s,
  // ...), decoding but not converting the frames in between. REQUIRES: every_s > 0.
  base::StatusOr<bool> NextSample(double every_s, VideoFrame* frame);

 private:
  struct Impl;
  explicit VideoReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace media
