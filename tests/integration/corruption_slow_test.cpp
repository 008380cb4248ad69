// One flipped byte in a stopped server's data folder, in a table file (SST) or in the write-ahead
// log: `authd verify` fails naming the corruption, and `authd serve` either refuses to start with
// a clear message or answers the requests that touch the damaged data with an error, never with
// data that differs from what was written. (A rewritten but well-formed record is caught by the
// hash chain instead: CliTest.TamperedEventIsNamedByVerify and the security catalogue.)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/api_client.hpp"

namespace authd::test {
namespace {

namespace fs = std::filesystem;

// Files in `dir` whose name ends with `suffix`, largest first.
std::vector<fs::path> FilesEndingWith(const fs::path& dir, std::string_view suffix) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.size() >= suffix.size() && name.ends_with(suffix) && entry.file_size() > 0) {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return fs::file_size(a) > fs::file_size(b); });
  return out;
}

// Inverts the bits of the byte at `offset`.
void FlipByte(const fs::path& file, std::uintmax_t offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f) << file;
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  ASSERT_TRUE(f.get(c)) << file << " has no byte " << offset;
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(~c));
}

std::string LowerCase(std::string s) {
  return Lower(std::move(s));
}

class CorruptionSlowTest : public ::testing::Test {
 protected:
  // A stopped server's folder with table files (a deletion flushes and compacts every family)
  // and a write-ahead log holding the writes made after that.
  void SetUp() override {
    AuthdServer server({.with_admin = true});
    ASSERT_TRUE(server.ok()) << server.error();
    Api api(server.port());
    Account admin = Admin(api, server);
    for (int i = 0; i < 20; ++i)
      users_.push_back(SignUp(api, "rot"));
    ASSERT_EQ(api.Get("/v1/users/" + users_.back().id, admin.access, "DELETE").result_int(), 204U);
    users_.pop_back();
    for (int i = 0; i < 5; ++i)
      users_.push_back(SignUp(api, "rot"));
    ASSERT_TRUE(server.Stop());
    fs::copy(server.data_dir(), folder_.Sub("data"), fs::copy_options::recursive);
    ASSERT_EQ(Verify().exit_code, 0);
  }

  ProcessResult Verify() {
    return RunProcess({AuthdBinary(), "verify", "--data", folder_.Sub("data")});
  }

  // Starts `authd serve` on the damaged folder: either it refuses with a clear message, or every
  // user it answers for is the one that was written (damaged reads must be errors).
  void ServeNeverLies() {
    AuthdServer server({.data_dir = folder_.Sub("data")});
    if (!server.ok()) {
      EXPECT_NE(LowerCase(server.error()).find("corrupt"), std::string::npos) << server.error();
      return;
    }
    Api api(server.port());
    for (auto& u : users_) {
      auto res = api.Send("POST", "/v1/sessions",
                          json::object{{"username", u.username}, {"password", u.password}});
      if (res.result_int() == 200) {
        EXPECT_EQ(Str(JsonObject(res).at("user").as_object(), "id"), u.id);
      } else {
        EXPECT_GE(res.result_int(), 500U) << u.username << ": " << Describe(res);
      }
    }
  }

  TempFolder folder_;
  std::vector<Account> users_;
};

TEST_F(CorruptionSlowTest, FlippedTableFileByteIsNamedAndNeverServed) {
  auto tables = FilesEndingWith(folder_.Sub("data") + "/log", ".sst");
  ASSERT_FALSE(tables.empty()) << "no table file: the deletion should have flushed";
  // Byte 100 lies in the first data block of the largest table (the events).
  FlipByte(tables.front(), 100);
  auto verify = Verify();
  EXPECT_NE(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(LowerCase(verify.out + verify.err).find("corrupt"), std::string::npos)
      << verify.out << verify.err;
  ServeNeverLies();
}

TEST_F(CorruptionSlowTest, FlippedWalByteIsNamedAndNeverServed) {
  auto wals = FilesEndingWith(folder_.Sub("data") + "/log", ".log");
  ASSERT_FALSE(wals.empty()) << "no write-ahead log";
  FlipByte(wals.front(), fs::file_size(wals.front()) / 2);
  auto verify = Verify();
  EXPECT_NE(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(LowerCase(verify.out + verify.err).find("corrupt"), std::string::npos)
      << verify.out << verify.err;
  ServeNeverLies();
}

}  // namespace
}  // namespace authd::test
