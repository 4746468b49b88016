#include "face/chip.h"

#include <dlib/image_transforms/interpolation.h>

#include "media/dlib_image.h"

namespace face {

void ExtractChip(const media::RgbImage& img, const Box& box, const Landmarks& landmarks,
                 media::RgbImage* chip, int size, double padding) {
  std::vector<dlib::point> parts(landmarks.size());
  for (size_t i = 0; i < landmarks.size(); ++i) parts[i] = dlib::point(landmarks[i].x, landmarks[i].y);
  const dlib::full_object_detection shape(dlib::rectangle(box.left, box.top, box.right, box.bottom), parts);
  const dlib::chip_details details = dlib::get_face_chip_details(shape, size, padding);
  dlib::extract_image_chip(img, details, *chip);
}

}  // namespace face
