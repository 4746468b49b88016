// Function URLs: requests arrive as payload-format-2.0 events and results map back to HTTP.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "client/http_client.h"
#include "cloud/lambda/function_url.h"
#include "cloud/lambda/lambda_test_util.h"

namespace cloud::lambda {
namespace {

using json = nlohmann::json;
using testing::Call;

TEST(FunctionUrlResponse, MapsStatusHeadersCookiesAndBase64Body) {
  InvokeResult result;
  result.payload = R"({"statusCode":201,"headers":{"X-Answer":"42"},"cookies":["a=1","b=2"],"body":"aGk=","isBase64Encoded":true})";
  http::Response r = UrlResponse(result);
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.headers.GetOr("X-Answer", ""), "42");
  EXPECT_EQ(r.body, "hi");
  int cookies = 0;
  for (const auto& [k, v] : r.headers.fields()) cookies += http::EqualsIgnoreCase(k, "Set-Cookie");
  EXPECT_EQ(cookies, 2);
}

TEST(FunctionUrlEvent, TheSplicedPayloadIsTheEventForBinaryAndTextBodies) {
  for (const char* type : {"image/jpeg", "application/json"}) {
    http::Request request;
    request.method = "POST";
    request.raw_path = request.path = "/";
    request.remote_addr = "127.0.0.1:5555";
    request.headers.Add("Content-Type", type);
    request.body = std::string(type) == "image/jpeg" ? std::string("\xff\xd8\xff\x00\x01\"\\frame", 12)
                                                      : std::string(R"({"image":"aGk=","note":"a \"quote\""})");
    json spliced = json::parse(UrlEventPayload(request, "id", "req"));
    json expected = UrlEvent(request, "id", "req");
    for (json* e : {&spliced, &expected}) {  // the clock may tick between the two
      (*e)["requestContext"].erase("time");
      (*e)["requestContext"].erase("timeEpoch");
    }
    EXPECT_EQ(spliced, expected) << type;
    EXPECT_EQ(spliced["isBase64Encoded"], std::string(type) == "image/jpeg") << type;
    const std::string body = spliced["body"];
    EXPECT_EQ(spliced["isBase64Encoded"] ? *base::Base64Decode(body) : body, request.body) << type;
  }
}

TEST(FunctionUrlResponse, ABodyThatIsNotTheBase64ItClaimsIsA502) {
  InvokeResult result;
  result.payload = R"({"statusCode":200,"body":"not base64!","isBase64Encoded":true})";
  EXPECT_EQ(UrlResponse(result).status, 502);
  result.payload = R"({"statusCode":200,"body":"aGk","isBase64Encoded":true})";  // unpadded is fine
  EXPECT_EQ(UrlResponse(result).body, "hi");
}

TEST(FunctionUrlResponse, APlainResultIsA200JsonBodyAndAFunctionErrorIs502) {
  InvokeResult plain;
  plain.payload = R"({"name":"Vin Diesel"})";
  http::Response r = UrlResponse(plain);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, plain.payload);
  EXPECT_EQ(r.headers.GetOr("Content-Type", ""), "application/json");
  InvokeResult failed;
  failed.kind = InvokeResult::Kind::kFunctionError;
  EXPECT_EQ(UrlResponse(failed).status, 502);
  InvokeResult throttled;
  throttled.kind = InvokeResult::Kind::kThrottled;
  EXPECT_EQ(UrlResponse(throttled).status, 429);
}

TEST(FunctionUrl, ARequestBecomesA20EventThroughARealListener) {
  testing::TempDir dir;
  ServiceContext ctx;
  ctx.data_dir = dir.path;
  auto api = LambdaApi::Open(ctx);
  ASSERT_TRUE(api.ok()) << api.status().ToString();
  ASSERT_EQ(Call(**api, "POST", "/2015-03-31/functions",
                 json{{"FunctionName", "web"}, {"Command", {testing::FnBinary(), "echo"}}}.dump()).status, 201);
  http::Response created = Call(**api, "POST", "/2021-10-31/functions/web/url", R"({"AuthType":"NONE"})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string url = json::parse(created.body)["FunctionUrl"];
  http::Response got = Call(**api, "GET", "/2021-10-31/functions/web/url");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(json::parse(got.body)["FunctionUrl"], url);
  EXPECT_EQ(Call(**api, "POST", "/2021-10-31/functions/web/url", "{}").status, 409);

  client::HttpClient client;
  http::Headers headers;
  headers.Add("Content-Type", "image/jpeg");
  headers.Add("Cookie", "session=abc; theme=dark");
  headers.Add("X-Device", "pi-1");
  std::string jpeg("\xff\xd8\xff\xe0\x00\x10JFIF", 10);
  auto r = client.Post(url + "frames/1?camera=2&x=y", jpeg, headers);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->status, 200) << r->body;
  json event = json::parse(r->body);  // echo returns its event
  EXPECT_EQ(event["version"], "2.0");
  EXPECT_EQ(event["routeKey"], "$default");
  EXPECT_EQ(event["rawPath"], "/frames/1");
  EXPECT_EQ(event["rawQueryString"], "camera=2&x=y");
  EXPECT_EQ(event["queryStringParameters"]["camera"], "2");
  EXPECT_EQ(event["headers"]["x-device"], "pi-1");
  EXPECT_EQ(event["cookies"], json::array({"session=abc", "theme=dark"}));
  EXPECT_EQ(event["requestContext"]["http"]["method"], "POST");
  EXPECT_EQ(event["requestContext"]["http"]["sourceIp"], "127.0.0.1");
  EXPECT_TRUE(event["isBase64Encoded"].get<bool>());
  EXPECT_EQ(testing::Base64Decode(event["body"].get<std::string>()), jpeg);

  EXPECT_EQ(Call(**api, "DELETE", "/2021-10-31/functions/web/url").status, 204);
  EXPECT_EQ(Call(**api, "GET", "/2021-10-31/functions/web/url").status, 404);
}

}  // namespace
}  // namespace cloud::lambda
