// Tampering with the stored bytes behind the log's back: VerifyChain names the first bad record.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/event_codec.hpp"
#include "core/sealing.hpp"
#include "storage/error.hpp"
#include "storage/event_log.hpp"
#include "storage/keys.hpp"
#include "storage/verify.hpp"
#include "tests/unit/storage/raw_rocks.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace authd::storage {
namespace {

using test_support::MakeEvent;
using test_support::OpenOrDie;
using test_support::Options;
using test_support::RawDb;
using test_support::TempDir;

constexpr std::uint64_t kEvents = 10;

class TamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = OpenOrDie(Options(dir_.path()), clock_);
    ASSERT_NE(log, nullptr);
    for (std::uint64_t i = 1; i <= kEvents; ++i) {
      auto r = log->Execute([i](Txn& txn) -> Result<void> {
        const std::string subject = "usr_" + std::to_string(i);
        auto key = txn.CreateDataKey(subject);
        if (!key) return key.error();
        auto e = MakeEvent("user.signed_up", subject,
                           {{"n", i}, {"note", "value-" + std::to_string(i)}});
        e.subject = subject;
        e.sealed.emplace("email", core::Seal(*key, subject, "email", "someone@example.com"));
        auto appended = txn.Append(std::move(e));
        if (!appended) return appended.error();
        return {};
      });
      ASSERT_TRUE(r) << r.error().message();
      clock_.Advance(1000);
    }
    auto chain = VerifyChain(*log);
    ASSERT_TRUE(chain);
    ASSERT_FALSE(chain->first_bad.has_value());
  }

  // Applies `mutate` to the closed log's folder through RocksDB directly.
  void Tamper(const std::function<void(RawDb&)>& mutate) {
    RawDb raw(dir_.path());
    ASSERT_TRUE(raw.ok());
    mutate(raw);
  }

  // Reopens with EventLog and runs VerifyChain.
  ChainReport Verify() {
    auto log = OpenOrDie(Options(dir_.path()), clock_);
    if (log == nullptr) return {};
    auto chain = VerifyChain(*log);
    EXPECT_TRUE(chain) << chain.error().message();
    return chain ? *chain : ChainReport{};
  }

  void ExpectFirstBad(std::uint64_t k) {
    const auto report = Verify();
    ASSERT_TRUE(report.first_bad.has_value()) << "tampering went unnoticed";
    EXPECT_EQ(*report.first_bad, k) << report.reason;
    EXPECT_FALSE(report.reason.empty());
    EXPECT_EQ(report.checked, k - 1);
  }

  static std::string Record(RawDb& raw, std::uint64_t seq) {
    auto value = raw.Get("events", SeqKey(seq));
    EXPECT_TRUE(value.has_value()) << seq;
    return value.value_or("");
  }

  TempDir dir_;
  core::ManualClock clock_;
};

void FlipByteAt(RawDb& raw, std::uint64_t seq,
                const std::function<std::size_t(const std::string&)>& where) {
  auto record = raw.Get("events", SeqKey(seq));
  ASSERT_TRUE(record.has_value());
  const std::size_t pos = where(*record);
  ASSERT_LT(pos, record->size());
  (*record)[pos] = static_cast<char>((*record)[pos] ^ 0x01);
  raw.Put("events", SeqKey(seq), *record);
}

TEST_F(TamperTest, OneByteOfDataJson) {
  for (std::uint64_t k : {1u, 5u, 10u}) {
    SCOPED_TRACE(k);
    // "value-5" -> "walue-5": still valid JSON, so the record decodes; only the hash can tell.
    ASSERT_NO_FATAL_FAILURE(Tamper([k](RawDb& raw) {
      FlipByteAt(raw, k,
                 [k](const std::string& r) { return r.find("value-" + std::to_string(k)); });
    }));
    ExpectFirstBad(k);
    // Undo, and the chain verifies again.
    ASSERT_NO_FATAL_FAILURE(Tamper([k](RawDb& raw) {
      FlipByteAt(raw, k,
                 [k](const std::string& r) { return r.find("walue-" + std::to_string(k)); });
    }));
    const auto clean = Verify();
    EXPECT_FALSE(clean.first_bad.has_value()) << clean.reason;
    EXPECT_EQ(clean.checked, kEvents);
  }
}

