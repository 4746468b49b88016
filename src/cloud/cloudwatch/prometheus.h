// A Prometheus text-format (0.0.4) registry: counters and gauges with labels, rendered for
// GET /metrics. Collectors run at render time to set gauges that are cheaper to read than to
// track (instances alive, ...).
//
// Thread-safety: every method may be called from any thread; Add/Set take one mutex and do no
// I/O, so they may be called with other locks held.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace cloudwatch {

using Labels = std::vector<std::pair<std::string, std::string>>;

// {a="b",c="d"} with Prometheus' escapes; "" for no labels.
std::string RenderPromLabels(const Labels& labels);

class PromRegistry {
 public:
  enum class Type { kCounter, kGauge };
  // Declares a metric family (name, help, type). Optional: undeclared families render as untyped.
  void Describe(const std::string& name, const std::string& help, Type type);
  void Add(const std::string& name, const Labels& labels, double delta);
  void Set(const std::string& name, const Labels& labels, double value);
  // The same with the label set rendered once by RenderPromLabels (for hot paths).
  void AddRendered(const std::string& name, const std::string& rendered_labels, double delta);
  void SetRendered(const std::string& name, const std::string& rendered_labels, double value);
  // `collect` is called at each Render (without the registry's lock) before rendering.
  void AddCollector(std::function<void(PromRegistry&)> collect);
  std::string Render();

 private:
  struct Family {
    std::string help;
    Type type = Type::kGauge;
    bool described = false;
    std::map<std::string, double> series;  // rendered label set "{a=\"b\"}" → value
  };
  std::mutex mu_;
  std::map<std::string, Family> families_;
  std::vector<std::function<void(PromRegistry&)>> collectors_;
};

}  // namespace cloudwatch
