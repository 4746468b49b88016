#include "face/gallery.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "base/files.h"

namespace face {
namespace {

Descriptor Filled(float v) {
  Descriptor d;
  d.fill(v);
  return d;
}

TEST(Gallery, LoadsTheCourseGallery) {
  base::StatusOr<Gallery> g = Gallery::Load("../shared/data/cse546/encoding_dlib128.json");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->size(), 11u);
  // Each entry matches itself at distance 0.
  for (const Gallery::Entry& e : g->entries()) {
    Match m = g->Nearest(e.encoding);
    EXPECT_EQ(m.name, e.name);
    EXPECT_EQ(m.distance, 0);
  }
}

TEST(Gallery, NearestWinsNotFirstWithinTolerance) {
  Gallery g;
  g.Add("far", Filled(0.04f));    // distance sqrt(128)*0.04 = 0.45: within 0.6, but farther
  g.Add("near", Filled(0.01f));   // distance 0.11
  Match m = g.Nearest(Filled(0.0f));
  EXPECT_EQ(m.name, "near");
  EXPECT_NEAR(m.distance, std::sqrt(128.0) * 0.01, 1e-6);
  EXPECT_TRUE(m.accepted);
}

TEST(Gallery, BeyondToleranceIsUnknownButSaysWhoWasNearest) {
  Gallery g;
  g.Add("someone", Filled(0.1f));  // distance 1.13
  Match m = g.Nearest(Filled(0.0f));
  EXPECT_EQ(m.name, kUnknown);
  EXPECT_EQ(m.nearest_name, "someone");
  EXPECT_FALSE(m.accepted);
  EXPECT_TRUE(g.Nearest(Filled(0.0f), 1.2).accepted);
  EXPECT_EQ(Gallery().Nearest(Filled(0)).name, kUnknown);
}

TEST(Gallery, SaveAndLoadRoundTripsExactly) {
  Gallery g;
  Descriptor d;
  for (int i = 0; i < 128; ++i) d[i] = std::sin(i * 0.37f) * 0.3f;
  g.Add("a \"quoted\" name", d);
  const std::string path = "/tmp/edgeface_gallery_test_" + std::to_string(getpid()) + ".json";
  ASSERT_TRUE(g.Save(path).ok());
  base::StatusOr<Gallery> back = Gallery::Load(path);
  std::remove(path.c_str());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ(back->entries()[0].name, "a \"quoted\" name");
  EXPECT_EQ(back->entries()[0].encoding, d);
}

TEST(GalleryErrors, WrongDimensionAndNonNumbersNameTheFileAndEntry) {
  std::string ok128 = "[";
  for (int i = 0; i < 128; ++i) ok128 += (i ? ",0.1" : "0.1");
  ok128 += "]";
  std::string short127 = ok128.substr(0, ok128.size() - 5) + "]";
  struct Case {
    std::string json, expect;
  } cases[] = {
      {"{\"faces\":[{\"name\":\"a\",\"encoding\":" + ok128 + "},{\"name\":\"b\",\"encoding\":" + short127 + "}]}",
       "faces[1] (b).encoding has 127 numbers, expected 128"},
      {"{\"faces\":[{\"name\":\"a\",\"encoding\":[\"x\"" + ok128.substr(4) + "}]}", "faces[0] (a).encoding[0]"},
      {"{\"faces\":[{\"encoding\":" + ok128 + "}]}", "faces[0] has no \"name\""},
      {"[1,2,3]", "expected {\"faces\""},
      {"{\"faces\": [", "not valid JSON"},
  };
  for (const Case& c : cases) {
    base::StatusOr<Gallery> g = Gallery::Parse(c.json, "g.json");
    ASSERT_FALSE(g.ok()) << c.expect;
    EXPECT_EQ(g.status().code(), base::Status::Code::kInvalidArgument);
    EXPECT_NE(g.status().message().find("g.json: "), std::string::npos) << g.status().message();
    EXPECT_NE(g.status().message().find(c.expect), std::string::npos) << g.status().message();
  }
}

}  // namespace
}  // namespace face
