#include "face/eval.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "base/files.h"

namespace face::eval {

base::StatusOr<std::vector<LfwPair>> ReadLfwPairs(const std::string& pairs_txt, const std::string& images_dir) {
  base::StatusOr<std::string> text = base::ReadFile(pairs_txt);
  if (!text.ok()) return text.status().WithContext(pairs_txt);
  std::istringstream in(*text);
  int folds = 0, per = 0;
  if (!(in >> folds >> per) || folds <= 0 || per <= 0) {
    return base::Status::InvalidArgument(pairs_txt + ": bad header");
  }
  auto path = [&](const std::string& name, int n) {
    char num[16];
    std::snprintf(num, sizeof num, "%04d", n);
    return images_dir + "/" + name + "/" + name + "_" + num + ".jpg";
  };
  std::vector<LfwPair> pairs;
  for (int f = 0; f < folds; ++f) {
    for (int i = 0; i < 2 * per; ++i) {
      LfwPair p;
      p.fold = f;
      std::string name1, name2;
      int n1 = 0, n2 = 0;
      if (i < per) {
        if (!(in >> name1 >> n1 >> n2)) return base::Status::InvalidArgument(pairs_txt + ": truncated");
        name2 = name1;
        p.same = true;
      } else if (!(in >> name1 >> n1 >> name2 >> n2)) {
        return base::Status::InvalidArgument(pairs_txt + ": truncated");
      }
      p.a = path(name1, n1);
      p.b = path(name2, n2);
      pairs.push_back(std::move(p));
    }
  }
  return pairs;
}

std::optional<Descriptor> SubjectDescriptor(const FacePipeline& pipeline, const media::RgbImage& img,
                                            const PipelineOptions& options, bool* retried) {
  if (retried) *retried = false;
  std::vector<Face> faces = pipeline.Process(img, options);
  if (faces.empty()) {
    PipelineOptions more = options;
    more.detect.upsample += 1;
    more.detect.adjust_threshold -= 0.5;
    if (more.detect.max_scan_pixels > 0) more.detect.max_scan_pixels *= 4;
    faces = pipeline.Process(img, more);
    if (retried) *retried = true;
  }
  if (faces.empty()) return std::nullopt;
  const double cx = img.width / 2.0, cy = img.height / 2.0;
  const Face* best = nullptr;
  double best_d = std::numeric_limits<double>::infinity();
  for (const Face& f : faces) {
    const double dx = (f.box.left + f.box.right) / 2.0 - cx, dy = (f.box.top + f.box.bottom) / 2.0 - cy;
    if (dx * dx + dy * dy < best_d) {
      best_d = dx * dx + dy * dy;
      best = &f;
    }
  }
  return best->descriptor;
}

namespace {

double AccuracyAt(const std::vector<LfwPair>& pairs, const std::vector<double>& d, double t, int fold, bool in_fold) {
  int right = 0, total = 0;
  for (size_t i = 0; i < pairs.size(); ++i) {
    if ((pairs[i].fold == fold) != in_fold) continue;
    ++total;
    if ((d[i] <= t) == pairs[i].same) ++right;
  }
  return total ? static_cast<double>(right) / total : 0;
}

}  // namespace

FoldResult TenFold(const std::vector<LfwPair>& pairs, const std::vector<double>& distances, double tolerance) {
  FoldResult r;
  int folds = 0;
  for (const LfwPair& p : pairs) folds = std::max(folds, p.fold + 1);
  for (int f = 0; f < folds; ++f) {
    const double at = AccuracyAt(pairs, distances, tolerance, f, true);
    r.fold_accuracy_at_tolerance.push_back(at);
    r.accuracy_at_tolerance += at / folds;
    // Best threshold on the other folds, scanned in steps of 0.005.
    double best_t = tolerance, best_acc = -1;
    for (double t = 0.3; t <= 0.9; t += 0.005) {
      const double acc = AccuracyAt(pairs, distances, t, f, false);
      if (acc > best_acc) {
        best_acc = acc;
        best_t = t;
      }
    }
    r.accuracy_best += AccuracyAt(pairs, distances, best_t, f, true) / folds;
    r.mean_best_threshold += best_t / folds;
  }
  return r;
}

}  // namespace face::eval
