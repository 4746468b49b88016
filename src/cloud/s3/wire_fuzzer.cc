// libFuzzer target for the S3 header parsers: Range, x-amz-copy-source, dates, base64, and the
// notification configuration reader. Any bytes must give a result or a refusal, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cloud/s3/notification.h"
#include "cloud/s3/wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  s3::ByteRange r;
  for (uint64_t object_size : {uint64_t{0}, uint64_t{1}, uint64_t{1000}, UINT64_MAX}) {
    if (s3::ParseRange(in, object_size, &r) == s3::RangeResult::kPartial) {
      if (r.first > r.last || r.last >= object_size) __builtin_trap();
    }
  }
  (void)s3::ParseCopySource(in);
  (void)s3::ParseHttpDate(in);
  (void)s3::IsValidBucketName(in);
  (void)s3::IsValidUtf8(in);
  if (auto d = s3::Base64Decode(in)) {
    if (s3::Base64Encode(*d) != in) __builtin_trap();
  }
  auto config = s3::ParseNotificationConfig(in);
  if (config.ok()) {
    auto again = s3::ParseNotificationConfig(s3::NotificationConfigXml(*config));
    if (!again.ok()) __builtin_trap();
  }
  return 0;
}
