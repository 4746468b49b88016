// Shared by template.cc (the document, parameters, storage resources) and function_spec.cc
// (functions): the reading context and typed property readers.
#pragma once

#include <string>
#include <string_view>

#include "cloud/stack/resolve.h"
#include "cloud/stack/template.h"
#include "cloud/stack/yaml_tree.h"

namespace cloud::stack::internal {

struct Context {
  const TemplateOptions& options;
  Resolver& resolver;
  Stack& stack;
  std::string base_dir;  // the template's directory: relative paths start here
};

// An integer property in [lo, hi] (YAML gives text; "128" and 128 are the same).
base::StatusOr<int> IntProperty(Context& ctx, const Node& node, std::string_view name, long lo, long hi);
// A string property (after intrinsics).
base::StatusOr<std::string> StringProperty(Context& ctx, const Node& node, std::string_view name);
// `path` made absolute against the template's directory.
std::string ResolvePath(const Context& ctx, const std::string& path);
// Records "FILE:LINE: Resource: property NAME is ignored locally".
void WarnIgnored(Context& ctx, const Node& node, std::string_view name);
// The Metadata.edgeface mapping of a resource, or nullptr; an error when it has keys other
// than `allowed` (comma-separated).
base::StatusOr<const Node*> EdgefaceMetadata(Context& ctx, const Node& resource, std::string_view allowed);

base::Status ReadFunction(Context& ctx, const std::string& logical_id, const Node& resource, const Node* globals);

}  // namespace cloud::stack::internal
