// Identifiers handed to clients: request ids, message ids, table and mapping UUIDs. Unique, not
// secret (a per-thread generator seeded once from std::random_device), so cheap enough to call per
// request: one generator per thread, no lock, no system call after the first.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace base {

// A random version-4 UUID as AWS prints them: 8-4-4-4-12 lowercase hex digits, the version digit
// 4 and the variant bits 10xx ("8", "9", "a" or "b" at the start of the fourth group).
std::string NewUuid();

// `length` characters drawn uniformly from `alphabet` (which must not be empty), e.g. DynamoDB's
// 52-character upper-case request ids or S3's 16 hex digits.
std::string RandomString(size_t length, std::string_view alphabet);

}  // namespace base
