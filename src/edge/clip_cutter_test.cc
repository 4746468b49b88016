// The clip cutter on the cse546 videos (real files, real FFmpeg): the clips cover the video
// exactly and each one plays on its own.
#include "edge/clip_cutter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "media/video.h"

namespace edge {
namespace {

const std::string kVideos = "../shared/data/cse546/videos/";

std::vector<Clip> CutAll(const std::string& path, double clip_seconds, int* packets = nullptr) {
  auto source = Source::Open(path);
  EXPECT_TRUE(source.ok()) << source.status().ToString();
  if (!source.ok()) return {};
  auto cutter = ClipCutter::Create(**source, {.clip_seconds = clip_seconds, .origin_ms = 1'700'000'000'000});
  EXPECT_TRUE(cutter.ok()) << cutter.status().ToString();
  if (!cutter.ok()) return {};
  std::vector<Clip> clips;
  SourcePacket p;
  int n = 0;
  while (true) {
    auto got = (*source)->Next(&p);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    if (!got.ok() || !*got) break;
    ++n;
    EXPECT_TRUE((*cutter)->Add(p, &clips).ok());
  }
  EXPECT_TRUE((*cutter)->Flush(&clips).ok());
  if (packets) *packets = n;
  return clips;
}

int CountFrames(media::VideoReader& r, double* first_t) {
  media::VideoFrame f;
  int n = 0;
  while (true) {
    auto got = r.Next(&f);
    if (!got.ok() || !*got) break;
    if (n == 0) *first_t = f.t;
    ++n;
  }
  return n;
}

struct VideoCase {
  const char* file;
  double duration_s;  // video_info.csv
  int frames;
};

class CutterOnVideo : public ::testing::TestWithParam<VideoCase> {};

TEST_P(CutterOnVideo, ClipsCoverTheVideoAndEachPlaysAlone) {
  const VideoCase& c = GetParam();
  int packets = 0;
  std::vector<Clip> clips = CutAll(kVideos + c.file, 0.5, &packets);
  ASSERT_EQ(packets, c.frames);
  ASSERT_GE(clips.size(), 2u);
  double total = 0;
  int frames = 0;
  for (size_t i = 0; i < clips.size(); ++i) {
    const Clip& clip = clips[i];
    SCOPED_TRACE("clip " + std::to_string(i) + " at " + std::to_string(clip.start_s));
    total += clip.duration_s;
    frames += clip.frames;
    if (i + 1 < clips.size()) {
      // Continuous: each clip ends where the next starts, on the 0.5 s grid or a B-frame group
      // (at most 3 frames here) after it.
      EXPECT_NEAR(clip.start_s + clip.duration_s, clips[i + 1].start_s, 1e-9);
      EXPECT_GE(clips[i + 1].start_s, 0.5 * (i + 1) - 1e-3);
      EXPECT_LE(clips[i + 1].start_s, 0.5 * (i + 1) + 3.5 / 24);
      EXPECT_EQ(clips[i + 1].capture_ms, 1'700'000'000'000 + std::llround(clips[i + 1].start_s * 1000));
    }
    // Playable alone: FFmpeg opens the MP4 and shows exactly this clip's frames, from time 0
    // (the pre-roll is decoded but not shown, per the edit list).
    auto reader = media::VideoReader::OpenMemory(clip.mp4);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    EXPECT_NEAR(reader->duration(), clip.duration_s, 0.02);
    double first_t = -1;
    EXPECT_EQ(CountFrames(*reader, &first_t), clip.frames);
    EXPECT_NEAR(first_t, 0.0, 1e-3);
  }
  EXPECT_EQ(clips.front().capture_ms, 1'700'000'000'000);
  EXPECT_EQ(frames, c.frames);
  EXPECT_NEAR(total, c.duration_s, 1e-3);
}

INSTANTIATE_TEST_SUITE_P(Cse546, CutterOnVideo,
                         ::testing::Values(VideoCase{"test_0.mp4", 2.002, 48}, VideoCase{"test_5.mp4", 2.216667, 133},
                                           VideoCase{"test_4.mp4", 2.0, 48}, VideoCase{"test_7.mp4", 1.042708, 25}));

TEST(ClipCutter, LongerClipsAreFewer) {
  EXPECT_EQ(CutAll(kVideos + "test_8.mp4", 1.0).size(), 2u);   // 2.0 s
  EXPECT_EQ(CutAll(kVideos + "test_8.mp4", 10.0).size(), 1u);
}

TEST(ClipCutter, RefusesZeroLength) {
  auto source = Source::Open(kVideos + "test_0.mp4");
  ASSERT_TRUE(source.ok());
  EXPECT_FALSE(ClipCutter::Create(**source, {.clip_seconds = 0}).ok());
}

TEST(Source, MissingFileIsAClearError) {
  auto source = Source::Open("../shared/data/cse546/videos/no_such.mp4");
  ASSERT_FALSE(source.ok());
  EXPECT_NE(source.status().message().find("no_such.mp4"), std::string::npos);
}

TEST(Source, MissingCameraIsAClearError) {
  // With libavdevice: V4L2 says the device does not exist; without: the build says it lacks V4L2.
  auto source = Source::Open("/dev/video99");
  ASSERT_FALSE(source.ok());
  EXPECT_NE(source.status().message().find("/dev/video99"), std::string::npos) << source.status().ToString();
}

TEST(Source, NotAVideoIsRefusedAtOpen) {
  auto source = Source::Open("../shared/data/cse546/student_data.json");
  ASSERT_FALSE(source.ok());
  EXPECT_NE(source.status().message().find("student_data.json"), std::string::npos) << source.status().ToString();
}

}  // namespace
}  // namespace edge
