// Feeds arbitrary bytes, as an invoker could send them, to every event parser of the functions:
// none may crash, hang or read out of bounds; each either parses or returns InvalidArgument.
#include <cstddef>
#include <cstdint>
#include <string>

#include "functions/events.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  nlohmann::json event = nlohmann::json::parse(text, nullptr, false);
  if (event.is_discarded()) return 0;
  (void)functions::ParseObjectRefs(event);
  (void)functions::ParseWebEvent(event, "fuzz");
  (void)functions::ParseFaceEvent(event);
  (void)functions::ParseLookupEvent(event);
  (void)functions::ParseEnrollEvent(event);
  if (event.is_object() && event.contains("key") && event["key"].is_string()) {
    const std::string& key = event["key"].get_ref<const std::string&>();
    (void)functions::DecodeS3EventKey(key);
    (void)functions::ParseClipKey(key);
    (void)functions::ReplaceExtension(key, "jpg");
    (void)functions::PersonOfKey("people/", key);
    (void)functions::CsvLine({key, key});
    (void)functions::Base64LooksLikeImage(key);
  }
  return 0;
}
