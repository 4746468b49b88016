#include "cloud/stack/apply.h"

#include <openssl/evp.h>

#include <map>

#include "aws/xml_writer.h"
#include "base/files.h"
#include "cloud/stack/aws_caller.h"
#include "http/url.h"

namespace cloud::stack {
namespace {

using nlohmann::json;

std::string Md5Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr);
  return aws::HexEncode(std::string_view(reinterpret_cast<const char*>(digest), len));
}

base::Status Failed(const std::string& what, const client::HttpResponse& r) {
  return base::Status::Unavailable(what + ": the service answered " + std::to_string(r.status) + ": " + r.body.substr(0, 500));
}

class Applier {
 public:
  Applier(const Stack& stack, const ApplyOptions& options)
      : stack_(stack), options_(options), aws_(options.endpoint, options.region, options.credentials) {}

  base::Status Run() {
    EF_RETURN_IF_ERROR(Queues());
    for (const auto& b : stack_.buckets) EF_RETURN_IF_ERROR(Bucket(b).WithContext(b.logical_id));
    for (const auto& t : stack_.tables) EF_RETURN_IF_ERROR(Table(t).WithContext(t.logical_id));
    for (const auto& f : stack_.functions) EF_RETURN_IF_ERROR(Function(f).WithContext(f.logical_id));
    return Notifications();
  }

 private:
  void Report(const std::string& line) {
    if (options_.report) options_.report(line);
  }

  base::Status Queues() {
    // A dead-letter queue must exist before the queue that names it.
    std::vector<const QueueSpec*> order;
    for (const auto& q : stack_.queues) {
      if (!q.attributes.count("RedrivePolicy")) order.push_back(&q);
    }
    for (const auto& q : stack_.queues) {
      if (q.attributes.count("RedrivePolicy")) order.push_back(&q);
    }
    for (const QueueSpec* q : order) {
      std::string type;
      auto found = aws_.Json("sqs", "AmazonSQS.GetQueueUrl", {{"QueueName", q->name}}, &type);
      if (found.ok()) {
        Report("queue " + q->name + " exists");
        continue;
      }
      if (type.find("NonExistentQueue") == std::string::npos && type.find("QueueDoesNotExist") == std::string::npos) {
        return found.status().WithContext(q->logical_id);
      }
      json attributes = json::object();
      for (const auto& [k, v] : q->attributes) attributes[k] = v;
      auto created = aws_.Json("sqs", "AmazonSQS.CreateQueue", {{"QueueName", q->name}, {"Attributes", attributes}});
      if (!created.ok()) return created.status().WithContext(q->logical_id);
      Report("queue " + q->name + " created");
    }
    return base::Status::Ok();
  }

  base::Status Bucket(const BucketSpec& b) {
    const std::string path = "/" + http::UriEncode(b.name);
    auto head = aws_.Rest("s3", "HEAD", path, "", "");
    if (!head.ok()) return head.status();
    if (head->status == 200) {
      Report("bucket " + b.name + " exists");
    } else if (head->status == 404) {
      auto put = aws_.Rest("s3", "PUT", path, "", "");
      if (!put.ok()) return put.status();
      if (put->status != 200) return Failed("CreateBucket " + b.name, *put);
      Report("bucket " + b.name + " created");
    } else {
      return Failed("HeadBucket " + b.name, *head);
    }
    for (const ObjectLoad& o : b.objects) {
      auto content = base::ReadFile(o.file);
      if (!content.ok()) return content.status().WithContext(o.file);
      const std::string key_path = path + "/" + http::UriEncode(o.key, /*keep_slash=*/true);
      const std::string what = "object s3://" + b.name + "/" + o.key;
      auto existing = aws_.Rest("s3", "HEAD", key_path, "", "");
      if (!existing.ok()) return existing.status();
      bool same = existing->status == 200 && existing->headers.Get("ETag").value_or("") == "\"" + Md5Hex(*content) + "\"";
      if (same && !options_.reload_data) {
        Report(what + " exists");
        continue;
      }
      auto put = aws_.Rest("s3", "PUT", key_path, "", *content, "application/octet-stream");
      if (!put.ok()) return put.status();
      if (put->status != 200) return Failed("PutObject " + o.key, *put);
      Report(what + (existing->status == 200 ? (same ? " reloaded" : " updated") : " loaded") + " (" +
             std::to_string(content->size()) + " bytes from " + o.file + ")");
    }
    return base::Status::Ok();
  }

