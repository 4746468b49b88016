// Timestamps as AWS's wire formats print them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace base {

// ISO 8601 UTC with milliseconds: "2026-11-23T13:00:00.123" followed by `zone`, which is "Z"
// (S3 event records, Lambda's async records and log lines) or "+0000" (Lambda's LastModified).
std::string UtcMillisTime(int64_t epoch_ms, std::string_view zone = "Z");

// Milliseconds since the Unix epoch, now.
int64_t EpochMillisNow();

}  // namespace base
