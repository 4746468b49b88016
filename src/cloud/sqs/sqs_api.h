// The SQS wire API of `edgeface cloud`: the query protocol (form POST `Action=...`, XML replies;
// Debian's boto3 1.26 and AWS CLI 2.9) and JSON 1.0 (`X-Amz-Target: AmazonSQS.<Op>`; newer SDKs),
// both over one SqsStore in <data_dir>/sqs.db.
//
// The gateway has already checked the signature. QueueUrls are built from the Host the client
// used (else ServiceContext.endpoint): http://<host:port>/<account-id>/<queue>.
// FIFO queues are not supported yet and are refused with UnsupportedOperation.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "cloud/gateway/service.h"
#include "cloud/sqs/clock.h"
#include "cloud/sqs/sqs_store.h"
#include "http/message.h"

namespace cloud {

namespace sqs {
class LongPoller;
}

class SqsApi {
 public:
  static base::StatusOr<std::unique_ptr<SqsApi>> Open(const ServiceContext& ctx);
  // For tests and benchmarks: a chosen clock (must outlive the api) and store options.
  static base::StatusOr<std::unique_ptr<SqsApi>> Open(const ServiceContext& ctx, sqs::Clock* clock,
                                                      sqs::StoreOptions options);
  // Stop()s.
  ~SqsApi();

  // Thread-safe; called on the server's I/O threads. Replies at once, except a ReceiveMessage
  // that finds nothing and may wait (WaitTimeSeconds or the queue's ReceiveMessageWaitTimeSeconds):
  // its reply comes from the long-poll thread when a message arrives or the wait ends.
  void Handle(http::Request&& request, http::Reply reply);

  // Answers every waiting ReceiveMessage with no messages. Later long polls are answered at once.
  void Stop();

  sqs::SqsStore& store() { return *store_; }
  // Tests with a FakeClock: re-examine long-poll deadlines after moving the clock.
  void WakeLongPolls();
  size_t waiting_receives() const;

 private:
  SqsApi(ServiceContext ctx, std::unique_ptr<sqs::SqsStore> store);

  const ServiceContext ctx_;
  // Declared before store_ so it outlives it: the store's commit thread answers the sends still
  // queued at destruction and notifies the poller for each.
  std::unique_ptr<sqs::LongPoller> poller_;
  std::unique_ptr<sqs::SqsStore> store_;
};

}  // namespace cloud
