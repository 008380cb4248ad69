#include "core/argon2_memory.hpp"

#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>
#include <thread>

#include "core/password_hash.hpp"

namespace authd::core {
namespace {

constexpr int kHashFlags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE;
constexpr std::size_t kSize = 4U << 20;

void* MapLikeArgon2(std::size_t size) {
  return mmap(nullptr, size, PROT_READ | PROT_WRITE, kHashFlags, -1, 0);
}

bool AllZero(const void* p, std::size_t n) {
  const auto* b = static_cast<const unsigned char*>(p);
  return std::all_of(b, b + n, [](unsigned char c) { return c == 0; });
}

// Each case runs on a thread of its own, so it starts with no kept area.
template <class F>
void OnFreshThread(F f) {
  std::thread t(f);
  t.join();
}

class KeptArgon2MemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!KeptArgon2Memory::Enabled()) GTEST_SKIP() << "sanitizer build: mmap is not interposed";
  }
};

TEST_F(KeptArgon2MemoryTest, TheSecondHashOnAThreadReusesTheAreaAndFindsItWiped) {
  OnFreshThread([] {
    const KeptArgon2Memory keep;
    const auto before = KeptArgon2MemoryCounters();
    void* first = MapLikeArgon2(kSize);
    ASSERT_NE(first, MAP_FAILED);
    std::memset(first, 0xA5, kSize);  // what a hash leaves behind
    ASSERT_EQ(munmap(first, kSize), 0);

    void* second = MapLikeArgon2(kSize);
    EXPECT_EQ(second, first);
    EXPECT_TRUE(AllZero(second, kSize)) << "the previous hash's memory must not be handed on";
    ASSERT_EQ(munmap(second, kSize), 0);

    const auto after = KeptArgon2MemoryCounters();
    EXPECT_EQ(after.mapped - before.mapped, 1U);
    EXPECT_EQ(after.reused - before.reused, 1U);
  });
}

TEST_F(KeptArgon2MemoryTest, OutsideAGuardEveryMappingIsTheKernels) {
  OnFreshThread([] {
    const auto before = KeptArgon2MemoryCounters();
    void* p = MapLikeArgon2(kSize);
    ASSERT_NE(p, MAP_FAILED);
    ASSERT_EQ(munmap(p, kSize), 0);
    // Really unmapped: mincore on an unmapped range fails with ENOMEM.
    unsigned char vec[1];
    EXPECT_EQ(mincore(p, 4096, vec), -1);
    EXPECT_EQ(errno, ENOMEM);
    const auto after = KeptArgon2MemoryCounters();
    EXPECT_EQ(after.mapped, before.mapped);
    EXPECT_EQ(after.reused, before.reused);
  });
}

TEST_F(KeptArgon2MemoryTest, OtherRequestsInsideAGuardGoToTheKernel) {
  OnFreshThread([] {
    const KeptArgon2Memory keep;
    const auto before = KeptArgon2MemoryCounters();
    // Not populated: an allocator's request, not argon2id's.
    void* plain = mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(plain, MAP_FAILED);
    // A second argon2id-like request while the area is lent gets its own mapping.
    void* lent = MapLikeArgon2(kSize);
    void* other = MapLikeArgon2(kSize);
    ASSERT_NE(lent, MAP_FAILED);
    ASSERT_NE(other, MAP_FAILED);
    EXPECT_NE(other, lent);
    EXPECT_EQ(munmap(other, kSize), 0);
    EXPECT_EQ(munmap(lent, kSize), 0);
    EXPECT_EQ(munmap(plain, kSize), 0);
    const auto after = KeptArgon2MemoryCounters();
    EXPECT_EQ(after.mapped - before.mapped, 1U);
  });
}

TEST_F(KeptArgon2MemoryTest, ReleaseThisThreadUnmapsTheKeptArea) {
  OnFreshThread([] {
    void* kept = nullptr;
    {
      const KeptArgon2Memory keep;
      kept = MapLikeArgon2(kSize);
      ASSERT_NE(kept, MAP_FAILED);
      ASSERT_EQ(munmap(kept, kSize), 0);
    }
    unsigned char vec[1];
    EXPECT_EQ(mincore(kept, 4096, vec), 0) << "kept between hashes";
    KeptArgon2Memory::ReleaseThisThread();
    EXPECT_EQ(mincore(kept, 4096, vec), -1);
    EXPECT_EQ(errno, ENOMEM);
  });
}

TEST_F(KeptArgon2MemoryTest, ANewSizeReplacesTheKeptArea) {
  OnFreshThread([] {
    const KeptArgon2Memory keep;
    const auto before = KeptArgon2MemoryCounters();
    void* small = MapLikeArgon2(kSize);
    ASSERT_EQ(munmap(small, kSize), 0);
    void* large = MapLikeArgon2(2 * kSize);
    ASSERT_NE(large, MAP_FAILED);
    std::memset(large, 1, 2 * kSize);  // all of it is usable
    ASSERT_EQ(munmap(large, 2 * kSize), 0);
    const auto after = KeptArgon2MemoryCounters();
    EXPECT_EQ(after.mapped - before.mapped, 2U);
    EXPECT_EQ(after.reused - before.reused, 0U);
  });
}

// The point of it all: hashes made with a kept area are the same argon2id as libsodium's own.
TEST(KeptArgon2MemoryHashTest, HashesAgreeWithPlainLibsodiumBothWays) {
  OnFreshThread([] {
    const auto before = KeptArgon2MemoryCounters();
    const PasswordHasher hasher(Argon2Params{.memory_kib = 8 * 1024, .iterations = 1});
    const std::string password = "correct horse battery staple";
    for (int i = 0; i < 3; ++i) {
      auto ours = hasher.Hash(password);
      ASSERT_TRUE(ours);
      // Verified by libsodium outside any guard: its own mmap, its own memory.
      EXPECT_EQ(crypto_pwhash_str_verify(ours->c_str(), password.data(), password.size()), 0);

      char theirs[crypto_pwhash_STRBYTES];
      ASSERT_EQ(crypto_pwhash_str_alg(theirs, password.data(), password.size(), 1, 8U << 20,
                                      crypto_pwhash_ALG_ARGON2ID13),
                0);
      EXPECT_TRUE(hasher.Verify(theirs, password).ok);
      EXPECT_FALSE(hasher.Verify(theirs, "Correct horse battery staple").ok);
    }
    if (KeptArgon2Memory::Enabled()) {
      // The hasher's constructor gave back the area of its dummy hash; the first hash mapped it
      // again and the other 2 hashes and 6 verifies on this thread reused it.
      const auto after = KeptArgon2MemoryCounters();
      EXPECT_EQ(after.mapped - before.mapped, 2U);
      EXPECT_EQ(after.reused - before.reused, 8U);
    }
  });
}

}  // namespace
}  // namespace authd::core
