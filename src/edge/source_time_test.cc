// The device's clock: when a file played with --realtime says a frame was captured, and when its
// packet is delivered. A capture time after the packet's delivery would make every latency the
// device prints too short (the "negative decode wait" seen with a playlist of files without
// B-frames); a capture time before the frame's own time 0 would make it too long.
//
// Real files: test_0 (H.264 with B-frames: the first packet's dts is before its pts) and a clip
// the clip cutter made from the middle of test_5 (its first packets are pre-roll that the MP4
// edit list hides: the first packet in the file is not its time 0).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "edge/clip_cutter.h"
#include "edge/frame_sampler.h"
#include "edge/source.h"

namespace edge {
namespace {

namespace fs = std::filesystem;
const std::string kVideos = "../shared/data/cse546/videos/";

SourceOptions Paced(bool realtime, int64_t not_before_ms = 0) {
  SourceOptions o;
  o.realtime = realtime;
  o.not_before_ms = not_before_ms;
  return o;
}

struct Played {
  int64_t origin_ms = 0;
  int64_t first_wall_ms = 0;
  double first_pts_s = 0;
  double min_pts_s = 1e9;
  int packets = 0;
  int early_packets = 0;  // delivered before their frame's capture time
  std::vector<SampledFrame> frames;
};

// Plays `path` as the device does: packets from the source into the sampler, the sampler's
// capture times on the source's origin.
Played Play(const std::string& path, const SourceOptions& options, double interval_s = 0.5) {
  Played out;
  auto source = Source::Open(path, options);
  EXPECT_TRUE(source.ok()) << source.status().ToString();
  if (!source.ok()) return out;
  SourcePacket p;
  auto got = (*source)->Next(&p);
  EXPECT_TRUE(got.ok() && *got);
  if (!got.ok() || !*got) return out;
  out.origin_ms = (*source)->origin_ms();
  out.first_wall_ms = p.wall_ms;
  out.first_pts_s = p.pts_s;
  auto sampler = FrameSampler::Create(**source, {.interval_s = interval_s, .origin_ms = out.origin_ms});
  EXPECT_TRUE(sampler.ok()) << sampler.status().ToString();
  if (!sampler.ok()) return out;
  double max_pts_s = 0;
  while (true) {
    ++out.packets;
    out.min_pts_s = std::min(out.min_pts_s, p.pts_s);
    max_pts_s = std::max(max_pts_s, p.pts_s);
    // The packet of a frame shown at t (and of every frame decoded before it) exists once the
    // camera has captured the frame: at origin + t at the earliest.
    if (p.wall_ms < out.origin_ms + std::llround(max_pts_s * 1000)) ++out.early_packets;
    EXPECT_TRUE((*sampler)->Add(p, &out.frames).ok());
    got = (*source)->Next(&p);
    EXPECT_TRUE(got.ok());
    if (!got.ok() || !*got) break;
  }
  EXPECT_TRUE((*sampler)->Flush(&out.frames).ok());
  return out;
}

void ExpectCapturedWhenShown(const Played& played) {
  EXPECT_EQ(played.early_packets, 0) << "packets delivered before their frame was captured";
  for (const SampledFrame& f : played.frames) {
    EXPECT_GE(f.t_s, 0);
    EXPECT_EQ(f.capture_ms, played.origin_ms + std::llround(f.t_s * 1000));
    // The decoder cannot give a frame out before it was captured.
    EXPECT_GE(f.decoded_ms, f.capture_ms) << "frame at " << f.t_s << " s";
  }
}

TEST(SourceTime, BFramesRealtimeNoPacketBeforeItsCapture) {
  // test_0: 23.976 fps with B-frames; in decode order each B-frame follows the later P-frame.
  Played played = Play(kVideos + "test_0.mp4", Paced(true));
  EXPECT_EQ(played.packets, 48);
  EXPECT_EQ(played.first_pts_s, 0);  // the first packet, the keyframe, is shown first
  EXPECT_EQ(played.first_wall_ms, played.origin_ms);
  ASSERT_EQ(played.frames.size(), 4u);
  EXPECT_EQ(played.frames[0].t_s, 0);
  ExpectCapturedWhenShown(played);
  // The last frame shown is captured ~1.96 s after the first: real time, not faster.
  EXPECT_GE(played.frames.back().decoded_ms - played.origin_ms, 1500);
}

TEST(SourceTime, ALaterFileOfAPlaylistStartsWhenTheEarlierEnded) {
  // The device plays files one after the other with capture times that keep increasing: the
  // next file's time 0 is no earlier than the previous file's end. Its first packet must then
  // be held until that time, not delivered at once with a capture time in the future.
  const int64_t not_before = NowMs() + 300;
  Played played = Play(kVideos + "test_0.mp4", Paced(true, not_before), 1.0);
  EXPECT_EQ(played.origin_ms, not_before);
  EXPECT_GE(played.first_wall_ms, not_before);
  ASSERT_EQ(played.frames.size(), 2u);
  ExpectCapturedWhenShown(played);
  // Without pacing, the origin still moves (capture times keep increasing), nothing waits.
  const int64_t later = NowMs() + 60'000;
  Played fast = Play(kVideos + "test_0.mp4", Paced(false, later), 1.0);
  EXPECT_EQ(fast.origin_ms, later);
  EXPECT_LT(fast.first_wall_ms, later);
  ASSERT_EQ(fast.frames.size(), 2u);
  EXPECT_EQ(fast.frames[0].capture_ms, later);
}

TEST(SourceTime, PrerollBeforeTimeZeroIsNotAFrameOfTheStream) {
  // A clip the cutter made from test_5 at 1.0 s: it carries test_5's packets from the keyframe
  // at 0 s as pre-roll, and an edit list that starts the presentation at the clip's first frame.
  std::vector<Clip> clips;
  {
    auto source = Source::Open(kVideos + "test_5.mp4");
    ASSERT_TRUE(source.ok());
    auto cutter = ClipCutter::Create(**source, {.clip_seconds = 0.5, .origin_ms = 0});
    ASSERT_TRUE(cutter.ok());
    SourcePacket p;
    while (*(*source)->Next(&p)) ASSERT_TRUE((*cutter)->Add(p, &clips).ok());
    ASSERT_TRUE((*cutter)->Flush(&clips).ok());
  }
  ASSERT_GE(clips.size(), 3u);
  const Clip& clip = clips[2];
  ASSERT_GT(clip.preroll_frames, 0);
  const std::string path = (fs::temp_directory_path() / ("edge-preroll-" + std::to_string(NowMs()) + ".mp4")).string();
  std::ofstream(path, std::ios::binary) << clip.mp4;

  Played played = Play(path, Paced(true), 0.25);
  fs::remove(path);
  EXPECT_EQ(played.packets, clip.preroll_frames + clip.frames);
  EXPECT_LT(played.min_pts_s, 0);   // the pre-roll is before time 0 ...
  EXPECT_LT(played.first_pts_s, 0);  // ... and comes first
  // The sampled frames are the clip's own (0, 0.25 s), not pre-roll frames, and the first one
  // was captured at the origin.
  ASSERT_GE(played.frames.size(), 2u);
  EXPECT_EQ(played.frames[0].t_s, 0);
  EXPECT_EQ(played.frames[0].capture_ms, played.origin_ms);
  EXPECT_LT(played.frames.back().t_s, clip.duration_s);
  ExpectCapturedWhenShown(played);
}

}  // namespace
}  // namespace edge
