#include "cloud/s3/wire.h"

#include <ctime>

#include "http/url.h"

namespace s3 {
namespace {

// Parses a run of decimal digits; false when empty, not all digits, or overflowing.
bool ParseU64(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

}  // namespace

RangeResult ParseRange(std::string_view header, uint64_t size, ByteRange* range) {
  constexpr std::string_view kPrefix = "bytes=";
  if (header.substr(0, kPrefix.size()) != kPrefix) return RangeResult::kWhole;
  std::string_view spec = header.substr(kPrefix.size());
  while (!spec.empty() && spec.front() == ' ') spec.remove_prefix(1);
  while (!spec.empty() && spec.back() == ' ') spec.remove_suffix(1);
  if (spec.find(',') != std::string_view::npos) return RangeResult::kWhole;
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return RangeResult::kWhole;
  std::string_view a = spec.substr(0, dash), b = spec.substr(dash + 1);
  uint64_t first = 0, last = 0;
  if (a.empty()) {  // suffix: the last n bytes
    if (!ParseU64(b, &last)) return RangeResult::kWhole;
    if (last == 0 || size == 0) return RangeResult::kUnsatisfiable;
    range->first = last >= size ? 0 : size - last;
    range->last = size - 1;
    return RangeResult::kPartial;
  }
  if (!ParseU64(a, &first)) return RangeResult::kWhole;
  if (b.empty()) {
    last = UINT64_MAX;
  } else if (!ParseU64(b, &last) || last < first) {
    return RangeResult::kWhole;
  }
  if (first >= size) return RangeResult::kUnsatisfiable;
  range->first = first;
  range->last = last >= size ? size - 1 : last;
  return RangeResult::kPartial;
}

std::optional<CopySource> ParseCopySource(std::string_view header) {
  std::string_view raw = header;
  std::string version;
  size_t q = raw.find('?');
  if (q != std::string_view::npos) {
    std::string_view query = raw.substr(q + 1);
    raw = raw.substr(0, q);
    constexpr std::string_view kVersion = "versionId=";
    if (query.substr(0, kVersion.size()) != kVersion) return std::nullopt;
    auto v = http::PercentDecode(query.substr(kVersion.size()));
    if (!v) return std::nullopt;
    version = std::move(*v);
  }
  auto decoded = http::PercentDecode(raw);
  if (!decoded) return std::nullopt;
  std::string_view path = *decoded;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  size_t slash = path.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == path.size()) return std::nullopt;
  return CopySource{std::string(path.substr(0, slash)), std::string(path.substr(slash + 1)),
                    std::move(version)};
}

bool IsValidBucketName(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  int dots = 0;
  bool all_digits_or_dots = true;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!alnum(c) && c != '.' && c != '-') return false;
    if (c == '.') {
      ++dots;
      if (name[i - 1] == '.' || name[i - 1] == '-' || name[i + 1] == '-') return false;
    }
    if (!(c == '.' || (c >= '0' && c <= '9'))) all_digits_or_dots = false;
  }
  return !(dots == 3 && all_digits_or_dots);  // looks like an IP address
}

std::string HttpDate(int64_t epoch_ms) {
  time_t t = static_cast<time_t>(epoch_ms / 1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[80];
  snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday,
           kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string IsoDate(int64_t epoch_ms) {
  time_t t = static_cast<time_t>(epoch_ms / 1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[80];
  snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(epoch_ms % 1000));
  return buf;
}

std::optional<int64_t> ParseHttpDate(std::string_view text) {
  // "Wed, 21 Oct 2015 07:28:00 GMT"
  if (text.size() != 29 || text.substr(25) != " GMT") return std::nullopt;
  uint64_t day, year, h, m, s;
  if (!ParseU64(text.substr(5, 2), &day) || !ParseU64(text.substr(12, 4), &year) ||
      !ParseU64(text.substr(17, 2), &h) || !ParseU64(text.substr(20, 2), &m) ||
      !ParseU64(text.substr(23, 2), &s)) {
    return std::nullopt;
  }
  int month = -1;
  for (int i = 0; i < 12; ++i) {
    if (text.substr(8, 3) == kMonths[i]) month = i;
  }
  if (month < 0 || day < 1 || day > 31 || year < 1970 || year > 9999 || h > 23 || m > 59 || s > 60) {
    return std::nullopt;
  }
  struct tm tm = {};
  tm.tm_year = static_cast<int>(year) - 1900;
  tm.tm_mon = month;
  tm.tm_mday = static_cast<int>(day);
  tm.tm_hour = static_cast<int>(h);
  tm.tm_min = static_cast<int>(m);
  tm.tm_sec = static_cast<int>(s);
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}


bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t extra;
    if (c < 0x80) extra = 0;
    else if (c >= 0xC2 && c <= 0xDF) extra = 1;  // 0xC0, 0xC1 would be overlong
    else if ((c >> 4) == 0xE) extra = 2;
    else if (c >= 0xF0 && c <= 0xF4) extra = 3;
    else return false;
    if (extra > s.size() - i - 1) return false;
    for (size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    }
    i += extra + 1;
  }
  return true;
}

}  // namespace s3
