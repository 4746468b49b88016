// Evaluates parsed expressions against items: conditions and filters, projections, updates.
// Semantics follow DynamoDB: a comparison with a missing attribute or a value of another type is
// false (and <> true); <, <=, >, >= only order N, S and B; all update operands read the item as it
// was before the update.
#pragma once

#include <vector>

#include "base/status.h"
#include "cloud/dynamodb/attribute_value.h"
#include "cloud/dynamodb/expression.h"

namespace dynamodb {

// The value at `path` in `item`, or nullptr when any step is missing or of the wrong type.
const Value* Resolve(const Item& item, const Path& path);

// True when `item` satisfies `condition`. A missing item is an empty Item.
bool Evaluate(const Condition& condition, const Item& item);

// The item reduced to `paths` (nested maps and lists keep only what was asked for).
Item Project(const Item& item, const std::vector<Path>& paths);

// Applies `update` to `item` in place. Errors (wrong operand types, invalid document paths,
// number overflow) are InvalidArgument with DynamoDB's wording; on error `item` is unchanged.
base::Status ApplyUpdate(const UpdateExpression& update, Item* item);

}  // namespace dynamodb
