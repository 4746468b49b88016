#include "aws/xml_reader.h"

#include <expat.h>

#include <memory>

namespace aws {

const XmlNode* XmlNode::Child(std::string_view child_name) const {
  for (const XmlNode& c : children) {
    if (c.name == child_name) return &c;
  }
  return nullptr;
}

std::vector<const XmlNode*> XmlNode::Children(std::string_view child_name) const {
  std::vector<const XmlNode*> out;
  for (const XmlNode& c : children) {
    if (c.name == child_name) out.push_back(&c);
  }
  return out;
}

std::string_view XmlNode::ChildText(std::string_view child_name) const {
  const XmlNode* c = Child(child_name);
  return c ? std::string_view(c->text) : std::string_view();
}

namespace {

// Expat reports namespaced names as "uri|local" (we pass '|' as the separator).
constexpr char kNamespaceSeparator = '|';

struct ParseState {
  XML_Parser parser = nullptr;
  const XmlLimits* limits = nullptr;
  XmlNode root;
  bool have_root = false;
  std::vector<XmlNode*> stack;  // open elements, innermost last
  size_t elements = 0;
  std::string error;  // set when we stopped the parser ourselves

  void Fail(std::string why) {
    if (error.empty()) error = std::move(why);
    XML_StopParser(parser, XML_FALSE);
  }
};

std::string LocalName(const XML_Char* name) {
  std::string_view n(name);
  size_t sep = n.rfind(kNamespaceSeparator);
  return std::string(sep == std::string_view::npos ? n : n.substr(sep + 1));
}

void OnStart(void* user, const XML_Char* name, const XML_Char** /*attrs*/) {
  auto* st = static_cast<ParseState*>(user);
  if (++st->elements > st->limits->max_elements) return st->Fail("too many elements");
  if (st->stack.size() >= st->limits->max_depth) return st->Fail("nested too deeply");
  XmlNode* node;
  if (st->stack.empty()) {
    // Expat itself rejects a second root element ("junk after document element").
    st->have_root = true;
    node = &st->root;
  } else {
    node = &st->stack.back()->children.emplace_back();
  }
  node->name = LocalName(name);
  st->stack.push_back(node);
}

void OnEnd(void* user, const XML_Char* /*name*/) {
  auto* st = static_cast<ParseState*>(user);
  if (!st->stack.empty()) st->stack.pop_back();
}

void OnText(void* user, const XML_Char* s, int len) {
  auto* st = static_cast<ParseState*>(user);
  if (!st->stack.empty()) st->stack.back()->text.append(s, static_cast<size_t>(len));
}

void OnDoctype(void* user, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  static_cast<ParseState*>(user)->Fail("DOCTYPE is not allowed");
}

void OnEntityDecl(void* user, const XML_Char*, int, const XML_Char*, int, const XML_Char*,
                  const XML_Char*, const XML_Char*, const XML_Char*) {
  static_cast<ParseState*>(user)->Fail("entity declarations are not allowed");
}

struct ParserDeleter {
  void operator()(XML_ParserStruct* p) const { XML_ParserFree(p); }
};

}  // namespace

base::StatusOr<XmlNode> ParseXml(std::string_view document, const XmlLimits& limits) {
  if (document.size() > limits.max_bytes) {
    return base::Status::InvalidArgument("XML document larger than " +
                                         std::to_string(limits.max_bytes) + " bytes");
  }
  std::unique_ptr<XML_ParserStruct, ParserDeleter> parser(
      XML_ParserCreateNS("UTF-8", kNamespaceSeparator));
  if (!parser) return base::Status::Internal("XML parser: out of memory");
  ParseState st;
  st.parser = parser.get();
  st.limits = &limits;
  XML_SetUserData(parser.get(), &st);
  XML_SetElementHandler(parser.get(), OnStart, OnEnd);
  XML_SetCharacterDataHandler(parser.get(), OnText);
  XML_SetStartDoctypeDeclHandler(parser.get(), OnDoctype);
  XML_SetEntityDeclHandler(parser.get(), OnEntityDecl);
  XML_SetParamEntityParsing(parser.get(), XML_PARAM_ENTITY_PARSING_NEVER);

  XML_Status rc = XML_Parse(parser.get(), document.data(), static_cast<int>(document.size()),
                            XML_TRUE);
  if (!st.error.empty()) return base::Status::InvalidArgument("XML: " + st.error);
  if (rc != XML_STATUS_OK) {
    return base::Status::InvalidArgument(
        std::string("XML: ") + XML_ErrorString(XML_GetErrorCode(parser.get())) + " at line " +
        std::to_string(XML_GetCurrentLineNumber(parser.get())) + ", column " +
        std::to_string(XML_GetCurrentColumnNumber(parser.get())));
  }
  if (!st.have_root) return base::Status::InvalidArgument("XML: no root element");
  return std::move(st.root);
}

}  // namespace aws
