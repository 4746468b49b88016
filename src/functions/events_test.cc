#include "functions/events.h"

#include <gtest/gtest.h>

#include "base/base64.h"

namespace functions {
namespace {

using nlohmann::json;

json S3Event(const std::string& bucket, const std::string& raw_key, const std::string& name = "ObjectCreated:Put") {
  return json::parse(R"({"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1",
    "eventName":")" + name + R"(","s3":{"s3SchemaVersion":"1.0","bucket":{"name":")" + bucket +
                     R"(","arn":"arn:aws:s3:::x"},"object":{"key":")" + raw_key + R"(","size":123,"eTag":"abc"}}}]})");
}

TEST(ObjectRefs, DirectInvokeNamesOneObject) {
  auto refs = ParseObjectRefs(json{{"bucket", "edgeface-clips"}, {"key", "cam-1/1700000000123.mp4"}});
  ASSERT_TRUE(refs.ok()) << refs.status().ToString();
  ASSERT_EQ(refs->size(), 1u);
  EXPECT_EQ((*refs)[0].bucket, "edgeface-clips");
  EXPECT_EQ((*refs)[0].key, "cam-1/1700000000123.mp4");  // direct keys are not URL-decoded
}

TEST(ObjectRefs, S3RecordKeysAreUrlDecodedWithPlusAsSpace) {
  auto refs = ParseObjectRefs(S3Event("546proj2", "my+clip%2B1%28a%29.mp4"));
  ASSERT_TRUE(refs.ok()) << refs.status().ToString();
  ASSERT_EQ(refs->size(), 1u);
  EXPECT_EQ((*refs)[0].bucket, "546proj2");
  EXPECT_EQ((*refs)[0].key, "my clip+1(a).mp4");
  EXPECT_EQ((*refs)[0].event_name, "ObjectCreated:Put");
}

TEST(ObjectRefs, DeletesAndTestEventsAreNoWork) {
  auto refs = ParseObjectRefs(S3Event("b", "test_0.mp4", "ObjectRemoved:Delete"));
  ASSERT_TRUE(refs.ok());
  EXPECT_TRUE(refs->empty());
  refs = ParseObjectRefs(json::parse(R"({"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"b"})"));
  ASSERT_TRUE(refs.ok());
  EXPECT_TRUE(refs->empty());
}

TEST(ObjectRefs, SqsBodiesMayHoldS3EventsOrDirectEvents) {
  json sqs = {{"Records",
               {{{"eventSource", "aws:sqs"}, {"messageId", "1"}, {"body", S3Event("546proj2", "test_4.mp4").dump()}},
                {{"eventSource", "aws:sqs"}, {"messageId", "2"}, {"body", R"({"bucket":"c","key":"d/5.mp4"})"}}}}};
  auto refs = ParseObjectRefs(sqs);
  ASSERT_TRUE(refs.ok()) << refs.status().ToString();
  ASSERT_EQ(refs->size(), 2u);
  EXPECT_EQ((*refs)[0].key, "test_4.mp4");
  EXPECT_EQ((*refs)[1].bucket, "c");
  EXPECT_EQ((*refs)[1].key, "d/5.mp4");
}

TEST(ObjectRefs, BadEventsSayWhatIsWrong) {
  auto missing_key = ParseObjectRefs(json{{"bucket", "b"}});
  ASSERT_FALSE(missing_key.ok());
  EXPECT_EQ(missing_key.status().code(), base::Status::Code::kInvalidArgument);
  EXPECT_NE(missing_key.status().message().find("event.key is missing"), std::string::npos);

  auto not_object = ParseObjectRefs(json::array({1, 2}));
  ASSERT_FALSE(not_object.ok());
  EXPECT_NE(not_object.status().message().find("not a JSON object"), std::string::npos);

  json broken = S3Event("b", "k");
  broken["Records"][0]["s3"]["object"].erase("key");
  auto no_key = ParseObjectRefs(broken);
  ASSERT_FALSE(no_key.ok());
  EXPECT_NE(no_key.status().message().find("Records[0].s3.object.key is missing"), std::string::npos);

  auto bad_body = ParseObjectRefs(json{{"Records", {{{"eventSource", "aws:sqs"}, {"body", "not json"}}}}});
  ASSERT_FALSE(bad_body.ok());
  EXPECT_NE(bad_body.status().message().find("Records[0].body"), std::string::npos);

  auto bad_escape = ParseObjectRefs(S3Event("b", "a%zz.mp4"));
  EXPECT_FALSE(bad_escape.ok());
  EXPECT_FALSE(ParseObjectRefs(json{{"nothing", 1}}).ok());
}

