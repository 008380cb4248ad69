// The operator's commands, run as a user would: the real `authd` binary on a temp data folder.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <boost/json.hpp>
#include <sstream>

#include "core/clock.hpp"
#include "storage/event_log.hpp"
#include "storage/master_key.hpp"
#include "tests/integration/process.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace authd {
namespace {

using storage::test_support::TempDir;
using test::ProcessResult;
using test::RunProcess;

constexpr const char* kAdminPassword = "correct horse battery staple";

class CliTest : public ::testing::Test {
 protected:
  ProcessResult Authd(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), AUTHD_BINARY);
    return RunProcess(args, input);
  }

  ProcessResult AddUser(const std::string& name, std::vector<std::string> extra = {},
                        const std::string& password = kAdminPassword) {
    std::vector<std::string> args = {"user",
                                     "add",
                                     "--data",
                                     dir_.path(),
                                     "--username",
                                     name,
                                     "--email",
                                     name + "@example.com",
                                     "--password-stdin"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Authd(args, password + "\n");
  }

  static std::vector<boost::json::object> Lines(const std::string& text) {
    std::vector<boost::json::object> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      out.push_back(boost::json::parse(line).as_object());
    }
    return out;
  }

  TempDir dir_;
};

TEST_F(CliTest, UserAddLogAndVerifyOnAFreshFolder) {
  auto added = AddUser("Admin", {"--role", "admin", "--display-name", "The Admin"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  auto user = boost::json::parse(added.out).as_object();
  EXPECT_EQ(user.at("username").as_string(), "admin");
  EXPECT_EQ(boost::json::serialize(user.at("roles")), R"(["admin","user"])");
  EXPECT_NE(added.err.find("master key"), std::string::npos);  // it says it created one

  ASSERT_EQ(AddUser("bob").exit_code, 0);
  auto log = Authd({"log", "--data", dir_.path()});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  auto events = Lines(log.out);
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0].at("seq").as_int64(), 1);
  EXPECT_EQ(events[0].at("type").as_string(), "user.signed_up");
  EXPECT_EQ(events[0].at("actor").as_string(), "cli");
  EXPECT_EQ(events[0].at("sealed").at("email").as_string(), "admin@example.com");
  EXPECT_EQ(events[0].at("sealed").at("password_hash").as_string(), "[redacted]");
  EXPECT_EQ(log.out.find(kAdminPassword), std::string::npos);
  EXPECT_EQ(log.out.find("argon2"), std::string::npos);
  EXPECT_EQ(events[1].at("prev_hash"), events[0].at("hash"));

  auto verify = Authd({"verify", "--data", dir_.path()});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("chain: ok (2 events)"), std::string::npos);
  EXPECT_NE(verify.out.find("projection users: ok"), std::string::npos);

  auto rebuild = Authd({"rebuild", "--data", dir_.path()});
  EXPECT_EQ(rebuild.exit_code, 0) << rebuild.err;
  EXPECT_EQ(Authd({"verify", "--data", dir_.path()}).exit_code, 0);
}

TEST_F(CliTest, LogFilters) {
  for (const char* name : {"ann", "ben", "cat"})
    ASSERT_EQ(AddUser(name).exit_code, 0);
  auto after = Lines(Authd({"log", "--data", dir_.path(), "--after", "1", "--limit", "1"}).out);
  ASSERT_EQ(after.size(), 1U);
  EXPECT_EQ(after[0].at("seq").as_int64(), 2);
  auto by_type = Lines(Authd({"log", "--data", dir_.path(), "--type", "user.signed_up"}).out);
  EXPECT_EQ(by_type.size(), 3U);
  EXPECT_TRUE(Lines(Authd({"log", "--data", dir_.path(), "--type", "user.deleted"}).out).empty());
  const std::string ben = std::string(after[0].at("stream").as_string());
  auto by_user = Lines(Authd({"log", "--data", dir_.path(), "--user", ben}).out);
  ASSERT_EQ(by_user.size(), 1U);
  EXPECT_EQ(by_user[0].at("sealed").at("username").as_string(), "ben");
}

