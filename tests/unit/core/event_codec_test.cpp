// The one canonical byte encoding of an event record.
#include "core/event_codec.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "core/error.hpp"
#include "core/hashing.hpp"

namespace authd::core {
namespace {

Event FullEvent() {
  Event e;
  e.seq = 0x0102030405060708ULL;
  e.type = "user.signed_up";
  e.schema = 7;
  e.stream = "usr_01HZX";
  e.version = 42;
  e.at = 1'767'225'600'123'456;
  e.actor = "usr_admin";
  e.request_id = "req-abc";
  e.data = {{"username_hash", "9f2c"},
            {"roles", boost::json::array{"admin", "user"}},
            {"profile", {{"zeta", 1}, {"alpha", {{"deep", {{"deeper", true}}}}}, {"n", -5}}},
            {"big", std::uint64_t{18'446'744'073'709'551'615ULL}},
            {"nothing", nullptr},
            {"text", "quote\" backslash\\ newline\n unicode \xc3\xa9 \xf0\x9f\x94\x91"}};
  e.subject = "usr_01HZX";
  e.sealed = {{"email", std::string("\x00\x01sealed\xff", 9)}, {"ip", "blob-ip"}, {"name", ""}};
  for (std::size_t i = 0; i < e.prev_hash.size(); ++i) {
    e.prev_hash[i] = static_cast<std::uint8_t>(i);
    e.hash[i] = static_cast<std::uint8_t>(0xff - i);
  }
  return e;
}

TEST(EventCodecTest, FullEventRoundTrips) {
  const Event e = FullEvent();
  const std::string bytes = EncodeEvent(e);
  EXPECT_EQ(bytes[0], static_cast<char>(kEventFormat));
  std::size_t body = 0;
  auto decoded = DecodeEvent(bytes, &body);
  ASSERT_TRUE(decoded) << decoded.error().message();
  EXPECT_EQ(*decoded, e);
  EXPECT_EQ(body, EncodeEventBody(e).size());
  EXPECT_EQ(body + 64, bytes.size());
  EXPECT_EQ(bytes.substr(0, body), EncodeEventBody(e));
  EXPECT_EQ(EncodeEvent(*decoded), bytes);  // stable: decode then encode gives the same bytes
}

TEST(EventCodecTest, EmptyEventRoundTrips) {
  const Event e;
  auto decoded = DecodeEvent(EncodeEvent(e));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, e);
}

TEST(EventCodecTest, LayoutIsBigEndianAsDocumented) {
  Event e;
  e.seq = 0x0102030405060708ULL;
  e.type = "t";
  const std::string bytes = EncodeEvent(e);
  EXPECT_EQ(bytes.substr(1, 8), std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  EXPECT_EQ(bytes.substr(9, 3), std::string("\x00\x01t", 3));  // str8: u16 length then bytes
}

TEST(EventCodecTest, SealChainHashesPrevAndBody) {
  Event e = FullEvent();
  Digest prev{};
  prev.fill(0xab);
  const std::string record = SealChain(e, prev);
  EXPECT_EQ(e.prev_hash, prev);
  EXPECT_EQ(e.hash, ChainHash(prev, EncodeEventBody(e)));
  EXPECT_EQ(record, EncodeEvent(e));
  // Any change in the body changes the hash.
  Event other = e;
  other.data["profile"].as_object()["n"] = -6;
  static_cast<void>(SealChain(other, prev));
  EXPECT_NE(other.hash, e.hash);
}

TEST(EventCodecTest, CanonicalJsonSortsKeysRecursively) {
  boost::json::object a;
  a["b"] = 1;
  a["a"] = boost::json::object{{"y", 2},
                               {"x", boost::json::array{boost::json::object{{"q", 1}, {"p", 2}}}}};
  a["C"] = true;
  boost::json::object b;
  b["C"] = true;
  b["a"] = boost::json::object{{"x", boost::json::array{boost::json::object{{"p", 2}, {"q", 1}}}},
                               {"y", 2}};
  b["b"] = 1;
  const std::string expected = R"({"C":true,"a":{"x":[{"p":2,"q":1}],"y":2},"b":1})";
  EXPECT_EQ(CanonicalJson(a), expected);
  EXPECT_EQ(CanonicalJson(b), expected);

  Event ea;
  ea.data = a;
  Event eb;
  eb.data = b;
  EXPECT_EQ(EncodeEvent(ea), EncodeEvent(eb));
  // Keys are compared as bytes, not as locale text: "Z" < "a" < "\xc3\xa9".
  EXPECT_EQ(CanonicalJson(boost::json::object{{"\xc3\xa9", 1}, {"a", 2}, {"Z", 3}}),
            "{\"Z\":3,\"a\":2,\"\xc3\xa9\":1}");
  EXPECT_EQ(CanonicalJson(boost::json::array{}), "[]");
  EXPECT_EQ(CanonicalJson(boost::json::object{}), "{}");
}

TEST(EventCodecTest, EveryTruncationFails) {
  const std::string bytes = EncodeEvent(FullEvent());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto decoded = DecodeEvent(std::string_view(bytes).substr(0, n));
    ASSERT_FALSE(decoded) << "a record cut to " << n << " bytes decoded";
    EXPECT_EQ(decoded.error(), Errc::kCorruptRecord);
  }
}

TEST(EventCodecTest, TrailingBytesFail) {
  const std::string bytes = EncodeEvent(FullEvent());
  for (const std::string& tail : {std::string(1, '\0'), std::string("x"), std::string(64, 'y')}) {
    auto decoded = DecodeEvent(bytes + tail);
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.error(), Errc::kCorruptRecord);
  }
}

