// Appending, reading back and reopening the log.
#include "storage/event_log.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "core/event_codec.hpp"
#include "core/hashing.hpp"
#include "storage/error.hpp"
#include "storage/verify.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace authd::storage {
namespace {

using test_support::AppendAll;
using test_support::MakeEvent;
using test_support::OpenOrDie;
using test_support::Options;
using test_support::Seqs;
using test_support::TempDir;

constexpr core::Micros kT0 = 1'767'225'600'000'000;

// Three events on two streams in one decision: usr_a gets versions 1 and 2, usr_b version 1.
std::vector<core::Event> ThreeEvents() {
  return {MakeEvent("user.signed_up", "usr_a", {{"n", 1}}),
          MakeEvent("user.signed_up", "usr_b", {{"n", 2}}),
          MakeEvent("user.login_succeeded", "usr_a", {{"n", 3}})};
}

class EventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_ = OpenOrDie(Options(dir_.path()), clock_);
    ASSERT_NE(log_, nullptr);
  }
  void Reopen() {
    log_.reset();
    log_ = OpenOrDie(Options(dir_.path()), clock_);
    ASSERT_NE(log_, nullptr);
  }

  TempDir dir_;
  core::ManualClock clock_{kT0};
  std::unique_ptr<EventLog> log_;
};

// Rows that sit in table files (the reopen flushes what the first open wrote) read the same every
// time, from a read-write open and from a read-only one (`authd verify`, `authd log`). With
// RocksDB's row cache on a read-only open, the second read of a row came back NotFound.
TEST_F(EventLogTest, ReadOnlyOpenReadsARowTwice) {
  ASSERT_TRUE(log_->Execute(AppendAll({MakeEvent("t", "s")})));
  ASSERT_NO_FATAL_FAILURE(Reopen());
  log_.reset();
  for (const bool read_only : {false, true}) {
    auto options = Options(dir_.path());
    options.read_only = read_only;
    auto log = OpenOrDie(options, clock_);
    ASSERT_NE(log, nullptr);
    for (int i = 0; i < 3; ++i) {
      const auto head = log->Get("meta", "head");
      ASSERT_TRUE(head);
      EXPECT_TRUE(head->has_value()) << "read " << i << ", read_only " << read_only;
      EXPECT_EQ(log->Checkpoint("counts"), (std::pair<std::uint32_t, std::uint64_t>{1, 1}))
          << "read " << i << ", read_only " << read_only;
    }
  }
}

TEST_F(EventLogTest, EmptyLogHasNoHead) {
  EXPECT_EQ(log_->Head(), 0u);
  EXPECT_EQ(log_->HeadHash(), core::kGenesisHash);
  auto all = log_->ReadRange(0, 100);
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->empty());
  auto raw = log_->ReadRaw(1);
  ASSERT_TRUE(raw);
  EXPECT_FALSE(raw->has_value());
}

TEST_F(EventLogTest, AppendAssignsSeqVersionTimeAndChain) {
  auto committed = log_->Execute(AppendAll(ThreeEvents()));
  ASSERT_TRUE(committed) << committed.error().message();
  ASSERT_EQ(committed->size(), 3u);
  const auto& c = *committed;

  EXPECT_EQ(Seqs(c), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(c[0].stream, "usr_a");
  EXPECT_EQ(c[0].version, 1u);
  EXPECT_EQ(c[1].stream, "usr_b");
  EXPECT_EQ(c[1].version, 1u);
  EXPECT_EQ(c[2].stream, "usr_a");
  EXPECT_EQ(c[2].version, 2u);
  for (const auto& e : c)
    EXPECT_EQ(e.at, kT0);

  EXPECT_EQ(c[0].prev_hash, core::kGenesisHash);
  EXPECT_EQ(c[1].prev_hash, c[0].hash);
  EXPECT_EQ(c[2].prev_hash, c[1].hash);
  for (const auto& e : c) {
    EXPECT_EQ(e.hash, core::ChainHash(e.prev_hash, core::EncodeEventBody(e))) << e.seq;
  }

  EXPECT_EQ(log_->Head(), 3u);
  EXPECT_EQ(log_->HeadHash(), c[2].hash);

  // The stored bytes are exactly the canonical encoding of the committed events.
  for (const auto& e : c) {
    auto raw = log_->ReadRaw(e.seq);
    ASSERT_TRUE(raw);
    ASSERT_TRUE(raw->has_value());
    EXPECT_EQ(**raw, core::EncodeEvent(e));
  }
  auto all = log_->ReadRange(0, 100);
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, c);

  auto chain = VerifyChain(*log_);
  ASSERT_TRUE(chain);
  EXPECT_FALSE(chain->first_bad.has_value()) << chain->reason;
  EXPECT_EQ(chain->checked, 3u);
}

