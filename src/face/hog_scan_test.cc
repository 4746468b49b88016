// Our HOG scan against dlib's: the filter bank's scores on the same features, and the
// detections of the whole scan (FaceDetector with our scan vs with dlib's) on photos and on
// frames of the cse546 videos, at full resolution and upsampled, on one and two threads.
#include <dlib/image_transforms/fhog.h>
#include <gtest/gtest.h>

#include <cmath>

#include "face/detector.h"
#include "face/hog_pyramid.h"
#include "face/hog_scan.h"
#include "media/dlib_image.h"
#include "media/image_decode.h"
#include "media/video.h"

namespace face {
namespace {

TEST(HogPyramid, SamePixelsAsDlibsPyramidDown6) {
  PyramidScratch scratch;
  PackedRgb ours[2];
  int levels = 0;
  for (const char* photo : {"../shared/data/fixtures/face_recognition/two_people.jpg",
                            "../shared/data/fixtures/face_recognition/obama-1080p.jpg"}) {
    base::StatusOr<media::RgbImage> img = media::ReadImageFile(photo);
    ASSERT_TRUE(img.ok()) << img.status().ToString();
    for (const media::RgbImage& start : {*img, media::Resize(*img, 1280, 720), media::Resize(*img, 301, 173)}) {
      // Down the whole pyramid as the scan walks it, each level from the previous one.
      dlib::array2d<dlib::rgb_pixel> theirs;
      dlib::assign_image(theirs, start);
      const uint8_t* in = start.pixels.data();
      int w = start.width, h = start.height;
      for (int level = 1; w >= 64 && h >= 64; ++level, ++levels) {
        dlib::array2d<dlib::rgb_pixel> next;
        dlib::pyramid_down<6>()(theirs, next);
        PackedRgb& out = ours[level % 2];
        PyramidDown6(in, w, h, static_cast<size_t>(w) * 3, &scratch, &out);
        ASSERT_EQ(out.width, next.nc());
        ASSERT_EQ(out.height, next.nr());
        long differing = 0;
        for (long r = 0; r < next.nr(); ++r) {
          for (long c = 0; c < next.nc(); ++c) {
            const uint8_t* p = out.pixels.data() + r * out.row_bytes() + 3 * c;
            differing += p[0] != next[r][c].red || p[1] != next[r][c].green || p[2] != next[r][c].blue;
          }
        }
        EXPECT_EQ(differing, 0) << photo << " " << start.width << "x" << start.height << " level " << level;
        dlib::swap(theirs, next);
        in = out.pixels.data(), w = out.width, h = out.height;
      }
    }
  }
  EXPECT_GT(levels, 40);
}

TEST(HogFilters, SameScoresAsDlibsFilterBank) {
  const dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();
  const HogScanner scanner(detector);
  ASSERT_TRUE(scanner.ok());
  ASSERT_EQ(scanner.bank().windows(), detector.num_detectors());
  FhogScratch fhog_scratch;
  FhogPlanes planes;
  HogFilterScratch filter_scratch;
  std::vector<std::vector<float>> scores;
  int compared = 0;
  for (const char* photo : {"../shared/data/fixtures/face_recognition/two_people.jpg",
                            "../shared/data/fixtures/face_recognition/obama-480p.jpg"}) {
    base::StatusOr<media::RgbImage> img = media::ReadImageFile(photo);
    ASSERT_TRUE(img.ok()) << img.status().ToString();
    for (const media::RgbImage& frame : {*img, media::Resize(*img, 301, 173)}) {
      dlib::array<dlib::array2d<float>> feats;
      dlib::extract_fhog_features(frame, feats, 8, 10, 10);
      ExtractFhog(frame.pixels.data(), frame.width, frame.height, frame.stride(), 10, 10, &fhog_scratch, &planes);
      size_t stride = 0;
      ApplyHogFilters(planes, scanner.bank(), &filter_scratch, &scores, &stride);
      for (unsigned long d = 0; d < detector.num_detectors(); ++d) {
        dlib::array2d<float> saliency;
        const dlib::rectangle area =
            dlib::impl::apply_filters_to_fhog(detector.get_processed_w(d).get_detect_argument(), feats, saliency);
        ASSERT_EQ(area.height(), planes.feature_rows());
        ASSERT_EQ(area.width(), planes.feature_cols());
        double worst = 0;
        for (long r = area.top(); r <= area.bottom(); ++r) {
          for (long c = area.left(); c <= area.right(); ++c) {
            const float ours = scores[d][(r - area.top()) * stride + (c - area.left())];
            worst = std::max(worst, std::abs(static_cast<double>(ours) - saliency[r][c]));
          }
        }
        EXPECT_LE(worst, 1e-3) << photo << " " << frame.width << "x" << frame.height << " window " << d;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 20);
}

// The detections of our scan and of dlib's on `img`: same number, boxes within 2 px, scores
// within 1e-3. Returns the number of faces.
size_t ExpectSameDetections(const FaceDetector& detector, const media::RgbImage& img, DetectOptions options,
                            const std::string& what) {
  options.dlib_scan = true;
  const std::vector<Detection> theirs = detector.Detect(img, options);
  options.dlib_scan = false;
  const std::vector<Detection> ours = detector.Detect(img, options);
  EXPECT_EQ(ours.size(), theirs.size()) << what;
  for (size_t i = 0; i < std::min(ours.size(), theirs.size()); ++i) {
    EXPECT_NEAR(ours[i].score, theirs[i].score, 1e-3) << what << " face " << i;
    EXPECT_NEAR(ours[i].box.left, theirs[i].box.left, 2) << what << " face " << i;
    EXPECT_NEAR(ours[i].box.top, theirs[i].box.top, 2) << what << " face " << i;
    EXPECT_NEAR(ours[i].box.right, theirs[i].box.right, 2) << what << " face " << i;
    EXPECT_NEAR(ours[i].box.bottom, theirs[i].box.bottom, 2) << what << " face " << i;
  }
  return theirs.size();
}

TEST(HogScan, SameFacesAsDlibsScanOnPhotos) {
  const FaceDetector detector;
  size_t faces = 0;
  for (const char* photo : {"../shared/data/fixtures/face_recognition/two_people.jpg",
                            "../shared/data/fixtures/face_recognition/obama-480p.jpg",
                            "../shared/data/fixtures/face_recognition/knn_examples/test/obama_and_biden.jpg",
                            "../shared/data/fixtures/face_recognition/test_images/obama_partial_face.jpg",
                            "../shared/data/lfw/images/Aaron_Eckhart/Aaron_Eckhart_0001.jpg"}) {
    base::StatusOr<media::RgbImage> img = media::ReadImageFile(photo);
    ASSERT_TRUE(img.ok()) << img.status().ToString();
    for (int threads : {1, 2}) {
      // full resolution, a lower threshold (more candidates, the suppression matters), upsampled
      faces += ExpectSameDetections(detector, *img, {0, 0, 0, threads}, std::string(photo) + " upsample 0");
      faces += ExpectSameDetections(detector, *img, {0, 0, -0.5, threads}, std::string(photo) + " adjust -0.5");
      if (img->width * img->height < 700 * 500) {
        faces += ExpectSameDetections(detector, *img, {1, 0, 0, threads}, std::string(photo) + " upsample 1");
      }
    }
  }
  EXPECT_GE(faces, 20u);
}

TEST(HogScan, SameFacesAsDlibsScanOnVideoFrames) {
  const FaceDetector detector;
  size_t faces = 0, frames = 0;
  for (const char* v : {"test_0", "test_4", "test_7"}) {
    auto reader = media::VideoReader::OpenFile(std::string("../shared/data/cse546/videos/") + v + ".mp4");
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    media::VideoFrame f;
    for (int i = 0; i < 2; ++i) {
      auto got = reader->NextSample(1.0, &f);
      ASSERT_TRUE(got.ok() && *got) << v;
      ++frames;
      faces += ExpectSameDetections(detector, f.image, {0, 0, 0, 2}, std::string(v) + " full resolution");
      faces += ExpectSameDetections(detector, f.image, {1, 640 * 480, 0, 2, 1708 * 960}, std::string(v) + " default");
    }
  }
  EXPECT_EQ(frames, 6u);
  EXPECT_GE(faces, 6u);
}

}  // namespace
}  // namespace face

namespace face {
namespace {

// Images too small for the window or for a second pyramid level, and thin ones: no crash, and
// what dlib's scan gives (nothing, or the same boxes on the crops of a real face).
TEST(HogScan, TinyAndThinImagesAsDlibsScan) {
  const FaceDetector detector;
  base::StatusOr<media::RgbImage> img = media::ReadImageFile("../shared/data/fixtures/face_recognition/obama-480p.jpg");
  ASSERT_TRUE(img.ok()) << img.status().ToString();
  for (const auto& size : {std::pair{1, 1}, {7, 300}, {300, 7}, {64, 63}, {80, 80}, {81, 200}, {130, 97}}) {
    const media::RgbImage small = media::Resize(*img, size.first, size.second);
    for (int threads : {1, 2}) {
      ExpectSameDetections(detector, small, {0, 0, -1.0, threads},
                           std::to_string(size.first) + "x" + std::to_string(size.second));
    }
  }
  media::RgbImage empty;
  EXPECT_TRUE(detector.Detect(empty, {0, 0, 0, 1}).empty());
}

}  // namespace
}  // namespace face
