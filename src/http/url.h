// Percent-encoding as URLs and AWS use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace http {

// Decodes %XX escapes; with `plus_is_space` (form bodies, query strings) '+' becomes ' '.
// Returns nullopt on a malformed escape ("%4", "%zz").
std::optional<std::string> PercentDecode(std::string_view in, bool plus_is_space = false);

// AWS's URI encoding (SigV4): every byte except A-Z a-z 0-9 - . _ ~ becomes %XX (upper-case hex);
// '/' is kept when `keep_slash` (object keys in paths).
std::string UriEncode(std::string_view in, bool keep_slash = false);

// Parses "a=1&b=x%20y&flag" into decoded pairs ("flag" -> ""). nullopt on a malformed escape.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseQueryString(
    std::string_view query, bool plus_is_space = true);

}  // namespace http
