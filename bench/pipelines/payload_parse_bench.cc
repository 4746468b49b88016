// How long a function takes to parse the event that carries a frame: functions::ParsePayload
// (long plain strings lifted out and copied in one go) against its peer nlohmann::json::parse on
// the same text, for the two events of pipeline 1 (web's function URL event, face-recognition's
// {"image"} event) at the sizes of a 720p and a 1080p frame.
//
//   build-functions/bin/bench_payload_parse [iterations]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "functions/common.h"

namespace {

std::string Base64Like(size_t n) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string s(n, 'A');
  for (size_t i = 0; i < n; ++i) s[i] = kAlphabet[(i * 7 + i / 64) % 64];
  return s;
}

template <typename F>
double MsPerCall(int n, F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  size_t sink = 0;
  for (int i = 0; i < n; ++i) sink += f();
  const auto t1 = std::chrono::steady_clock::now();
  if (sink == 42) std::puts("");
  return std::chrono::duration<double, std::milli>(t1 - t0).count() / n;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 50;
  std::printf("%-44s %10s %10s %7s\n", "event", "ours ms", "nlohmann", "ratio");
  for (size_t kb : {180, 545}) {  // base64 of a 135 KB 720p and a 408 KB 1080p JPEG
    const std::string frame = Base64Like(kb * 1000);
    const std::string url_event = R"({"version":"2.0","headers":{"content-type":"image/jpeg","x-request-id":"r1"},)"
                                  R"("body":")" + frame + R"(","isBase64Encoded":true,"rawPath":"/"})";
    const std::string face_event = R"({"image":")" + frame + R"("})";
    for (const auto& [name, text] : {std::pair{"function URL event", &url_event}, std::pair{"face-recognition event", &face_event}}) {
      const double ours = MsPerCall(n, [&] { return functions::ParsePayload(*text).size(); });
      const double peer = MsPerCall(n, [&] { return nlohmann::json::parse(*text, nullptr, false).size(); });
      char label[64];
      std::snprintf(label, sizeof label, "%s, %zu KB base64", name, kb);
      std::printf("%-44s %10.3f %10.3f %7.1f\n", label, ours, peer, peer / ours);
    }
  }
  return 0;
}
