// The S3 REST-XML API of `edgeface cloud`: turns an http::Request (already authenticated and
// de-chunked by the gateway, path-style) into ObjectStore calls and an S3-shaped Response.
//
//   auto api = s3::S3Api::Open(ctx);            // ctx.data_dir = <--data>/s3
//   api->Handle(std::move(request), reply);     // reply(Response) exactly once
//
// Operations: see docs/s3.md. Errors are S3's XML <Error> documents with S3's codes and HTTP
// statuses; every response carries x-amz-request-id and x-amz-id-2.
//
// Thread-safety: Handle may be called from any number of threads. Requests that write (and so
// fsync) run on the API's own worker threads, so the server's I/O threads never wait on a
// disk; reads are answered on the calling thread. The destructor finishes queued requests.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "cloud/gateway/service.h"
#include "cloud/s3/object_store.h"
#include "http/message.h"

namespace s3 {

class S3Api {
 public:
  static base::StatusOr<std::unique_ptr<S3Api>> Open(const cloud::ServiceContext& ctx,
                                                     int worker_threads = 8);
  ~S3Api();
  S3Api(const S3Api&) = delete;
  S3Api& operator=(const S3Api&) = delete;

  void Handle(http::Request&& request, http::Reply reply);
  // Answers on the calling thread (tests, and the worker threads).
  http::Response HandleNow(const http::Request& request);

  // For the function engine: subscribe to new objects, read notification configurations.
  ObjectStore& store() { return *store_; }

 private:
  S3Api(cloud::ServiceContext ctx, std::unique_ptr<ObjectStore> store)
      : ctx_(std::move(ctx)), store_(std::move(store)) {}
  void WorkerLoop();

  const cloud::ServiceContext ctx_;
  std::unique_ptr<ObjectStore> store_;

  std::mutex mu_;
  std::condition_variable work_ready_;
  std::deque<std::function<void()>> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                    // GUARDED_BY(mu_)
  std::vector<std::thread> workers_;
};

}  // namespace s3