TEST(ClipKeys, DeviceAndCaptureTimeFromTheKey) {
  auto k = ParseClipKey("pi-kitchen/1700000000123.mp4");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->device_id, "pi-kitchen");
  EXPECT_EQ(k->capture_ms, 1700000000123);
  EXPECT_FALSE(ParseClipKey("test_0.mp4"));
  EXPECT_FALSE(ParseClipKey("dev/notanumber.mp4"));
  EXPECT_EQ(ReplaceExtension("dev/1700.mp4", "jpg"), "dev/1700.jpg");
  EXPECT_EQ(ReplaceExtension("test_0.mp4", "csv"), "test_0.csv");
  EXPECT_EQ(ReplaceExtension("a.b/noext", "csv"), "a.b/noext.csv");
}

const std::string kJpegBase64 = base::Base64Encode(std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00", 16));

TEST(FaceEvents, ImageOrObjectAndMaxFaces) {
  auto e = ParseFaceEvent(json{{"image", kJpegBase64}, {"max_faces", 2}});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->image_base64, kJpegBase64);
  EXPECT_EQ(e->max_faces, 2);
  e = ParseFaceEvent(json{{"bucket", "edgeface-stage"}, {"key", "cam/1.jpg"}});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->key, "cam/1.jpg");
  EXPECT_FALSE(ParseFaceEvent(json{{"image", 5}}).ok());
  EXPECT_FALSE(ParseFaceEvent(json{{"bucket", "b"}}).ok());
  EXPECT_FALSE(ParseFaceEvent(json{{"image", "x"}, {"max_faces", -1}}).ok());
  EXPECT_FALSE(ParseFaceEvent(json::object()).ok());
}

TEST(WebEvents, RawJpegBodyWithHeaders) {
  json ev = {{"version", "2.0"},
             {"headers", {{"content-type", "image/jpeg"}, {"x-request-id", "r-7"}, {"x-device-id", "pi"},
                          {"x-capture-ms", "1700000000500"}, {"x-respond-to-queue", "1"}}},
             {"requestContext", {{"requestId", "ctx-1"}, {"http", {{"method", "POST"}}}}},
             {"body", kJpegBase64},
             {"isBase64Encoded", true}};
  auto r = ParseWebEvent(ev, "inv-1");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->image_base64, kJpegBase64);
  EXPECT_EQ(r->request_id, "r-7");
  EXPECT_EQ(r->device_id, "pi");
  EXPECT_EQ(r->capture_ms, 1700000000500);
  EXPECT_TRUE(r->respond_to_queue);
  EXPECT_TRUE(r->from_function_url);
}

TEST(WebEvents, RequestIdFallsBackToTheRequestContextThenTheInvocation) {
  json ev = {{"headers", {{"content-type", "image/jpeg"}}}, {"requestContext", {{"requestId", "ctx-1"}}},
             {"body", kJpegBase64}, {"isBase64Encoded", true}};
  auto r = ParseWebEvent(ev, "inv-1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->request_id, "ctx-1");
  auto direct = ParseWebEvent(json{{"content", kJpegBase64}}, "inv-1");
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(direct->request_id, "inv-1");
  EXPECT_FALSE(direct->from_function_url);
}

TEST(WebEvents, JsonBodyAsTextOrBase64) {
  json body = {{"content", kJpegBase64}, {"request_id", "q1"}, {"filename", "test_0.jpg"}, {"device_id", "d"},
               {"capture_ms", 42}, {"respond_to_queue", true}};
  json ev = {{"headers", {{"content-type", "application/json"}}}, {"body", body.dump()}, {"isBase64Encoded", false},
             {"requestContext", json::object()}};
  auto r = ParseWebEvent(ev, "inv");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->request_id, "q1");
  EXPECT_EQ(r->filename, "test_0.jpg");
  EXPECT_EQ(r->capture_ms, 42);
  EXPECT_TRUE(r->respond_to_queue);
  ev["body"] = base::Base64Encode(body.dump());
  ev["isBase64Encoded"] = true;
  r = ParseWebEvent(ev, "inv");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->filename, "test_0.jpg");
  auto image_key = ParseWebEvent(json{{"image", kJpegBase64}}, "inv");
  EXPECT_TRUE(image_key.ok());
}

