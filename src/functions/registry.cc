#include "functions/registry.h"

namespace functions {

const std::vector<Builtin>& Builtins() {
  static const std::vector<Builtin> kBuiltins = {
      {"face-recognition", "a frame ({\"image\": base64} or {\"bucket\",\"key\"}) -> faces, names, distances",
       &MakeFaceRecognition},
      {"student-lookup", "{\"name\"} -> the record from the students table", &MakeStudentLookup},
      {"web", "function URL: a JPEG frame -> the person's record (invokes the two above)", &MakeWeb},
      {"video-splitting", "a clip in S3 -> frame in the stage bucket -> person -> results queue", &MakeVideoSplitting},
      {"video-recognition", "S3 event for test_N.mp4 -> test_N.csv (name,major,year) in the output bucket",
       &MakeVideoRecognition},
      {"enroll", "images people/<name>/*.jpg in a bucket -> gallery entries", &MakeEnroll},
  };
  return kBuiltins;
}

const Builtin* FindBuiltin(std::string_view name) {
  for (const Builtin& b : Builtins()) {
    if (name == b.name) return &b;
  }
  return nullptr;
}

}  // namespace functions
