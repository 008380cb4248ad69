// The master key: from the environment (hex or base64url) or a key file that must be private.
#include "storage/master_key.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/hashing.hpp"
#include "storage/error.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace authd::storage {
namespace {

using test_support::FixedMasterKey;
using test_support::TempDir;

bool SameKey(const core::Key256& a, const core::Key256& b) {
  return std::equal(a.bytes().begin(), a.bytes().end(), b.bytes().begin());
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

void WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fd);
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);  // whatever the umask said
}

TEST(MasterKeyTest, FromHexEnvironmentValue) {
  const auto expected = FixedMasterKey();
  const std::string hex = core::ToHex(expected.bytes());
  ASSERT_EQ(hex.size(), 64u);
  TempDir dir;
  auto loaded = LoadMasterKey(hex, dir.Sub("unused.key"), true);
  ASSERT_TRUE(loaded) << loaded.error().message();
  EXPECT_TRUE(SameKey(loaded->key, expected));
  EXPECT_EQ(loaded->source, "environment");
  EXPECT_FALSE(loaded->created);
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("unused.key")));  // the environment wins

  std::string upper = hex;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  auto from_upper = LoadMasterKey("  " + upper + "\n", dir.Sub("unused.key"), false);
  ASSERT_TRUE(from_upper);
  EXPECT_TRUE(SameKey(from_upper->key, expected));
}

TEST(MasterKeyTest, FromBase64UrlEnvironmentValue) {
  const auto expected = FixedMasterKey(0xC0);  // bytes >= 0xC0 produce '-' and '_' characters
  const std::string b64 = core::ToBase64Url(expected.bytes());
  ASSERT_EQ(b64.size(), 43u);
  TempDir dir;
  auto loaded = LoadMasterKey(b64, dir.Sub("unused.key"), false);
  ASSERT_TRUE(loaded) << loaded.error().message();
  EXPECT_TRUE(SameKey(loaded->key, expected));
  EXPECT_EQ(loaded->source.find(b64), std::string::npos);
}

TEST(MasterKeyTest, MalformedEnvironmentValues) {
  TempDir dir;
  const std::string hex = core::ToHex(FixedMasterKey().bytes());
  const std::string b64 = core::ToBase64Url(FixedMasterKey().bytes());
  for (const std::string& bad : {
           hex.substr(0, 63),         // one digit short
           hex + "0",                 // one digit long
           "zz" + hex.substr(2),      // not hex
           hex.substr(0, 62) + " 0",  // a space inside
           b64.substr(0, 42),         // short base64url
           b64 + "=",                 // padding
           std::string(43, '+'),      // standard, not URL-safe, alphabet
           std::string("not a key"),
       }) {
    SCOPED_TRACE(bad);
    auto loaded = LoadMasterKey(bad, dir.Sub("unused.key"), true);
    ASSERT_FALSE(loaded);
    EXPECT_EQ(loaded.error(), Errc::kInvalidArgument);
    EXPECT_FALSE(std::filesystem::exists(dir.Sub("unused.key")));
  }
}

TEST(MasterKeyTest, KeyFileIsCreatedPrivateOnceAndThenReused) {
  TempDir dir;
  const std::string folder = dir.Sub("data");  // does not exist yet
  const std::string path = folder + "/master.key";
  auto first = LoadMasterKey("", path, true);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->source, "key file " + path);
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(ModeOf(folder), 0700u);

  auto second = LoadMasterKey("", path, true);
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_FALSE(second->created);
  EXPECT_TRUE(SameKey(first->key, second->key));
  auto third = LoadMasterKey("", path, false);
  ASSERT_TRUE(third);
  EXPECT_TRUE(SameKey(first->key, third->key));
  EXPECT_FALSE(SameKey(first->key, core::Key256()));
}

TEST(MasterKeyTest, KeyFileInBase64UrlIsAccepted) {
  TempDir dir;
  const std::string path = dir.Sub("master.key");
  ASSERT_NO_FATAL_FAILURE(
      WriteFile(path, core::ToBase64Url(FixedMasterKey(7).bytes()) + "\n", 0600));
  auto loaded = LoadMasterKey("", path, false);
  ASSERT_TRUE(loaded) << loaded.error().message();
  EXPECT_TRUE(SameKey(loaded->key, FixedMasterKey(7)));
}

TEST(MasterKeyTest, KeyFileReadableByOthersIsRefused) {
  TempDir dir;
  const std::string path = dir.Sub("master.key");
  ASSERT_NO_FATAL_FAILURE(WriteFile(path, core::ToHex(FixedMasterKey().bytes()) + "\n", 0644));
  auto loaded = LoadMasterKey("", path, true);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error(), Errc::kInvalidArgument);
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  EXPECT_EQ(LoadMasterKey("", path, true).error(), Errc::kInvalidArgument);
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  EXPECT_TRUE(LoadMasterKey("", path, true));
}

TEST(MasterKeyTest, MalformedKeyFileIsRefused) {
  TempDir dir;
  const std::string path = dir.Sub("master.key");
  ASSERT_NO_FATAL_FAILURE(WriteFile(path, "definitely not a key\n", 0600));
  EXPECT_EQ(LoadMasterKey("", path, true).error(), Errc::kInvalidArgument);
}

TEST(MasterKeyTest, MissingKeyFileWithoutCreateIsNotFound) {
  TempDir dir;
  const std::string path = dir.Sub("master.key");
  auto loaded = LoadMasterKey("", path, false);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error(), Errc::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace authd::storage