  base::Status Table(const TableSpec& t) {
    std::string type;
    auto described = aws_.Json("dynamodb", "DynamoDB_20120810.DescribeTable", {{"TableName", t.name}}, &type);
    if (described.ok()) {
      Report("table " + t.name + " exists");
    } else if (type == "ResourceNotFoundException") {
      auto created = aws_.Json("dynamodb", "DynamoDB_20120810.CreateTable", t.create_request);
      if (!created.ok()) return created.status();
      Report("table " + t.name + " created");
    } else {
      return described.status();
    }
    if (t.items_file.empty()) return base::Status::Ok();
    std::vector<const json*> to_write;
    if (options_.reload_data) {
      for (const json& item : t.items) to_write.push_back(&item);
    } else {
      // Only the items whose key is absent: a second start changes nothing, and items changed
      // through the API since are kept.
      for (size_t start = 0; start < t.items.size(); start += 100) {
        json keys = json::array();
        std::map<std::string, const json*> by_key;
        for (size_t i = start; i < t.items.size() && i < start + 100; ++i) {
          json key = json::object();
          for (const auto& name : t.key_attributes) key[name] = t.items[i][name];
          if (by_key.emplace(key.dump(), &t.items[i]).second) keys.push_back(key);
        }
        json request = {{"RequestItems", {{t.name, {{"Keys", keys}}}}}};
        for (int round = 0; round < 10 && !request["RequestItems"].empty(); ++round) {
          auto got = aws_.Json("dynamodb", "DynamoDB_20120810.BatchGetItem", request);
          if (!got.ok()) return got.status();
          for (const json& item : (*got)["Responses"].value(t.name, json::array())) {
            json key = json::object();
            for (const auto& name : t.key_attributes) key[name] = item.value(name, json());
            by_key.erase(key.dump());
          }
          request["RequestItems"] = got->value("UnprocessedKeys", json::object());
        }
        for (const auto& [k, item] : by_key) to_write.push_back(item);
      }
    }
    for (size_t start = 0; start < to_write.size(); start += 25) {
      json writes = json::array();
      for (size_t i = start; i < to_write.size() && i < start + 25; ++i) {
        writes.push_back({{"PutRequest", {{"Item", *to_write[i]}}}});
      }
      json request = {{"RequestItems", {{t.name, writes}}}};
      for (int round = 0; round < 10 && !request["RequestItems"].empty(); ++round) {
        auto put = aws_.Json("dynamodb", "DynamoDB_20120810.BatchWriteItem", request);
        if (!put.ok()) return put.status();
        request["RequestItems"] = put->value("UnprocessedItems", json::object());
      }
      if (!request["RequestItems"].empty()) return base::Status::Unavailable("BatchWriteItem kept leaving items unprocessed");
    }
    Report("items " + t.name + " " + std::to_string(to_write.size()) + (options_.reload_data ? " reloaded" : " loaded") +
           ", " + std::to_string(t.items.size() - to_write.size()) + " present (from " + t.items_file + ")");
    return base::Status::Ok();
  }

