// The dashboard's static files, embedded in the binary at build time (CMakeLists.txt generates
// static_files.cc from static/), so `edgeface cloud` serves them from any working directory.
#pragma once

#include <string_view>

namespace dashboard {

struct StaticFile {
  std::string_view name;  // "index.html"
  std::string_view content;
};

// Every file of static/, in name order. Never empty.
const StaticFile* StaticFilesBegin();
const StaticFile* StaticFilesEnd();

}  // namespace dashboard
