#include "cloud/cloudwatch/monitoring_api.h"

#include <charconv>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>

#include "aws/xml_writer.h"
#include "base/ids.h"
#include "http/url.h"

namespace cloudwatch {
namespace {

constexpr const char* kXmlns = "http://monitoring.amazonaws.com/doc/2010-08-01/";
using Params = std::map<std::string, std::string>;

struct ApiError {
  int status;
  std::string code;
  std::string message;
};

std::string Num(double v) {
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, p);
}

http::Response Xml(int status, std::string body, const std::string& id) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers.Set("Content-Type", "text/xml");
  r.headers.Set("x-amzn-RequestId", id);
  return r;
}

const std::string& Required(const Params& p, const std::string& name) {
  auto it = p.find(name);
  if (it == p.end() || it->second.empty()) {
    throw ApiError{400, "MissingParameter", "The parameter " + name + " is required."};
  }
  return it->second;
}

// "<prefix>member.N.<suffix>" values in N order.
std::vector<std::string> Members(const Params& p, const std::string& prefix, const std::string& suffix = "") {
  std::map<int, std::string> found;
  const std::string head = prefix + "member.";
  for (auto it = p.lower_bound(head); it != p.end() && it->first.compare(0, head.size(), head) == 0; ++it) {
    std::string_view rest = std::string_view(it->first).substr(head.size());
    int n = 0;
    auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
    if (ec != std::errc() || std::string_view(ptr, rest.data() + rest.size() - ptr) != (suffix.empty() ? "" : "." + suffix)) {
      continue;
    }
    found[n] = it->second;
  }
  std::vector<std::string> out;
  for (auto& [n, v] : found) out.push_back(std::move(v));
  return out;
}

Dimensions ParseDimensions(const Params& p, const std::string& prefix) {
  auto names = Members(p, prefix, "Name");
  auto values = Members(p, prefix, "Value");
  if (names.size() != values.size()) throw ApiError{400, "InvalidParameterValue", "Each dimension needs a Name and a Value."};
  Dimensions out;
  for (size_t i = 0; i < names.size(); ++i) out[names[i]] = values[i];
  return out;
}

int64_t TimeParam(const Params& p, const std::string& name) {
  auto t = ParseTimestamp(Required(p, name));
  if (!t) throw ApiError{400, "InvalidParameterValue", "The parameter " + name + " must be a timestamp."};
  return *t;
}

int64_t PeriodParam(const std::string& text) {
  int64_t period = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), period);
  if (ec != std::errc() || period <= 0 || period % 60 != 0) {
    throw ApiError{400, "InvalidParameterValue", "The parameter Period must be a multiple of 60."};
  }
  return period;
}

// The value of a statistic ("Sum", "p99", ...) for a datapoint; nullopt when unknown.
std::optional<double> Statistic(const Aggregate& a, const std::string& stat) {
  if (stat == "Sum") return a.sum;
  if (stat == "Average") return a.sample_count ? a.sum / a.sample_count : 0;
  if (stat == "Maximum") return a.maximum;
  if (stat == "Minimum") return a.minimum;
  if (stat == "SampleCount") return a.sample_count;
  if (stat.size() > 1 && stat[0] == 'p') {
    double p = 0;
    auto [ptr, ec] = std::from_chars(stat.data() + 1, stat.data() + stat.size(), p);
    if (ec == std::errc() && ptr == stat.data() + stat.size()) return a.Percentile(p);
  }
  return std::nullopt;
}

bool ValidStatistic(const std::string& s, bool extended) {
  static const std::set<std::string> kBasic = {"Sum", "Average", "Maximum", "Minimum", "SampleCount"};
  if (!extended) return kBasic.count(s) > 0;
  if (s.size() < 2 || s[0] != 'p') return false;
  double p = 0;
  auto [ptr, ec] = std::from_chars(s.data() + 1, s.data() + s.size(), p);
  return ec == std::errc() && ptr == s.data() + s.size() && p > 0 && p <= 100;
}

