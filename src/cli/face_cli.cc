#include "cli/face_cli.h"

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>

#include "base/files.h"
#include "media/image_decode.h"

namespace cli::face_cli {

std::string Args::Get(const std::string& name, const std::string& fallback) const {
  auto it = values.find(name);
  return it == values.end() ? fallback : it->second;
}

bool ParseArgs(int argc, char** argv, const std::set<std::string>& value_options,
               const std::set<std::string>& flag_options, Args* out, std::string* error) {
  bool only_positional = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (only_positional || a.size() < 3 || a.compare(0, 2, "--") != 0) {
      if (a == "--") {
        only_positional = true;
        continue;
      }
      out->positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    const size_t eq = name.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (name == "help" || flag_options.count(name)) {
      out->flags.insert(name);
    } else if (value_options.count(name)) {
      if (!inline_value) {
        if (i + 1 >= argc) {
          *error = "--" + name + " needs a value";
          return false;
        }
        value = argv[++i];
      }
      out->values[name] = value;
    } else {
      *error = "unknown option --" + name;
      return false;
    }
  }
  return true;
}

bool GetDouble(const Args& args, const std::string& name, double fallback, double lo, double hi,
               double* out, std::string* error) {
  auto it = args.values.find(name);
  if (it == args.values.end()) {
    *out = fallback;
    return true;
  }
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  if (it->second.empty() || *end != '\0' || !(v >= lo && v <= hi)) {
    *error = "--" + name + " must be a number from " + std::to_string(lo) + " to " + std::to_string(hi);
    return false;
  }
  *out = v;
  return true;
}

bool PipelineOptionsFrom(const Args& args, face::PipelineOptions* options, std::string* error) {
  double upsample, scan, threshold;
  if (!GetDouble(args, "upsample", 1, 0, 4, &upsample, error) ||
      !GetDouble(args, "scan-pixels", face::kDefaultMaxScanPixels, 0, 1e9, &scan, error) ||
      !GetDouble(args, "threshold", 0, -5, 5, &threshold, error)) {
    return false;
  }
  options->detect.upsample = static_cast<int>(upsample);
  options->detect.max_scan_pixels = static_cast<long>(scan);
  options->detect.adjust_threshold = threshold;
  // Flip augmentation is the default; --flip is still accepted (it was needed before).
  options->flip = !args.Has("no-flip");
  return true;
}

base::StatusOr<std::unique_ptr<face::FacePipeline>> LoadPipeline(const Args& args) {
  return face::FacePipeline::Load(args.Get("models", face::FacePipeline::DefaultModelsDir()));
}

base::StatusOr<std::vector<std::string>> InputFiles(const Args& args) {
  std::vector<std::string> files = args.positional;
  if (auto it = args.values.find("list"); it != args.values.end()) {
    base::StatusOr<std::string> text = base::ReadFile(it->second);
    if (!text.ok()) return text.status().WithContext("--list " + it->second);
    size_t start = 0;
    while (start < text->size()) {
      size_t end = text->find('\n', start);
      if (end == std::string::npos) end = text->size();
      std::string line = text->substr(start, end - start);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) files.push_back(line);
      start = end + 1;
    }
  }
  return files;
}

bool LooksLikeImage(const std::string& bytes) {
  return media::SniffImageFormat(bytes) != media::ImageFormat::kUnknown;
}

nlohmann::json BoxJson(const face::Box& b) { return {b.left, b.top, b.right, b.bottom}; }

std::string ErrorLine(const std::string& file, const base::Status& status, bool json) {
  std::string message = status.message();
  // Errors already start with the path where the library knows it; don't say it twice.
  if (message.compare(0, file.size() + 2, file + ": ") == 0) message = message.substr(file.size() + 2);
  if (json) return nlohmann::json{{"file", file}, {"error", message}}.dump();
  return file + ": error: " + message;
}

void RunOrdered(size_t n, int threads, const std::function<std::string(size_t)>& work) {
  std::vector<std::optional<std::string>> done(n);
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next++) < n;) {
      std::string line = work(i);
      std::lock_guard<std::mutex> lock(mu);
      done[i] = std::move(line);
      cv.notify_all();
    }
  };
  auto print = [](const std::string& line) {
    if (line.empty()) return;  // nothing to say for this item
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  };
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) print(work(i));
    return;
  }
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (size_t i = 0; i < n; ++i) {
    std::string line;
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return done[i].has_value(); });
      line = std::move(*done[i]);
      done[i].reset();
    }
    print(line);
  }
  for (auto& t : pool) t.join();
}

int UsageError(const char* command, const std::string& message) {
  std::fprintf(stderr, "edgeface %s: %s (see edgeface %s --help)\n", command, message.c_str(), command);
  return 2;
}

}  // namespace cli::face_cli