TEST_F(TamperTest, OneByteOfASealedBlob) {
  constexpr std::uint64_t k = 4;
  ASSERT_NO_FATAL_FAILURE(Tamper([](RawDb& raw) {
    const auto event = core::DecodeEvent(Record(raw, k));
    ASSERT_TRUE(event);
    const std::string blob = event->sealed.at("email");
    FlipByteAt(raw, k, [&](const std::string& r) { return r.find(blob) + blob.size() / 2; });
  }));
  ExpectFirstBad(k);
}

TEST_F(TamperTest, OneByteOfTheStoredHash) {
  constexpr std::uint64_t k = 6;
  ASSERT_NO_FATAL_FAILURE(Tamper(
      [](RawDb& raw) { FlipByteAt(raw, k, [](const std::string& r) { return r.size() - 1; }); }));
  ExpectFirstBad(k);
}

TEST_F(TamperTest, OneByteOfTheStoredPrevHash) {
  constexpr std::uint64_t k = 3;
  ASSERT_NO_FATAL_FAILURE(Tamper(
      [](RawDb& raw) { FlipByteAt(raw, k, [](const std::string& r) { return r.size() - 64; }); }));
  ExpectFirstBad(k);
}

TEST_F(TamperTest, TheSeqInsideTheRecord) {
  constexpr std::uint64_t k = 7;
  ASSERT_NO_FATAL_FAILURE(Tamper([](RawDb& raw) {
    FlipByteAt(raw, k, [](const std::string&) { return std::size_t{8}; });  // low byte of seq
  }));
  ExpectFirstBad(k);
}

TEST_F(TamperTest, ARecordDeletedInTheMiddle) {
  constexpr std::uint64_t k = 5;
  ASSERT_NO_FATAL_FAILURE(Tamper([](RawDb& raw) { raw.Delete("events", SeqKey(k)); }));
  ExpectFirstBad(k);
}

TEST_F(TamperTest, TwoRecordsSwapped) {
  constexpr std::uint64_t k = 5;
  ASSERT_NO_FATAL_FAILURE(Tamper([](RawDb& raw) {
    const std::string a = Record(raw, k);
    const std::string b = Record(raw, k + 1);
    raw.Put("events", SeqKey(k), b);
    raw.Put("events", SeqKey(k + 1), a);
  }));
  ExpectFirstBad(k);
}

TEST_F(TamperTest, ARecordReplacedByAReHashedForgery) {
  // Rewriting a record and re-sealing its own hash still breaks the link from the next record.
  constexpr std::uint64_t k = 5;
  ASSERT_NO_FATAL_FAILURE(Tamper([](RawDb& raw) {
    auto event = core::DecodeEvent(Record(raw, k));
    ASSERT_TRUE(event);
    event->data["note"] = "forged";
    const auto prev = event->prev_hash;
    raw.Put("events", SeqKey(k), core::SealChain(*event, prev));
  }));
  ExpectFirstBad(k + 1);
}

TEST_F(TamperTest, TheRecordedHeadHash) {
  ASSERT_NO_FATAL_FAILURE(Tamper([](RawDb& raw) {
    auto head = raw.Get("meta", "head");
    ASSERT_TRUE(head.has_value());
    (*head)[head->size() - 1] = static_cast<char>((*head)[head->size() - 1] ^ 0x01);
    raw.Put("meta", "head", *head);
  }));
  const auto report = Verify();
  ASSERT_TRUE(report.first_bad.has_value());
  EXPECT_EQ(*report.first_bad, kEvents) << report.reason;
}

TEST_F(TamperTest, DeletingTheLastRecordRefusesToOpen) {
  ASSERT_NO_FATAL_FAILURE(Tamper([](RawDb& raw) { raw.Delete("events", SeqKey(kEvents)); }));
  auto log = EventLog::Open(Options(dir_.path()), test_support::FixedMasterKey(), clock_,
                            test_support::CountingProjections());
  ASSERT_FALSE(log);
  EXPECT_EQ(log.error(), Errc::kCorruption);
}

}  // namespace
}  // namespace authd::storage
