// edge::RunDevice: the device. Reads the sources, cuts continuous clips into the spool, uploads
// them, samples frames and sends them per the pipeline, prints each answer and the summary.
//
//   frame: every interval_s a JPEG → HTTP POST to the `web` function URL (found once with
//          GetFunctionUrlConfig) → the answer on the response. Clips are stored as well.
//   clip:  every clip → clips bucket "<device-id>/<capture-ms>.mp4" → async invoke of
//          video-splitting {"bucket","key"} → the answer on the results queue, matched by device
//          id and capture ms.
//   video: each source file → input bucket as its basename → poll the output bucket for
//          "<stem>.csv" (name,major,year).
//   store: clips only (record and upload; nothing is sent to the functions).
//
// Latency: from the capture time (a frame's or clip's first frame, on the wall clock) when the
// source is live or paced with realtime; otherwise (a file read as fast as it decodes, whose
// capture times are not real) from the moment the request left. Video: upload start → csv.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "base/status.h"
#include "client/aws.h"
#include "edge/stats.h"

namespace edge {

struct DeviceOptions {
  std::vector<std::string> sources;  // played one after another
  std::string pipeline = "frame";    // frame | clip | video | store
  bool realtime = false;
  // With realtime, what kind of camera a file stands for: "raw" (the default: what a device's
  // own camera is, a Pi camera module, V4L2 YUYV, a capture card): every frame decoded at its
  // capture time (the file is decoded ahead, frame t released at t); "h264", an H.264 network
  // camera sending this file's encoding (B-frames wait for the later frames they refer to, and
  // the device decodes, so the decoder's reordering adds 2-3 frame times to every answer).
  std::string camera = "raw";
  int loops = 1;                     // plays of the source list; 0 = until duration or stop
  double duration_s = 0;             // stop capturing after this much media time (0 = no limit)
  double interval_s = 0.5;
  double clip_seconds = 0.5;
  bool store_clips = true;           // frame pipeline: also cut and upload clips
  std::string device_id = "edge-1";
  bool json = false;
  std::string expect;                // expected name for every answer
  std::string labels_path;           // expected names per source file
  std::string spool_dir = ".edgeface-spool";
  int in_flight = 4;
  int max_width = 0;                 // scale sent frames down to this width (0 = as captured)
  int jpeg_quality = 90;             // of the sent frames (1..100)
  double answer_timeout_s = 30;      // per request / waiting for queue answers at the end
  double drain_timeout_s = 30;       // uploading what is left at the end
  // Names (PRODUCT.md defaults).
  std::string clips_bucket = "edgeface-clips";
  std::string input_bucket = "546proj2";
  std::string output_bucket = "546proj2output";
  std::string web_function = "web";
  std::string splitting_function = "video-splitting";
  std::string results_queue = "results";
  // Set (e.g. by SIGINT) to stop capturing early; the run then drains and summarises.
  const std::atomic<bool>* stop = nullptr;
};

// Runs to the end of the sources (or the stop flag) and returns the summary it printed.
// Fails only when the run cannot start (bad options, a source that cannot be opened, a spool
// that cannot be created); everything that happens later is counted in the summary.
base::StatusOr<Summary> RunDevice(const DeviceOptions& options, const client::AwsConfig& config);

}  // namespace edge
