// `edgeface edge`: the device (src/edge/device.h). Parses flags, picks the AWS configuration,
// stops capturing on SIGINT/SIGTERM (then drains and prints the summary).
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "client/aws.h"
#include "edge/device.h"

namespace cli {
namespace {

const char kUsage[] =
    "usage: edgeface edge --source FILE|/dev/videoN|udp://..|rtsp://..|http://.. [--source ..]\n"
    "                     [--pipeline frame|clip|video] [options]\n"
    "\n"
    "The camera device: reads the source, cuts continuous MP4 clips (no re-encoding) into a local\n"
    "spool and uploads them, samples a frame every --interval seconds and sends it per the pipeline,\n"
    "prints each answer (`The N person recognized: \"name\", \"major\", \"year\"`, `Latency: X seconds`)\n"
    "and a summary at the end. Ctrl-C stops capturing, then drains and summarises.\n"
    "\n"
    "pipelines:\n"
    "  frame   JPEG → POST to the `web` function URL → answer on the response (clips stored too)\n"
    "  clip    clip → clips bucket → async invoke video-splitting → answer on the results queue\n"
    "  video   the whole file → input bucket → wait for <name>.csv in the output bucket\n"
    "  store   clips only: record and upload, send nothing\n"
    "\n"
    "options:\n"
    "  --source S          file, V4L2 camera, or stream URL; repeat to play several in turn\n"
    "  --pipeline P        frame (default), clip, video or store\n"
    "  --realtime          deliver a file at its frame rate, as a camera would\n"
    "  --camera KIND       with --realtime, the camera a file stands for: raw (default): a camera\n"
    "                      that hands the device decoded frames (a Pi camera module, V4L2 YUYV,\n"
    "                      a capture card), every frame at its capture time; h264: an H.264\n"
    "                      network camera sending this file's encoding (B-frames wait for the\n"
    "                      later frames they refer to; the device decodes)\n"
    "  --loop N            play the sources N times (default 1; 0 = until --duration or Ctrl-C)\n"
    "  --duration S        stop after S seconds of video\n"
    "  --interval S        seconds of video between sent frames (default 0.5)\n"
    "  --clip-seconds S    clip length (default 0.5)\n"
    "  --no-clips          frame pipeline: do not store clips\n"
    "  --device-id ID      device name in keys and headers (default edge-<hostname>)\n"
    "  --endpoint URL      the cloud (default http://127.0.0.1:4566, or the AWS_* environment when\n"
    "                      AWS_ENDPOINT_URL is set)\n"
    "  --json              one JSON object per answer, and the summary as one object\n"
    "  --expect NAME       every answer should name NAME (accuracy in the summary)\n"
    "  --labels FILE       expected names per source file (ground_truth.csv, or lines file,name)\n"
    "  --spool DIR         clip spool (default .edgeface-spool)\n"
    "  --in-flight N       requests in flight (default 4)\n"
    "  --max-width W       scale sent frames down to W pixels wide\n"
    "  --jpeg-quality Q    JPEG quality of sent frames, 1..100 (default 90)\n"
    "  --answer-timeout S  per request, and for queue answers at the end (default 30)\n"
    "  --drain-timeout S   time to upload what is left at the end (default 30)\n"
    "  --clips-bucket B --input-bucket B --output-bucket B --web-function F\n"
    "  --splitting-function F --results-queue Q   names (defaults: edgeface-clips, 546proj2,\n"
    "                      546proj2output, web, video-splitting, results)\n"
    "\n"
    "Exit status: 0 when the run finished with no clip dropped, 1 otherwise, 2 for bad usage.\n";

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

bool ParseDouble(const char* s, double* out) {
  char* end = nullptr;
  *out = std::strtod(s, &end);
  return end != s && *end == '\0' && *out >= 0;
}

std::string DefaultDeviceId() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  std::string id = "edge-";
  for (const char* p = host; *p; ++p) {
    const char c = *p;
    id += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '-';
  }
  return id == "edge-" ? "edge-1" : id;
}

}  // namespace

