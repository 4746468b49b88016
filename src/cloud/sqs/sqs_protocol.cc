#include "cloud/sqs/sqs_protocol.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "aws/xml_writer.h"
#include "cloud/sqs/sqs_errors.h"

namespace cloud::sqs {
namespace {

using nlohmann::json;

constexpr int kMaxListIndex = 1000;

// A parsed key is a path; numeric segments are list positions (1-based in the query protocol).
// Any all-digit segment is an index; one beyond kMaxListIndex is reported as out of range (-1).
bool IsIndex(std::string_view seg, int& index) {
  if (seg.empty() || !std::all_of(seg.begin(), seg.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  if (seg.size() > 4) {
    index = -1;
    return true;
  }
  std::from_chars(seg.data(), seg.data() + seg.size(), index);
  return true;
}

// Tree of form fields before conversion: numeric segments are kept as "#<n>" object keys so a
// huge index cannot allocate a huge array.
base::Status Insert(json& root, std::string_view key, const std::string& value) {
  json* node = &root;
  size_t start = 0;
  for (;;) {
    size_t dot = key.find('.', start);
    std::string_view seg = key.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    // '#' marks list positions inside the tree, so no parameter name may start with it.
    if (seg.empty() || seg[0] == '#') return InvalidParameterValue("Malformed parameter name: " + std::string(key.substr(0, 100)));
    int index = 0;
    std::string name = IsIndex(seg, index) ? "#" + std::to_string(index) : std::string(seg);
    if (IsIndex(seg, index) && (index < 1 || index > kMaxListIndex)) {
      return InvalidParameterValue("Parameter list index out of range in " + std::string(key.substr(0, 100)));
    }
    if (!node->is_object()) {
      return InvalidParameterValue("Parameter " + std::string(key.substr(0, 100)) + " is both a value and a structure.");
    }
    json& child = (*node)[name];
    if (dot == std::string_view::npos) {
      if (!child.is_null()) {
        return InvalidParameterValue("Parameter " + std::string(key.substr(0, 100)) + " is given twice or is a structure.");
      }
      child = value;
      return base::Status::Ok();
    }
    if (child.is_null()) child = json::object();
    node = &child;
    start = dot + 1;
  }
}

bool IsListNode(const json& node) {
  if (!node.is_object() || node.empty()) return false;
  for (auto& [k, v] : node.items()) {
    if (k.empty() || k[0] != '#') return false;
  }
  return true;
}

// Turns {"#2": x, "#1": y} into [y, x] (ordered by index).
json ToList(const json& node) {
  std::map<int, const json*> ordered;
  for (auto& [k, v] : node.items()) {
    int index = 0;
    std::from_chars(k.data() + 1, k.data() + k.size(), index);
    ordered[index] = &v;
  }
  json out = json::array();
  for (auto& [i, v] : ordered) out.push_back(*v);
  return out;
}

json Convert(const json& node, std::string_view action);

// [{"Name": n, <value_field>: v}, ...] -> {n: v}; entries without a name are dropped.
json ListToMap(const json& list, std::string_view key_field, std::string_view value_field, std::string_view action) {
  json out = json::object();
  for (const json& e : list) {
    if (!e.is_object() || !e.contains(key_field) || !e[std::string(key_field)].is_string()) continue;
    const json* v = e.contains(value_field) ? &e[std::string(value_field)] : nullptr;
    out[e[std::string(key_field)].get<std::string>()] = v ? Convert(*v, action) : json("");
  }
  return out;
}

json Convert(const json& node, std::string_view action) {
  if (node.is_array()) {
    json out = json::array();
    for (const json& e : node) out.push_back(Convert(e, action));
    return out;
  }
  if (!node.is_object()) return node;
  if (IsListNode(node)) {
    json out = json::array();
    for (const json& e : ToList(node)) out.push_back(Convert(e, action));
    return out;
  }
  json out = json::object();
  for (auto& [key, value] : node.items()) {
    json v = IsListNode(value) ? ToList(value) : value;
    auto as_list = [&] { return v.is_array() ? Convert(v, action) : json::array({Convert(v, action)}); };
    if (key == "Attribute" && v.is_array()) {
      out["Attributes"] = ListToMap(v, "Name", "Value", action);
    } else if ((key == "MessageAttribute" || key == "MessageSystemAttribute") && v.is_array()) {
      out[key + "s"] = ListToMap(v, "Name", "Value", action);
    } else if (key == "Tag" && v.is_array()) {
      out[action == "CreateQueue" ? "tags" : "Tags"] = ListToMap(v, "Key", "Value", action);
    } else if (key == "AttributeName" || key == "MessageAttributeName" || key == "MessageSystemAttributeName" ||
               key == "TagKey") {
      out[key + "s"] = as_list();
    } else if (key.size() > 17 && key.compare(key.size() - 17, 17, "BatchRequestEntry") == 0) {
      out["Entries"] = as_list();
    } else {
      out[key] = Convert(v, action);
    }
  }
  return out;
}

// Element names of flattened lists and maps in query-protocol replies.
void WriteXml(aws::XmlWriter& w, std::string_view action, std::string_view key, const json& v);

void WriteFields(aws::XmlWriter& w, std::string_view action, const json& object) {
  for (auto& [k, v] : object.items()) WriteXml(w, action, k, v);
}

void WriteScalar(aws::XmlWriter& w, std::string_view key, const json& v) {
  if (v.is_string()) w.Element(key, v.get_ref<const std::string&>());
  else if (v.is_boolean()) w.Element(key, v.get<bool>());
  else if (v.is_number_integer()) w.Element(key, v.get<int64_t>());
  else if (!v.is_null()) w.Element(key, v.dump());
}

void WriteXml(aws::XmlWriter& w, std::string_view action, std::string_view key, const json& v) {
  if ((key == "Attributes" || key == "Tags") && v.is_object()) {
    const bool tags = key == "Tags";
    for (auto& [k, val] : v.items()) {
      w.Open(tags ? "Tag" : "Attribute");
      w.Element(tags ? "Key" : "Name", k);
      WriteScalar(w, "Value", val);
      w.Close();
    }
    return;
  }
  if (key == "MessageAttributes" && v.is_object()) {
    for (auto& [k, val] : v.items()) {
      w.Open("MessageAttribute").Element("Name", k).Open("Value");
      WriteFields(w, action, val);
      w.Close().Close();
    }
    return;
  }
  if (v.is_array()) {
    std::string member;
    if (key == "QueueUrls" || key == "queueUrls") member = "QueueUrl";
    else if (key == "Messages") member = "Message";
    else if (key == "Successful") member = std::string(action) + "ResultEntry";
    else if (key == "Failed") member = "BatchResultErrorEntry";
    else member = std::string(key);
    for (const json& e : v) {
      if (e.is_object()) {
        w.Open(member);
        WriteFields(w, action, e);
        w.Close();
      } else {
        WriteScalar(w, member, e);
      }
    }
    return;
  }
  if (v.is_object()) {
    w.Open(key);
    WriteFields(w, action, v);
    w.Close();
    return;
  }
  WriteScalar(w, key, v);
}

struct ErrorRow {
  std::string_view name;
  ErrorInfo info;
};
constexpr ErrorRow kErrors[] = {
    {"QueueDoesNotExist", {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", 400, true}},
    {"QueueAlreadyExists", {"QueueAlreadyExists", "QueueNameExists", 400, true}},
    {"MessageNotInflight", {"AWS.SimpleQueueService.MessageNotInflight", "MessageNotInflight", 400, true}},
    {"ReceiptHandleIsInvalid", {"ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", 400, true}},
    {"TooManyEntriesInBatchRequest", {"AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "TooManyEntriesInBatchRequest", 400, true}},
    {"EmptyBatchRequest", {"AWS.SimpleQueueService.EmptyBatchRequest", "EmptyBatchRequest", 400, true}},
    {"BatchEntryIdsNotDistinct", {"AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "BatchEntryIdsNotDistinct", 400, true}},
    {"InvalidBatchEntryId", {"AWS.SimpleQueueService.InvalidBatchEntryId", "InvalidBatchEntryId", 400, true}},
    {"BatchRequestTooLong", {"AWS.SimpleQueueService.BatchRequestTooLong", "BatchRequestTooLong", 400, true}},
    {"UnsupportedOperation", {"AWS.SimpleQueueService.UnsupportedOperation", "UnsupportedOperation", 400, true}},
    {"InvalidAttributeName", {"InvalidAttributeName", "InvalidAttributeName", 400, true}},
    {"InvalidAttributeValue", {"InvalidAttributeValue", "InvalidAttributeValue", 400, true}},
    {"InvalidMessageContents", {"InvalidMessageContents", "InvalidMessageContents", 400, true}},
    {"InvalidParameterValue", {"InvalidParameterValue", "InvalidParameterValue", 400, true}},
    {"MissingParameter", {"MissingParameter", "MissingParameter", 400, true}},
    {"InvalidAction", {"InvalidAction", "InvalidAction", 400, true}},
    {"InternalError", {"InternalError", "InternalError", 500, false}},
};

}  // namespace

base::StatusOr<QueryRequest> ParseQueryParams(const std::vector<std::pair<std::string, std::string>>& fields) {
  QueryRequest out;
  json tree = json::object();
  for (const auto& [key, value] : fields) {
    if (key == "Action") {
      out.action = value;
      continue;
    }
    if (key == "Version" || key.empty()) continue;
    // Presigned-URL and signature fields are the gateway's business.
    if (key.rfind("X-Amz-", 0) == 0 || key == "AWSAccessKeyId" || key == "Signature" ||
        key == "SignatureMethod" || key == "SignatureVersion" || key == "Timestamp" || key == "Expires") {
      continue;
    }
    EF_RETURN_IF_ERROR(Insert(tree, key, value));
  }
  if (out.action.empty()) {
    return SqsError(base::Status::Code::kInvalidArgument, "MissingParameter",
                    "The request must contain the parameter Action.");
  }
  out.params = Convert(tree, out.action);
  return out;
}

std::string QueryXmlResponse(std::string_view action, const nlohmann::json& result, std::string_view request_id) {
  aws::XmlWriter w;
  w.Declaration().Open(std::string(action) + "Response", kQueryXmlns);
  // Operations without output (DeleteQueue, ...) answer with ResponseMetadata only.
  static constexpr std::string_view kNoResult[] = {"DeleteQueue", "PurgeQueue", "SetQueueAttributes", "DeleteMessage",
                                                   "ChangeMessageVisibility", "TagQueue", "UntagQueue"};
  if (std::find(std::begin(kNoResult), std::end(kNoResult), action) == std::end(kNoResult)) {
    w.Open(std::string(action) + "Result");
    WriteFields(w, action, result);
    w.Close();
  }
  w.Open("ResponseMetadata").Element("RequestId", request_id).Close();
  return w.Take();
}

ErrorInfo LookupError(std::string_view name) {
  for (const ErrorRow& row : kErrors) {
    if (row.name == name) return row.info;
  }
  return ErrorInfo{name, name, 400, true};
}

std::string QueryXmlError(const ErrorInfo& e, std::string_view message, std::string_view request_id) {
  aws::XmlWriter w;
  w.Declaration().Open("ErrorResponse", kQueryXmlns).Open("Error");
  w.Element("Type", e.sender_fault ? "Sender" : "Receiver").Element("Code", e.query_code).Element("Message", message);
  w.Open("Detail").Close().Close();
  w.Element("RequestId", request_id);
  return w.Take();
}

std::string JsonError(const ErrorInfo& e, std::string_view message) {
  json j = {{"__type", "com.amazonaws.sqs#" + std::string(e.json_type)}, {"message", std::string(message)}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace cloud::sqs
