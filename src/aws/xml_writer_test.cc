#include <gtest/gtest.h>

#include "aws/xml_writer.h"

namespace aws {
namespace {

TEST(XmlWriterTest, EscapesTextAndClosesElements) {
  XmlWriter w;
  w.Declaration().Open("ListBucketResult", "http://s3.amazonaws.com/doc/2006-03-01/");
  w.Element("Key", "a<b>&\"c'\x01").Element("Count", int64_t{3}).Element("Truncated", false);
  std::string xml = w.Take();
  EXPECT_EQ(xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "<Key>a&lt;b&gt;&amp;&quot;c&apos;&#x1;</Key><Count>3</Count><Truncated>false</Truncated>"
            "</ListBucketResult>");
}

}  // namespace
}  // namespace aws
