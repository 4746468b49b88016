// The device's own work per sampled frame (pipeline 1): decoding the stream and turning the
// sampled frames into JPEGs, on the eight cse546 videos read as fast as they decode (no pacing).
//
//   build-edge/bin/bench_frame_sampler [rounds]        (run from the repository root)
//   build-edge/bin/bench_frame_sampler --realtime      (the device's side of pipeline 1's latency)
//
// Three ways, interleaved per round, each over all eight files:
//   before:   every frame decoded, sampled frames converted to RGB (libswscale) then JPEG (TurboJPEG)
//   yuv:      every frame decoded, sampled frames JPEG-encoded from the decoder's YUV (range widened)
//   after:    as yuv, and non-reference frames outside the sampling windows not decoded (the default)
// Prints per way the CPU time of the whole pass (thread CPU clock), the JPEG step's CPU time per
// sampled frame (median), and the ratios to "before". Same frames are sampled by all three (checked).
//
// --realtime: the eight files played one after another as the device plays them (--realtime,
// each camera kind in turn: h264 = the file's packets at a camera's pace, raw = decoded ahead and
// released at capture time), and per sampled frame: capture → its packet delivered, packet →
// out of the decoder (of which the decoder's own time), the JPEG step; medians and p90.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "edge/frame_sampler.h"
#include "edge/source.h"
#include "../timing.h"

namespace {

using bench::ThreadCpuMs;

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Pass {
  double cpu_ms = 0;
  std::vector<double> encode_ms;
  std::vector<double> t_s;
};

bool Run(const std::string& path, const edge::SamplerOptions& options, Pass* pass) {
  auto source = edge::Source::Open(path);
  if (!source.ok()) return std::fprintf(stderr, "%s\n", source.status().ToString().c_str()), false;
  const double c0 = ThreadCpuMs();
  auto sampler = edge::FrameSampler::Create(**source, options);
  if (!sampler.ok()) return std::fprintf(stderr, "%s\n", sampler.status().ToString().c_str()), false;
  std::vector<edge::SampledFrame> frames;
  edge::SourcePacket p;
  while (true) {
    auto got = (*source)->Next(&p);
    if (!got.ok() || !*got) break;
    if (!(*sampler)->Add(p, &frames).ok()) return false;
  }
  if (!(*sampler)->Flush(&frames).ok()) return false;
  pass->cpu_ms += ThreadCpuMs() - c0;
  for (const auto& f : frames) {
    pass->encode_ms.push_back(f.encode_cpu_ms);
    pass->t_s.push_back(f.t_s);
  }
  return true;
}

}  // namespace

const std::string kDir = "../shared/data/cse546/videos/";
const char* kFiles[] = {"test_0.mp4", "test_1.mp4", "test_2.mp4", "test_4.mp4",
                        "test_5.mp4", "test_6.mp4", "test_7.mp4", "test_8.mp4"};

double Pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p / 100 * (v.size() - 1) + 0.5))];
}

