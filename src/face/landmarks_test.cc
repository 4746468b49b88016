// Our landmark model against dlib's own shape_predictor on real photos: the same points, and a
// chip that is dlib's chip.
#include "face/landmarks.h"

#include <dlib/image_processing/shape_predictor.h>
#include <dlib/image_transforms/interpolation.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "base/files.h"
#include "face/chip.h"
#include "face/detector.h"
#include "face/landmark_format.h"
#include "media/dlib_image.h"
#include "media/image_decode.h"

namespace face {
namespace {

// Converted once for the whole binary (about a second), as tools/setup.sh does.
class LandmarkEnv {
 public:
  static LandmarkEnv& Get() {
    static LandmarkEnv* env = new LandmarkEnv;
    return *env;
  }
  std::string path = "/tmp/edgeface_landmarks_test_" + std::to_string(getpid()) + ".eflm";
  base::Status converted;
  dlib::shape_predictor dlib_model;

 private:
  LandmarkEnv() {
    converted = ConvertDlibLandmarkModel(landmark_format::kDlibModelPath, path);
    std::atexit([] { std::remove(Get().path.c_str()); });
    std::ifstream in(landmark_format::kDlibModelPath, std::ios::binary);
    dlib::deserialize(dlib_model, in);
  }
};

const char* kPhotos[] = {
    "../shared/data/fixtures/face_recognition/obama-480p.jpg",
    "../shared/data/fixtures/face_recognition/two_people.jpg",
    "../shared/data/fixtures/face_recognition/test_images/biden.jpg",
    "../shared/data/lfw/images/Aaron_Eckhart/Aaron_Eckhart_0001.jpg",
};

TEST(Landmarks, SameAsDlibShapePredictorOnRealFaces) {
  LandmarkEnv& env = LandmarkEnv::Get();
  ASSERT_TRUE(env.converted.ok()) << env.converted.ToString();
  base::StatusOr<LandmarkModel> model = LandmarkModel::Load(env.path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  FaceDetector detector;
  int faces = 0;
  for (const char* photo : kPhotos) {
    base::StatusOr<media::RgbImage> img = media::ReadImageFile(photo);
    ASSERT_TRUE(img.ok()) << img.status().ToString();
    DetectOptions options;
    options.max_scan_pixels = 1'000'000;
    for (const Detection& det : detector.Detect(*img, options)) {
      const Landmarks ours = model->Predict(*img, det.box);
      const dlib::rectangle rect(det.box.left, det.box.top, det.box.right, det.box.bottom);
      const dlib::full_object_detection theirs = env.dlib_model(*img, rect);
      ASSERT_EQ(theirs.num_parts(), 68u);
      for (int i = 0; i < 68; ++i) {
        ASSERT_EQ(ours[i].x, theirs.part(i).x()) << photo << " point " << i;
        ASSERT_EQ(ours[i].y, theirs.part(i).y()) << photo << " point " << i;
      }
      // The chip from our image type equals dlib's chip from its own matrix type.
      media::RgbImage chip;
      ExtractChip(*img, det.box, ours, &chip);
      ASSERT_EQ(chip.width, 150);
      ASSERT_EQ(chip.height, 150);
      dlib::matrix<dlib::rgb_pixel> copy;
      dlib::assign_image(copy, *img);
      dlib::matrix<dlib::rgb_pixel> dlib_chip;
      dlib::extract_image_chip(copy, dlib::get_face_chip_details(theirs, 150, 0.25), dlib_chip);
      ASSERT_EQ(0, std::memcmp(&dlib_chip(0, 0), chip.pixels.data(), chip.pixels.size())) << photo;
      ++faces;
    }
  }
  EXPECT_GE(faces, 5);  // two_people.jpg holds two
}

TEST(Landmarks, DamagedModelFileIsRefused) {
  LandmarkEnv& env = LandmarkEnv::Get();
  ASSERT_TRUE(env.converted.ok());
  base::StatusOr<std::string> bytes = base::ReadFile(env.path, uint64_t{1} << 30);
  ASSERT_TRUE(bytes.ok());
  const std::string damaged_path = env.path + ".damaged";
  std::string damaged = *bytes;
  damaged[damaged.size() / 2] ^= 1;
  ASSERT_TRUE(base::WriteFileAtomic(damaged_path, damaged).ok());
  base::StatusOr<LandmarkModel> m = LandmarkModel::Load(damaged_path);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("checksum"), std::string::npos) << m.status().ToString();
  ASSERT_TRUE(base::WriteFileAtomic(damaged_path, bytes->substr(0, 1000)).ok());
  EXPECT_EQ(LandmarkModel::Load(damaged_path).status().code(), base::Status::Code::kCorruption);
  std::remove(damaged_path.c_str());
  base::StatusOr<LandmarkModel> missing = LandmarkModel::Load("/nonexistent/model.eflm");
  EXPECT_EQ(missing.status().code(), base::Status::Code::kNotFound);
  EXPECT_NE(missing.status().message().find("setup.sh"), std::string::npos);
}

TEST(Detector, UpsampleMatchesFaceRecognitionAndScanCapKeepsTheFace) {
  base::StatusOr<media::RgbImage> img =
      media::ReadImageFile("../shared/data/fixtures/face_recognition/obama-720p.jpg");
  ASSERT_TRUE(img.ok());
  FaceDetector detector;
  DetectOptions exact;  // upsample 1, no cap: face_recognition's default
  std::vector<Detection> full = detector.Detect(*img, exact);
  ASSERT_EQ(full.size(), 1u);
  DetectOptions capped;
  capped.max_scan_pixels = 640 * 360;  // a half-size copy
  std::vector<Detection> fast = detector.Detect(*img, capped);
  ASSERT_EQ(fast.size(), 1u);
  // Same face: the boxes overlap mostly.
  const Box& a = full[0].box;
  const Box& b = fast[0].box;
  const long ix = std::min(a.right, b.right) - std::max(a.left, b.left);
  const long iy = std::min(a.bottom, b.bottom) - std::max(a.top, b.top);
  EXPECT_GT(double(ix) * iy, 0.6 * a.width() * a.height());
  EXPECT_EQ(ScanScale(1280, 720, capped), 0.5);
  EXPECT_EQ(ScanScale(250, 250, exact), 2.0);
  EXPECT_TRUE(detector.Detect(media::RgbImage(), exact).empty());
}

}  // namespace
}  // namespace face

