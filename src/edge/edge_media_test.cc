// The device's media and bookkeeping parts on real files: the frame sampler, the spool across a
// restart, the summary's percentiles and the labels file.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "base/files.h"
#include "edge/frame_sampler.h"
#include "edge/spool.h"
#include "edge/stats.h"
#include "edge/uploader.h"
#include "media/image_decode.h"

namespace edge {
namespace {

namespace fs = std::filesystem;
const std::string kVideos = "../shared/data/cse546/videos/";

std::string TempDir(const std::string& name) {
  std::string tmpl = (fs::temp_directory_path() / ("edge-" + name + "-XXXXXX")).string();
  char* dir = mkdtemp(tmpl.data());
  EXPECT_NE(dir, nullptr);
  return tmpl;
}

std::vector<SampledFrame> SampleAll(const std::string& path, double interval, SamplerOptions options = {}) {
  auto source = Source::Open(path);
  EXPECT_TRUE(source.ok()) << source.status().ToString();
  if (!source.ok()) return {};
  options.interval_s = interval;
  options.origin_ms = 1000;
  auto sampler = FrameSampler::Create(**source, options);
  EXPECT_TRUE(sampler.ok()) << sampler.status().ToString();
  std::vector<SampledFrame> frames;
  SourcePacket p;
  while (true) {
    auto got = (*source)->Next(&p);
    if (!got.ok() || !*got) break;
    EXPECT_TRUE((*sampler)->Add(p, &frames).ok());
  }
  EXPECT_TRUE((*sampler)->Flush(&frames).ok());
  EXPECT_EQ((*sampler)->decode_errors(), 0);
  return frames;
}

TEST(FrameSampler, OneJpegPerHalfSecondOfVideo) {
  // test_5: 2.2167 s at 60 fps → frames due at 0, 0.5, 1.0, 1.5, 2.0.
  std::vector<SampledFrame> frames = SampleAll(kVideos + "test_5.mp4", 0.5);
  ASSERT_EQ(frames.size(), 5u);
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_GE(frames[i].t_s, 0.5 * i - 1e-3);
    EXPECT_LT(frames[i].t_s, 0.5 * i + 1.0 / 60 + 1e-3);  // the first frame at or after the due time
    EXPECT_EQ(frames[i].capture_ms, 1000 + std::llround(frames[i].t_s * 1000));
    auto img = media::DecodeImage(frames[i].jpeg);  // a real JPEG of the whole frame
    ASSERT_TRUE(img.ok()) << img.status().ToString();
    EXPECT_EQ(img->width, 1920);
    EXPECT_EQ(img->height, 1080);
  }
}

TEST(FrameSampler, IntervalFollowsMediaTime) {
  // test_0: 48 frames at 23.976 fps, the last shown at 1.960 s: 4 frames at 0.5 s (0, 0.5, 1,
  // 1.5), 2 at 1 s, 20 at 0.1 s.
  EXPECT_EQ(SampleAll(kVideos + "test_0.mp4", 0.5).size(), 4u);
  EXPECT_EQ(SampleAll(kVideos + "test_0.mp4", 1.0).size(), 2u);
  EXPECT_EQ(SampleAll(kVideos + "test_0.mp4", 0.1).size(), 20u);
}

// Mean absolute difference per channel value between two decoded JPEGs of the same size.
double MeanAbsDiff(const std::string& a, const std::string& b) {
  auto ia = media::DecodeImage(a);
  auto ib = media::DecodeImage(b);
  EXPECT_TRUE(ia.ok() && ib.ok());
  if (!ia.ok() || !ib.ok() || ia->width != ib->width || ia->height != ib->height) return 1e9;
  double sum = 0;
  for (size_t i = 0; i < ia->pixels.size(); ++i) sum += std::abs(int{ia->pixels[i]} - int{ib->pixels[i]});
  return sum / static_cast<double>(ia->pixels.size());
}

TEST(FrameSampler, OnlyTheNeededFramesDecodedStraightFromYuvSameFrames) {
  // The default (non-reference frames outside the sampling windows skipped, JPEG straight from
  // the decoder's YUV with the range widened) against decoding every frame and converting via
  // RGB: the same frames are sampled and look the same (a limited-range Y taken as full range
  // would show as a mean difference of ~10 levels).
  for (const char* file : {"test_0.mp4"}) {  // 720p, B-frames (test_5, 1080p60, below)
    SCOPED_TRACE(file);
    std::vector<SampledFrame> fast = SampleAll(kVideos + file, 0.5);
    std::vector<SampledFrame> full = SampleAll(kVideos + file, 0.5, {.decode_all = true, .jpeg_via_rgb = true});
    ASSERT_EQ(fast.size(), full.size());
    ASSERT_FALSE(fast.empty());
    for (size_t i = 0; i < fast.size(); ++i) {
      EXPECT_EQ(fast[i].t_s, full[i].t_s);
      EXPECT_EQ(fast[i].width, full[i].width);
      EXPECT_LT(MeanAbsDiff(fast[i].jpeg, full[i].jpeg), 2.0) << "frame at " << fast[i].t_s;
    }
  }
  // Scaled down on the way (--max-width): the size asked for, the same picture.
  std::vector<SampledFrame> small = SampleAll(kVideos + "test_5.mp4", 1.0, {.max_width = 640});
  std::vector<SampledFrame> small_rgb = SampleAll(kVideos + "test_5.mp4", 1.0, {.max_width = 640, .jpeg_via_rgb = true});
  ASSERT_EQ(small.size(), 3u);
  ASSERT_EQ(small_rgb.size(), 3u);
  EXPECT_EQ(small[0].width, 640);
  EXPECT_EQ(small[0].height, 360);
  EXPECT_LT(MeanAbsDiff(small[0].jpeg, small_rgb[0].jpeg), 2.0);
}

TEST(Spool, KeysCannotLeaveTheDirectory) {
  EXPECT_TRUE(Spool::IsValidKey("cam-1/1700000000000.mp4"));
  EXPECT_FALSE(Spool::IsValidKey("../1700000000000.mp4"));
  EXPECT_FALSE(Spool::IsValidKey("cam/../../x.mp4"));
  EXPECT_FALSE(Spool::IsValidKey("/etc/1.mp4"));
  EXPECT_FALSE(Spool::IsValidKey("cam/1.mp4.tmp-123"));
  EXPECT_FALSE(Spool::IsValidKey("cam/abc.mp4"));
  EXPECT_FALSE(Spool::IsValidDeviceId("a b"));
  auto spool = Spool::Open(TempDir("keys"));
  ASSERT_TRUE(spool.ok());
  EXPECT_FALSE(spool->Put("../1.mp4", "x").ok());
  fs::remove_all(spool->dir());
}

TEST(Spool, SurvivesARestartInCaptureOrder) {
  const std::string dir = TempDir("restart");
  {
    auto spool = Spool::Open(dir);
    ASSERT_TRUE(spool.ok());
    ASSERT_TRUE(spool->Put(Spool::KeyFor("cam", 1700000000500), "second").ok());
    ASSERT_TRUE(spool->Put(Spool::KeyFor("cam", 1700000000000), "first").ok());
    ASSERT_TRUE(spool->Put(Spool::KeyFor("other", 1700000000250), "between").ok());
  }
  // A crash mid-write leaves a temporary file: never listed, never uploaded.
  std::ofstream(dir + "/cam/1700000001000.mp4.tmp-42") << "half";
  auto spool = Spool::Open(dir);  // the next run
  ASSERT_TRUE(spool.ok());
  auto pending = spool->Pending();
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(*pending, (std::vector<std::string>{"cam/1700000000000.mp4", "other/1700000000250.mp4",
                                                "cam/1700000000500.mp4"}));
  EXPECT_EQ(*spool->Pending("other"), std::vector<std::string>{"other/1700000000250.mp4"});
  EXPECT_EQ(*spool->Read("cam/1700000000000.mp4"), "first");
  ASSERT_TRUE(spool->Remove("cam/1700000000000.mp4").ok());
  EXPECT_EQ(spool->Remove("cam/1700000000000.mp4").code(), base::Status::Code::kNotFound);
  EXPECT_EQ(spool->Pending()->size(), 2u);
  fs::remove_all(dir);
}

TEST(Uploader, KeepsAClipUntilTheStoreTakesIt) {
  const std::string dir = TempDir("uploader");
  auto spool = Spool::Open(dir);
  ASSERT_TRUE(spool.ok());
  ASSERT_TRUE(spool->Put("cam/1000.mp4", "left by the last run").ok());
  std::vector<std::string> stored;  // the uploader thread's only
  std::atomic<int> refusals{3};
  std::vector<std::string> events;
  std::mutex events_mu;
  UploaderOptions options;
  options.initial_backoff = std::chrono::milliseconds(10);
  options.on_event = [&](const std::string& e) {
    std::lock_guard<std::mutex> lock(events_mu);
    events.push_back(e);
  };
  // The store refuses the first three attempts (an outage), then accepts.
  Uploader uploader(&*spool, [&](const std::string& key, const std::string& bytes) {
    if (refusals-- > 0) {
      EXPECT_TRUE(fs::exists(dir + "/" + key));  // still in the spool while refused
      return base::Status::Unavailable("connection refused");
    }
    stored.push_back(key + "=" + bytes);
    return base::Status::Ok();
  }, options);
  ASSERT_TRUE(uploader.Start().ok());
  ASSERT_TRUE(spool->Put("cam/2000.mp4", "new").ok());
  uploader.Enqueue("cam/2000.mp4");
  uploader.Stop(std::chrono::seconds(20));
  EXPECT_EQ(stored, (std::vector<std::string>{"cam/1000.mp4=left by the last run", "cam/2000.mp4=new"}));
  EXPECT_EQ(uploader.recovered(), 1);
  EXPECT_EQ(uploader.uploaded(), 2);
  EXPECT_EQ(uploader.failed_attempts(), 3);
  EXPECT_EQ(uploader.outages(), 1);
  EXPECT_EQ(events.size(), 2u);  // down once, back once
  EXPECT_TRUE(spool->Pending()->empty());
  fs::remove_all(dir);
}

TEST(Uploader, StopWithTheStoreDownLeavesClipsInTheSpool) {
  const std::string dir = TempDir("down");
  auto spool = Spool::Open(dir);
  ASSERT_TRUE(spool.ok());
  Uploader uploader(&*spool, [](const std::string&, const std::string&) { return base::Status::Unavailable("down"); },
                    {.initial_backoff = std::chrono::milliseconds(5)});
  ASSERT_TRUE(uploader.Start().ok());
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(spool->Put(Spool::KeyFor("cam", i), "clip").ok());
    uploader.Enqueue(Spool::KeyFor("cam", i));
  }
  uploader.Stop(std::chrono::milliseconds(100));
  EXPECT_EQ(uploader.uploaded(), 0);
  EXPECT_EQ(spool->Pending()->size(), 3u);
  fs::remove_all(dir);
}

