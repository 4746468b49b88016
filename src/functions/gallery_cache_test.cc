#include "functions/gallery_cache.h"

#include <map>

#include <gtest/gtest.h>

namespace functions {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string GalleryJson(const std::vector<std::string>& names) {
  face::Gallery g;
  face::Descriptor d{};
  for (size_t i = 0; i < names.size(); ++i) {
    d[0] = static_cast<float>(i);
    g.Add(names[i], d);
  }
  return g.ToJson();
}

// An object store with one object, counting requests (what the cache costs the store).
struct FakeStore {
  bool exists = true;
  std::string body;
  std::string etag = "\"v1\"";
  bool down = false;
  int heads = 0, gets = 0;
};

class FakeSource : public GallerySource {
 public:
  explicit FakeSource(FakeStore* store) : s_(store) {}
  base::StatusOr<std::string> Etag() override {
    ++s_->heads;
    if (s_->down) return base::Status::Unavailable("connection refused");
    if (!s_->exists) return base::Status::NotFound("NoSuchKey");
    return s_->etag;
  }
  base::StatusOr<std::string> Fetch(std::string* etag) override {
    ++s_->gets;
    if (s_->down) return base::Status::Unavailable("connection refused");
    if (!s_->exists) return base::Status::NotFound("NoSuchKey");
    *etag = s_->etag;
    return s_->body;
  }
  std::string Describe() const override { return "s3://models/gallery.json"; }

 private:
  FakeStore* s_;
};

class GalleryCacheTest : public ::testing::Test {
 protected:
  GalleryCacheTest() : cache_(std::make_unique<FakeSource>(&store_), 1000ms, [this] { return now_; }) {
    store_.body = GalleryJson({"ada", "bob"});
  }
  void Advance(std::chrono::milliseconds d) { now_ += d; }

  FakeStore store_;
  Clock::time_point now_ = Clock::time_point(100s);
  GalleryCache cache_;
};

TEST_F(GalleryCacheTest, LoadsAtInitAndChecksAtMostOncePerInterval) {
  ASSERT_TRUE(cache_.Load().ok());
  EXPECT_EQ(cache_.gallery().size(), 2u);
  EXPECT_EQ(cache_.etag(), "\"v1\"");
  for (int i = 0; i < 10; ++i) {
    Advance(50ms);
    ASSERT_TRUE(cache_.MaybeRefresh().ok());
  }
  EXPECT_EQ(store_.heads, 0);  // 500 ms: no check yet
  Advance(600ms);
  ASSERT_TRUE(cache_.MaybeRefresh().ok());
  ASSERT_TRUE(cache_.MaybeRefresh().ok());
  EXPECT_EQ(store_.heads, 1);
  EXPECT_EQ(store_.gets, 1);  // same ETag: nothing fetched
}

TEST_F(GalleryCacheTest, ANewVersionIsPickedUpAfterTheInterval) {
  ASSERT_TRUE(cache_.Load().ok());
  store_.body = GalleryJson({"ada", "bob", "cy"});
  store_.etag = "\"v2\"";
  ASSERT_TRUE(cache_.MaybeRefresh().ok());
  EXPECT_EQ(cache_.gallery().size(), 2u);  // not due yet
  Advance(1001ms);
  ASSERT_TRUE(cache_.MaybeRefresh().ok());
  EXPECT_EQ(cache_.gallery().size(), 3u);
  EXPECT_EQ(cache_.gallery().entries()[2].name, "cy");
  EXPECT_EQ(cache_.etag(), "\"v2\"");
  EXPECT_EQ(cache_.loads(), 2);
}

TEST_F(GalleryCacheTest, ABrokenNewVersionKeepsTheOldGalleryAndIsNotRefetchedUntilItChanges) {
  ASSERT_TRUE(cache_.Load().ok());
  store_.body = "{\"faces\": [{\"name\": \"x\", \"encoding\": [1, 2]}]}";
  store_.etag = "\"bad\"";
  Advance(2s);
  base::Status s = cache_.MaybeRefresh();
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(cache_.gallery().size(), 2u);
  Advance(2s);
  EXPECT_TRUE(cache_.MaybeRefresh().ok());
  EXPECT_EQ(store_.gets, 2);  // the bad version was fetched once
  store_.body = GalleryJson({"zed"});
  store_.etag = "\"v3\"";
  Advance(2s);
  ASSERT_TRUE(cache_.MaybeRefresh().ok());
  EXPECT_EQ(cache_.gallery().size(), 1u);
}

TEST_F(GalleryCacheTest, AnUnreachableStoreKeepsTheGalleryAndIsRetriedNextInterval) {
  ASSERT_TRUE(cache_.Load().ok());
  store_.down = true;
  Advance(2s);
  base::Status s = cache_.MaybeRefresh();
  EXPECT_EQ(s.code(), base::Status::Code::kUnavailable);
  EXPECT_NE(s.message().find("s3://models/gallery.json"), std::string::npos);
  EXPECT_EQ(cache_.gallery().size(), 2u);
  store_.down = false;
  store_.etag = "\"v2\"";
  Advance(2s);
  ASSERT_TRUE(cache_.MaybeRefresh().ok());
  EXPECT_EQ(cache_.etag(), "\"v2\"");
}

TEST_F(GalleryCacheTest, NoGalleryObjectIsAnEmptyGalleryUntilOneAppears) {
  store_.exists = false;
  ASSERT_TRUE(cache_.Load().ok());
  EXPECT_EQ(cache_.gallery().size(), 0u);
  EXPECT_EQ(cache_.etag(), "");
  store_.exists = true;
  Advance(1500ms);
  ASSERT_TRUE(cache_.MaybeRefresh().ok());
  EXPECT_EQ(cache_.gallery().size(), 2u);
  store_.exists = false;  // deleted: nobody is known any more
  Advance(1500ms);
  ASSERT_TRUE(cache_.MaybeRefresh().ok());
  EXPECT_EQ(cache_.gallery().size(), 0u);
}

TEST_F(GalleryCacheTest, AFirstLoadThatFailsFailsInit) {
  store_.down = true;
  EXPECT_EQ(cache_.Load().code(), base::Status::Code::kUnavailable);
  store_.down = false;
  store_.body = "not json";
  EXPECT_FALSE(cache_.Load().ok());
}

TEST(MergeGallery, ReplacesEntriesOfEnrolledNamesAndKeepsTheRest) {
  auto base = face::Gallery::Parse(GalleryJson({"ada", "bob", "ada", "cy"}), "base");
  auto added = face::Gallery::Parse(GalleryJson({"ada", "dan"}), "added");
  ASSERT_TRUE(base.ok() && added.ok());
  face::Gallery merged = MergeGallery(*base, *added);
  std::vector<std::string> names;
  for (const auto& e : merged.entries()) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"bob", "cy", "ada", "dan"}));
}

