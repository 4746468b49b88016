#include "media/video.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "base/files.h"

namespace media {
namespace {

// 854x480, 24 fps, 48 frames, 2.0 s, no audio (../shared/data/cse546/videos/video_info.csv).
const char kVideo[] = "../shared/data/cse546/videos/test_4.mp4";

std::string TempPath(const std::string& name) {
  return "/tmp/edgeface_video_test_" + std::to_string(getpid()) + "_" + name;
}

// A valid one-second mono 8 kHz 16-bit WAV file: audio, and nothing else.
std::string WavFile() {
  auto le32 = [](uint32_t v) { return std::string{char(v), char(v >> 8), char(v >> 16), char(v >> 24)}; };
  auto le16 = [](uint16_t v) { return std::string{char(v), char(v >> 8)}; };
  const uint32_t samples = 8000;
  std::string data;
  for (uint32_t i = 0; i < samples; ++i) data += le16(static_cast<uint16_t>(8000 * std::sin(i * 0.2)));
  return "RIFF" + le32(36 + data.size()) + "WAVE" + "fmt " + le32(16) + le16(1) + le16(1) +
         le32(8000) + le32(16000) + le16(2) + le16(16) + "data" + le32(data.size()) + data;
}

TEST(Video, DecodesEveryFrameWithIncreasingTimes) {
  base::StatusOr<VideoReader> r = VideoReader::OpenFile(kVideo);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->width(), 854);
  EXPECT_EQ(r->height(), 480);
  EXPECT_NEAR(r->duration(), 2.0, 0.05);
  VideoFrame f;
  int frames = 0;
  double last = -1;
  while (true) {
    base::StatusOr<bool> got = r->Next(&f);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    if (!*got) break;
    EXPECT_GT(f.t, last);
    last = f.t;
    EXPECT_EQ(f.image.width, 854);
    EXPECT_EQ(f.image.pixels.size(), 854u * 480 * 3);
    ++frames;
  }
  EXPECT_EQ(frames, 48);
  EXPECT_NEAR(last, 47.0 / 24, 1e-3);
}

TEST(Video, SamplesEveryHalfSecondFromMemoryLikeFromFile) {
  base::StatusOr<std::string> bytes = base::ReadFile(kVideo);
  ASSERT_TRUE(bytes.ok());
  base::StatusOr<VideoReader> from_file = VideoReader::OpenFile(kVideo);
  base::StatusOr<VideoReader> from_memory = VideoReader::OpenMemory(*bytes);
  ASSERT_TRUE(from_file.ok() && from_memory.ok()) << from_memory.status().ToString();
  std::vector<double> times;
  VideoFrame a, b;
  while (true) {
    base::StatusOr<bool> got_a = from_file->NextSample(0.5, &a);
    base::StatusOr<bool> got_b = from_memory->NextSample(0.5, &b);
    ASSERT_TRUE(got_a.ok() && got_b.ok());
    ASSERT_EQ(*got_a, *got_b);
    if (!*got_a) break;
    EXPECT_EQ(a.t, b.t);
    EXPECT_EQ(a.image.pixels, b.image.pixels);
    times.push_back(a.t);
  }
  EXPECT_EQ(times, (std::vector<double>{0.0, 0.5, 1.0, 1.5}));
}

TEST(VideoErrors, AudioOnlyFileHasNoVideoStream) {
  const std::string path = TempPath("audio_only.mp4");  // a WAV, misleadingly named
  ASSERT_TRUE(base::WriteFileAtomic(path, WavFile()).ok());
  base::StatusOr<VideoReader> r = VideoReader::OpenFile(path);
  std::remove(path.c_str());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("no video stream"), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find(path), std::string::npos);
}

TEST(VideoErrors, TextEmptyAndTruncatedInputs) {
  EXPECT_FALSE(VideoReader::OpenMemory("").ok());
  base::StatusOr<VideoReader> text = VideoReader::OpenMemory("this is a text file, not a video\n");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), base::Status::Code::kInvalidArgument);
  EXPECT_FALSE(VideoReader::OpenFile("/nonexistent/clip.mp4").ok());
  // The first 20 KB of an MP4 whose index sits at the end: either refused at open or fewer frames,
  // never a crash.
  base::StatusOr<std::string> bytes = base::ReadFile(kVideo);
  ASSERT_TRUE(bytes.ok());
  base::StatusOr<VideoReader> cut = VideoReader::OpenMemory(bytes->substr(0, 20000));
  if (cut.ok()) {
    VideoFrame f;
    int frames = 0;
    while (frames < 100) {
      base::StatusOr<bool> got = cut->Next(&f);
      if (!got.ok() || !*got) break;
      ++frames;
    }
    EXPECT_LT(frames, 48);
  }
}

}  // namespace
}  // namespace media