std::string GetMetricStatistics(MetricStore& store, const Params& p, const std::string& id) {
  MetricId metric{Required(p, "Namespace"), Required(p, "MetricName"), ParseDimensions(p, "Dimensions.")};
  const int64_t start = TimeParam(p, "StartTime"), end = TimeParam(p, "EndTime");
  const int64_t period = PeriodParam(Required(p, "Period"));
  auto stats = Members(p, "Statistics.");
  auto extended = Members(p, "ExtendedStatistics.");
  if (stats.empty() && extended.empty()) {
    throw ApiError{400, "MissingParameter", "Must specify either Statistics or ExtendedStatistics."};
  }
  for (const auto& s : stats) {
    if (!ValidStatistic(s, false)) throw ApiError{400, "InvalidParameterValue", "Unknown statistic " + s};
  }
  for (const auto& s : extended) {
    if (!ValidStatistic(s, true)) throw ApiError{400, "InvalidParameterValue", "Unknown extended statistic " + s};
  }
  if (end <= start) throw ApiError{400, "InvalidParameterValue", "The parameter StartTime must be less than EndTime."};
  if ((end - start) / period > 1440) {
    throw ApiError{400, "InvalidParameterCombination",
                   "You have requested up to " + std::to_string((end - start) / period) +
                       " datapoints, which exceeds the limit of 1440."};
  }
  auto points = store.Query(metric, start, end, period);
  if (!points.ok()) throw ApiError{500, "InternalFailure", points.status().message()};
  auto unit = p.find("Unit");
  aws::XmlWriter w;
  w.Open("GetMetricStatisticsResponse", kXmlns).Open("GetMetricStatisticsResult");
  w.Element("Label", metric.name).Open("Datapoints");
  for (const Datapoint& d : *points) {
    if (unit != p.end() && unit->second != d.stats.unit) continue;
    w.Open("member").Element("Timestamp", FormatTimestamp(d.timestamp_s));
    for (const auto& s : stats) w.Element(s, Num(*Statistic(d.stats, s)));
    if (!extended.empty()) {
      w.Open("ExtendedStatistics");
      for (const auto& s : extended) {
        auto v = Statistic(d.stats, s);
        if (v) w.Open("entry").Element("key", s).Element("value", Num(*v)).Close();
      }
      w.Close();
    }
    w.Element("Unit", d.stats.unit).Close();
  }
  w.Close().Close().Open("ResponseMetadata").Element("RequestId", id).Close().Close();
  return w.Take();
}

std::string GetMetricData(MetricStore& store, const Params& p, const std::string& id) {
  const int64_t start = TimeParam(p, "StartTime"), end = TimeParam(p, "EndTime");
  if (end <= start) throw ApiError{400, "InvalidParameterValue", "The parameter StartTime must be less than EndTime."};
  auto ids = Members(p, "MetricDataQueries.", "Id");
  if (ids.empty()) throw ApiError{400, "MissingParameter", "The parameter MetricDataQueries is required."};
  const bool ascending = p.count("ScanBy") && p.at("ScanBy") == "TimestampAscending";
  aws::XmlWriter w;
  w.Open("GetMetricDataResponse", kXmlns).Open("GetMetricDataResult").Open("MetricDataResults");
  for (size_t i = 1; i <= ids.size(); ++i) {
    const std::string q = "MetricDataQueries.member." + std::to_string(i) + ".";
    if (p.count(q + "Expression")) {
      throw ApiError{400, "InvalidParameterValue", "Metric math expressions are not supported; use MetricStat."};
    }
    if (p.count(q + "ReturnData") && p.at(q + "ReturnData") == "false") continue;
    const std::string ms = q + "MetricStat.";
    MetricId metric{Required(p, ms + "Metric.Namespace"), Required(p, ms + "Metric.MetricName"),
                    ParseDimensions(p, ms + "Metric.Dimensions.")};
    const int64_t period = PeriodParam(Required(p, ms + "Period"));
    const std::string& stat = Required(p, ms + "Stat");
    if (!ValidStatistic(stat, false) && !ValidStatistic(stat, true)) {
      throw ApiError{400, "InvalidParameterValue", "Unknown statistic " + stat};
    }
    auto points = store.Query(metric, start, end, period);
    if (!points.ok()) throw ApiError{500, "InternalFailure", points.status().message()};
    std::vector<std::pair<int64_t, double>> values;
    for (const Datapoint& d : *points) {
      auto v = Statistic(d.stats, stat);
      if (v) values.emplace_back(d.timestamp_s, *v);
    }
    if (!ascending) std::reverse(values.begin(), values.end());
    auto label = p.find(q + "Label");
    w.Open("member").Element("Id", p.at(q + "Id"));
    w.Element("Label", label != p.end() ? label->second : metric.name);
    w.Open("Timestamps");
    for (auto& [t, v] : values) w.Element("member", FormatTimestamp(t));
    w.Close().Open("Values");
    for (auto& [t, v] : values) w.Element("member", Num(v));
    w.Close().Element("StatusCode", "Complete").Close();
  }
  w.Close().Open("Messages").Close().Close();
  w.Open("ResponseMetadata").Element("RequestId", id).Close().Close();
  return w.Take();
}

