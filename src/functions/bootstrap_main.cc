// edgeface-fn: the product's image functions as one lean Lambda custom runtime (`bootstrap`).
//
// `edgeface fn NAME` serves every function but lives in the full edgeface binary, whose 155
// shared libraries (FFmpeg's codecs and their dependencies, most of them) take ~0.5 s to map
// and relocate at every cold start. The functions that never touch video (face-recognition,
// student-lookup, web, enroll) are linked here without the video code, and --as-needed keeps
// FFmpeg out of the process entirely (docs/functions.md, cold start).
//
// Like a provided.al2023 `bootstrap`, it takes the function from _HANDLER when no argument is
// given: build/functions/bootstrap is a symlink to this binary, and the stack's CodeUri points there.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "functions/common.h"
#include "functions/registry.h"
#include "runtime/runtime.h"

namespace {

struct LeanFunction {
  const char* name;
  std::unique_ptr<functions::Function> (*make)();
};

// Only what these name is linked in: no video-splitting, no video-recognition.
constexpr LeanFunction kFunctions[] = {
    {"face-recognition", functions::MakeFaceRecognition},
    {"student-lookup", functions::MakeStudentLookup},
    {"web", functions::MakeWeb},
    {"enroll", functions::MakeEnroll},
};

}  // namespace

int main(int argc, char** argv) {
  const char* name = argc > 1 ? argv[1] : std::getenv("_HANDLER");
  if (argc > 2 || !name || !*name || !std::strcmp(name, "--help") || !std::strcmp(name, "-h")) {
    std::fprintf(stderr,
                 "usage: edgeface-fn [NAME]   (NAME defaults to $_HANDLER, as a Lambda bootstrap)\n"
                 "Serves face-recognition, student-lookup, web or enroll under the Lambda Runtime API;\n"
                 "every other function runs with `edgeface fn NAME`.\n");
    return 2;
  }
  for (const LeanFunction& f : kFunctions) {
    if (std::strcmp(f.name, name) != 0) continue;
    std::unique_ptr<functions::Function> fn = f.make();
    runtime::InitFunction init = [&fn]() -> std::string {
      base::Status s = fn->Init();
      return s.ok() ? std::string() : s.ToString();
    };
    return runtime::RunHandler(init, [&fn](const runtime::InvocationRequest& r) { return fn->Handle(r); });
  }
  std::fprintf(stderr, "edgeface-fn: '%s' is not one of the lean functions; run it with `edgeface fn %s`\n", name, name);
  return 2;
}
