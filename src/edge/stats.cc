#include "edge/stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <sstream>

#include "base/files.h"

namespace edge {

double LatencyStats::Percentile(double p) const {
  if (samples_.empty()) return 0;
  std::vector<double> sorted = samples_;
  std::sort(sorted.begin(), sorted.end());
  const auto rank = static_cast<size_t>(std::ceil(p / 100.0 * sorted.size()));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

double LatencyStats::Max() const {
  return samples_.empty() ? 0 : *std::max_element(samples_.begin(), samples_.end());
}

double LatencyStats::Mean() const {
  return samples_.empty() ? 0 : std::accumulate(samples_.begin(), samples_.end(), 0.0) / samples_.size();
}

std::string Summary::Format() const {
  char buf[1024];
  std::string out = "---- summary (" + pipeline + " pipeline) ----\n";
  std::snprintf(buf, sizeof buf,
                "requests sent: %lld   answers: %lld   failures: %lld   recognized: %lld   run: %.1f s\n",
                static_cast<long long>(frames_sent), static_cast<long long>(answers),
                static_cast<long long>(failures), static_cast<long long>(recognized), wall_s);
  out += buf;
  std::snprintf(buf, sizeof buf,
                "clips captured: %lld   uploaded: %lld (of which %lld from an earlier run)   still in spool: %lld   "
                "dropped: %lld   upload outages: %lld\n",
                static_cast<long long>(clips_captured), static_cast<long long>(clips_uploaded),
                static_cast<long long>(clips_recovered), static_cast<long long>(clips_pending),
                static_cast<long long>(clips_dropped), static_cast<long long>(upload_outages));
  out += buf;
  if (latency.count()) {
    std::snprintf(buf, sizeof buf, "latency (s): p50 %.3f   p95 %.3f   p99 %.3f   max %.3f   (%zu answers)\n",
                  latency.Percentile(50), latency.Percentile(95), latency.Percentile(99), latency.Max(),
                  latency.count());
    out += buf;
  }
  if (labelled) {
    std::snprintf(buf, sizeof buf, "accuracy: %lld/%lld = %.1f%%\n", static_cast<long long>(correct),
                  static_cast<long long>(labelled), 100.0 * correct / labelled);
    out += buf;
  }
  return out;
}

nlohmann::json Summary::ToJson() const {
  nlohmann::json j = {{"summary", true},
                      {"pipeline", pipeline},
                      {"run_s", wall_s},
                      {"requests_sent", frames_sent},
                      {"answers", answers},
                      {"failures", failures},
                      {"recognized", recognized},
                      {"clips", {{"captured", clips_captured},
                                 {"uploaded", clips_uploaded},
                                 {"recovered", clips_recovered},
                                 {"pending", clips_pending},
                                 {"dropped", clips_dropped},
                                 {"upload_outages", upload_outages}}},
                      {"latency_s", {{"count", latency.count()},
                                     {"p50", latency.Percentile(50)},
                                     {"p95", latency.Percentile(95)},
                                     {"p99", latency.Percentile(99)},
                                     {"max", latency.Max()}}}};
  if (labelled) j["accuracy"] = {{"labelled", labelled}, {"correct", correct}};
  return j;
}

std::string Basename(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

namespace {

std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) {
    while (!field.empty() && (field.back() == '\r' || field.back() == ' ')) field.pop_back();
    while (!field.empty() && field.front() == ' ') field.erase(field.begin());
    fields.push_back(field);
  }
  return fields;
}

}  // namespace

base::StatusOr<std::map<std::string, std::string>> LoadLabels(const std::string& path) {
  auto text = base::ReadFile(path, 64 << 20);
  if (!text.ok()) return text.status();
  std::map<std::string, std::string> labels;
  std::istringstream in(*text);
  std::string line;
  int file_col = 0, name_col = 1, line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#' || line == "\r") continue;
    std::vector<std::string> f = SplitCsv(line);
    if (line_no == 1) {
      auto file_it = std::find(f.begin(), f.end(), "file");
      auto name_it = std::find(f.begin(), f.end(), "expected_person");
      if (file_it != f.end() && name_it != f.end()) {
        file_col = static_cast<int>(file_it - f.begin());
        name_col = static_cast<int>(name_it - f.begin());
        continue;
      }
    }
    if (static_cast<int>(f.size()) <= std::max(file_col, name_col) || f[file_col].empty() || f[name_col].empty()) {
      return base::Status::InvalidArgument(path + ":" + std::to_string(line_no) +
                                           ": expected \"<file>,<name>\" or ground_truth.csv columns");
    }
    labels[Basename(f[file_col])] = f[name_col];
  }
  return labels;
}

}  // namespace edge
