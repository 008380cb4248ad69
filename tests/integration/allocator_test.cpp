// The server runs on the allocator the build chose (docs/MEMORY.md): jemalloc unless configured
// with AUTHD_JEMALLOC=OFF (the sanitizer presets). Linking it silently away would bring back the
// heap growth the soak found, so the build's promise is checked on the running process.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "tests/integration/server.hpp"

namespace authd::test {
namespace {

TEST(AllocatorTest, ServerRunsOnTheAllocatorTheBuildChose) {
  AuthdServer server;
  ASSERT_TRUE(server.ok()) << server.error();
  std::ifstream maps("/proc/" + std::to_string(server.pid()) + "/maps");
  ASSERT_TRUE(maps.is_open());
  std::stringstream text;
  text << maps.rdbuf();
  const bool jemalloc = text.str().find("libjemalloc") != std::string::npos;
  EXPECT_EQ(jemalloc, AUTHD_EXPECT_JEMALLOC != 0);
}

}  // namespace
}  // namespace authd::test
