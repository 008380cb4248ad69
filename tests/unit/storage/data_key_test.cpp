// Data keys and crypto-shredding: sealed personal data opens with the subject's key until the key
// is destroyed, and never again after that.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/sealing.hpp"
#include "storage/error.hpp"
#include "storage/event_log.hpp"
#include "storage/verify.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace authd::storage {
namespace {

using test_support::FixedMasterKey;
using test_support::MakeEvent;
using test_support::OpenOrDie;
using test_support::Options;
using test_support::TempDir;

// A decision that gives `subject` a data key and appends a signup whose email is sealed under it.
DecideFn SignUp(std::string subject, std::string email) {
  return [subject = std::move(subject), email = std::move(email)](Txn& txn) -> Result<void> {
    auto key = txn.CreateDataKey(subject);
    if (!key) return key.error();
    auto e = MakeEvent("user.signed_up", subject, {{"username", subject}});
    e.subject = subject;
    e.sealed.emplace("email", core::Seal(*key, subject, "email", email));
    auto appended = txn.Append(std::move(e));
    if (!appended) return appended.error();
    return {};
  };
}

DecideFn Erase(std::string subject) {
  return [subject = std::move(subject)](Txn& txn) -> Result<void> {
    txn.DestroyDataKey(subject);
    auto gone = txn.DataKey(subject);
    EXPECT_EQ(gone.error(), core::Errc::kKeyErased) << "the decision sees its own destroy";
    auto e = txn.Append(MakeEvent("user.deleted", subject));
    if (!e) return e.error();
    return {};
  };
}

// Every data key the log will hand out, by subject.
std::vector<std::pair<std::string, core::Key256>> KeysTheLogGivesOut(const EventLog& log) {
  std::vector<std::string> subjects;
  auto scan = log.Scan("keys", "", "", [&](std::string_view k, std::string_view) {
    subjects.emplace_back(k);
    return true;
  });
  EXPECT_TRUE(scan);
  std::vector<std::pair<std::string, core::Key256>> out;
  for (const auto& s : subjects) {
    auto key = log.DataKey(s);
    if (key) out.emplace_back(s, *key);
  }
  return out;
}

class DataKeyTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open(const core::Key256& master = FixedMasterKey()) {
    log_.reset();
    log_ = OpenOrDie(Options(dir_.path()), clock_, test_support::CountingProjections(), master);
    ASSERT_NE(log_, nullptr);
  }
  // The stored email blob of the first event of `stream`.
  std::string EmailBlob(const std::string& stream) {
    auto events = log_->ReadStream(stream, 0, 1);
    EXPECT_TRUE(events && events->size() == 1);
    if (!events || events->empty()) return {};
    return (*events)[0].sealed.at("email");
  }

  TempDir dir_;
  core::ManualClock clock_;
  std::unique_ptr<EventLog> log_;
};

TEST_F(DataKeyTest, SealedDataOpensUntilTheKeyIsDestroyed) {
  ASSERT_TRUE(log_->Execute(SignUp("usr_1", "a@b.c")));
  ASSERT_TRUE(log_->Execute(SignUp("usr_2", "x@y.z")));
  const std::string blob1 = EmailBlob("usr_1");
  const std::string blob2 = EmailBlob("usr_2");

  auto key1 = log_->DataKey("usr_1");
  ASSERT_TRUE(key1) << key1.error().message();
  auto opened = core::Open(*key1, "usr_1", "email", blob1);
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, "a@b.c");
  // The stored key is wrapped, never the raw key.
  auto wrapped = log_->Get("keys", "usr_1");
  ASSERT_TRUE(wrapped && wrapped->has_value());
  EXPECT_EQ((*wrapped)->find(std::string(reinterpret_cast<const char*>(key1->data()), 32)),
            std::string::npos);

  ASSERT_TRUE(log_->Execute(Erase("usr_1")));
  auto erased = log_->DataKey("usr_1");
  EXPECT_EQ(erased.error(), core::Errc::kKeyErased);
  EXPECT_FALSE(log_->Get("keys", "usr_1")->has_value());

  auto check_after_erasure = [&] {
    EXPECT_EQ(log_->DataKey("usr_1").error(), core::Errc::kKeyErased);
    for (const auto& [subject, key] : KeysTheLogGivesOut(*log_)) {
      EXPECT_FALSE(core::Open(key, "usr_1", "email", blob1)) << "opened by the key of " << subject;
    }
    EXPECT_FALSE(core::Open(FixedMasterKey(), "usr_1", "email", blob1));
    // The fact stays: the events are still there and the chain still verifies.
    auto stream = log_->ReadStream("usr_1", 0, 10);
    ASSERT_TRUE(stream);
    EXPECT_EQ(stream->size(), 2u);
    auto chain = VerifyChain(*log_);
    ASSERT_TRUE(chain);
    EXPECT_FALSE(chain->first_bad.has_value()) << chain->reason;
    // Another subject is untouched.
    auto key2 = log_->DataKey("usr_2");
    ASSERT_TRUE(key2);
    auto opened2 = core::Open(*key2, "usr_2", "email", blob2);
    ASSERT_TRUE(opened2);
    EXPECT_EQ(*opened2, "x@y.z");
  };
  check_after_erasure();
  ASSERT_NO_FATAL_FAILURE(Open());
  check_after_erasure();
}

