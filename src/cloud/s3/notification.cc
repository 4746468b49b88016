#include "cloud/s3/notification.h"

#include "aws/xml_reader.h"
#include "aws/xml_writer.h"
#include "cloud/s3/blob_files.h"

namespace s3 {
namespace {

constexpr const char* kXmlns = "http://s3.amazonaws.com/doc/2006-03-01/";

// Event names S3 accepts in a notification configuration.
constexpr std::string_view kEvents[] = {
    "s3:TestEvent", "s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy", "s3:ObjectCreated:CompleteMultipartUpload", "s3:ObjectRemoved:*",
    "s3:ObjectRemoved:Delete", "s3:ObjectRemoved:DeleteMarkerCreated", "s3:ObjectRestore:*",
    "s3:ObjectRestore:Post", "s3:ObjectRestore:Completed", "s3:ObjectRestore:Delete",
    "s3:ReducedRedundancyLostObject", "s3:Replication:*", "s3:Replication:OperationFailedReplication",
    "s3:Replication:OperationNotTracked", "s3:Replication:OperationMissedThreshold",
    "s3:Replication:OperationReplicatedAfterThreshold", "s3:LifecycleExpiration:*",
    "s3:LifecycleExpiration:Delete", "s3:LifecycleExpiration:DeleteMarkerCreated",
    "s3:LifecycleTransition", "s3:IntelligentTiering", "s3:ObjectTagging:*",
    "s3:ObjectTagging:Put", "s3:ObjectTagging:Delete", "s3:ObjectAcl:Put"};

struct KindNames {
  NotificationTarget::Kind kind;
  std::string_view element;  // <QueueConfiguration>
  std::string_view arn;      // <Queue>
};
constexpr KindNames kKinds[] = {
    {NotificationTarget::Kind::kLambda, "CloudFunctionConfiguration", "CloudFunction"},
    {NotificationTarget::Kind::kQueue, "QueueConfiguration", "Queue"},
    {NotificationTarget::Kind::kTopic, "TopicConfiguration", "Topic"},
};

base::Status Invalid(std::string_view code, std::string message) {
  return base::Status::InvalidArgument(std::string(code) + ": " + message);
}

}  // namespace

base::StatusOr<NotificationConfig> ParseNotificationConfig(std::string_view xml) {
  auto doc = aws::ParseXml(xml);
  if (!doc.ok()) return Invalid("MalformedXML", doc.status().message());
  if (doc->name != "NotificationConfiguration") {
    return Invalid("MalformedXML", "root element must be NotificationConfiguration");
  }
  NotificationConfig config;
  for (const aws::XmlNode& child : doc->children) {
    if (child.name == "EventBridgeConfiguration") {
      config.event_bridge = true;
      continue;
    }
    const KindNames* kind = nullptr;
    for (const KindNames& k : kKinds) {
      if (child.name == k.element) kind = &k;
    }
    if (!kind) return Invalid("MalformedXML", "unexpected element " + child.name);
    NotificationTarget t;
    t.kind = kind->kind;
    t.id = child.ChildText("Id");
    if (t.id.empty()) t.id = BlobFiles::NewId();
    t.arn = child.ChildText(kind->arn);
    if (t.arn.rfind("arn:", 0) != 0) {
      return Invalid("InvalidArgument", "The ARN is not well formed: '" + t.arn + "'");
    }
    for (const aws::XmlNode* e : child.Children("Event")) {
      bool known = false;
      for (std::string_view name : kEvents) known |= e->text == name;
      if (!known) return Invalid("InvalidArgument", "The event is not supported for notifications: " + e->text);
      t.events.push_back(e->text);
    }
    if (t.events.empty()) return Invalid("InvalidArgument", "A notification configuration needs at least one Event");
    if (const aws::XmlNode* filter = child.Child("Filter")) {
      const aws::XmlNode* key = filter->Child("S3Key");
      if (!key) return Invalid("MalformedXML", "Filter must contain S3Key");
      for (const aws::XmlNode* rule : key->Children("FilterRule")) {
        std::string name(rule->ChildText("Name"));
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string* slot = name == "prefix" ? &t.prefix : name == "suffix" ? &t.suffix : nullptr;
        if (!slot) return Invalid("InvalidArgument", "filter rule name must be either prefix or suffix");
        if (!slot->empty()) return Invalid("InvalidArgument", "Cannot specify more than one " + name + " rule in a filter.");
        *slot = rule->ChildText("Value");
        if (slot->empty()) return Invalid("InvalidArgument", "filter rule value must not be empty");
      }
    }
    config.targets.push_back(std::move(t));
  }
  return config;
}

std::string NotificationConfigXml(const NotificationConfig& config) {
  aws::XmlWriter w;
  w.Declaration().Open("NotificationConfiguration", kXmlns);
  // S3 answers in a fixed order: topics, queues, functions.
  for (auto kind : {NotificationTarget::Kind::kTopic, NotificationTarget::Kind::kQueue,
                    NotificationTarget::Kind::kLambda}) {
    const KindNames* names = nullptr;
    for (const KindNames& k : kKinds) {
      if (k.kind == kind) names = &k;
    }
    for (const NotificationTarget& t : config.targets) {
      if (t.kind != kind) continue;
      w.Open(names->element).Element("Id", t.id).Element(names->arn, t.arn);
      for (const std::string& e : t.events) w.Element("Event", e);
      if (!t.prefix.empty() || !t.suffix.empty()) {
        w.Open("Filter").Open("S3Key");
        if (!t.prefix.empty()) w.Open("FilterRule").Element("Name", "prefix").Element("Value", t.prefix).Close();
        if (!t.suffix.empty()) w.Open("FilterRule").Element("Name", "suffix").Element("Value", t.suffix).Close();
        w.Close().Close();
      }
      w.Close();
    }
  }
  if (config.event_bridge) w.Open("EventBridgeConfiguration").Close();
  return w.Take();
}

bool Matches(const NotificationTarget& target, std::string_view event, std::string_view key) {
  if (key.substr(0, target.prefix.size()) != target.prefix) return false;
  if (key.size() < target.suffix.size() ||
      key.substr(key.size() - target.suffix.size()) != target.suffix) {
    return false;
  }
  for (const std::string& e : target.events) {
    if (e == event) return true;
    // "s3:ObjectCreated:*" covers "s3:ObjectCreated:Put".
    if (e.size() >= 2 && e.compare(e.size() - 2, 2, ":*") == 0 &&
        event.substr(0, e.size() - 1) == std::string_view(e).substr(0, e.size() - 1)) {
      return true;
    }
  }
  return false;
}

}  // namespace s3
