#include "face/gallery.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "base/files.h"

namespace face {

double Distance(const Descriptor& a, const Descriptor& b) {
  double sum = 0;
  for (int i = 0; i < kDescriptorSize; ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    sum += d * d;
  }
  return std::sqrt(sum);
}

base::StatusOr<Gallery> Gallery::Load(const std::string& path) {
  base::StatusOr<std::string> text = base::ReadFile(path, uint64_t{1} << 30);
  if (!text.ok()) return text.status().WithContext(path);
  return Parse(*text, path);
}

base::StatusOr<Gallery> Gallery::Parse(std::string_view text, const std::string& source) {
  auto bad = [&](const std::string& why) { return base::Status::InvalidArgument(source + ": " + why); };
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return bad("not valid JSON");
  if (!doc.is_object() || !doc.contains("faces") || !doc["faces"].is_array()) {
    return bad("expected {\"faces\": [{\"name\": ..., \"encoding\": [128 numbers]}, ...]}");
  }
  Gallery g;
  const nlohmann::json& faces = doc["faces"];
  for (size_t i = 0; i < faces.size(); ++i) {
    const std::string where = "faces[" + std::to_string(i) + "]";
    const nlohmann::json& f = faces[i];
    if (!f.is_object() || !f.contains("name") || !f["name"].is_string()) {
      return bad(where + " has no \"name\" string");
    }
    const std::string name = f["name"].get<std::string>();
    const std::string label = where + " (" + name + ")";
    if (!f.contains("encoding") || !f["encoding"].is_array()) return bad(label + " has no \"encoding\" array");
    const nlohmann::json& e = f["encoding"];
    if (e.size() != kDescriptorSize) {
      return bad(label + ".encoding has " + std::to_string(e.size()) + " numbers, expected 128");
    }
    Entry entry{name, {}};
    for (int k = 0; k < kDescriptorSize; ++k) {
      if (!e[k].is_number() || !std::isfinite(e[k].get<double>())) {
        return bad(label + ".encoding[" + std::to_string(k) + "] is not a finite number");
      }
      entry.encoding[k] = e[k].get<float>();
    }
    g.entries_.push_back(std::move(entry));
  }
  return g;
}

std::string Gallery::ToJson() const {
  nlohmann::json faces = nlohmann::json::array();
  for (const Entry& e : entries_) {
    faces.push_back({{"name", e.name}, {"encoding", std::vector<float>(e.encoding.begin(), e.encoding.end())}});
  }
  return nlohmann::json{{"faces", faces}}.dump() + "\n";
}

base::Status Gallery::Save(const std::string& path) const { return base::WriteFileAtomic(path, ToJson()); }

Match Gallery::Nearest(const Descriptor& d, double tolerance) const {
  Match m;
  m.name = kUnknown;
  for (const Entry& e : entries_) {
    const double dist = Distance(d, e.encoding);
    if (dist < m.distance) {
      m.distance = dist;
      m.nearest_name = e.name;
    }
  }
  m.accepted = !entries_.empty() && m.distance <= tolerance;
  if (m.accepted) m.name = m.nearest_name;
  return m;
}

}  // namespace face
