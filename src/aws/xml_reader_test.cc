#include "aws/xml_reader.h"

#include <gtest/gtest.h>

namespace aws {
namespace {

TEST(XmlReader, ReadsDeleteObjectsBody) {
  auto doc = ParseXml(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>"
      "<Object><Key>a &amp; b</Key></Object><Object><Key>caf\xC3\xA9</Key><VersionId>x</VersionId></Object>"
      "</Delete>");
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_EQ(doc->name, "Delete");
  EXPECT_EQ(doc->ChildText("Quiet"), "true");
  auto objects = doc->Children("Object");
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0]->ChildText("Key"), "a & b");
  EXPECT_EQ(objects[1]->ChildText("Key"), "caf\xC3\xA9");
  EXPECT_EQ(objects[1]->ChildText("Missing"), "");
  EXPECT_EQ(doc->Child("Missing"), nullptr);
}

TEST(XmlReader, DropsNamespacePrefixes) {
  auto doc = ParseXml("<s3:Part xmlns:s3=\"urn:x\"><s3:PartNumber>3</s3:PartNumber></s3:Part>");
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_EQ(doc->name, "Part");
  EXPECT_EQ(doc->ChildText("PartNumber"), "3");
}

TEST(XmlReader, KeepsWhitespaceInsideKeys) {
  auto doc = ParseXml("<Object><Key>  two  spaces </Key></Object>");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->ChildText("Key"), "  two  spaces ");
}

TEST(XmlReader, RejectsMalformedDocuments) {
  for (const char* bad : {"", "<a>", "<a></b>", "<a/><b/>", "not xml", "<a>&bogus;</a>",
                          "<a>\xFF\xFE</a>"}) {
    auto doc = ParseXml(bad);
    EXPECT_FALSE(doc.ok()) << bad;
    if (!doc.ok()) {
      EXPECT_EQ(doc.status().code(), base::Status::Code::kInvalidArgument);
    }
  }
}

TEST(XmlReader, RejectsBillionLaughsAndExternalEntities) {
  std::string laughs =
      "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
      "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]><lolz>&lol2;</lolz>";
  auto doc = ParseXml(laughs);
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.status().message().find("DOCTYPE"), std::string::npos);
  auto ext = ParseXml("<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>");
  EXPECT_FALSE(ext.ok());
}

TEST(XmlReader, EnforcesLimits) {
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "<a>";
  for (int i = 0; i < 40; ++i) deep += "</a>";
  EXPECT_FALSE(ParseXml(deep).ok());
  XmlLimits small;
  small.max_bytes = 10;
  EXPECT_FALSE(ParseXml("<abcdefghij/>", small).ok());
  small = XmlLimits();
  small.max_elements = 3;
  EXPECT_FALSE(ParseXml("<a><b/><c/><d/></a>", small).ok());
  EXPECT_TRUE(ParseXml("<a><b/><c/></a>", small).ok());
}

}  // namespace
}  // namespace aws
