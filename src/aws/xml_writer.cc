#include "aws/xml_writer.h"

namespace aws {

void AppendXmlEscaped(std::string& out, std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') {
          // \r would be normalised away by a parser; others are not legal XML 1.0 text.
          out += "&#x";
          if (static_cast<unsigned char>(c) >= 16) out += kHex[static_cast<unsigned char>(c) >> 4];
          out += kHex[c & 15];
          out += ';';
        } else {
          out += c;
        }
    }
  }
}

XmlWriter& XmlWriter::Declaration() {
  out_ += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  return *this;
}

XmlWriter& XmlWriter::Open(std::string_view name, std::string_view xmlns) {
  out_ += '<';
  out_ += name;
  if (!xmlns.empty()) {
    out_ += " xmlns=\"";
    AppendXmlEscaped(out_, xmlns);
    out_ += '"';
  }
  out_ += '>';
  open_.emplace_back(name);
  return *this;
}

XmlWriter& XmlWriter::Close() {
  if (open_.empty()) return *this;
  out_ += "</";
  out_ += open_.back();
  out_ += '>';
  open_.pop_back();
  return *this;
}

XmlWriter& XmlWriter::Element(std::string_view name, std::string_view text) {
  out_ += '<';
  out_ += name;
  out_ += '>';
  AppendXmlEscaped(out_, text);
  out_ += "</";
  out_ += name;
  out_ += '>';
  return *this;
}

XmlWriter& XmlWriter::Element(std::string_view name, int64_t value) {
  return Element(name, std::string_view(std::to_string(value)));
}

XmlWriter& XmlWriter::Element(std::string_view name, bool value) {
  return Element(name, std::string_view(value ? "true" : "false"));
}

std::string XmlWriter::Take() {
  while (!open_.empty()) Close();
  return std::move(out_);
}

}  // namespace aws