TEST_F(EventLogTest, ReadsHonourLimitsAndCursors) {
  auto committed = log_->Execute(AppendAll(ThreeEvents()));
  ASSERT_TRUE(committed);
  const auto& c = *committed;

  auto range = log_->ReadRange(0, 2);
  ASSERT_TRUE(range);
  EXPECT_EQ(Seqs(*range), (std::vector<std::uint64_t>{1, 2}));
  range = log_->ReadRange(1, 100);
  ASSERT_TRUE(range);
  EXPECT_EQ(Seqs(*range), (std::vector<std::uint64_t>{2, 3}));
  range = log_->ReadRange(2, 1);
  ASSERT_TRUE(range);
  EXPECT_EQ(Seqs(*range), (std::vector<std::uint64_t>{3}));
  range = log_->ReadRange(3, 100);
  ASSERT_TRUE(range);
  EXPECT_TRUE(range->empty());
  range = log_->ReadRange(0, 0);
  ASSERT_TRUE(range);
  EXPECT_TRUE(range->empty());

  auto stream = log_->ReadStream("usr_a", 0, 100);
  ASSERT_TRUE(stream);
  ASSERT_EQ(stream->size(), 2u);
  EXPECT_EQ((*stream)[0], c[0]);
  EXPECT_EQ((*stream)[1], c[2]);
  stream = log_->ReadStream("usr_a", 1, 100);
  ASSERT_TRUE(stream);
  EXPECT_EQ(Seqs(*stream), (std::vector<std::uint64_t>{3}));
  stream = log_->ReadStream("usr_a", 0, 1);
  ASSERT_TRUE(stream);
  EXPECT_EQ(Seqs(*stream), (std::vector<std::uint64_t>{1}));
  stream = log_->ReadStream("usr_b", 0, 100);
  ASSERT_TRUE(stream);
  EXPECT_EQ(Seqs(*stream), (std::vector<std::uint64_t>{2}));
  // A stream whose id is a prefix of another's is not confused with it.
  stream = log_->ReadStream("usr_", 0, 100);
  ASSERT_TRUE(stream);
  EXPECT_TRUE(stream->empty());
  stream = log_->ReadStream("usr_c", 0, 100);
  ASSERT_TRUE(stream);
  EXPECT_TRUE(stream->empty());

  auto by_type = log_->ReadByType("user.signed_up", 0, 100);
  ASSERT_TRUE(by_type);
  EXPECT_EQ(Seqs(*by_type), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ((*by_type)[1], c[1]);
  by_type = log_->ReadByType("user.signed_up", 1, 100);
  ASSERT_TRUE(by_type);
  EXPECT_EQ(Seqs(*by_type), (std::vector<std::uint64_t>{2}));
  by_type = log_->ReadByType("user.signed_up", 0, 1);
  ASSERT_TRUE(by_type);
  EXPECT_EQ(Seqs(*by_type), (std::vector<std::uint64_t>{1}));
  by_type = log_->ReadByType("user.login_succeeded", 0, 100);
  ASSERT_TRUE(by_type);
  EXPECT_EQ(Seqs(*by_type), (std::vector<std::uint64_t>{3}));
  by_type = log_->ReadByType("user.signed", 0, 100);
  ASSERT_TRUE(by_type);
  EXPECT_TRUE(by_type->empty());

  std::vector<std::uint64_t> scanned;
  auto scan = log_->ScanRaw(1, [&](std::uint64_t seq, std::string_view bytes) {
    scanned.push_back(seq);
    EXPECT_EQ(bytes, core::EncodeEvent(c[seq - 1]));
    return seq < 2;  // stop after the first one past the cursor
  });
  ASSERT_TRUE(scan);
  EXPECT_EQ(scanned, (std::vector<std::uint64_t>{2}));
}

TEST_F(EventLogTest, CommitTimeComesFromTheClockAndNeverGoesBack) {
  auto first = log_->Execute(AppendAll({MakeEvent("t", "s")}));
  ASSERT_TRUE(first);
  EXPECT_EQ((*first)[0].at, kT0);

  clock_.Advance(1'500);
  auto second = log_->Execute(AppendAll({MakeEvent("t", "s")}));
  ASSERT_TRUE(second);
  EXPECT_EQ((*second)[0].at, kT0 + 1'500);

  clock_.Set(kT0 - 10'000'000);  // the wall clock steps back
  auto third = log_->Execute([](Txn& txn) -> Result<void> {
    EXPECT_EQ(txn.Now(), kT0 + 1'500);
    auto e = txn.Append(MakeEvent("t", "s"));
    if (!e) return e.error();
    return {};
  });
  ASSERT_TRUE(third) << third.error().message();
  EXPECT_EQ((*third)[0].at, kT0 + 1'500);

  // Also across a restart: the last commit time is recovered from the log.
  ASSERT_NO_FATAL_FAILURE(Reopen());
  auto fourth = log_->Execute(AppendAll({MakeEvent("t", "s")}));
  ASSERT_TRUE(fourth);
  EXPECT_EQ((*fourth)[0].at, kT0 + 1'500);
}

TEST_F(EventLogTest, ReopenContinuesHeadHashEventsAndStreamVersions) {
  auto committed = log_->Execute(AppendAll(ThreeEvents()));
  ASSERT_TRUE(committed);
  const auto before = *committed;
  const auto head_hash = log_->HeadHash();

  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(log_->Head(), 3u);
  EXPECT_EQ(log_->HeadHash(), head_hash);
  auto all = log_->ReadRange(0, 100);
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, before);

  clock_.Advance(7);
  auto next = log_->Execute([](Txn& txn) -> Result<void> {
    auto va = txn.StreamVersion("usr_a");
    auto vb = txn.StreamVersion("usr_b");
    auto vc = txn.StreamVersion("usr_c");
    EXPECT_TRUE(va && vb && vc);
    if (va && vb && vc) {
      EXPECT_EQ(*va, 2u);
      EXPECT_EQ(*vb, 1u);
      EXPECT_EQ(*vc, 0u);
    }
    for (const char* stream : {"usr_a", "usr_b", "usr_c"}) {
      auto e = txn.Append(MakeEvent("user.profile_updated", stream));
      if (!e) return e.error();
    }
    auto va2 = txn.StreamVersion("usr_a");
    EXPECT_TRUE(va2 && *va2 == 3u);
    return {};
  });
  ASSERT_TRUE(next) << next.error().message();
  ASSERT_EQ(next->size(), 3u);
  EXPECT_EQ(Seqs(*next), (std::vector<std::uint64_t>{4, 5, 6}));
  EXPECT_EQ((*next)[0].version, 3u);
  EXPECT_EQ((*next)[1].version, 2u);
  EXPECT_EQ((*next)[2].version, 1u);
  EXPECT_EQ((*next)[0].prev_hash, head_hash);
  EXPECT_EQ((*next)[0].at, kT0 + 7);

  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(log_->Head(), 6u);
  EXPECT_EQ(log_->HeadHash(), (*next)[2].hash);
  auto stream = log_->ReadStream("usr_a", 0, 100);
  ASSERT_TRUE(stream);
  EXPECT_EQ(Seqs(*stream), (std::vector<std::uint64_t>{1, 3, 4}));
  auto chain = VerifyChain(*log_);
  ASSERT_TRUE(chain);
  EXPECT_FALSE(chain->first_bad.has_value()) << chain->reason;
  EXPECT_EQ(chain->checked, 6u);
}

TEST_F(EventLogTest, SealedFieldsAndSubjectRoundTrip) {
  auto e = MakeEvent("user.signed_up", "usr_1",
                     {{"roles", boost::json::array{"admin", "user"}},
                      {"profile", {{"z", 1}, {"a", {{"nested", true}}}}}});
  e.subject = "usr_1";
  e.sealed = {{"email", "sealed-email-bytes\x01\x02"}, {"ip", std::string("\0\xff", 2)}};
  e.schema = 3;
  auto committed = log_->Execute(AppendAll({e}));
  ASSERT_TRUE(committed);
  auto back = log_->ReadRange(0, 10);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0], (*committed)[0]);
  EXPECT_EQ((*back)[0].sealed, e.sealed);
  EXPECT_EQ((*back)[0].schema, 3u);
  EXPECT_EQ((*back)[0].data, e.data);
}

TEST_F(EventLogTest, DecisionSeesItsOwnWritesAndCommittedState) {
  auto first = log_->Execute([](Txn& txn) -> Result<void> {
    auto missing = txn.Get("unique", "k");
    EXPECT_TRUE(missing && !missing->has_value());
    if (auto put = txn.Put("unique", "k", "v1"); !put) return put.error();
    auto seen = txn.Get("unique", "k");
    EXPECT_TRUE(seen && seen->has_value() && **seen == "v1");
    // The inline projection applied the event at once.
    if (auto e = txn.Append(MakeEvent("t", "s")); !e) return e.error();
    auto count = txn.Get("proj_counts", "t");
    EXPECT_TRUE(count && count->has_value() && **count == "1");
    return {};
  });
  ASSERT_TRUE(first) << first.error().message();
  auto committed = log_->Get("unique", "k");
  ASSERT_TRUE(committed);
  EXPECT_EQ(committed->value_or(""), "v1");

  auto second = log_->Execute([](Txn& txn) -> Result<void> {
    auto seen = txn.Get("unique", "k");
    EXPECT_TRUE(seen && seen->has_value() && **seen == "v1");
    return txn.Delete("unique", "k");
  });
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->empty());
  auto gone = log_->Get("unique", "k");
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->has_value());
  EXPECT_EQ(log_->Head(), 1u);  // a command without events leaves the head alone
}

TEST_F(EventLogTest, ScanVisitsAPrefixFromAStart) {
  auto put = log_->Execute([](Txn& txn) -> Result<void> {
    for (const char* k : {"a:1", "a:2", "a:3", "b:1"}) {
      if (auto r = txn.Put("unique", k, std::string("v") + k); !r) return r.error();
    }
    return {};
  });
  ASSERT_TRUE(put);
  std::vector<std::string> keys;
  auto scan = log_->Scan("unique", "a:", "a:2", [&](std::string_view k, std::string_view v) {
    keys.emplace_back(k);
    EXPECT_EQ(v, "v" + std::string(k));
    return true;
  });
  ASSERT_TRUE(scan);
  EXPECT_EQ(keys, (std::vector<std::string>{"a:2", "a:3"}));
  auto unknown = log_->Scan("no_such_family", "", "", [](auto, auto) { return true; });
  EXPECT_EQ(unknown.error(), Errc::kInvalidArgument);
  EXPECT_EQ(log_->Get("no_such_family", "k").error(), Errc::kInvalidArgument);
}

TEST_F(EventLogTest, BadAppendsAndUnknownFamiliesAreRefused) {
  auto no_type = log_->Execute(AppendAll({MakeEvent("", "s")}));
  EXPECT_EQ(no_type.error(), Errc::kInvalidArgument);
  auto no_stream = log_->Execute(AppendAll({MakeEvent("t", "")}));
  EXPECT_EQ(no_stream.error(), Errc::kInvalidArgument);
  auto nul_stream = log_->Execute(AppendAll({MakeEvent("t", std::string("a\0b", 3))}));
  EXPECT_EQ(nul_stream.error(), Errc::kInvalidArgument);
  auto unknown =
      log_->Execute([](Txn& txn) -> Result<void> { return txn.Put("no_such_family", "k", "v"); });
  EXPECT_EQ(unknown.error(), Errc::kInvalidArgument);
  EXPECT_EQ(log_->Head(), 0u);
}

// Every event Append accepts must read back as committed: otherwise one event makes the log
// unreadable, and when it is the last one the log can no longer be opened at all.
void ExpectAcceptedEventReadsBack(const core::Event& e) {
  TempDir dir;
  core::ManualClock clock(kT0);
  auto log = OpenOrDie(Options(dir.path()), clock);
  ASSERT_NE(log, nullptr);
  auto committed = log->Execute(AppendAll({e}));
  if (!committed) return;  // refusing it is fine
  auto back = log->ReadRange(0, 1);
  EXPECT_TRUE(back) << "committed, but the log cannot read it back: " << back.error().message();
  if (back && back->size() == 1) {
    EXPECT_EQ((*back)[0], (*committed)[0]) << "the committed form differs from the stored form";
  }
  log.reset();
  auto reopened = EventLog::Open(Options(dir.path()), test_support::FixedMasterKey(), clock,
                                 test_support::CountingProjections());
  EXPECT_TRUE(reopened) << "the log no longer opens: " << reopened.error().message();
}

TEST(EventLogLimitsTest, DeeplyNestedDataIsRefusedOrReadsBack) {
  boost::json::value deep = boost::json::object{};
  for (int i = 0; i < 20; ++i)
    deep = boost::json::object{{"x", deep}};
  ExpectAcceptedEventReadsBack(MakeEvent("t", "s", deep.as_object()));
}

TEST(EventLogLimitsTest, NonUtf8DataIsRefusedOrReadsBack) {
  ExpectAcceptedEventReadsBack(MakeEvent("t", "s", {{"name", "caf\xe9"}}));  // Latin-1
}

TEST(EventLogLimitsTest, OversizedShortFieldIsRefusedOrReadsBack) {
  auto e = MakeEvent("t", "s");
  e.request_id = std::string(70'000, 'r');  // str8 fields hold at most 65535 bytes
  ExpectAcceptedEventReadsBack(e);
}

}  // namespace
}  // namespace authd::storage
