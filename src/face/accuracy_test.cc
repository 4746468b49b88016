// The CI subset of the accuracy runs (docs/accuracy.md has the full runs and their commands):
// the 8 cse546 videos, 200 LFW pairs, face_recognition's knn example.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "base/files.h"
#include "face/eval.h"
#include "face/landmark_format.h"
#include "face/pipeline.h"
#include "media/image_decode.h"
#include "media/video.h"

namespace face {
namespace {

const std::string kData = "../shared/data/";

const FacePipeline& Pipeline() {
  static const FacePipeline* p = [] {
    const std::string dir = "models";
    // tools/setup.sh converts the models after the build (edgeface convert-models); do it here if
    // it has not run.
    if (access((dir + "/" + landmark_format::kDefaultFileName).c_str(), R_OK) != 0) {
      base::Status s = ConvertDlibLandmarkModel(landmark_format::kDlibModelPath,
                                                dir + "/" + landmark_format::kDefaultFileName);
      if (!s.ok()) std::fprintf(stderr, "%s\n", s.ToString().c_str());
    }
    if (access((dir + "/" + landmark_format::kDetectorFileName).c_str(), R_OK) != 0) {
      base::Status s = FaceDetector::WriteDetectorModel(dir + "/" + landmark_format::kDetectorFileName);
      if (!s.ok()) std::fprintf(stderr, "%s\n", s.ToString().c_str());
    }
    base::StatusOr<std::unique_ptr<FacePipeline>> loaded = FacePipeline::Load(dir);
    if (!loaded.ok()) {
      std::fprintf(stderr, "cannot load models: %s\n", loaded.status().ToString().c_str());
      std::abort();
    }
    return std::move(loaded).value().release();
  }();
  return *p;
}

std::vector<std::vector<std::string>> ReadCsv(const std::string& path) {
  base::StatusOr<std::string> text = base::ReadFile(path);
  EXPECT_TRUE(text.ok()) << path;
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text.ok() ? *text : "");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ls(line);
    std::string cell;
    while (std::getline(ls, cell, ',')) cells.push_back(cell);
    if (!cells.empty()) rows.push_back(cells);
  }
  return rows;
}

TEST(Accuracy, Cse546TestCase1AllEightVideosGiveTheExpectedPerson) {
  base::StatusOr<Gallery> gallery = Gallery::Load(kData + "cse546/encoding_dlib128.json");
  ASSERT_TRUE(gallery.ok()) << gallery.status().ToString();
  int videos = 0;
  for (const auto& row : ReadCsv(kData + "cse546/ground_truth.csv")) {
    if (row[0] != "test_case_1") continue;
    ++videos;
    base::StatusOr<media::VideoReader> reader = media::VideoReader::OpenFile(kData + "cse546/videos/" + row[1]);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    std::string person;
    double best = 0, margin = 0;
    media::VideoFrame frame;
    while (person.empty()) {
      base::StatusOr<bool> got = reader->NextSample(0.5, &frame);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      if (!*got) break;
      for (const Face& f : Pipeline().Process(frame.image, PipelineOptions{})) {
        const Match m = gallery->Nearest(f.descriptor);
        if (!m.accepted) continue;
        person = m.name;
        best = m.distance;
        // Margin: how much nearer the answer is than the nearest entry of anyone else.
        double other = 1e9;
        for (const Gallery::Entry& e : gallery->entries()) {
          if (e.name != m.name) other = std::min(other, Distance(f.descriptor, e.encoding));
        }
        margin = other - best;
        break;
      }
    }
    std::printf("%s: %s distance %.3f, next person %.3f farther\n", row[1].c_str(), person.c_str(), best, margin);
    EXPECT_EQ(person, row[4]) << row[1];
    EXPECT_GT(margin, 0.1) << row[1];
  }
  EXPECT_EQ(videos, 8);
}

TEST(Accuracy, LfwSubsetOf200PairsAtTolerance06) {
  base::StatusOr<std::vector<eval::LfwPair>> pairs =
      eval::ReadLfwPairs(kData + "lfw/pairs.txt", kData + "lfw/images");
  ASSERT_TRUE(pairs.ok()) << pairs.status().ToString();
  ASSERT_EQ(pairs->size(), 6000u);
  // Fold 1's first 100 same and first 100 different pairs.
  std::vector<eval::LfwPair> subset(pairs->begin(), pairs->begin() + 100);
  subset.insert(subset.end(), pairs->begin() + 300, pairs->begin() + 400);
  std::map<std::string, std::optional<Descriptor>> cache;
  auto describe = [&](const std::string& path) {
    auto it = cache.find(path);
    if (it != cache.end()) return it->second;
    base::StatusOr<media::RgbImage> img = media::ReadImageFile(path);
    EXPECT_TRUE(img.ok()) << img.status().ToString();
    std::optional<Descriptor> d = img.ok() ? eval::SubjectDescriptor(Pipeline(), *img, PipelineOptions{}) : std::nullopt;
    cache[path] = d;
    return d;
  };
  int right = 0, no_face = 0;
  for (const eval::LfwPair& p : subset) {
    std::optional<Descriptor> a = describe(p.a), b = describe(p.b);
    if (!a || !b) {
      ++no_face;
      continue;  // counted as wrong
    }
    if ((Distance(*a, *b) <= kDefaultTolerance) == p.same) ++right;
  }
  const double accuracy = static_cast<double>(right) / subset.size();
  std::printf("LFW subset: %d/%zu right (%.1f%%), %d pairs without a face\n", right, subset.size(),
              100 * accuracy, no_face);
  EXPECT_GE(accuracy, 0.97);
  EXPECT_LE(no_face, 2);
}

TEST(Accuracy, KnnExampleTrainThenRecogniseTestImages) {
  namespace fs = std::filesystem;
  const std::string root = kData + "fixtures/face_recognition/knn_examples/";
  Gallery gallery;
  for (const auto& person : fs::directory_iterator(root + "train")) {
    for (const auto& file : fs::directory_iterator(person.path())) {
      base::StatusOr<media::RgbImage> img = media::ReadImageFile(file.path().string());
      ASSERT_TRUE(img.ok()) << img.status().ToString();
      std::vector<Face> faces = Pipeline().Process(*img, PipelineOptions{});
      if (faces.size() == 1) gallery.Add(person.path().filename().string(), faces[0].descriptor);
    }
  }
  ASSERT_GE(gallery.size(), 5u);
  int images = 0;
  for (const auto& row : ReadCsv(root + "labels_knn_test_inferred.csv")) {
    const std::string file = root + "test/" + fs::path(row[0]).filename().string();
    std::set<std::string> expected, found;
    std::stringstream names(row[1]);
    for (std::string n; std::getline(names, n, ';');) expected.insert(n);
    base::StatusOr<media::RgbImage> img = media::ReadImageFile(file);
    ASSERT_TRUE(img.ok()) << img.status().ToString();
    for (const Face& f : Pipeline().Process(*img, PipelineOptions{})) {
      const Match m = gallery.Nearest(f.descriptor);
      if (m.accepted) found.insert(m.name);
    }
    EXPECT_EQ(found, expected) << file;
    ++images;
  }
  EXPECT_EQ(images, 5);
}

}  // namespace
}  // namespace face
