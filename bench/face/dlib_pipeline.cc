#include "dlib_pipeline.h"

#include <dlib/image_io.h>
#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_transforms.h>

#include <fstream>

#include "face/landmark_format.h"
#include "media/dlib_image.h"

namespace bench {

struct DlibPipeline::Impl {
  dlib::frontal_face_detector detector = dlib::get_frontal_face_detector();
  dlib::shape_predictor predictor;
};

DlibPipeline::DlibPipeline() : impl_(std::make_unique<Impl>()) {
  std::ifstream in(face::landmark_format::kDlibModelPath, std::ios::binary);
  dlib::deserialize(impl_->predictor, in);
}
DlibPipeline::~DlibPipeline() = default;

media::RgbImage DlibPipeline::Load(const std::string& path) {
  dlib::matrix<dlib::rgb_pixel> m;
  dlib::load_image(m, path);
  media::RgbImage img;
  dlib::assign_image(img, m);
  return img;
}

std::vector<face::Box> DlibPipeline::Detect(const media::RgbImage& img) {
  dlib::pyramid_down<2> pyr;
  dlib::array2d<dlib::rgb_pixel> up;
  dlib::pyramid_up(img, up, pyr);
  std::vector<face::Box> out;
  for (dlib::rectangle r : impl_->detector(up)) {
    r = pyr.rect_down(r);
    out.push_back({r.left(), r.top(), r.right(), r.bottom()});
  }
  return out;
}

face::Landmarks DlibPipeline::Landmarks(const media::RgbImage& img, const face::Box& box) {
  const dlib::full_object_detection d =
      impl_->predictor(img, dlib::rectangle(box.left, box.top, box.right, box.bottom));
  face::Landmarks out;
  for (int i = 0; i < face::kLandmarkCount; ++i) out[i] = {d.part(i).x(), d.part(i).y()};
  return out;
}

}  // namespace bench