TEST(EventCodecTest, UnknownFormatByteFails) {
  std::string bytes = EncodeEvent(FullEvent());
  for (int format : {0, 2, 0x7f, 0xff}) {
    bytes[0] = static_cast<char>(format);
    auto decoded = DecodeEvent(bytes);
    ASSERT_FALSE(decoded) << format;
    EXPECT_EQ(decoded.error(), Errc::kCorruptRecord);
  }
}

TEST(EventCodecTest, SealedFieldsOutOfOrderOrRepeatedFail) {
  Event e;
  e.type = "t";
  e.sealed = {{"a", "blob-1"}, {"b", "blob-2"}};
  const std::string good = EncodeEvent(e);
  ASSERT_TRUE(DecodeEvent(good));
  const std::string field_a(
      "\x00\x01"
      "a",
      3);
  const std::size_t pos = good.find(field_a + std::string("\x00\x00\x00\x06", 4));
  ASSERT_NE(pos, std::string::npos);

  std::string out_of_order = good;
  out_of_order[pos + 2] = 'c';  // fields now c, b
  auto decoded = DecodeEvent(out_of_order);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error(), Errc::kCorruptRecord);

  std::string repeated = good;
  repeated[pos + 2] = 'b';  // fields now b, b
  decoded = DecodeEvent(repeated);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error(), Errc::kCorruptRecord);
}

TEST(EventCodecTest, BadJsonFails) {
  for (const std::string& json : {std::string("[1,2]"), std::string("{\"a\":"), std::string("7"),
                                  std::string("{\"a\":1}x")}) {
    Event e;
    const std::string good = EncodeEvent(e);
    // Rebuild the record by hand with `json` in place of "{}".
    const std::size_t pos = good.find(std::string("\x00\x00\x00\x02{}", 6));
    ASSERT_NE(pos, std::string::npos);
    std::string bad = good.substr(0, pos);
    const auto n = static_cast<std::uint32_t>(json.size());
    for (int shift = 24; shift >= 0; shift -= 8)
      bad.push_back(static_cast<char>((n >> shift) & 0xff));
    bad += json;
    bad += good.substr(pos + 6);
    auto decoded = DecodeEvent(bad);
    ASSERT_FALSE(decoded) << json;
    EXPECT_EQ(decoded.error(), Errc::kCorruptRecord);
  }
}

// Whatever EncodeEvent writes for an event that FitsEncoding, DecodeEvent reads back; the log
// refuses the rest (see EventLogLimitsTest).
boost::json::object Nested(int levels) {
  boost::json::value v = boost::json::object{};
  for (int depth = 1; depth < levels; ++depth)
    v = boost::json::object{{"x", v}};
  return v.as_object();
}

TEST(EventCodecTest, DataAtTheDepthLimitFitsAndRoundTrips) {
  Event e;
  e.type = "t";
  e.data = Nested(static_cast<int>(kMaxDataDepth));
  ASSERT_TRUE(FitsEncoding(e));
  auto decoded = DecodeEvent(EncodeEvent(e));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, e);
  e.data = Nested(static_cast<int>(kMaxDataDepth) + 1);
  EXPECT_FALSE(FitsEncoding(e));
}

TEST(EventCodecTest, NonUtf8StringsOrKeysDoNotFit) {
  Event e;
  e.type = "t";
  e.data = {{"name", "caf\xc3\xa9"}};
  EXPECT_TRUE(FitsEncoding(e));
  e.data = {{"name", "caf\xe9"}};  // Latin-1
  EXPECT_FALSE(FitsEncoding(e));
  e.data = {{"caf\xe9", "x"}};
  EXPECT_FALSE(FitsEncoding(e));
  e.data = {{"n", 1.5}};
  EXPECT_FALSE(FitsEncoding(e));
}

TEST(EventCodecTest, ShortFieldsBeyondTheirLengthDoNotFit) {
  Event e;
  e.type = "t";
  e.request_id = std::string(kMaxShortField, 'r');
  ASSERT_TRUE(FitsEncoding(e));
  auto decoded = DecodeEvent(EncodeEvent(e));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->request_id, e.request_id);
  e.request_id.push_back('r');
  EXPECT_FALSE(FitsEncoding(e));
  e.request_id = "r";
  e.sealed.emplace(std::string(kMaxShortField + 1, 'f'), "blob");
  EXPECT_FALSE(FitsEncoding(e));
}

}  // namespace
}  // namespace authd::core
