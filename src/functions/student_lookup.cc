// student-lookup: a name → the student's record from the students table.
#include "functions/common.h"
#include "functions/events.h"
#include "functions/registry.h"
#include "functions/students.h"

namespace functions {
namespace {

class StudentLookup : public Function {
 public:
  base::Status Init() override {
    base::StatusOr<client::AwsConfig> config = client::AwsConfig::FromEnvironment();
    if (!config.ok()) return config.status();
    db_ = std::make_unique<client::DynamoDbClient>(*config);
    table_ = EnvOr("STUDENTS_TABLE", "students");
    return base::Status::Ok();
  }

  runtime::InvocationResponse Handle(const runtime::InvocationRequest& request) override {
    base::StatusOr<std::string> name = ParseLookupEvent(ParsePayload(request.payload));
    if (!name.ok()) return FailWith(name.status());
    base::StatusOr<std::optional<nlohmann::json>> record = LookupStudent(*db_, table_, *name);
    if (!record.ok()) return Fail(kServiceError, record.status().message());
    if (!record->has_value()) return Answer({{"found", false}, {"name", *name}});
    return Answer({{"found", true}, {"record", **record}});
  }

 private:
  std::unique_ptr<client::DynamoDbClient> db_;
  std::string table_;
};

}  // namespace

std::unique_ptr<Function> MakeStudentLookup() { return std::make_unique<StudentLookup>(); }

}  // namespace functions
