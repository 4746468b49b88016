// The face subcommands as a user runs them: the real build/bin/edgeface as a child process.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "base/files.h"

namespace {

const std::string kFixtures = "../shared/data/fixtures/face_recognition/";
const std::string kGallery = "../shared/data/cse546/encoding_dlib128.json";

struct CmdResult {
  int code = -1;
  std::string out;
  std::vector<nlohmann::json> lines;  // stdout parsed as JSON lines (where it is JSON)
};

CmdResult Edgeface(const std::string& args) {
  const char* bin = std::getenv("EDGEFACE_BIN");
  CmdResult r;
  FILE* p = popen((std::string(bin ? bin : "build/bin/edgeface") + " " + args + " 2>/dev/null").c_str(), "r");
  if (!p) return r;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded()) r.lines.push_back(j);
  }
  return r;
}

class FaceCli : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = "/tmp/edgeface_face_cli_test_" + std::to_string(getpid());
    ASSERT_TRUE(base::MakeDirs(dir_).ok());
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string Write(const std::string& name, const std::string& bytes) {
    const std::string path = dir_ + "/" + name;
    EXPECT_TRUE(base::WriteFileAtomic(path, bytes).ok());
    return path;
  }
  std::string dir_;
};

TEST_F(FaceCli, EveryCommandHasHelp) {
  for (const char* cmd : {"embed", "recognize", "train", "verify", "convert-models"}) {
    CmdResult r = Edgeface(std::string(cmd) + " --help");
    EXPECT_EQ(r.code, 0) << cmd;
    EXPECT_NE(r.out.find("usage: edgeface"), std::string::npos) << cmd;
  }
  EXPECT_EQ(Edgeface("embed --no-such-option x.jpg").code, 2);
}

TEST_F(FaceCli, EmbedPrintsDescriptorsAndNamesBadFilesWithoutStopping) {
  base::StatusOr<std::string> jpeg = base::ReadFile(kFixtures + "obama_small.jpg");
  ASSERT_TRUE(jpeg.ok());
  const std::string empty = Write("empty.jpg", "");
  const std::string text = Write("notes.jpg", "not an image\n");
  const std::string truncated = Write("truncated.jpg", jpeg->substr(0, jpeg->size() / 2));
  const std::string huge = Write("huge.ppm", "P6\n30000 30000\n255\n");
  CmdResult r = Edgeface("embed --json " + kFixtures + "obama_small.jpg " + empty + " " + text + " " + truncated + " " +
                   huge + " " + kFixtures + "two_people.jpg");
  EXPECT_EQ(r.code, 1);
  ASSERT_EQ(r.lines.size(), 6u) << r.out;
  ASSERT_EQ(r.lines[0]["faces"].size(), 1u);
  EXPECT_EQ(r.lines[0]["faces"][0]["descriptor"].size(), 128u);
  EXPECT_EQ(r.lines[0]["faces"][0]["box"].size(), 4u);
  const std::string files[] = {empty, text, truncated, huge};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(r.lines[1 + i]["file"], files[i]);
    ASSERT_TRUE(r.lines[1 + i].contains("error")) << r.lines[1 + i].dump();
  }
  EXPECT_NE(r.lines[4]["error"].get<std::string>().find("30000x30000"), std::string::npos);
  EXPECT_EQ(r.lines[5]["faces"].size(), 2u);  // the file after the bad ones still processed
}

