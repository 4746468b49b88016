// The built-in functions `edgeface fn NAME` runs (src/cli/fn.cc lists them with echo and probe).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "functions/common.h"

namespace functions {

struct Builtin {
  const char* name;
  const char* summary;  // one line for `edgeface fn --help`
  std::unique_ptr<Function> (*make)();
};

const std::vector<Builtin>& Builtins();
// nullptr when there is no built-in function of that name.
const Builtin* FindBuiltin(std::string_view name);

std::unique_ptr<Function> MakeFaceRecognition();
std::unique_ptr<Function> MakeStudentLookup();
std::unique_ptr<Function> MakeWeb();
std::unique_ptr<Function> MakeVideoSplitting();
std::unique_ptr<Function> MakeVideoRecognition();
std::unique_ptr<Function> MakeEnroll();

}  // namespace functions
