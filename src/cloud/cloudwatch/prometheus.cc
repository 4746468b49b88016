#include "cloud/cloudwatch/prometheus.h"

#include <cmath>
#include <cstdio>

namespace cloudwatch {
namespace {

std::string RenderLabels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out.push_back(',');
    out += labels[i].first + "=\"";
    for (char c : labels[i].second) {
      if (c == '\\' || c == '"') {
        out.push_back('\\');
        out.push_back(c);
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out.push_back(c);
      }
    }
    out.push_back('"');
  }
  return out + "}";
}

std::string Number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[40];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.9g", v);
  }
  return buf;
}

}  // namespace

void PromRegistry::Describe(const std::string& name, const std::string& help, Type type) {
  std::lock_guard<std::mutex> lock(mu_);
  Family& f = families_[name];
  f.help = help;
  f.type = type;
  f.described = true;
}

void PromRegistry::Add(const std::string& name, const Labels& labels, double delta) {
  std::string key = RenderLabels(labels);
  std::lock_guard<std::mutex> lock(mu_);
  families_[name].series[key] += delta;
}

std::string RenderPromLabels(const Labels& labels) { return RenderLabels(labels); }

void PromRegistry::AddRendered(const std::string& name, const std::string& rendered_labels, double delta) {
  std::lock_guard<std::mutex> lock(mu_);
  families_[name].series[rendered_labels] += delta;
}

void PromRegistry::SetRendered(const std::string& name, const std::string& rendered_labels, double value) {
  std::lock_guard<std::mutex> lock(mu_);
  families_[name].series[rendered_labels] = value;
}

void PromRegistry::Set(const std::string& name, const Labels& labels, double value) {
  std::string key = RenderLabels(labels);
  std::lock_guard<std::mutex> lock(mu_);
  families_[name].series[key] = value;
}

void PromRegistry::AddCollector(std::function<void(PromRegistry&)> collect) {
  std::lock_guard<std::mutex> lock(mu_);
  collectors_.push_back(std::move(collect));
}

std::string PromRegistry::Render() {
  std::vector<std::function<void(PromRegistry&)>> collectors;
  {
    std::lock_guard<std::mutex> lock(mu_);
    collectors = collectors_;
  }
  for (auto& c : collectors) c(*this);
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, f] : families_) {
    if (f.described) {
      out += "# HELP " + name + " " + f.help + "\n";
      out += "# TYPE " + name + (f.type == Type::kCounter ? " counter\n" : " gauge\n");
    }
    for (const auto& [labels, value] : f.series) out += name + labels + " " + Number(value) + "\n";
  }
  return out;
}

}  // namespace cloudwatch