std::vector<std::string> Names(const face::Gallery& g) {
  std::vector<std::string> names;
  for (const auto& e : g.entries()) names.push_back(e.name);
  return names;
}

TEST(AssembleGallery, PersonObjectsReplaceTheirNamesInTheBaseAndAddNewPeople) {
  EXPECT_EQ(PersonObjectKey("gallery/encodings.json", "zoe"), "gallery/encodings.json.d/zoe.json");
  // Two enrolments that ran at the same time wrote one object each: both people are there.
  std::vector<GalleryPart> parts = {{PersonObjectKey("g.json", "ada"), "\"e1\"", GalleryJson({"ada", "ada"})},
                                    {PersonObjectKey("g.json", "dan"), "\"e2\"", GalleryJson({"dan"})}};
  auto g = AssembleGallery(GalleryJson({"ada", "bob"}), "s3://m/g.json", parts, "m");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(Names(*g), (std::vector<std::string>{"bob", "ada", "ada", "dan"}));
  // No base object yet: the people enrolled so far.
  auto only = AssembleGallery(std::nullopt, "s3://m/g.json", parts, "m");
  ASSERT_TRUE(only.ok());
  EXPECT_EQ(Names(*only), (std::vector<std::string>{"ada", "ada", "dan"}));
}

TEST(AssembleGallery, APersonObjectThatDoesNotParseIsAnErrorNamingIt) {
  std::vector<GalleryPart> parts = {{"g.json.d/eve.json", "\"e\"", "{not json"}};
  auto g = AssembleGallery(GalleryJson({"ada"}), "s3://m/g.json", parts, "m");
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("s3://m/g.json.d/eve.json"), std::string::npos) << g.status().message();
}

TEST(AssembledGalleryVersion, IsTheBaseEtagAloneAndChangesWithAnyPersonObject) {
  EXPECT_EQ(AssembledGalleryVersion("\"b1\"", {}), "\"b1\"");
  const std::string one = AssembledGalleryVersion("\"b1\"", {{"g.json.d/ada.json", "\"a1\""}});
  EXPECT_NE(one, "\"b1\"");
  EXPECT_EQ(one, AssembledGalleryVersion("\"b1\"", {{"g.json.d/ada.json", "\"a1\""}}));
  EXPECT_NE(one, AssembledGalleryVersion("\"b1\"", {{"g.json.d/ada.json", "\"a2\""}}));
  EXPECT_NE(one, AssembledGalleryVersion("\"b2\"", {{"g.json.d/ada.json", "\"a1\""}}));
  EXPECT_NE(one, AssembledGalleryVersion("\"b1\"", {{"g.json.d/ada.json", "\"a1\""}, {"g.json.d/dan.json", "\"d\""}}));
}

TEST(HeldOut, AtLeastOneImageStaysForTraining) {
  EXPECT_EQ(HeldOutCount(10, 0), 0u);
  EXPECT_EQ(HeldOutCount(10, 0.1), 1u);
  EXPECT_EQ(HeldOutCount(27, 0.1), 3u);
  EXPECT_EQ(HeldOutCount(1, 0.9), 0u);
  EXPECT_EQ(HeldOutCount(0, 0.5), 0u);
}

}  // namespace
}  // namespace functions