// As edge::RunDevice's capture loop does for the frame pipeline (no clips, no requests).
int Realtime() {
  for (const char* kind : {"h264", "raw"}) {
    const bool raw = std::string(kind) == "raw";
    std::vector<double> packet_wait, behind, decoder, busy, hold, decode_wait, encode;
    int64_t floor_ms = 0;
    for (const char* f : kFiles) {
      edge::SourceOptions so;
      so.realtime = true;
      so.not_before_ms = floor_ms;
      so.lead_s = raw ? 0.5 : 0;
      auto source = edge::Source::Open(kDir + f, so);
      if (!source.ok()) return 1;
      edge::SourcePacket p;
      if (!*(*source)->Next(&p)) return 1;
      const int64_t origin = (*source)->origin_ms();
      edge::SamplerOptions options;
      options.origin_ms = origin;
      options.release_at_capture = raw;
      auto sampler = edge::FrameSampler::Create(**source, options);
      if (!sampler.ok()) return 1;
      std::vector<edge::SampledFrame> frames;
      double end_s = 0;
      const double frame_s = (*source)->frame_rate() > 0 ? 1 / (*source)->frame_rate() : 0;
      while (true) {
        if (!(*sampler)->Add(p, &frames).ok()) return 1;
        end_s = std::max(end_s, p.pts_s + (p.duration_s > 0 ? p.duration_s : frame_s));
        auto got = (*source)->Next(&p);
        if (!got.ok() || !*got) break;
      }
      if (!(*sampler)->Flush(&frames).ok()) return 1;
      floor_ms = origin + static_cast<int64_t>(end_s * 1000) + 1;
      for (const auto& fr : frames) {
        decode_wait.push_back(fr.decoded_ms - fr.capture_ms);
        packet_wait.push_back(fr.packet_due_ms - fr.capture_ms);
        behind.push_back(fr.packet_ms - fr.packet_due_ms);
        decoder.push_back(fr.decoded_ms - fr.packet_ms);
        busy.push_back(fr.decode_busy_ms);
        hold.push_back(fr.decoded_ms - fr.packet_ms - fr.decode_busy_ms);
        encode.push_back(fr.encode_ms);
      }
    }
    std::printf("camera %s, %zu frames (ms)              p50     p90     max\n", kind, encode.size());
    auto row = [](const char* name, const std::vector<double>& v) {
      std::printf("  %-34s %7.1f %7.1f %7.1f\n", name, Pct(v, 50), Pct(v, 90), Pct(v, 100));
    };
    row("capture -> out of the decoder", decode_wait);
    if (!raw) {
      row("  capture -> its packet sent (stream)", packet_wait);
      row("  device behind real time", behind);
      row("  packet -> out of the decoder", decoder);
      row("    decoding (decoder's own time)", busy);
      row("    held for reordering", hold);
    }
    row("JPEG step (YUV -> JPEG)", encode);
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--realtime") return Realtime();
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  const std::string& dir = kDir;
  const auto& files = kFiles;
  struct Way {
    const char* name;
    edge::SamplerOptions options;
    std::vector<double> cpu;  // per round
    std::vector<double> encode;
    std::vector<double> t_s;
  };
  Way ways[] = {{"before (decode all, via RGB)", {.decode_all = true, .jpeg_via_rgb = true}, {}, {}, {}},
                {"yuv (decode all, JPEG from YUV)", {.decode_all = true}, {}, {}, {}},
                {"after (skip unneeded non-ref, JPEG from YUV)", {}, {}, {}, {}}};
  for (int r = 0; r < rounds; ++r) {
    for (Way& w : ways) {
      Pass pass;
      for (const char* f : files) {
        if (!Run(dir + f, w.options, &pass)) return 1;
      }
      w.cpu.push_back(pass.cpu_ms);
      w.encode.insert(w.encode.end(), pass.encode_ms.begin(), pass.encode_ms.end());
      if (r == 0) w.t_s = pass.t_s;
    }
  }
  const bool same = ways[0].t_s == ways[1].t_s && ways[0].t_s == ways[2].t_s;
  std::printf("frame sampler on the 8 cse546 videos (15.9 s of 720p-1080p video, %zu sampled frames), %d rounds\n",
              ways[0].t_s.size(), rounds);
  std::printf("%-46s %18s %14s %22s %10s\n", "way", "CPU ms/pass (med)", "x before", "JPEG step CPU ms/frame p50",
              "x before");
  for (const Way& w : ways) {
    std::printf("%-46s %18.1f %14.2f %22.2f %10.2f\n", w.name, Median(w.cpu), Median(w.cpu) / Median(ways[0].cpu),
                Median(w.encode), Median(w.encode) / Median(ways[0].encode));
  }
  std::printf("same frames sampled by all three: %s\n", same ? "yes" : "NO");
  return same ? 0 : 1;
}
