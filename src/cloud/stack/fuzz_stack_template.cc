// libFuzzer target: any bytes as a stack template. The reader must answer a Stack or an error,
// never crash, hang or read files (check_files is off).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cloud/stack/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cloud::stack::TemplateOptions options;
  options.template_path = "/nonexistent/template.yaml";
  options.check_files = false;
  options.parameter_overrides = {};
  auto stack = cloud::stack::ParseTemplate(std::string_view(reinterpret_cast<const char*>(data), size), options);
  (void)stack;
  return 0;
}