TEST_F(DataKeyTest, ASubjectGetsOneKey) {
  ASSERT_TRUE(log_->Execute(SignUp("usr_1", "a@b.c")));
  const auto original = log_->DataKey("usr_1");
  ASSERT_TRUE(original);

  // In a later group.
  auto again = log_->Execute([](Txn& txn) -> Result<void> {
    auto k = txn.CreateDataKey("usr_1");
    if (!k) return k.error();
    return {};
  });
  EXPECT_EQ(again.error(), core::Errc::kConflict);
  // Twice in one decision.
  auto twice = log_->Execute([](Txn& txn) -> Result<void> {
    auto first = txn.CreateDataKey("usr_3");
    if (!first) return first.error();
    auto second = txn.CreateDataKey("usr_3");
    if (!second) return second.error();
    return {};
  });
  EXPECT_EQ(twice.error(), core::Errc::kConflict);
  EXPECT_FALSE(log_->Get("keys", "usr_3")->has_value());
  // Twice in one group, by two commands.
  std::vector<Result<Committed>> results;
  {
    test_support::WriterGate gate;
    gate.Hold(*log_);
    for (int i = 0; i < 2; ++i) {
      log_->Submit(SignUp("usr_4", "p@q.r"),
                   [&](Result<Committed> r) { results.push_back(std::move(r)); });
    }
    gate.Release();
  }
  ASSERT_TRUE(log_->Execute([](Txn&) -> Result<void> { return {}; }));  // both are done by now
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0]);
  EXPECT_EQ(results[1].error(), core::Errc::kConflict);

  auto now = log_->DataKey("usr_1");
  ASSERT_TRUE(now);
  EXPECT_TRUE(std::equal(now->bytes().begin(), now->bytes().end(), original->bytes().begin()));
}

// "Deleting a user destroys the key (and compacts that range), so ... the personal data becomes
// unreadable everywhere, including backups made afterwards." A copy of the data folder taken
// after the erasure was acknowledged must not hold the wrapped key any more.
TEST_F(DataKeyTest, DestroyedKeyIsPhysicallyGoneFromTheDataFolder) {
  ASSERT_TRUE(log_->Execute(SignUp("usr_1", "a@b.c")));
  ASSERT_TRUE(log_->Execute(SignUp("usr_2", "x@y.z")));
  auto wrapped = log_->Get("keys", "usr_1");
  ASSERT_TRUE(wrapped && wrapped->has_value());
  const std::string needle = **wrapped;

  ASSERT_TRUE(log_->Execute(Erase("usr_1")));
  // The writer compacts after completing the erasing group; the next command starts after that.
  ASSERT_TRUE(log_->Execute([](Txn&) -> Result<void> { return {}; }));

  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path())) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(needle), std::string::npos)
        << "the wrapped data key of an erased subject is still in " << entry.path().filename();
  }
}