std::string ListMetrics(MetricStore& store, const Params& p, const std::string& id) {
  auto ns = p.find("Namespace");
  auto name = p.find("MetricName");
  auto metrics = store.List(ns == p.end() ? "" : ns->second, name == p.end() ? "" : name->second);
  if (!metrics.ok()) throw ApiError{500, "InternalFailure", metrics.status().message()};
  // Dimension filters: every named dimension must be present (with the value, when given).
  auto names = Members(p, "Dimensions.", "Name");
  std::map<std::string, std::string> wanted_values;
  for (size_t i = 1; i <= names.size(); ++i) {
    auto v = p.find("Dimensions.member." + std::to_string(i) + ".Value");
    if (v != p.end()) wanted_values[names[i - 1]] = v->second;
  }
  aws::XmlWriter w;
  w.Open("ListMetricsResponse", kXmlns).Open("ListMetricsResult").Open("Metrics");
  for (const MetricId& m : *metrics) {
    bool ok = true;
    for (const auto& n : names) {
      auto d = m.dimensions.find(n);
      if (d == m.dimensions.end() || (wanted_values.count(n) && wanted_values[n] != d->second)) ok = false;
    }
    if (!ok) continue;
    w.Open("member").Element("Namespace", m.namespace_).Element("MetricName", m.name).Open("Dimensions");
    for (const auto& [k, v] : m.dimensions) w.Open("member").Element("Name", k).Element("Value", v).Close();
    w.Close().Close();
  }
  w.Close().Close().Open("ResponseMetadata").Element("RequestId", id).Close().Close();
  return w.Take();
}

std::string PutMetricData(MetricStore& store, const Params& p, const std::string& id) {
  const std::string& ns = Required(p, "Namespace");
  if (ns.rfind("AWS/", 0) == 0) {
    throw ApiError{400, "InvalidParameterValue", "The value AWS/ for parameter Namespace is invalid."};
  }
  auto names = Members(p, "MetricData.", "MetricName");
  for (size_t i = 1; i <= names.size(); ++i) {
    const std::string m = "MetricData.member." + std::to_string(i) + ".";
    double value = 0;
    auto v = p.find(m + "Value");
    if (v == p.end()) throw ApiError{400, "MissingParameter", "The parameter " + m + "Value is required."};
    auto [ptr, ec] = std::from_chars(v->second.data(), v->second.data() + v->second.size(), value);
    if (ec != std::errc()) throw ApiError{400, "InvalidParameterValue", "The parameter " + m + "Value must be a number."};
    int64_t t = std::time(nullptr);
    if (p.count(m + "Timestamp")) t = TimeParam(p, m + "Timestamp");
    auto unit = p.find(m + "Unit");
    store.Put({ns, names[i - 1], ParseDimensions(p, m + "Dimensions.")}, value, t * 1000,
              unit == p.end() ? "None" : unit->second, true);
  }
  aws::XmlWriter w;
  w.Open("PutMetricDataResponse", kXmlns).Open("ResponseMetadata").Element("RequestId", id).Close().Close();
  return w.Take();
}

}  // namespace