TEST_F(FaceCli, RecognizeImagesAndVideosAgainstTheGallery) {
  // A WAV file named .mp4: audio and no video stream.
  auto le = [](uint32_t v, int bytes) {
    std::string out;
    for (int i = 0; i < bytes; ++i) out += char(v >> (8 * i));
    return out;
  };
  const uint32_t data_bytes = 3200;  // 0.2 s of 8 kHz 16-bit silence
  const std::string wav = "RIFF" + le(36 + data_bytes, 4) + "WAVEfmt " + le(16, 4) + le(1, 2) + le(1, 2) +
                          le(8000, 4) + le(16000, 4) + le(2, 2) + le(16, 2) + "data" + le(data_bytes, 4) +
                          std::string(data_bytes, '\0');
  const std::string audio = Write("audio.mp4", wav);
  CmdResult r = Edgeface("recognize --json --gallery " + kGallery + " " + kFixtures + "obama-480p.jpg " +
                   "../shared/data/cse546/videos/test_4.mp4 " + audio);
  EXPECT_EQ(r.code, 1);
  ASSERT_EQ(r.lines.size(), 3u) << r.out;
  ASSERT_EQ(r.lines[0]["faces"].size(), 1u);
  EXPECT_EQ(r.lines[0]["faces"][0]["name"], "president_obama");
  EXPECT_LT(r.lines[0]["faces"][0]["distance"].get<double>(), 0.6);
  EXPECT_EQ(r.lines[1]["person"], "johnny_dep");
  ASSERT_EQ(r.lines[1]["frames"].size(), 4u);  // 2.0 s sampled every 0.5 s
  EXPECT_EQ(r.lines[1]["frames"][1]["t"], 0.5);
  EXPECT_NE(r.lines[2]["error"].get<std::string>().find("no video stream"), std::string::npos) << r.lines[2];

  // Someone not in the gallery is "unknown", and a tiny tolerance makes everyone unknown.
  CmdResult strict = Edgeface("recognize --json --tolerance 0.1 --gallery " + kGallery + " " + kFixtures + "obama-480p.jpg");
  EXPECT_EQ(strict.code, 0);
  ASSERT_EQ(strict.lines.size(), 1u);
  EXPECT_EQ(strict.lines[0]["faces"][0]["name"], "unknown");
}

TEST_F(FaceCli, GalleryWithAWrongDimensionIsAClearError) {
  std::string enc = "[";
  for (int i = 0; i < 127; ++i) enc += (i ? ",0.01" : "0.01");
  const std::string bad = Write("bad.json", "{\"faces\":[{\"name\":\"x\",\"encoding\":" + enc + "]}]}");
  const char* bin = std::getenv("EDGEFACE_BIN");
  const std::string cmd = std::string(bin ? bin : "build/bin/edgeface") + " recognize --gallery " + bad + " " +
                          kFixtures + "obama_small.jpg 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_TRUE(p);
  std::string err;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) err.append(buf, n);
  EXPECT_EQ(WEXITSTATUS(pclose(p)), 1);
  EXPECT_NE(err.find(bad), std::string::npos) << err;
  EXPECT_NE(err.find("faces[0] (x).encoding has 127 numbers, expected 128"), std::string::npos) << err;
}

TEST_F(FaceCli, VerifyAndTrain) {
  CmdResult same = Edgeface("verify --json " + kFixtures + "obama.jpg " + kFixtures + "obama2.jpg");
  ASSERT_EQ(same.lines.size(), 1u) << same.out;
  EXPECT_TRUE(same.lines[0]["same"].get<bool>());
  CmdResult different = Edgeface("verify --json " + kFixtures + "obama.jpg " + kFixtures + "biden.jpg");
  ASSERT_EQ(different.lines.size(), 1u);
  EXPECT_FALSE(different.lines[0]["same"].get<bool>());
  EXPECT_GT(different.lines[0]["distance"].get<double>(), 0.6);

  const std::string out = dir_ + "/knn.json";
  CmdResult train = Edgeface("train --json --val-split 0.5 --out " + out + " " + kFixtures + "knn_examples/train");
  EXPECT_EQ(train.code, 0) << train.out;
  ASSERT_EQ(train.lines.size(), 1u) << train.out;
  // 9 images in 5 folders; 4 are held out (alex_lacamoire has one image and keeps it).
  EXPECT_EQ(train.lines[0]["validation"]["total"], 4);
  EXPECT_EQ(train.lines[0]["validation"]["right"], 4);
  CmdResult check = Edgeface("recognize --json --gallery " + out + " " + kFixtures + "knn_examples/test/obama1.jpg");
  ASSERT_EQ(check.lines.size(), 1u);
  EXPECT_EQ(check.lines[0]["faces"][0]["name"], "obama");
}

}  // namespace
