#include "edge/device.h"

#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>

#include <nlohmann/json.hpp>

#include "base/files.h"
#include "edge/clip_cutter.h"
#include "edge/frame_sampler.h"
#include "edge/report.h"
#include "edge/request_pool.h"
#include "edge/results_poller.h"
#include "edge/source.h"
#include "edge/spool.h"
#include "edge/uploader.h"

namespace edge {
namespace {

using base::Status;
using Clock = std::chrono::steady_clock;

struct ClipInfo {
  std::string source;
  std::string expected;
  int64_t base_ms = 0;
};

// What the capture loop and the request threads share.
struct Device {
  const DeviceOptions& o;
  client::AwsConfig config;
  Report report;
  std::map<std::string, std::string> labels;
  bool real_clock = false;  // capture times are real (live source or --realtime)
  std::atomic<int64_t> next_n{0};
  std::mutex mu;
  std::string web_url;                   // guarded by mu; discovered once, cleared when it fails
  std::map<std::string, ClipInfo> clips;  // clip pipeline: by key; guarded by mu
  int64_t clips_captured = 0;            // capture thread only
  int64_t spool_failures = 0;            // capture thread only

  Device(const DeviceOptions& options, const client::AwsConfig& cfg)
      : o(options), config(cfg), report(options.pipeline, options.json) {}

  bool Stopped() const { return o.stop && o.stop->load(); }

  std::string ExpectedFor(const std::string& source) const {
    if (!o.expect.empty()) return o.expect;
    auto it = labels.find(Basename(source));
    return it == labels.end() ? "" : it->second;
  }

  Answer NewAnswer(const std::string& source, int64_t capture_ms) {
    Answer a;
    a.n = ++next_n;
    a.source = source;
    a.capture_ms = capture_ms;
    a.expected = ExpectedFor(source);
    return a;
  }

