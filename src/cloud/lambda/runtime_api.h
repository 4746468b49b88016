// The Runtime API (2018-06-01) served to each instance on its own listener on 127.0.0.1 (as
// Lambda gives every sandbox its own Runtime API), so a crash fails exactly that instance's
// invocation.
//
// What a runtime sees: GET /runtime/invocation/next long-polls and returns the event with the
// Lambda-Runtime-* headers; POST .../{id}/response, .../{id}/error and /runtime/init/error answer
// 202 (413 over 6 MB, 400 for an unknown request id, 500 while the instance is being stopped);
// anything else 404. HTTP/1.1 with keep-alive, any number of connections (curl-based runtimes open
// one per call), `Expect: 100-continue`, chunked request bodies, and pipelining: a GET /next sent
// right behind a POST on the same connection is answered after it, in order; the 202 then travels
// in the same write as the next event (runtime/protocol.h, kPipeliningHeader).
//
// Why not net::Server: this is the hot path of every warm invocation. An event for an idle
// instance is written to its held /next connection directly by the thread that dispatches the
// invocation (no hand-off to an I/O thread), and the instance's answers are read by one thread per
// instance blocked in poll(2) on its sockets: per warm invocation that is one wake-up on each side
// instead of three (docs/lambda.md, "Where the time goes").
//
// Cost: one thread and one port per live instance.
#pragma once

#include "cloud/lambda/function.h"

namespace cloud::lambda {

// Starts a listener on 127.0.0.1:0 serving the Runtime API of `runtime` on its own thread.
// Destroying the endpoint closes the listener and every connection (a held /next is dropped).
RuntimeEndpointFactory LoopbackRuntimeEndpointFactory();

}  // namespace cloud::lambda
