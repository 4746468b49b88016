#include "functions/identify.h"

#include <gtest/gtest.h>

namespace functions {
namespace {

using nlohmann::json;

json Face(const char* name, double distance) { return {{"box", {0, 0, 9, 9}}, {"name", name}, {"distance", distance}}; }

TEST(ChoosePerson, TheFirstKnownFaceInScoreOrderNotTheFirstFace) {
  Identity id;
  ChoosePerson({{"faces", {Face("unknown", 0.71), Face("mr_bean", 0.41), Face("vin_diesel", 0.30)}}}, &id);
  EXPECT_EQ(id.status, "recognized");
  EXPECT_EQ(id.name, "mr_bean");
  EXPECT_DOUBLE_EQ(*id.distance, 0.41);
}

TEST(ChoosePerson, UnknownFacesAndNoFaces) {
  Identity unknown;
  ChoosePerson({{"faces", {Face("unknown", 0.72), Face("unknown", 0.65)}}}, &unknown);
  EXPECT_EQ(unknown.status, "unknown");
  EXPECT_FALSE(unknown.name);
  EXPECT_DOUBLE_EQ(*unknown.distance, 0.72);  // the best-scoring face's
  Identity none;
  ChoosePerson({{"faces", json::array()}}, &none);
  EXPECT_EQ(none.status, "no_face");
  EXPECT_FALSE(none.distance);
  Identity garbage;
  ChoosePerson({{"faces", {1, "x", json::object()}}}, &garbage);
  EXPECT_EQ(garbage.status, "unknown");
}

}  // namespace
}  // namespace functions
