// Items to load into a table, read from a file of plain JSON objects (as
// ../shared/data/cse546/student_data.json is: [{"name": "..", "year": "..", "id": 1}, ...]) and
// turned into DynamoDB attribute-value maps.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace cloud::stack {

// A plain JSON value as a DynamoDB attribute value: string → S, number → N (as written),
// true/false → BOOL, null → NULL, list → L, object → M.
nlohmann::json ToAttributeValue(const nlohmann::json& plain);

// Parses `text` (a JSON list of objects) into items. Each item must hold every key attribute of
// `key_schema` ({name, "S"|"N"|"B"}) with a value of that type (B: a base64 string).
// InvalidArgument naming the item's index and the attribute otherwise.
base::StatusOr<std::vector<nlohmann::json>> ItemsFromPlainJson(
    std::string_view text, const std::vector<std::pair<std::string, std::string>>& key_schema);

}  // namespace cloud::stack
