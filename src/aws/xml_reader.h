// Reads the small XML request bodies of AWS's REST-XML protocol (S3's DeleteObjects,
// CompleteMultipartUpload, CreateBucketConfiguration, NotificationConfiguration) into a tree.
//
//   StatusOr<XmlNode> doc = ParseXml(request.body);
//   if (!doc.ok()) return MalformedXml(doc.status());
//   for (const XmlNode* obj : doc->Children("Object")) Use(obj->ChildText("Key"));
//
// The input is untrusted. A document type declaration (and so every entity beyond the five
// predefined ones: billion laughs, external entities) is refused, as are documents deeper,
// larger or with more elements than XmlLimits allows. Namespaces are resolved and dropped:
// `<s3:Key>` and `<Key xmlns="...">` both give an element named "Key".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace aws {

struct XmlNode {
  std::string name;               // local name, without namespace or prefix
  std::string text;               // character data directly inside this element, concatenated
  std::vector<XmlNode> children;  // in document order

  // The first child called `name`, or nullptr.
  const XmlNode* Child(std::string_view name) const;
  // Every child called `name`, in document order.
  std::vector<const XmlNode*> Children(std::string_view name) const;
  // Text of the first child called `name`, or "" when there is none.
  std::string_view ChildText(std::string_view name) const;
};

struct XmlLimits {
  size_t max_bytes = size_t{1} << 20;  // S3 caps these bodies well below 1 MiB
  size_t max_depth = 32;
  size_t max_elements = 100000;
};

// Parses one XML document. On success returns its root element. Fails with InvalidArgument
// (message says what and where) on malformed XML, a DOCTYPE, or a limit exceeded.
base::StatusOr<XmlNode> ParseXml(std::string_view document, const XmlLimits& limits = {});

}  // namespace aws
