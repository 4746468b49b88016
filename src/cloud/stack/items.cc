#include "cloud/stack/items.h"

namespace cloud::stack {

using nlohmann::json;

json ToAttributeValue(const json& plain) {
  switch (plain.type()) {
    case json::value_t::string:
      return {{"S", plain.get<std::string>()}};
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return {{"N", plain.dump()}};
    case json::value_t::boolean:
      return {{"BOOL", plain.get<bool>()}};
    case json::value_t::array: {
      json list = json::array();
      for (const auto& v : plain) list.push_back(ToAttributeValue(v));
      return {{"L", std::move(list)}};
    }
    case json::value_t::object: {
      json map = json::object();
      for (const auto& [k, v] : plain.items()) map[k] = ToAttributeValue(v);
      return {{"M", std::move(map)}};
    }
    default:
      return {{"NULL", true}};
  }
}

base::StatusOr<std::vector<json>> ItemsFromPlainJson(std::string_view text,
                                                      const std::vector<std::pair<std::string, std::string>>& key_schema) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return base::Status::InvalidArgument("not valid JSON");
  if (!doc.is_array()) return base::Status::InvalidArgument("must be a JSON list of objects");
  std::vector<json> items;
  items.reserve(doc.size());
  for (size_t i = 0; i < doc.size(); ++i) {
    const json& plain = doc[i];
    const std::string where = "item " + std::to_string(i);
    if (!plain.is_object()) return base::Status::InvalidArgument(where + " is not an object");
    for (const auto& [name, type] : key_schema) {
      auto v = plain.find(name);
      if (v == plain.end()) return base::Status::InvalidArgument(where + " has no key attribute '" + name + "'");
      bool ok = type == "N" ? v->is_number() : v->is_string() && !v->get<std::string>().empty();
      if (!ok) {
        return base::Status::InvalidArgument(where + ": key attribute '" + name + "' must be " +
                                             (type == "N" ? "a number" : "a non-empty string"));
      }
    }
    json item = json::object();
    for (const auto& [k, v] : plain.items()) {
      item[k] = ToAttributeValue(v);
    }
    for (const auto& [name, type] : key_schema) {
      if (type == "B") item[name] = {{"B", plain[name].get<std::string>()}};
    }
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace cloud::stack