  json FunctionBody(const FunctionSpec& f) {
    json vars = json::object();
    for (const auto& [k, v] : f.environment) vars[k] = v;
    json body = {{"FunctionName", f.name}, {"Command", f.command},     {"Handler", f.handler},
                 {"Runtime", f.runtime},   {"MemorySize", f.memory_mb}, {"Timeout", f.timeout_s},
                 {"TaskRoot", f.code_dir}, {"Environment", {{"Variables", vars}}}};
    body["ReservedConcurrentExecutions"] = f.reserved_concurrency ? json(*f.reserved_concurrency) : json(nullptr);
    if (f.max_retry_attempts) body["MaximumRetryAttempts"] = *f.max_retry_attempts;
    if (f.max_event_age_s) body["MaximumEventAgeInSeconds"] = *f.max_event_age_s;
    body["DestinationConfig"] = {{"OnFailure", {{"Destination", f.on_failure_destination}}}};
    return body;
  }

  base::Status Function(const FunctionSpec& f) {
    const std::string path = "/2015-03-31/functions/" + http::UriEncode(f.name);
    json body = FunctionBody(f);
    auto got = aws_.Rest("lambda", "GET", path + "/configuration", "", "");
    if (!got.ok()) return got.status();
    if (got->status == 200) {
      json current = json::parse(got->body, nullptr, false);
      bool same = current.is_object() && current.value("Command", json()) == body["Command"] &&
                  current.value("Handler", json()) == body["Handler"] &&
                  current.value("MemorySize", json()) == body["MemorySize"] &&
                  current.value("Timeout", json()) == body["Timeout"] &&
                  current.value("Environment", json::object()).value("Variables", json::object()) ==
                      body["Environment"]["Variables"];
      if (same) {
        Report("function " + f.name + " exists");
      } else {
        auto put = aws_.Rest("lambda", "PUT", path + "/configuration", "", body.dump(), "application/json");
        if (!put.ok()) return put.status();
        if (put->status != 200) return Failed("UpdateFunctionConfiguration " + f.name, *put);
        Report("function " + f.name + " updated (configuration differed from the template)");
      }
    } else if (got->status == 404) {
      auto post = aws_.Rest("lambda", "POST", "/2015-03-31/functions", "", body.dump(), "application/json");
      if (!post.ok()) return post.status();
      if (post->status != 201 && post->status != 200) return Failed("CreateFunction " + f.name, *post);
      std::string how = f.command.size() == 1 ? f.command[0] : f.command[0] + " fn " + f.handler;
      Report("function " + f.name + " created (" + how + ")");
    } else {
      return Failed("GetFunction " + f.name, *got);
    }
    if (f.url_auth_type) EF_RETURN_IF_ERROR(FunctionUrl(f));
    for (const SqsTrigger& t : f.sqs_triggers) EF_RETURN_IF_ERROR(Mapping(f, t));
    return base::Status::Ok();
  }

  base::Status FunctionUrl(const FunctionSpec& f) {
    const std::string path = "/2021-10-31/functions/" + http::UriEncode(f.name) + "/url";
    auto got = aws_.Rest("lambda", "GET", path, "", "");
    if (!got.ok()) return got.status();
    std::string state = "exists";
    if (got->status == 404) {
      got = aws_.Rest("lambda", "POST", path, "", json{{"AuthType", *f.url_auth_type}}.dump(), "application/json");
      if (!got.ok()) return got.status();
      if (got->status != 201 && got->status != 200) return Failed("CreateFunctionUrlConfig " + f.name, *got);
      state = "created";
    } else if (got->status != 200) {
      return Failed("GetFunctionUrlConfig " + f.name, *got);
    }
    json j = json::parse(got->body, nullptr, false);
    std::string url = j.is_object() ? j.value("FunctionUrl", "") : "";
    Report("function " + f.name + " url " + url + " (" + state + ")");
    return base::Status::Ok();
  }

