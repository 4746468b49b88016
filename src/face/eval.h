// Accuracy evaluation helpers shared by the CI accuracy test and the full benchmark runs
// (bench/face): LFW pairs, 10-fold verification accuracy, and the "which face is the subject"
// policy for photos of one person.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "face/pipeline.h"

namespace face::eval {

struct LfwPair {
  std::string a, b;  // image paths
  bool same = false;
  int fold = 0;      // 0..9
};

// Parses LFW's pairs.txt (View 2: "10 300", then per fold 300 same + 300 different lines).
// Paths are "<images_dir>/<name>/<name>_<NNNN>.jpg".
base::StatusOr<std::vector<LfwPair>> ReadLfwPairs(const std::string& pairs_txt, const std::string& images_dir);

// The descriptor of the photo's subject: the detected face whose box centre is nearest the image
// centre (LFW photos are centred on their subject; others may be in the background). When no
// face is found, retries once with one more upsample and a detector threshold lowered by 0.5.
// Returns nullopt when even that finds nothing; `retried` tells whether the retry was needed.
std::optional<Descriptor> SubjectDescriptor(const FacePipeline& pipeline, const media::RgbImage& img,
                                            const PipelineOptions& options, bool* retried = nullptr);

struct FoldResult {
  double accuracy_at_tolerance = 0;  // mean over folds
  double accuracy_best = 0;          // threshold chosen on the other 9 folds, tested on this one
  double mean_best_threshold = 0;
  std::vector<double> fold_accuracy_at_tolerance;
};

// distances[i] is the distance of pairs[i]; a missing face counts as distance +inf ("different").
FoldResult TenFold(const std::vector<LfwPair>& pairs, const std::vector<double>& distances, double tolerance);

}  // namespace face::eval
