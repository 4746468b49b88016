#include "cloud/cloudwatch/log_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "base/files.h"
#include "http/url.h"

namespace cloudwatch {
namespace fs = std::filesystem;

std::string GroupDir(const std::string& root, std::string_view group) { return root + "/" + http::UriEncode(group); }

std::string StreamFile(const std::string& root, std::string_view group, std::string_view stream) {
  return GroupDir(root, group) + "/" + http::UriEncode(stream) + ".log";
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- LogLineWriter ----

LogLineWriter::~LogLineWriter() {
  FlushPartial();
  Flush();
  if (fd_ >= 0) close(fd_);
}

base::Status LogLineWriter::Open(const std::string& root, std::string_view group, std::string_view stream) {
  EF_RETURN_IF_ERROR(base::MakeDirs(GroupDir(root, group)));
  std::string path = StreamFile(root, group, stream);
  fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) return base::Status::IoError("open " + path);
  return base::Status::Ok();
}

void LogLineWriter::WriteEvent(int64_t ms, std::string_view message) {
  if (fd_ < 0) return;
  char stamp[24];
  auto [end, ec] = std::to_chars(stamp, stamp + sizeof stamp, ms);
  buffer_.append(stamp, end).push_back(' ');
  buffer_.append(message);
  if (buffer_.back() == '\r') buffer_.pop_back();
  buffer_.push_back('\n');
  if (!buffered_) Flush();
}

void LogLineWriter::Flush() {
  const char* p = buffer_.data();
  size_t left = buffer_.size();
  while (left > 0 && fd_ >= 0) {
    ssize_t n = write(fd_, p, left);
    if (n <= 0) break;  // a full disk loses log lines, never the invocation
    p += n;
    left -= static_cast<size_t>(n);
  }
  buffer_.clear();
}

void LogLineWriter::AppendOutput(std::string_view bytes) {
  while (!bytes.empty()) {
    if (partial_.empty()) partial_ms_ = NowMs();
    size_t nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      partial_.append(bytes);
      // A runaway line without newline becomes events of 256 KB (AWS's event size limit).
      if (partial_.size() >= 256 * 1024) FlushPartial();
      return;
    }
    if (partial_.empty()) {
      WriteEvent(partial_ms_, bytes.substr(0, nl));
    } else {
      partial_.append(bytes.substr(0, nl));
      WriteEvent(partial_ms_, partial_);
      partial_.clear();
    }
    bytes.remove_prefix(nl + 1);
  }
}

void LogLineWriter::AppendLine(std::string_view line) {
  FlushPartial();
  WriteEvent(NowMs(), line);
}

void LogLineWriter::FlushPartial() {
  if (partial_.empty()) return;
  WriteEvent(partial_ms_, partial_);
  partial_.clear();
}

// ---- readers ----

namespace {

int64_t MtimeMs(const struct stat& st) { return int64_t{st.st_mtim.tv_sec} * 1000 + st.st_mtim.tv_nsec / 1'000'000; }

// "<ms> <message>" → timestamp and message; false for a line that is not an event.
bool ParseLine(std::string_view line, int64_t* ms, std::string_view* message) {
  size_t space = line.find(' ');
  if (space == std::string_view::npos || space == 0) return false;
  auto [p, ec] = std::from_chars(line.data(), line.data() + space, *ms);
  if (ec != std::errc() || p != line.data() + space) return false;
  *message = line.substr(space + 1);
  return true;
}

std::optional<std::string> Decode(const std::string& name) { return http::PercentDecode(name, false); }

}  // namespace