  base::Status Mapping(const FunctionSpec& f, const SqsTrigger& t) {
    auto list = aws_.Rest("lambda", "GET", "/2015-03-31/event-source-mappings/", "FunctionName=" + http::UriEncode(f.name), "");
    if (!list.ok()) return list.status();
    if (list->status != 200) return Failed("ListEventSourceMappings " + f.name, *list);
    json j = json::parse(list->body, nullptr, false);
    for (const json& m : j.is_object() ? j.value("EventSourceMappings", json::array()) : json::array()) {
      if (m.value("EventSourceArn", "") == t.queue_arn) {
        Report("trigger " + f.name + " " + t.id + " (sqs " + t.queue_arn + ") exists");
        return base::Status::Ok();
      }
    }
    json body = {{"FunctionName", f.name},
                 {"EventSourceArn", t.queue_arn},
                 {"BatchSize", t.batch_size},
                 {"MaximumBatchingWindowInSeconds", t.max_batching_window_s}};
    auto created = aws_.Rest("lambda", "POST", "/2015-03-31/event-source-mappings/", "", body.dump(), "application/json");
    if (!created.ok()) return created.status();
    if (created->status != 202 && created->status != 201 && created->status != 200) {
      return Failed("CreateEventSourceMapping " + f.name, *created);
    }
    Report("trigger " + f.name + " " + t.id + " (sqs " + t.queue_arn + ") created");
    return base::Status::Ok();
  }

  // One notification configuration per bucket, holding every S3 event of the template's
  // functions on it (a PUT replaces the whole configuration, as on S3).
  base::Status Notifications() {
    std::map<std::string, std::vector<std::pair<const FunctionSpec*, const S3Trigger*>>> by_bucket;
    for (const auto& f : stack_.functions) {
      for (const auto& t : f.s3_triggers) by_bucket[t.bucket].emplace_back(&f, &t);
    }
    for (const auto& [bucket, triggers] : by_bucket) {
      const std::string path = "/" + http::UriEncode(bucket);
      auto got = aws_.Rest("s3", "GET", path, "notification", "");
      if (!got.ok()) return got.status();
      if (got->status != 200) return Failed("GetBucketNotificationConfiguration " + bucket, *got);
      aws::XmlWriter w;
      w.Declaration();
      w.Open("NotificationConfiguration", "http://s3.amazonaws.com/doc/2006-03-01/");
      bool all_present = true;
      for (const auto& [f, t] : triggers) {
        const std::string id = f->name + "-" + t->id;
        all_present = all_present && got->body.find("<Id>" + id + "</Id>") != std::string::npos;
        w.Open("CloudFunctionConfiguration").Element("Id", id);
        w.Element("CloudFunction", "arn:aws:lambda:" + options_.region + ":" + options_.account_id + ":function:" + f->name);
        for (const auto& e : t->events) w.Element("Event", e);
        if (!t->prefix.empty() || !t->suffix.empty()) {
          w.Open("Filter").Open("S3Key");
          if (!t->prefix.empty()) w.Open("FilterRule").Element("Name", "prefix").Element("Value", t->prefix).Close();
          if (!t->suffix.empty()) w.Open("FilterRule").Element("Name", "suffix").Element("Value", t->suffix).Close();
          w.Close().Close();
        }
        w.Close();
      }
      w.Close();
      std::string what = "notification s3://" + bucket + " → ";
      for (size_t i = 0; i < triggers.size(); ++i) what += (i ? ", " : "") + triggers[i].first->name;
      if (all_present) {
        Report(what + " exists");
        continue;
      }
      auto put = aws_.Rest("s3", "PUT", path, "notification", w.Take(), "application/xml");
      if (!put.ok()) return put.status();
      if (put->status != 200) return Failed("PutBucketNotificationConfiguration " + bucket, *put);
      Report(what + " created");
    }
    return base::Status::Ok();
  }

  const Stack& stack_;
  const ApplyOptions& options_;
  AwsCaller aws_;
};

}  // namespace

base::Status ApplyStack(const Stack& stack, const ApplyOptions& options) {
  Applier applier(stack, options);
  try {
    return applier.Run();
  } catch (const json::exception& e) {  // an answer of an unexpected shape
    return base::Status::Internal(std::string("unexpected answer from the cloud: ") + e.what());
  }
}

}  // namespace cloud::stack
