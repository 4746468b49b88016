// libFuzzer target: any bytes into ParseXml must give a tree or an error, never a crash or hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "aws/xml_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto doc = aws::ParseXml(std::string_view(reinterpret_cast<const char*>(data), size));
  if (doc.ok()) {
    // Walk the tree so a bad pointer inside it would be noticed by ASan.
    size_t total = 0;
    for (const auto* c : doc->Children("Object")) total += c->ChildText("Key").size();
    (void)total;
  }
  return 0;
}
