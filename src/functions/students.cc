#include "functions/students.h"

namespace functions {

base::StatusOr<std::optional<nlohmann::json>> LookupStudent(client::DynamoDbClient& db, const std::string& table,
                                                            const std::string& name) {
  base::StatusOr<std::optional<nlohmann::json>> item = db.GetItem(table, {{"name", name}});
  if (!item.ok()) return item.status().WithContext("GetItem " + table);
  if (!item->has_value()) return std::optional<nlohmann::json>();
  const nlohmann::json& it = **item;
  nlohmann::json record = {{"name", it.value("name", nlohmann::json(name))},
                           {"major", it.value("major", nlohmann::json(nullptr))},
                           {"year", it.value("year", nlohmann::json(nullptr))}};
  return std::optional<nlohmann::json>(std::move(record));
}

std::string RecordField(const nlohmann::json& record, const char* field) {
  if (!record.is_object() || !record.contains(field) || record[field].is_null()) return "";
  const nlohmann::json& v = record[field];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

}  // namespace functions
