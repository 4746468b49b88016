// The events the functions accept, parsed into plain structs (no AWS calls, no face code), and
// the small output formats they write. Everything here is pure and unit-tested (events_test.cc).
//
// Every parser returns InvalidArgument with a message a caller can act on ("event.key is
// missing", "Records[0].s3.object.key is not a string"); the handlers turn that into a function
// error of type InvalidEvent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace functions {

// An object named by an event.
struct ObjectRef {
  std::string bucket;
  std::string key;         // decoded (S3 notifications URL-encode keys, with '+' for spaces)
  std::string event_name;  // "ObjectCreated:Put" for S3 records; "" for a direct {"bucket","key"}
};

// Objects named by any of:
//   {"bucket": B, "key": K}                         a direct (async) invoke
//   {"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name"}, "object": {"key"}}}, ...]}
//   {"Records": [{"eventSource": "aws:sqs", "body": "<either of the above, as JSON text>"}, ...]}
// S3's "s3:TestEvent" (sent when a notification is configured) names no object: empty result.
// Records whose eventName is not ObjectCreated:* are skipped.
base::StatusOr<std::vector<ObjectRef>> ParseObjectRefs(const nlohmann::json& event);

// S3 notification keys are URL-encoded form style: "my+clip%2B1.mp4" → "my clip+1.mp4".
std::optional<std::string> DecodeS3EventKey(std::string_view key);

// A clip key "<device-id>/<capture-ms>.mp4" (the device's naming). nullopt when the key has
// another shape (the functions then report device "" and capture time null).
struct ClipKey {
  std::string device_id;
  int64_t capture_ms = 0;
};
std::optional<ClipKey> ParseClipKey(std::string_view key);

// "<dir>/<stem>.<ext>" → "<dir>/<stem>.<new_ext>" (new_ext without the dot); a key without an
// extension gets one appended.
std::string ReplaceExtension(std::string_view key, std::string_view new_ext);

// The face-recognition event: {"image": base64} or {"bucket","key"}; optional "max_faces".
struct FaceEvent {
  std::string image_base64;  // empty when bucket/key are given
  std::string bucket, key;
  int max_faces = 0;  // 0: all
};
// Takes the event by value so the (large) image string is moved out, not copied.
base::StatusOr<FaceEvent> ParseFaceEvent(nlohmann::json event);

// The web function's request, from a function URL event (payload format 2.0) or a direct invoke
// with the JSON body shape. The image stays base64: web passes it on to face-recognition as is,
// so the frame is never decoded and re-encoded on the way.
struct WebRequest {
  std::string image_base64;
  std::string request_id;
  std::string filename;
  std::string device_id;
  std::optional<int64_t> capture_ms;
  bool respond_to_queue = false;
  bool from_function_url = false;  // answer with {statusCode, headers, body}
};
// `fallback_request_id` is used when the request names none (the invocation's id).
// Errors (InvalidArgument): the body is not an image (raw or as "content"/"image" base64) — the
// function URL answers 400 with the message.
// Takes the event by value so the body is moved out, not copied.
base::StatusOr<WebRequest> ParseWebEvent(nlohmann::json event, const std::string& fallback_request_id);

// True when every character of `s` is in the base64 alphabet (A-Z a-z 0-9 + / =), so it can be
// put between JSON quotes as it is.
bool IsPlainBase64(std::string_view s);

// True when `base64` starts with the magic bytes of an image we decode (JPEG, PNG, WebP, PNM),
// judged from its first characters only.
bool Base64LooksLikeImage(std::string_view base64);

// The student-lookup event {"name": ".."}.
base::StatusOr<std::string> ParseLookupEvent(const nlohmann::json& event);

// The enroll event {"bucket", "prefix" (default "people/"), "validation_split" (0..0.9, default 0)}.
struct EnrollEvent {
  std::string bucket;
  std::string prefix = "people/";
  double validation_split = 0;
};
base::StatusOr<EnrollEvent> ParseEnrollEvent(const nlohmann::json& event);
// "people/<name>/<file>" under `prefix` → <name>; nullopt for keys of another shape.
std::optional<std::string> PersonOfKey(std::string_view prefix, std::string_view key);

// One CSV record (RFC 4180): fields with a comma, quote, CR or LF are quoted, quotes doubled.
// Ends with "\n".
std::string CsvLine(const std::vector<std::string>& fields);

}  // namespace functions