std::vector<LogGroupInfo> ListGroups(const std::string& root, std::string_view prefix) {
  std::vector<LogGroupInfo> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (!entry.is_directory(ec)) continue;
    auto name = Decode(entry.path().filename().string());
    if (!name || name->compare(0, prefix.size(), prefix) != 0) continue;
    LogGroupInfo g;
    g.name = *name;
    struct stat st{};
    if (stat(entry.path().c_str(), &st) == 0) g.creation_time = MtimeMs(st);
    for (const auto& f : fs::directory_iterator(entry.path(), ec)) {
      if (stat(f.path().c_str(), &st) == 0) {
        g.stored_bytes += st.st_size;
        g.creation_time = std::min(g.creation_time, MtimeMs(st));
      }
    }
    out.push_back(std::move(g));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

base::StatusOr<std::vector<LogStreamInfo>> ListStreams(const std::string& root, std::string_view group) {
  std::string dir = GroupDir(root, group);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return base::Status::NotFound("The specified log group does not exist.");
  std::vector<LogStreamInfo> out;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string file = entry.path().filename().string();
    if (file.size() < 5 || file.compare(file.size() - 4, 4, ".log") != 0) continue;
    auto name = Decode(file.substr(0, file.size() - 4));
    if (!name) continue;
    LogStreamInfo s;
    s.name = *name;
    struct stat st{};
    if (stat(entry.path().c_str(), &st) != 0) continue;
    s.stored_bytes = st.st_size;
    s.last_ingestion = MtimeMs(st);
    s.creation_time = s.last_ingestion;
    // First and last event times: the first line, and the last line (read from the tail).
    std::ifstream in(entry.path(), std::ios::binary);
    std::string line;
    std::string_view msg;
    if (std::getline(in, line) && ParseLine(line, &s.first_event, &msg)) s.creation_time = s.first_event;
    const int64_t tail = std::min<int64_t>(st.st_size, 64 * 1024);
    in.clear();
    in.seekg(st.st_size - tail);
    std::string chunk(static_cast<size_t>(tail), '\0');
    in.read(chunk.data(), tail);
    chunk.resize(static_cast<size_t>(in.gcount()));
    if (!chunk.empty() && chunk.back() == '\n') chunk.pop_back();
    size_t start = chunk.rfind('\n');
    std::string_view last = start == std::string::npos ? std::string_view(chunk) : std::string_view(chunk).substr(start + 1);
    ParseLine(last, &s.last_event, &msg);
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

base::StatusOr<std::vector<LogEvent>> ReadEvents(const std::string& root, std::string_view group,
                                                 std::string_view stream, int64_t offset, int64_t start,
                                                 int64_t end, size_t max_events, int64_t* end_offset) {
  std::error_code ec;
  if (!fs::is_directory(GroupDir(root, group), ec)) {
    return base::Status::NotFound("The specified log group does not exist.");
  }
  std::ifstream in(StreamFile(root, group, stream), std::ios::binary);
  if (!in) return base::Status::NotFound("The specified log stream does not exist.");
  in.seekg(offset);
  std::vector<LogEvent> out;
  std::string line;
  int64_t pos = offset;
  while (out.size() < max_events && std::getline(in, line)) {
    if (in.eof()) break;  // a line being written (no newline yet): not an event so far
    int64_t line_offset = pos;
    pos += static_cast<int64_t>(line.size()) + 1;
    int64_t ms = 0;
    std::string_view message;
    if (!ParseLine(line, &ms, &message) || ms < start || ms >= end) continue;
    LogEvent e;
    e.timestamp = ms;
    e.ingestion_time = ms;
    e.message = std::string(message);
    e.offset = line_offset;
    out.push_back(std::move(e));
  }
  if (end_offset) *end_offset = pos;
  return out;
}

// ---- FilterPattern ----

base::StatusOr<FilterPattern> FilterPattern::Parse(std::string_view pattern) {
  FilterPattern f;
  size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] == ' ' || pattern[i] == '\t') {
      ++i;
      continue;
    }
    if (pattern[i] == '{' || pattern[i] == '[') {
      return base::Status::InvalidArgument("JSON and space-delimited filter patterns are not supported; use terms");
    }
    std::vector<std::string>* list = &f.all_;
    if (pattern[i] == '?') {
      list = &f.any_;
      ++i;
    } else if (pattern[i] == '-' && i + 1 < pattern.size() && pattern[i + 1] != ' ') {
      list = &f.none_;
      ++i;
    }
    std::string term;
    if (i < pattern.size() && pattern[i] == '"') {
      size_t close = pattern.find('"', i + 1);
      if (close == std::string_view::npos) return base::Status::InvalidArgument("Invalid filter pattern: unclosed quote");
      term = std::string(pattern.substr(i + 1, close - i - 1));
      i = close + 1;
    } else {
      size_t stop = pattern.find_first_of(" \t", i);
      if (stop == std::string_view::npos) stop = pattern.size();
      term = std::string(pattern.substr(i, stop - i));
      i = stop;
    }
    if (!term.empty()) list->push_back(std::move(term));
  }
  return f;
}

bool FilterPattern::Matches(std::string_view message) const {
  for (const auto& t : all_) {
    if (message.find(t) == std::string_view::npos) return false;
  }
  for (const auto& t : none_) {
    if (message.find(t) != std::string_view::npos) return false;
  }
  if (any_.empty()) return true;
  for (const auto& t : any_) {
    if (message.find(t) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace cloudwatch
