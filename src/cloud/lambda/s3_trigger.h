// S3 ObjectCreated notifications → asynchronous function invocations, with the event record
// format AWS sends ({"Records":[{"eventVersion":"2.1","eventSource":"aws:s3",...}]}).
//
// The trigger listens to the object store (s3::ObjectCreatedListener). For each new object it
// reads the bucket's notification configuration, and for every CloudFunctionConfiguration
// (LambdaFunctionConfigurations in boto3) whose events and prefix/suffix rules match, stores an
// asynchronous invocation (Engine::InvokeAsync: SQLite, fsynced) before returning. The store calls
// listeners after the object's commit and before the PUT is answered, so: every acknowledged PUT
// has its events stored durably (they run after a kill -9 and restart); a kill between the
// object's commit and the event's may leave an object whose PUT was never acknowledged without
// its event. Delivery is at least once, as on AWS. Queue and topic targets are not delivered.
//
// Thread-safety: OnObjectCreated may be called from any number of threads.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "cloud/lambda/engine.h"
#include "cloud/s3/notification.h"
#include "cloud/s3/object_store.h"

namespace cloud::lambda {

// The event document for one object, exactly as S3 shapes it. `event` is "s3:ObjectCreated:Put"
// (the "s3:" prefix is dropped in eventName); the key is URL-encoded as S3 does (space → '+').
std::string S3EventJson(const std::string& region, const std::string& bucket, const std::string& key, uint64_t size,
                        const std::string& etag, const std::string& event, const std::string& configuration_id,
                        int64_t time_ms, const std::string& sequencer);

// S3's key encoding in event records: A-Z a-z 0-9 - _ . * / kept, space → '+', others %XX.
std::string S3EventKey(const std::string& key);

// "arn:aws:lambda:us-east-1:000000000000:function:name[:qualifier]" or a bare name → "name".
std::string FunctionNameFromArn(const std::string& arn);

class S3Trigger : public s3::ObjectCreatedListener {
 public:
  // Both must outlive the trigger; the store keeps a pointer to it after AddListener.
  S3Trigger(s3::ObjectStore* store, Engine* engine, std::string region)
      : store_(store), engine_(engine), region_(std::move(region)) {}

  void OnObjectCreated(const std::string& bucket, const std::string& key, uint64_t size, const std::string& etag,
                       const std::string& event) override;

 private:
  s3::ObjectStore* store_;
  Engine* engine_;
  const std::string region_;
  std::mutex mu_;  // guards the fields below
  std::map<std::string, std::pair<std::string, s3::NotificationConfig>> parsed_;  // bucket → (xml, config)
  uint64_t sequence_ = 0;
};

}  // namespace cloud::lambda
