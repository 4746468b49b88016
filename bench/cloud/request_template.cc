#include "request_template.h"

#include <sstream>

namespace bench {
namespace {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::string Expand(const std::string& s, int i, const std::string& endpoint) {
  std::string out;
  out.reserve(s.size() + 16);
  for (size_t p = 0; p < s.size();) {
    if (s.compare(p, 3, "{i}") == 0) {
      out += std::to_string(i);
      p += 3;
    } else if (s.compare(p, 10, "{endpoint}") == 0) {
      out += endpoint;
      p += 10;
    } else {
      out.push_back(s[p++]);
    }
  }
  return out;
}

base::StatusOr<RequestTemplate> ParseTemplate(const std::string& name, const std::string& text) {
  RequestTemplate t;
  t.name = name;
  std::istringstream in(text);
  std::string line;
  enum { kHeader, kRequestLine, kFields, kBody } state = kHeader;
  RequestSpec* current = nullptr;
  bool have_request = false;
  int line_no = 0;
  auto err = [&](const std::string& what) {
    return base::Status::InvalidArgument(name + ":" + std::to_string(line_no) + ": " + what);
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("===", 0) == 0) {
      std::string kind = Trim(line.substr(3));
      if (kind == "setup") {
        t.setup.emplace_back();
        current = &t.setup.back();
      } else if (kind == "request") {
        if (have_request) return err("a second '=== request'");
        current = &t.request;
        have_request = true;
      } else {
        return err("unknown section '" + kind + "'");
      }
      state = kRequestLine;
      continue;
    }
    switch (state) {
      case kHeader: {
        std::string l = Trim(line);
        if (l.empty() || l[0] == '#') break;
        size_t colon = l.find(':');
        if (colon == std::string::npos) return err("expected 'key: value'");
        std::string k = Trim(l.substr(0, colon)), v = Trim(l.substr(colon + 1));
        if (k == "service") {
          t.service = v;
        } else if (k == "peer") {
          t.peer = v;
        } else if (k == "keys") {
          t.keys = std::max(1, std::atoi(v.c_str()));
        } else if (k == "body-bytes") {
          t.body_bytes = std::atoi(v.c_str());
        } else {
          return err("unknown setting '" + k + "'");
        }
        break;
      }
      case kRequestLine: {
        std::string l = Trim(line);
        if (l.empty() || l[0] == '#') break;
        size_t sp = l.find(' ');
        if (sp == std::string::npos) return err("expected 'METHOD /path'");
        current->method = l.substr(0, sp);
        current->target = Trim(l.substr(sp + 1));
        state = kFields;
        break;
      }
      case kFields: {
        if (Trim(line).empty()) {
          state = kBody;
          break;
        }
        size_t colon = line.find(':');
        if (colon == std::string::npos) return err("expected 'Header: value'");
        current->headers.emplace_back(Trim(line.substr(0, colon)), Trim(line.substr(colon + 1)));
        break;
      }
      case kBody:
        if (!current->body.empty()) current->body.push_back('\n');
        current->body += line;
        break;
    }
  }
  if (t.service.empty()) return err("no 'service:'");
  if (!have_request || t.request.method.empty()) return err("no '=== request' section");
  return t;
}

}  // namespace bench