TEST(WebEvents, BodiesThatAreNotImagesAreRefused) {
  json ev = {{"headers", {{"content-type", "text/plain"}}}, {"body", "hello"}, {"isBase64Encoded", false},
             {"requestContext", json::object()}};
  auto r = ParseWebEvent(ev, "inv");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("not an image"), std::string::npos);
  ev["body"] = base::Base64Encode("GIF89a.....");  // an image, but not one we decode
  ev["isBase64Encoded"] = true;
  EXPECT_FALSE(ParseWebEvent(ev, "inv").ok());
  ev["body"] = "";
  EXPECT_FALSE(ParseWebEvent(ev, "inv").ok());
  EXPECT_FALSE(ParseWebEvent(json{{"content", base::Base64Encode("plain text, no image")}}, "inv").ok());
  EXPECT_FALSE(ParseWebEvent(json{{"filename", "x.jpg"}}, "inv").ok());
}

// Regression: json::value() threw on these (a type_error, reported as a bare exception instead of
// an InvalidEvent).
TEST(WebEvents, WrongTypesAreInvalidEventsNotExceptions) {
  json ev = {{"headers", json::object()}, {"body", kJpegBase64}, {"isBase64Encoded", "yes"}, {"requestContext", json::object()}};
  auto r = ParseWebEvent(ev, "inv");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Status::Code::kInvalidArgument);
  ev = {{"Event", 5}};
  EXPECT_FALSE(ParseObjectRefs(ev).ok());
  ev = {{"headers", {{"x-request-id", 7}, {"content-type", json::array()}}}, {"body", kJpegBase64},
        {"isBase64Encoded", true}, {"requestContext", {{"requestId", 3}}}};
  r = ParseWebEvent(ev, "inv");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->request_id, "inv");
}

TEST(Base64Sniff, JudgesFromThePrefixOnly) {
  EXPECT_TRUE(Base64LooksLikeImage(kJpegBase64 + "!!!! not even base64 later"));
  EXPECT_TRUE(Base64LooksLikeImage(base::Base64Encode("\x89PNG\r\n\x1a\n....")));
  EXPECT_TRUE(IsPlainBase64(kJpegBase64));
  EXPECT_FALSE(IsPlainBase64("abc\n"));
  EXPECT_FALSE(IsPlainBase64("ab\"c"));
  EXPECT_FALSE(Base64LooksLikeImage(""));
  EXPECT_FALSE(Base64LooksLikeImage("%%%%"));
}

TEST(LookupAndEnrollEvents, Parse) {
  EXPECT_EQ(*ParseLookupEvent(json{{"name", "mr_bean"}}), "mr_bean");
  EXPECT_FALSE(ParseLookupEvent(json{{"name", ""}}).ok());
  EXPECT_FALSE(ParseLookupEvent(json{{"nom", "x"}}).ok());
  auto e = ParseEnrollEvent(json{{"bucket", "b"}, {"prefix", "staff"}, {"validation_split", 0.2}});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->prefix, "staff/");
  EXPECT_DOUBLE_EQ(e->validation_split, 0.2);
  EXPECT_EQ(ParseEnrollEvent(json{{"bucket", "b"}})->prefix, "people/");
  EXPECT_FALSE(ParseEnrollEvent(json{{"bucket", "b"}, {"validation_split", 1.5}}).ok());
  EXPECT_EQ(PersonOfKey("people/", "people/ada/1.jpg"), "ada");
  EXPECT_FALSE(PersonOfKey("people/", "people/ada.jpg"));
  EXPECT_FALSE(PersonOfKey("people/", "people/ada/sub/1.jpg"));
  EXPECT_FALSE(PersonOfKey("people/", "other/ada/1.jpg"));
}

TEST(Csv, PlainFieldsAsIsAndQuotingWhereNeeded) {
  EXPECT_EQ(CsvLine({"president_trump", "physics", "junior"}), "president_trump,physics,junior\n");
  EXPECT_EQ(CsvLine({"unknown", "", ""}), "unknown,,\n");
  EXPECT_EQ(CsvLine({"a,b", "say \"hi\"", "x\ny"}), "\"a,b\",\"say \"\"hi\"\"\",\"x\ny\"\n");
}

}  // namespace
}  // namespace functions
