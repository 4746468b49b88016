// Builds the XML documents AWS's REST-XML (S3) and query (SQS) protocols answer with.
//
//   XmlWriter w;
//   w.Declaration().Open("ListBucketResult", "http://s3.amazonaws.com/doc/2006-03-01/");
//   w.Element("Name", bucket).Element("KeyCount", 3);
//   w.Close();  // ListBucketResult
//   std::string body = w.Take();
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aws {

// Escapes &, <, >, ", ' and control characters (as &#xN;) for text and attribute values.
void AppendXmlEscaped(std::string& out, std::string_view text);

class XmlWriter {
 public:
  XmlWriter& Declaration();  // <?xml version="1.0" encoding="UTF-8"?>
  // <name> or <name xmlns="...">.
  XmlWriter& Open(std::string_view name, std::string_view xmlns = {});
  XmlWriter& Close();  // closes the innermost open element
  XmlWriter& Element(std::string_view name, std::string_view text);
  XmlWriter& Element(std::string_view name, const char* text) { return Element(name, std::string_view(text)); }
  XmlWriter& Element(std::string_view name, int64_t value);
  XmlWriter& Element(std::string_view name, bool value);
  // Closes whatever is still open and returns the document.
  std::string Take();

 private:
  std::string out_;
  std::vector<std::string> open_;
};

}  // namespace aws
