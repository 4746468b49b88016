// empty_fn: the smallest C++ Lambda function (echo) on our runtime client: what "cold start of an
// empty C++ function" measures (bench/lambda), with nothing linked but the runtime.
#include "runtime/runtime.h"

int main() {
  return runtime::RunHandler([](const runtime::InvocationRequest& request) {
    return runtime::InvocationResponse::Success(request.payload, "application/json");
  });
}