  void Fail(Answer a, std::string error) {
    a.ok = false;
    a.error = std::move(error);
    report.AddAnswer(a);
  }
};

// ---- frame pipeline ----
struct FrameTimes {
  int64_t packet_ms = 0;   // wall clock, when the frame's own packet was delivered
  int64_t packet_due_ms = 0;  // when a camera would have sent it
  int64_t decoded_ms = 0;  // wall clock, when the decoder gave the frame out
  double decode_busy_ms = 0;
  double encode_ms = 0;
};

void SendFrame(Device& d, WorkerClients& c, const std::string& jpeg, Answer a, int64_t base_ms, FrameTimes ft) {
  std::string url;
  {
    std::lock_guard<std::mutex> lock(d.mu);
    url = d.web_url;
  }
  if (url.empty()) {
    auto found = c.lambda().GetFunctionUrl(d.o.web_function);
    if (!found.ok()) return d.Fail(a, "cannot find the " + d.o.web_function + " function URL: " + found.status().ToString());
    if (found->empty()) return d.Fail(a, "function " + d.o.web_function + " has no function URL");
    url = *found;
    std::lock_guard<std::mutex> lock(d.mu);
    d.web_url = url;
  }
  http::Headers headers;
  a.request_id = d.o.device_id + "-" + std::to_string(a.n);
  headers.Set("content-type", "image/jpeg");
  headers.Set("x-request-id", a.request_id);
  headers.Set("x-device-id", d.o.device_id);
  headers.Set("x-capture-ms", std::to_string(a.capture_ms));
  client::RequestOptions ro;
  ro.timeout = std::chrono::milliseconds(static_cast<int64_t>(d.o.answer_timeout_s * 1000));
  const int64_t send_ms = NowMs();
  const auto sent = Clock::now();
  auto resp = c.http().Post(url, jpeg, headers, ro);
  const double send_to_answer_ms = std::chrono::duration<double, std::milli>(Clock::now() - sent).count();
  if (!resp.ok()) {
    std::lock_guard<std::mutex> lock(d.mu);
    d.web_url.clear();  // rediscover after an outage (the URL may have moved)
    return d.Fail(a, resp.status().ToString());
  }
  if (resp->status != 200) {
    return d.Fail(a, "HTTP " + std::to_string(resp->status) + ": " + resp->body.substr(0, 300));
  }
  nlohmann::json body = nlohmann::json::parse(resp->body, nullptr, false);
  if (!body.is_object()) return d.Fail(a, "answer is not JSON: " + resp->body.substr(0, 300));
  a.ok = true;
  a.latency_s = (NowMs() - base_ms) / 1000.0;
  a.status = body.value("status", "");
  if (body["name"].is_string()) a.name = body["name"].get<std::string>();
  a.record = body.contains("record") ? body["record"] : nlohmann::json(nullptr);
  // Where the time went (--json): the device's own steps, then web's timings_ms.
  a.timings = {{"encode", std::round(ft.encode_ms * 100) / 100},
               {"send_to_answer", std::round(send_to_answer_ms * 100) / 100},
               {"jpeg_bytes", jpeg.size()}};
  if (d.real_clock) {
    a.timings["decode_wait"] = ft.decoded_ms - a.capture_ms;      // capture → out of the decoder
    if (d.o.camera != "raw") {
      // decode_wait's parts: capture → the frame's packet sent (the stream's B-frame reorder: a
      // B-frame is sent after the later frame it refers to), the device reading it late (still
      // busy with earlier packets), then the packet → out of
      // the decoder (decoding, of which decode_busy is the decoder's own time, and the decoder
      // holding frames for reordering until later packets arrive).
      a.timings["packet_wait"] = ft.packet_due_ms - a.capture_ms;
      a.timings["behind"] = ft.packet_ms - ft.packet_due_ms;  // the device reading late (busy decoding)
      a.timings["decoder"] = ft.decoded_ms - ft.packet_ms;
      a.timings["decode_busy"] = std::round(ft.decode_busy_ms * 100) / 100;
    }
    a.timings["capture_to_send"] = send_ms - a.capture_ms;        // includes decode_wait, encode, queueing
  }
  if (body.contains("timings_ms")) a.timings["web"] = body["timings_ms"];
  d.report.AddAnswer(a);
}

// ---- clip pipeline: invoked once the clip is in the bucket ----
void InvokeSplitting(Device& d, WorkerClients& c, ResultsPoller* poller, const std::string& key,
                     Answer a, int64_t base_ms) {
  poller->Expect(a.capture_ms, a, base_ms);  // before the invoke: the answer may be quick
  nlohmann::json event = {{"bucket", d.o.clips_bucket}, {"key", key}};
  auto out = c.lambda().Invoke(d.o.splitting_function, event.dump(), client::InvocationType::kEvent);
  if (!out.ok()) {
    poller->Forget(a.capture_ms);
    return d.Fail(a, "invoking " + d.o.splitting_function + ": " + out.status().ToString());
  }
}

// ---- video pipeline ----
void RunVideo(Device& d, WorkerClients& c, const std::string& path, Answer a) {
  auto bytes = base::ReadFile(path);
  if (!bytes.ok()) return d.Fail(a, bytes.status().ToString());
  const std::string key = Basename(path);
  const std::string stem = key.substr(0, key.rfind('.'));
  const std::string csv_key = stem + ".csv";
  c.s3().DeleteObject(d.o.output_bucket, csv_key);  // a result of an earlier run must not count
  const int64_t start_ms = NowMs();
  auto put = c.s3().PutObject(d.o.input_bucket, key, *bytes, "video/mp4");
  if (!put.ok()) return d.Fail(a, "upload to " + d.o.input_bucket + ": " + put.status().ToString());
  const auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(d.o.answer_timeout_s * 1000));
  while (true) {
    auto head = c.s3().HeadObject(d.o.output_bucket, csv_key);
    if (head.ok()) break;
    if (Clock::now() > deadline) {
      return d.Fail(a, "no " + d.o.output_bucket + "/" + csv_key + " within " +
                           std::to_string(static_cast<int>(d.o.answer_timeout_s)) + " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  a.latency_s = (NowMs() - start_ms) / 1000.0;
  auto csv = c.s3().GetObject(d.o.output_bucket, csv_key);
  if (!csv.ok()) return d.Fail(a, "reading " + csv_key + ": " + csv.status().ToString());
  std::string line = csv->substr(0, csv->find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::vector<std::string> f;
  for (size_t start = 0;;) {
    const size_t comma = line.find(',', start);
    f.push_back(line.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  f.resize(3);
  a.ok = true;
  a.name = f[0] == "unknown" ? "" : f[0];
  a.status = f[0] == "unknown" ? "unknown" : (f[1].empty() && f[2].empty() ? "no_record" : "recognized");
  a.record = {{"name", f[0]}, {"major", f[1]}, {"year", f[2]}};
  d.report.AddAnswer(a);
}

// ---- capture: sources → clips (spool) and frames (requests) ----
Status Capture(Device& d, const Spool* spool, Uploader* uploader, RequestPool* pool) {
  const DeviceOptions& o = d.o;
  const bool want_clips = o.pipeline == "clip" || o.pipeline == "store" || (o.pipeline == "frame" && o.store_clips);
  const bool want_frames = o.pipeline == "frame";
  double media_total = 0;     // seconds captured so far, over all sources and loops
  int64_t origin_floor = 0;   // capture times stay increasing across sources
  bool any_opened = false;
  for (int loop = 0; o.loops == 0 || loop < o.loops; ++loop) {
    for (const std::string& url : o.sources) {
      if (d.Stopped()) return Status::Ok();
      // A later file starts after the previous one ended (capture times keep increasing).
      // A raw camera's frames are decoded ahead and released at their capture time (the sampler's
      // release_at_capture); half a second of lead covers any decoder's reorder delay.
      auto source = Source::Open(url, {.realtime = o.realtime, .not_before_ms = origin_floor,
                                       .lead_s = o.camera == "raw" ? 0.5 : 0.0});
      if (!source.ok()) {
        if (!any_opened) return source.status();
        d.report.Event(source.status().ToString());
        continue;
      }
      any_opened = true;
      SourcePacket p;
      auto got = (*source)->Next(&p);
      if (!got.ok() || !*got) continue;
      const int64_t origin_ms = (*source)->origin_ms();
      std::unique_ptr<ClipCutter> cutter;
      std::unique_ptr<FrameSampler> sampler;
      if (want_clips) {
        auto c = ClipCutter::Create(**source, {.clip_seconds = o.clip_seconds, .origin_ms = origin_ms});
        if (!c.ok()) return c.status();
        cutter = std::move(*c);
      }
      if (want_frames) {
        auto s = FrameSampler::Create(**source, {.interval_s = o.interval_s, .origin_ms = origin_ms, .jpeg_quality = o.jpeg_quality,
                                                 .max_width = o.max_width, .release_at_capture = o.camera == "raw"});
        if (!s.ok()) return s.status();
        sampler = std::move(*s);
      }
      const std::string expected = d.ExpectedFor(url);
      std::vector<Clip> clips;
      std::vector<SampledFrame> frames;
      auto store_clips = [&] {
        for (Clip& clip : clips) {
          const std::string key = Spool::KeyFor(o.device_id, clip.capture_ms);
          Status st = spool->Put(key, clip.mp4);
          if (!st.ok()) {
            ++d.spool_failures;
            d.report.Event("clip " + key + " could not be stored: " + st.ToString());
            continue;
          }
          ++d.clips_captured;
          if (o.pipeline == "clip") {
            std::lock_guard<std::mutex> lock(d.mu);
            d.clips[key] = ClipInfo{url, expected, d.real_clock ? clip.capture_ms : NowMs()};
          }
          uploader->Enqueue(key);
        }
        clips.clear();
      };
      auto send_frames = [&] {
        for (SampledFrame& f : frames) {
          Answer a = d.NewAnswer(url, f.capture_ms);
          const int64_t base_ms = d.real_clock ? f.capture_ms : NowMs();
          d.report.RequestSent();
          auto jpeg = std::make_shared<std::string>(std::move(f.jpeg));
          const FrameTimes ft{f.packet_ms, f.packet_due_ms, f.decoded_ms, f.decode_busy_ms, f.encode_ms};
          if (!pool->Submit([&d, jpeg, a, base_ms, ft](WorkerClients& c) { SendFrame(d, c, *jpeg, a, base_ms, ft); })) {
            d.Fail(a, "too many requests waiting; frame not sent");
          }
        }
        frames.clear();
      };
      double end_s = 0;
      bool limit = false;
      const double frame_s = (*source)->frame_rate() > 0 ? 1.0 / (*source)->frame_rate() : 0;
      while (true) {
        if (d.Stopped()) break;
        if (o.duration_s > 0 && media_total + p.pts_s >= o.duration_s - 1e-9) {
          limit = true;
          break;
        }
        if (cutter) EF_RETURN_IF_ERROR(cutter->Add(p, &clips));
        if (sampler) EF_RETURN_IF_ERROR(sampler->Add(p, &frames));
        store_clips();
        send_frames();
        end_s = std::max(end_s, p.pts_s + (p.duration_s > 0 ? p.duration_s : frame_s));
        got = (*source)->Next(&p);
        if (!got.ok()) {
          d.report.Event(got.status().ToString());
          break;
        }
        if (!*got) break;
      }
      if (cutter) EF_RETURN_IF_ERROR(cutter->Flush(&clips));
      if (sampler) EF_RETURN_IF_ERROR(sampler->Flush(&frames));
      store_clips();
      send_frames();
      media_total += end_s;
      origin_floor = origin_ms + static_cast<int64_t>(end_s * 1000) + 1;
      if (limit || d.Stopped()) return Status::Ok();
    }
  }
  return Status::Ok();
}

int64_t CaptureMsOfKey(const std::string& key) {
  const size_t slash = key.find('/');
  return std::atoll(key.c_str() + slash + 1);
}

}  // namespace

base::StatusOr<Summary> RunDevice(const DeviceOptions& o, const client::AwsConfig& config) {
  if (o.pipeline != "frame" && o.pipeline != "clip" && o.pipeline != "video" && o.pipeline != "store") {
    return Status::InvalidArgument("--pipeline must be frame, clip, video or store (not '" + o.pipeline + "')");
  }
  if (o.sources.empty()) return Status::InvalidArgument("no --source given");
  if (!Spool::IsValidDeviceId(o.device_id)) {
    return Status::InvalidArgument("--device-id may hold only letters, digits, '.', '_' and '-'");
  }
  if (!(o.interval_s > 0) || !(o.clip_seconds > 0)) return Status::InvalidArgument("--interval and --clip-seconds must be > 0");
  Device d(o, config);
  if (!o.labels_path.empty()) {
    auto labels = LoadLabels(o.labels_path);
    if (!labels.ok()) return labels.status();
    d.labels = std::move(*labels);
  }
  const auto started = Clock::now();
  RequestPool pool(o.in_flight, config);

  if (o.pipeline == "video") {
    for (int loop = 0; loop < std::max(1, o.loops) && !d.Stopped(); ++loop) {
      for (const std::string& path : o.sources) {
        Answer a = d.NewAnswer(path, NowMs());
        d.report.RequestSent();
        if (!pool.Submit([&d, path, a](WorkerClients& c) { RunVideo(d, c, path, a); })) d.Fail(a, "backlog full");
      }
    }
    pool.Drain();
    return d.report.Finish(std::chrono::duration<double>(Clock::now() - started).count());
  }

  auto spool = Spool::Open(o.spool_dir);
  if (!spool.ok()) return spool.status();
  d.real_clock = o.realtime;
  for (const std::string& s : o.sources) {
    if (s.rfind("/dev/", 0) == 0 || s.find("://") != std::string::npos) d.real_clock = true;
  }

  std::unique_ptr<ResultsPoller> poller;
  if (o.pipeline == "clip") {
    poller = std::make_unique<ResultsPoller>(config, o.results_queue, o.device_id, &d.report);
    poller->Start();
  }
  UploaderOptions uo;
  uo.device_id = o.device_id;
  uo.on_event = [&d](const std::string& e) { d.report.Event(e); };
  if (o.pipeline == "clip") {
    uo.on_uploaded = [&d, &pool, p = poller.get()](const std::string& key) {
      ClipInfo info;
      {
        std::lock_guard<std::mutex> lock(d.mu);
        auto it = d.clips.find(key);
        if (it != d.clips.end()) {
          info = it->second;
          d.clips.erase(it);
        } else {
          info = ClipInfo{"spool", "", d.real_clock ? CaptureMsOfKey(key) : NowMs()};  // an earlier run's
        }
      }
      Answer a = d.NewAnswer(info.source, CaptureMsOfKey(key));
      a.expected = info.expected;
      d.report.RequestSent();
      if (!pool.Submit([&d, p, key, a, base = info.base_ms](WorkerClients& c) { InvokeSplitting(d, c, p, key, a, base); })) {
        d.Fail(a, "backlog full; clip not processed");
      }
    };
  }
  // The uploader's own S3 client lives on its thread (clients are single-threaded).
  auto s3 = std::make_shared<client::S3Client>(config);
  Uploader uploader(&*spool, [s3, &o](const std::string& key, const std::string& bytes) -> Status {
    auto etag = s3->PutObject(o.clips_bucket, key, bytes, "video/mp4");
    return etag.ok() ? Status::Ok() : etag.status();
  }, uo);
  if (o.pipeline != "frame" || o.store_clips) EF_RETURN_IF_ERROR(uploader.Start());

  Status captured = Capture(d, &*spool, &uploader, &pool);
  if (!captured.ok()) d.report.Event("capture stopped: " + captured.ToString());

  // Drain: clips still waiting go up (or stay in the spool), requests finish, answers arrive.
  uploader.Stop(std::chrono::milliseconds(static_cast<int64_t>(o.drain_timeout_s * 1000)));
  pool.Drain();
  if (poller) poller->Finish(std::chrono::milliseconds(static_cast<int64_t>(o.answer_timeout_s * 1000)));

  Summary& s = d.report.summary();
  s.clips_captured = d.clips_captured;
  s.clips_uploaded = uploader.uploaded();
  s.clips_recovered = uploader.recovered();
  s.upload_outages = uploader.outages();
  auto pending = spool->Pending(o.device_id);
  s.clips_pending = pending.ok() ? static_cast<int64_t>(pending->size()) : 0;
  // Every clip captured (or found at start) was uploaded or is still in the spool; anything else
  // was lost.
  s.clips_dropped = d.spool_failures +
                    std::max<int64_t>(0, s.clips_captured + s.clips_recovered - s.clips_uploaded - s.clips_pending);
  const Summary& done = d.report.Finish(std::chrono::duration<double>(Clock::now() - started).count());
  if (!captured.ok() && d.clips_captured == 0 && s.frames_sent == 0) return captured;
  return done;
}

}  // namespace edge
