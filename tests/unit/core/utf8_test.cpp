#include "core/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace authd::core {
namespace {

using namespace std::string_literals;

TEST(Utf8Test, DecodesEachEncodingLength) {
  const std::pair<std::string, char32_t> cases[] = {
      {"A", U'A'},
      {"\x7f", U'\x7f'},
      {"\xc2\x80", U'\x80'},
      {"\xc3\xa9", U'é'},
      {"\xdf\xbf", U'\x7ff'},
      {"\xe0\xa0\x80", U'\x800'},
      {"\xe2\x82\xac", U'€'},
      {"\xed\x9f\xbf", U'\xd7ff'},
      {"\xee\x80\x80", U'\xe000'},
      {"\xef\xbf\xbf", U'\xffff'},
      {"\xf0\x90\x80\x80", U'\x10000'},
      {"\xf0\x9f\x99\x82", U'🙂'},
      {"\xf4\x8f\xbf\xbf", U'\x10ffff'},
      {"\0"s, U'\0'},
  };
  for (const auto& [text, expected] : cases) {
    std::size_t pos = 0;
    const auto cp = DecodeCodePoint(text, pos);
    ASSERT_TRUE(cp) << text;
    EXPECT_EQ(*cp, expected);
    EXPECT_EQ(pos, text.size());
  }
}

TEST(Utf8Test, RejectsInvalidSequences) {
  const std::string bad[] = {
      "\x80",              // lone continuation byte
      "\xbf",              // lone continuation byte
      "\xc0\xaf",          // overlong "/"
      "\xc1\xbf",          // overlong
      "\xe0\x80\xaf",      // overlong, 3 bytes
      "\xe0\x9f\xbf",      // overlong, 3 bytes
      "\xf0\x80\x80\xaf",  // overlong, 4 bytes
      "\xf0\x8f\xbf\xbf",  // overlong, 4 bytes
      "\xed\xa0\x80",      // surrogate U+D800
      "\xed\xbf\xbf",      // surrogate U+DFFF
      "\xf4\x90\x80\x80",  // U+110000
      "\xf5\x80\x80\x80",  // lead byte beyond U+10FFFF
      "\xff",              // never valid
      "\xfe",              // never valid
      "\xc3",              // truncated
      "\xe2\x82",          // truncated
      "\xf0\x9f\x99",      // truncated
      "\xc3\x28",          // bad continuation
      "\xe2\x28\xa1",      // bad continuation
      "\xf0\x9f\x99\x28",  // bad continuation
  };
  for (const std::string& text : bad) {
    std::size_t pos = 0;
    EXPECT_FALSE(DecodeCodePoint(text, pos)) << testing::PrintToString(text);
    EXPECT_EQ(pos, 0U);
    EXPECT_FALSE(ScanUtf8("ok" + text + "ok").valid);
  }
}

TEST(Utf8Test, ScanCountsCodePointsAndControls) {
  const Utf8Scan ascii = ScanUtf8("hello world");
  EXPECT_TRUE(ascii.valid);
  EXPECT_FALSE(ascii.has_control);
  EXPECT_EQ(ascii.code_points, 11U);

  const Utf8Scan mixed =
      ScanUtf8("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x99\x82");  // "héllo € 🙂"
  EXPECT_TRUE(mixed.valid);
  EXPECT_EQ(mixed.code_points, 9U);

  EXPECT_TRUE(ScanUtf8("").valid);
  EXPECT_EQ(ScanUtf8("").code_points, 0U);

  for (const std::string& control :
       {"\t"s, "\n"s, "\r"s, "\0"s, "\x1b"s, "\x7f"s, "\xc2\x80"s, "\xc2\x85"s, "\xc2\x9f"s}) {
    const Utf8Scan scan = ScanUtf8("a" + control + "b");
    EXPECT_TRUE(scan.valid);
    EXPECT_TRUE(scan.has_control) << testing::PrintToString(control);
  }
  // NBSP (U+00A0), the first character after C1, is printable.
  EXPECT_FALSE(ScanUtf8("a\xc2\xa0z").has_control);
}

TEST(Utf8Test, ControlClassification) {
  EXPECT_TRUE(IsControlCodePoint(0x00));
  EXPECT_TRUE(IsControlCodePoint(0x1F));
  EXPECT_FALSE(IsControlCodePoint(0x20));
  EXPECT_FALSE(IsControlCodePoint(0x7E));
  EXPECT_TRUE(IsControlCodePoint(0x7F));
  EXPECT_TRUE(IsControlCodePoint(0x9F));
  EXPECT_FALSE(IsControlCodePoint(0xA0));
}

}  // namespace
}  // namespace authd::core