TEST_F(CliTest, TamperedEventIsNamedByVerify) {
  for (const char* name : {"ann", "ben", "cat"})
    ASSERT_EQ(AddUser(name).exit_code, 0);
  {
    // Rewrite history: change one byte of the stored record of seq 2.
    rocksdb::Options options;
    std::vector<std::string> families;
    const std::string path = dir_.Sub("log");
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(options, path, &families).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const auto& f : families)
      descriptors.emplace_back(f, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, path, descriptors, &handles, &db).ok());
    rocksdb::ColumnFamilyHandle* events = nullptr;
    for (auto* h : handles) {
      if (h->GetName() == "events") events = h;
    }
    ASSERT_NE(events, nullptr);
    const std::string key("\0\0\0\0\0\0\0\x02", 8);
    std::string value;
    ASSERT_TRUE(db->Get({}, events, key, &value).ok());
    const auto at = value.find("user.signed_up");
    ASSERT_NE(at, std::string::npos);
    value[at] = 'U';
    ASSERT_TRUE(db->Put({}, events, key, value).ok());
    for (auto* h : handles)
      ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
    delete db;
  }
  auto verify = Authd({"verify", "--data", dir_.path()});
  EXPECT_EQ(verify.exit_code, 1);
  EXPECT_NE(verify.out.find("FAILED at seq 2"), std::string::npos) << verify.out;
}

TEST_F(CliTest, BadUsageAndBadFoldersFailClearly) {
  auto unknown = Authd({"frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown command"), std::string::npos);
  EXPECT_EQ(Authd({"log", "--data", dir_.path(), "--limit", "many"}).exit_code, 2);

  auto missing = Authd({"verify", "--data", dir_.Sub("nowhere")});
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos);

  auto no_stdin = Authd(
      {"user", "add", "--data", dir_.path(), "--username", "zed", "--email", "zed@example.com"});
  EXPECT_EQ(no_stdin.exit_code, 2);
  EXPECT_NE(no_stdin.err.find("--password-stdin"), std::string::npos);
}

TEST_F(CliTest, WeakPasswordIsRefusedWithoutEchoingIt) {
  const std::string weak = "password1234";
  auto r = AddUser("dora", {}, weak);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("password"), std::string::npos);
  EXPECT_EQ(r.err.find(weak), std::string::npos);
  EXPECT_EQ(r.out.find(weak), std::string::npos);
}

TEST_F(CliTest, TakenUsernameIsRefused) {
  ASSERT_EQ(AddUser("eve").exit_code, 0);
  auto again = AddUser("EVE");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already taken"), std::string::npos);
}

TEST_F(CliTest, FolderInUseByAnotherProcessIsReported) {
  ASSERT_EQ(AddUser("fay").exit_code, 0);
  // Hold the log open in this process, as a running server would.
  core::SystemClock clock;
  storage::LogOptions options;
  options.path = dir_.Sub("log");
  auto master = storage::LoadMasterKey("", dir_.Sub("master.key"), false);
  ASSERT_TRUE(master);
  auto held = storage::EventLog::Open(options, master->key, clock, {});
  ASSERT_TRUE(held) << held.error().message();
  auto r = AddUser("gus");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("in use by another authd process"), std::string::npos) << r.err;
}

TEST_F(CliTest, WrongMasterKeyIsRefused) {
  ASSERT_EQ(AddUser("ivan").exit_code, 0);
  auto r = RunProcess({AUTHD_BINARY, "log", "--data", dir_.path()}, "",
                      {"AUTHD_MASTER_KEY=" + std::string(64, 'a')});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("master key does not match"), std::string::npos) << r.err;
}

TEST_F(CliTest, KeysRotateMakesANewSigningKey) {
  EXPECT_EQ(Authd({"keys", "rotate", "--data", dir_.path()}).exit_code, 3);  // no folder yet
  ASSERT_EQ(AddUser("kim").exit_code, 0);
  auto first = Authd({"keys", "rotate", "--data", dir_.path()});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto second = Authd({"keys", "rotate", "--data", dir_.path()});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  auto a = boost::json::parse(first.out).as_object();
  auto b = boost::json::parse(second.out).as_object();
  EXPECT_EQ(b.at("retired"), a.at("kid"));
  EXPECT_NE(b.at("kid"), a.at("kid"));
  EXPECT_EQ(Authd({"keys", "--data", dir_.path()}).exit_code, 2);
}

TEST_F(CliTest, MasterKeyFileMustBePrivate) {
  ASSERT_EQ(AddUser("hal").exit_code, 0);
  ASSERT_EQ(::chmod(dir_.Sub("master.key").c_str(), 0644), 0);
  auto r = Authd({"log", "--data", dir_.path()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("0600"), std::string::npos);
}

}  // namespace
}  // namespace authd