int RunEdge(int argc, char** argv) {
  edge::DeviceOptions o;
  o.device_id = DefaultDeviceId();
  std::string endpoint;
  auto bad = [](const std::string& what) {
    std::fprintf(stderr, "edgeface edge: %s (see --help)\n", what.c_str());
    return 2;
  };
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") return std::fputs(kUsage, stdout), 0;
    auto flag = [&](const char* name) { return a == name; };
    const bool needs_value = a.rfind("--", 0) == 0 && a != "--realtime" && a != "--json" && a != "--no-clips";
    if (needs_value && i + 1 >= argc) return bad(a + " needs a value");
    const char* v = needs_value ? argv[i + 1] : nullptr;
    double num = 0;
    if (flag("--source")) o.sources.push_back(v);
    else if (flag("--pipeline")) o.pipeline = v;
    else if (flag("--realtime")) o.realtime = true;
    else if (flag("--camera")) { o.camera = v; if (o.camera != "h264" && o.camera != "raw") return bad("--camera must be h264 or raw"); }
    else if (flag("--json")) o.json = true;
    else if (flag("--no-clips")) o.store_clips = false;
    else if (flag("--loop")) { if (!ParseDouble(v, &num)) return bad("bad --loop"); o.loops = static_cast<int>(num); }
    else if (flag("--duration")) { if (!ParseDouble(v, &o.duration_s)) return bad("bad --duration"); }
    else if (flag("--interval")) { if (!ParseDouble(v, &o.interval_s) || o.interval_s <= 0) return bad("bad --interval"); }
    else if (flag("--clip-seconds")) { if (!ParseDouble(v, &o.clip_seconds) || o.clip_seconds <= 0) return bad("bad --clip-seconds"); }
    else if (flag("--device-id")) o.device_id = v;
    else if (flag("--endpoint")) endpoint = v;
    else if (flag("--expect")) o.expect = v;
    else if (flag("--labels")) o.labels_path = v;
    else if (flag("--spool")) o.spool_dir = v;
    else if (flag("--in-flight")) { if (!ParseDouble(v, &num) || num < 1) return bad("bad --in-flight"); o.in_flight = static_cast<int>(num); }
    else if (flag("--max-width")) { if (!ParseDouble(v, &num)) return bad("bad --max-width"); o.max_width = static_cast<int>(num); }
    else if (flag("--jpeg-quality")) { if (!ParseDouble(v, &num) || num < 1 || num > 100) return bad("bad --jpeg-quality"); o.jpeg_quality = static_cast<int>(num); }
    else if (flag("--answer-timeout")) { if (!ParseDouble(v, &o.answer_timeout_s)) return bad("bad --answer-timeout"); }
    else if (flag("--drain-timeout")) { if (!ParseDouble(v, &o.drain_timeout_s)) return bad("bad --drain-timeout"); }
    else if (flag("--clips-bucket")) o.clips_bucket = v;
    else if (flag("--input-bucket")) o.input_bucket = v;
    else if (flag("--output-bucket")) o.output_bucket = v;
    else if (flag("--web-function")) o.web_function = v;
    else if (flag("--splitting-function")) o.splitting_function = v;
    else if (flag("--results-queue")) o.results_queue = v;
    else return bad("unknown option " + a);
    if (needs_value) ++i;
  }
  if (o.sources.empty()) return bad("--source is required");

  client::AwsConfig config;
  if (endpoint.empty() && std::getenv("AWS_ENDPOINT_URL")) {
    auto env = client::AwsConfig::FromEnvironment();
    if (!env.ok()) return std::fprintf(stderr, "edgeface edge: %s\n", env.status().ToString().c_str()), 1;
    config = *env;
  } else {
    config = client::AwsConfig::Local(endpoint.empty() ? "http://127.0.0.1:4566" : endpoint);
  }
  o.stop = &g_stop;
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);

  auto summary = edge::RunDevice(o, config);
  if (!summary.ok()) {
    std::fprintf(stderr, "edgeface edge: %s\n", summary.status().ToString().c_str());
    return 1;
  }
  return summary->clips_dropped == 0 ? 0 : 1;
}

}  // namespace cli
