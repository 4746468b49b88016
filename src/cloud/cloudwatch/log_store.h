// CloudWatch Logs on disk: log groups and streams as plain files that writers (the function
// engine) append to and the Logs API reads back. No HTTP types.
//
// Layout under a root directory:
//   <root>/<UriEncode(group)>/<UriEncode(stream)>.log
// e.g. <root>/%2Faws%2Flambda%2Fecho/2026%2F11%2F23%2F%5B%24LATEST%5D3f2a....log
// Each line of a stream file is one log event: "<epoch ms> <message>\n"; the message never holds
// a newline (a writer splits output into lines). Files are appended with write(2) and not fsynced:
// logs survive a kill -9 of the server (the kernel has them), not a power loss.
//
// Thread-safety: a LogLineWriter is not thread-safe (its owner locks); the readers are, and see
// every line a writer completed before the read started.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cloudwatch {

// Directory of `group` and file of `stream` under `root`.
std::string GroupDir(const std::string& root, std::string_view group);
std::string StreamFile(const std::string& root, std::string_view group, std::string_view stream);

int64_t NowMs();

// Appends events to one stream file. Output of a process arrives in arbitrary pieces: complete
// lines become events stamped with the time their first byte arrived; a partial line waits for
// its end (or for FlushPartial, e.g. before a line of our own).
class LogLineWriter {
 public:
  LogLineWriter() = default;
  ~LogLineWriter();
  LogLineWriter(const LogLineWriter&) = delete;
  LogLineWriter& operator=(const LogLineWriter&) = delete;

  // Creates the group directory and opens (appends to) the stream file.
  base::Status Open(const std::string& root, std::string_view group, std::string_view stream);
  bool is_open() const { return fd_ >= 0; }
  // Raw process output: may hold many lines, or part of one.
  void AppendOutput(std::string_view bytes);
  // One event of our own (START/END/REPORT); a pending partial line is written first.
  void AppendLine(std::string_view line);
  void FlushPartial();
  // Buffered: complete events are kept in memory until Flush() (one write(2) for many lines, e.g.
  // START, the output, END and REPORT of one invocation). Unbuffered (the default): each event is
  // written at once. The destructor flushes.
  void set_buffered(bool buffered) { buffered_ = buffered; }
  void Flush();

 private:
  void WriteEvent(int64_t ms, std::string_view message);
  int fd_ = -1;
  bool buffered_ = false;
  std::string partial_;
  int64_t partial_ms_ = 0;
  std::string buffer_;
};

struct LogGroupInfo {
  std::string name;
  int64_t creation_time = 0;  // ms
  int64_t stored_bytes = 0;
};

struct LogStreamInfo {
  std::string name;
  int64_t creation_time = 0;
  int64_t first_event = 0;  // 0 when empty
  int64_t last_event = 0;
  int64_t last_ingestion = 0;
  int64_t stored_bytes = 0;
};

struct LogEvent {
  int64_t timestamp = 0;
  int64_t ingestion_time = 0;  // = timestamp: events are stored as they arrive
  std::string message;
  std::string stream;   // filled by FilterEvents
  int64_t offset = 0;   // byte offset of the line in its stream file
};

// Groups under `root` whose name starts with `prefix`, by name.
std::vector<LogGroupInfo> ListGroups(const std::string& root, std::string_view prefix);
// Streams of a group by name; NotFound when the group does not exist.
base::StatusOr<std::vector<LogStreamInfo>> ListStreams(const std::string& root, std::string_view group);

// Events of one stream in file order, from byte `offset` on, with start <= timestamp < end.
// Reads at most `max_events`; `*end_offset` is where reading stopped (resume there).
// NotFound for a missing group or stream.
base::StatusOr<std::vector<LogEvent>> ReadEvents(const std::string& root, std::string_view group,
                                                 std::string_view stream, int64_t offset, int64_t start,
                                                 int64_t end, size_t max_events, int64_t* end_offset);

// CloudWatch Logs filter pattern in its plain-text forms: terms that must all appear
// (`ERROR timeout`), "quoted phrases", `?a ?b` (any of), `-term` (must not appear). Matching is
// case-sensitive, as on AWS. JSON and space-delimited patterns are InvalidArgument.
class FilterPattern {
 public:
  static base::StatusOr<FilterPattern> Parse(std::string_view pattern);
  bool Matches(std::string_view message) const;

 private:
  std::vector<std::string> all_, any_, none_;
};

}  // namespace cloudwatch