// Rows read from table files are cached by RocksDB (row cache): a cached row must never hide a
// later write or delete, whether that is still in the memtable or flushed in turn. Each erasure
// flushes every family, which moves the row into a table file.
TEST_F(DataKeyTest, RowsInTableFilesAlwaysReadTheirLatestWrite) {
  auto put = [&](std::string value) {
    return log_->Execute(
        [value](Txn& txn) -> Result<void> { return txn.Put("unique", "row", value); });
  };
  auto read = [&]() -> std::optional<std::string> {
    auto row = log_->Get("unique", "row");
    EXPECT_TRUE(row);
    return row ? *row : std::nullopt;
  };
  ASSERT_TRUE(put("first"));
  ASSERT_TRUE(log_->Execute(SignUp("usr_1", "a@b.c")));
  ASSERT_TRUE(log_->Execute(Erase("usr_1")));  // flushes: "row" is now in a table file
  EXPECT_EQ(read(), "first");
  EXPECT_EQ(read(), "first");  // the second read is served from the row cache

  ASSERT_TRUE(put("second"));  // in the memtable, above the cached table-file row
  EXPECT_EQ(read(), "second");
  ASSERT_TRUE(log_->Execute(SignUp("usr_2", "x@y.z")));
  ASSERT_TRUE(log_->Execute(Erase("usr_2")));
  EXPECT_EQ(read(), "second");

  ASSERT_TRUE(log_->Execute([](Txn& txn) -> Result<void> { return txn.Delete("unique", "row"); }));
  EXPECT_EQ(read(), std::nullopt);
  ASSERT_TRUE(log_->Execute(SignUp("usr_3", "p@q.r")));
  ASSERT_TRUE(log_->Execute(Erase("usr_3")));
  EXPECT_EQ(read(), std::nullopt);
}

// Each erasure flushes every family (so the write-ahead log holding the wrapped key can go), which
// leaves one small table file per family. Families keyed by sequence never overlap their older
// files, so RocksDB would move those files down unmerged: 300 deletions used to leave ~900 files,
// one descriptor each up to max_open_files. The log merges them instead.
TEST_F(DataKeyTest, ManyErasuresDoNotPileUpTableFiles) {
  constexpr int kUsers = 300;
  for (int i = 0; i < kUsers; ++i) {
    const std::string subject = "usr_" + std::to_string(i);
    ASSERT_TRUE(log_->Execute(SignUp(subject, subject + "@example.com")));
    ASSERT_TRUE(log_->Execute(Erase(subject)));
  }
  ASSERT_TRUE(log_->Execute([](Txn&) -> Result<void> { return {}; }));
  int tables = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    if (entry.path().extension() == ".sst") ++tables;
  }
  EXPECT_LE(tables, 120) << "table files after " << kUsers << " erasures";
}

// Opening the log with the wrong master key must never let a decision replace a subject's stored
// key: that would destroy the real key (and every sealed field) by accident.
TEST_F(DataKeyTest, WrongMasterKeyIsRefusedAndNeverReplacesAStoredKey) {
  ASSERT_TRUE(log_->Execute(SignUp("usr_1", "a@b.c")));
  const std::string blob = EmailBlob("usr_1");
  log_.reset();

  // The log refuses a master key that does not open its key check, before unwrapping anything
  // (and so before any decision could write a new data key over one it cannot read).
  auto wrong = EventLog::Open(Options(dir_.path()), FixedMasterKey(0x40), clock_,
                              test_support::CountingProjections());
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error(), storage::Errc::kWrongMasterKey);

  ASSERT_NO_FATAL_FAILURE(Open(FixedMasterKey()));
  auto key = log_->DataKey("usr_1");
  ASSERT_TRUE(key) << key.error().message();
  auto opened = core::Open(*key, "usr_1", "email", blob);
  ASSERT_TRUE(opened) << "the original data key is lost";
  EXPECT_EQ(*opened, "a@b.c");
  auto recreate = log_->Execute([](Txn& txn) -> Result<void> {
    auto k = txn.CreateDataKey("usr_1");
    if (!k) return k.error();
    return {};
  });
  EXPECT_FALSE(recreate) << "CreateDataKey replaced a stored key";
}

TEST_F(DataKeyTest, DestroyInARefusedDecisionIsRolledBack) {
  ASSERT_TRUE(log_->Execute(SignUp("usr_1", "a@b.c")));
  auto refused = log_->Execute([](Txn& txn) -> Result<void> {
    txn.DestroyDataKey("usr_1");
    return core::Errc::kForbidden;
  });
  EXPECT_EQ(refused.error(), core::Errc::kForbidden);
  EXPECT_TRUE(log_->DataKey("usr_1"));
  ASSERT_NO_FATAL_FAILURE(Open());
  auto key = log_->DataKey("usr_1");
  ASSERT_TRUE(key);
  EXPECT_TRUE(core::Open(*key, "usr_1", "email", EmailBlob("usr_1")));
}

}  // namespace
}  // namespace authd::storage
