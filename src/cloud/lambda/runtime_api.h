// The Runtime API (2018-06-01) as an http::Handler over one instance's InstanceRuntime, and the
// endpoint factory that gives every instance its own listener on 127.0.0.1 (as Lambda gives
// every sandbox its own Runtime API), so a crash fails exactly that instance's invocation.
//
// Cost: one net::Server (one I/O thread, one port) per live instance.
#pragma once

#include "cloud/lambda/function.h"
#include "http/message.h"

namespace cloud::lambda {

// Maps GET next, POST response/error and POST init/error onto `runtime` (see runtime/protocol.h).
// `runtime` must outlive the handler.
http::Handler RuntimeApiHandler(InstanceRuntime* runtime);

// Starts a net::Server on 127.0.0.1:0 serving RuntimeApiHandler(runtime).
RuntimeEndpointFactory LoopbackRuntimeEndpointFactory();

}  // namespace cloud::lambda
