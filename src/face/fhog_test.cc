// Our fHOG features against dlib's extract_fhog_features on real photos at several sizes,
// odd ones included (the tail columns take dlib's scalar path), and on images too small for one
// feature.
#include "face/fhog.h"

#include <dlib/image_transforms/fhog.h>
#include <gtest/gtest.h>

#include <cmath>

#include "media/dlib_image.h"
#include "media/image_decode.h"

namespace face {
namespace {

const char* kPhotos[] = {
    "../shared/data/fixtures/face_recognition/obama-480p.jpg",
    "../shared/data/fixtures/face_recognition/two_people.jpg",
    "../shared/data/fixtures/face_recognition/knn_examples/test/obama_and_biden.jpg",
};

// Max |ours - dlib's| over every plane and pixel; -1 if the shapes differ.
double MaxFeatureDifference(const media::RgbImage& img, FhogScratch* scratch, FhogPlanes* ours,
                            long* differing) {
  dlib::array<dlib::array2d<float>> theirs;
  dlib::extract_fhog_features(img, theirs, 8, 10, 10);
  ExtractFhog(img.pixels.data(), img.width, img.height, img.stride(), 10, 10, scratch, ours);
  if (theirs.size() != kFhogPlanes) return -1;
  double worst = 0;
  *differing = 0;
  for (int o = 0; o < kFhogPlanes; ++o) {
    if (theirs[o].nr() != ours->rows() || theirs[o].nc() != ours->cols()) return -1;
    for (long r = 0; r < theirs[o].nr(); ++r) {
      for (long c = 0; c < theirs[o].nc(); ++c) {
        const double d = std::abs(theirs[o][r][c] - ours->row(o, r)[c]);
        worst = std::max(worst, d);
        *differing += d != 0;
      }
    }
  }
  return worst;
}

TEST(Fhog, SameFeaturesAsDlibOnRealPhotosOfManySizes) {
  FhogScratch scratch;  // reused across images, as the scanner does across levels and frames
  FhogPlanes ours;
  const int sizes[][2] = {{0, 0}, {333, 251}, {97, 65}, {641, 359}, {1280, 720}, {161, 90}, {79, 81}};
  int compared = 0;
  for (const char* photo : kPhotos) {
    base::StatusOr<media::RgbImage> img = media::ReadImageFile(photo);
    ASSERT_TRUE(img.ok()) << img.status().ToString();
    for (const auto& size : sizes) {
      const media::RgbImage scaled = size[0] == 0 ? *img : media::Resize(*img, size[0], size[1]);
      long differing = 0;
      const double worst = MaxFeatureDifference(scaled, &scratch, &ours, &differing);
      EXPECT_GE(worst, 0) << photo << " at " << scaled.width << "x" << scaled.height << ": shapes differ";
      EXPECT_LE(worst, 1e-4) << photo << " at " << scaled.width << "x" << scaled.height;
      EXPECT_GT(ours.feature_rows(), 0);
      ++compared;
      if (worst > 0) {
        std::printf("%s %dx%d: %ld values differ, max %.3g\n", photo, scaled.width, scaled.height,
                    differing, worst);
      }
    }
  }
  EXPECT_EQ(compared, 21);
}

TEST(Fhog, TinyImagesGiveEmptyPlanesOrSingleFeaturesAsDlib) {
  FhogScratch scratch;
  FhogPlanes ours;
  // Below 20 px a side there are fewer than 3 cells: dlib gives 31 empty planes; at 20 px, one
  // feature per plane.
  for (const auto& size : {std::pair{1, 1}, {19, 19}, {19, 200}, {200, 19}, {20, 20}, {20, 300}}) {
    media::RgbImage img(size.first, size.second);
    for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<uint8_t>(i * 37 + i / 7);
    long differing = 0;
    EXPECT_LE(MaxFeatureDifference(img, &scratch, &ours, &differing), 1e-4) << size.first << "x" << size.second;
    EXPECT_EQ(ours.empty(), size.first < 20 || size.second < 20);
  }
}

}  // namespace
}  // namespace face
