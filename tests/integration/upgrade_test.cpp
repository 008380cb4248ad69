// Upgrading over a data folder whose projection an older authd stored in another shape: `authd
// verify` says the projection is outdated (not tampered with), and the first `authd serve`
// rebuilds it from the log. The case: sessions version 1 kept each user's session ids as a JSON
// array (docs/STORAGE.md, "Projections").
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "projections/session_table.hpp"
#include "storage/keys.hpp"
#include "tests/integration/api_client.hpp"
#include "tests/integration/process.hpp"
#include "tests/integration/server.hpp"
#include "tests/unit/storage/raw_rocks.hpp"

namespace authd::test {
namespace {

TEST(UpgradeTest, ASessionsListOfVersionOneIsOutdatedThenRebuiltOnStart) {
  TempFolder folder;
  const std::string data = folder.Sub("data");
  Account user;
  {
    AuthdServer server({.data_dir = data});
    ASSERT_TRUE(server.ok()) << server.Log();
    const Api api(server.port());
    user = SignUp(api, "upgrade");
    LogIn(api, user);
    const std::string first = user.session_id;
    LogIn(api, user);
    ASSERT_TRUE(server.Stop());
    // What version 1 left: the list as a JSON array, the checkpoint at version 1.
    storage::test_support::RawDb raw(data + "/log");
    const std::string checkpoint_key = std::string(storage::kMetaCheckpointPrefix) + "sessions";
    const auto checkpoint = raw.Get(storage::kMetaFamily, checkpoint_key);
    ASSERT_TRUE(checkpoint && checkpoint->size() == 16)
        << "version and seq, 8 bytes big-endian each";
    // The version is big-endian like a sequence number.
    raw.Put(storage::kMetaFamily, checkpoint_key, storage::SeqKey(1) + checkpoint->substr(8));
    raw.Put(projections::kSessionsFamily, projections::UserSessionsKey(user.id),
            R"([")" + first + R"(",")" + user.session_id + R"("])");
  }

  auto before = RunProcess({AuthdBinary(), "verify", "--data", data});
  EXPECT_EQ(before.exit_code, 0) << before.out << before.err;
  EXPECT_NE(before.out.find("projection sessions: outdated: stored as version 1, this authd "
                            "builds version 2"),
            std::string::npos)
      << before.out;
  EXPECT_NE(before.out.find("chain: ok"), std::string::npos) << before.out;

  {
    AuthdServer server({.data_dir = data});
    ASSERT_TRUE(server.ok()) << server.Log();
    const Api api(server.port());
    auto sessions = api.Get("/v1/sessions", user.access);
    ASSERT_EQ(sessions.result_int(), 200U) << sessions.body();
    EXPECT_EQ(JsonObject(sessions).at("items").as_array().size(), 2U);
    // The rebuilt list keeps working: a third login, then signing the first one out.
    LogIn(api, user);
    sessions = api.Get("/v1/sessions", user.access);
    EXPECT_EQ(JsonObject(sessions).at("items").as_array().size(), 3U);
    ASSERT_TRUE(server.Stop());
  }
  auto after = RunProcess({AuthdBinary(), "verify", "--data", data});
  EXPECT_EQ(after.exit_code, 0) << after.out << after.err;
  EXPECT_NE(after.out.find("projection sessions: ok"), std::string::npos) << after.out;
}

}  // namespace
}  // namespace authd::test