namespace face {
namespace {

TEST(Detector, SavedModelLoadsFastAndDetectsTheSame) {
  const std::string path = "/tmp/edgeface_detector_test_" + std::to_string(getpid()) + ".efhog";
  ASSERT_TRUE(FaceDetector::WriteDetectorModel(path).ok());
  base::StatusOr<std::unique_ptr<FaceDetector>> loaded = FaceDetector::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  base::StatusOr<media::RgbImage> img =
      media::ReadImageFile("../shared/data/fixtures/face_recognition/two_people.jpg");
  ASSERT_TRUE(img.ok());
  FaceDetector builtin;
  const std::vector<Detection> a = builtin.Detect(*img, DetectOptions{});
  const std::vector<Detection> b = (*loaded)->Detect(*img, DetectOptions{});
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].box.left, b[i].box.left);
    EXPECT_EQ(a[i].box.bottom, b[i].box.bottom);
    EXPECT_EQ(a[i].score, b[i].score);
  }
  base::StatusOr<std::string> bytes = base::ReadFile(path);
  ASSERT_TRUE(bytes.ok());
  std::string damaged = *bytes;
  damaged[damaged.size() - 100] ^= 0x40;
  ASSERT_TRUE(base::WriteFileAtomic(path, damaged).ok());
  EXPECT_EQ(FaceDetector::Load(path).status().code(), base::Status::Code::kCorruption);
  std::remove(path.c_str());
  EXPECT_EQ(FaceDetector::Load(path).status().code(), base::Status::Code::kNotFound);
}

// Boxes of two scans of the same image, matched in order (both lists are score-sorted).
void ExpectSameFaces(const std::vector<Detection>& a, const std::vector<Detection>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_NEAR(a[i].score, b[i].score, 1e-6) << what << " face " << i;
    EXPECT_LE(std::abs(a[i].box.left - b[i].box.left), 2) << what << " face " << i;
    EXPECT_LE(std::abs(a[i].box.top - b[i].box.top), 2) << what << " face " << i;
    EXPECT_LE(std::abs(a[i].box.right - b[i].box.right), 2) << what << " face " << i;
    EXPECT_LE(std::abs(a[i].box.bottom - b[i].box.bottom), 2) << what << " face " << i;
  }
}

TEST(Detector, ScanSplitOverTwoThreadsFindsWhatOneThreadFinds) {
  FaceDetector detector;
  const char* files[] = {"../shared/data/fixtures/face_recognition/obama-720p.jpg",
                         "../shared/data/fixtures/face_recognition/obama-1080p.jpg",
                         "../shared/data/fixtures/face_recognition/two_people.jpg",
                         "../shared/data/fixtures/face_recognition/knn_examples/test/obama_and_biden.jpg"};
  int faces = 0;
  for (const char* file : files) {
    base::StatusOr<media::RgbImage> img = media::ReadImageFile(file);
    ASSERT_TRUE(img.ok()) << file;
    for (int upsample : {0, 1}) {
      DetectOptions one;
      one.upsample = upsample;
      one.max_scan_pixels = 2'000'000;
      DetectOptions two = one;
      two.threads = 2;
      const std::vector<Detection> a = detector.Detect(*img, one);
      ExpectSameFaces(a, detector.Detect(*img, two), std::string(file) + " upsample " + std::to_string(upsample));
      faces += a.size();
    }
  }
  EXPECT_GE(faces, 10);  // the comparison above compared faces, not empty lists
}

TEST(Detector, RescanFindsTheFaceACoarseScanMisses) {
  base::StatusOr<media::RgbImage> img =
      media::ReadImageFile("../shared/data/fixtures/face_recognition/obama-720p.jpg");
  ASSERT_TRUE(img.ok());
  FaceDetector detector;
  DetectOptions coarse;
  coarse.max_scan_pixels = 160 * 90;  // far too small to hold the detector's 80 px window
  EXPECT_TRUE(detector.Detect(*img, coarse).empty());
  DetectOptions rescan = coarse;
  rescan.rescan_max_pixels = 640 * 360;
  const std::vector<Detection> found = detector.Detect(*img, rescan);
  DetectOptions half;
  half.max_scan_pixels = 640 * 360;
  ExpectSameFaces(found, detector.Detect(*img, half), "rescan vs a direct half-size scan");
  EXPECT_EQ(found.size(), 1u);
}

}  // namespace
}  // namespace face
