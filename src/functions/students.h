// The students table (STUDENTS_TABLE, hash key "name"): one GetItem per lookup.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "client/aws.h"

namespace functions {

// {"name","major","year"} of the item with this name, values as the table holds them (verbatim:
// "freshmen" stays "freshmen"); nullopt when there is no such item.
base::StatusOr<std::optional<nlohmann::json>> LookupStudent(client::DynamoDbClient& db, const std::string& table,
                                                            const std::string& name);

// The record's field as text for CSV ("" when absent; numbers printed as JSON prints them).
std::string RecordField(const nlohmann::json& record, const char* field);

}  // namespace functions