TEST(LatencyStats, NearestRankPercentiles) {
  LatencyStats s;
  EXPECT_EQ(s.Percentile(50), 0);
  for (int i = 100; i >= 1; --i) s.Add(i / 1000.0);  // 1..100 ms, unsorted
  EXPECT_DOUBLE_EQ(s.Percentile(50), 0.050);
  EXPECT_DOUBLE_EQ(s.Percentile(95), 0.095);
  EXPECT_DOUBLE_EQ(s.Percentile(99), 0.099);
  EXPECT_DOUBLE_EQ(s.Percentile(100), 0.100);
  EXPECT_DOUBLE_EQ(s.Max(), 0.100);
  LatencyStats three;
  for (double v : {0.3, 0.1, 0.2}) three.Add(v);
  EXPECT_DOUBLE_EQ(three.Percentile(50), 0.2);
  EXPECT_DOUBLE_EQ(three.Percentile(99), 0.3);
  EXPECT_DOUBLE_EQ(three.Percentile(1), 0.1);
}

TEST(Summary, PrintsWhatTheRunDid) {
  Summary s;
  s.pipeline = "frame";
  s.frames_sent = 10;
  s.answers = 9;
  s.failures = 1;
  s.clips_captured = 10;
  s.clips_uploaded = 10;
  s.labelled = 9;
  s.correct = 9;
  s.latency.Add(0.040);
  const std::string text = s.Format();
  EXPECT_NE(text.find("answers: 9"), std::string::npos) << text;
  EXPECT_NE(text.find("dropped: 0"), std::string::npos) << text;
  EXPECT_NE(text.find("p50 0.040"), std::string::npos) << text;
  EXPECT_NE(text.find("accuracy: 9/9 = 100.0%"), std::string::npos) << text;
  EXPECT_EQ(s.ToJson()["clips"]["dropped"], 0);
}

TEST(Labels, ReadsGroundTruthAndPlainPairs) {
  auto truth = LoadLabels("../shared/data/cse546/ground_truth.csv");
  ASSERT_TRUE(truth.ok()) << truth.status().ToString();
  EXPECT_EQ(truth->at("test_5.mp4"), "vin_diesel");
  EXPECT_EQ(truth->at("test_0.mp4"), "president_trump");
  const std::string dir = TempDir("labels");
  std::ofstream(dir + "/l.csv") << "# mine\nvideos/a.mp4,mr_bean\nb.mp4, floki\n";
  auto mine = LoadLabels(dir + "/l.csv");
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->at("a.mp4"), "mr_bean");
  EXPECT_EQ(mine->at("b.mp4"), "floki");
  std::ofstream(dir + "/bad.csv") << "just-one-field\n";
  EXPECT_FALSE(LoadLabels(dir + "/bad.csv").ok());
  EXPECT_FALSE(LoadLabels(dir + "/missing.csv").ok());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace edge