std::optional<int64_t> ParseTimestamp(std::string_view text) {
  std::string s(text);
  bool digits = !s.empty() && s.find_first_not_of("0123456789.") == std::string::npos;
  if (digits) return static_cast<int64_t>(std::stod(s));
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  int64_t t = timegm(&tm);
  std::string_view rest = std::string_view(s).substr(consumed);
  if (!rest.empty() && rest[0] == '.') {
    size_t i = 1;
    while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) ++i;
    rest.remove_prefix(i);
  }
  if (rest.empty() || rest == "Z") return t;
  int hh = 0, mm = 0;
  if ((rest[0] == '+' || rest[0] == '-') && std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &hh, &mm) == 2) {
    int64_t offset = hh * 3600 + mm * 60;
    return rest[0] == '+' ? t - offset : t + offset;
  }
  return std::nullopt;
}

std::string FormatTimestamp(int64_t epoch_s) {
  std::time_t t = epoch_s;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

cloud::ServiceRoute MonitoringRoute() {
  cloud::ServiceRoute r;
  r.name = "monitoring";
  r.error_format = cloud::ErrorFormat::kSqs;  // query XML <ErrorResponse> for form requests
  return r;
}

cloud::ServiceRoute PrometheusRoute() {
  cloud::ServiceRoute r;
  r.name = "prometheus";
  r.error_format = cloud::ErrorFormat::kRestJson;
  r.path_prefixes = {"/metrics"};
  r.requires_auth = false;
  return r;
}

http::Response MonitoringApi::HandleNow(const http::Request& request) {
  const std::string id = base::NewUuid();
  Params params;
  auto add = [&](std::string_view text) {
    auto pairs = http::ParseQueryString(text, true);
    if (!pairs) throw ApiError{400, "MalformedQueryString", "The query string is malformed."};
    for (auto& [k, v] : *pairs) params[k] = v;
  };
  try {
    add(request.raw_query);
    if (request.method == "POST") add(request.body);
    auto action = params.find("Action");
    if (action == params.end()) throw ApiError{400, "MissingAction", "The request must contain the parameter Action."};
    const std::string& a = action->second;
    if (a == "GetMetricStatistics") return Xml(200, GetMetricStatistics(*store_, params, id), id);
    if (a == "GetMetricData") return Xml(200, GetMetricData(*store_, params, id), id);
    if (a == "ListMetrics") return Xml(200, ListMetrics(*store_, params, id), id);
    if (a == "PutMetricData") return Xml(200, PutMetricData(*store_, params, id), id);
    throw ApiError{400, "InvalidAction", "The action " + a + " is not valid for this web service."};
  } catch (const ApiError& e) {
    aws::XmlWriter w;
    w.Open("ErrorResponse", kXmlns).Open("Error");
    w.Element("Type", e.status >= 500 ? "Receiver" : "Sender").Element("Code", e.code).Element("Message", e.message);
    w.Close().Element("RequestId", id).Close();
    return Xml(e.status, w.Take(), id);
  } catch (const std::exception& e) {  // std::stod on a huge number, ...
    aws::XmlWriter w;
    w.Open("ErrorResponse", kXmlns).Open("Error");
    w.Element("Type", "Sender").Element("Code", "InvalidParameterValue").Element("Message", e.what());
    w.Close().Element("RequestId", id).Close();
    return Xml(400, w.Take(), id);
  }
}

http::Response PrometheusResponse(const http::Request& request, PromRegistry& registry) {
  http::Response r;
  if (request.path != "/metrics" || (request.method != "GET" && request.method != "HEAD")) {
    r.status = 404;
    r.body = "not found\n";
    r.headers.Set("Content-Type", "text/plain");
    return r;
  }
  r.body = registry.Render();
  r.headers.Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  return r;
}

}  // namespace cloudwatch
