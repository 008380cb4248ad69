#include "core/argon2_memory.hpp"

#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <iterator>
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

// mincore() fails with ENOMEM exactly when the page at `p` is not mapped.
bool Mapped(void* p) {
  unsigned char vec[1];
  const int r = mincore(p, 4096, vec);
  const int err = errno;
  EXPECT_TRUE(r == 0 || err == ENOMEM) << "mincore failed otherwise: " << err;
  return r == 0;
}

TEST_F(KeptArgon2MemoryTest, TheSecondHashOnAThreadReusesTheAreaAndFindsItWiped) {
  OnFreshThread([] {
    const KeptArgon2Memory keep(kSize);
    const auto before = KeptArgon2MemoryCounters();
    void* first = MapLikeArgon2(kSize);
    ASSERT_NE(first, MAP_FAILED);
    std::memset(first, 0xA5, kSize);  // what a hash leaves behind
    ASSERT_EQ(munmap(first, kSize), 0);
    EXPECT_TRUE(Mapped(first)) << "kept between hashes";

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
    EXPECT_FALSE(Mapped(p));
    const auto after = KeptArgon2MemoryCounters();
    EXPECT_EQ(after.mapped, before.mapped);
    EXPECT_EQ(after.reused, before.reused);
  });
}

TEST_F(KeptArgon2MemoryTest, OtherRequestsInsideAGuardGoToTheKernel) {
  OnFreshThread([] {
    const KeptArgon2Memory keep(kSize);
    constexpr int kRw = PROT_READ | PROT_WRITE;
    void* lent = MapLikeArgon2(kSize);
    ASSERT_NE(lent, MAP_FAILED);
    ASSERT_EQ(munmap(lent, kSize), 0);  // kept, free to lend again

    // Each of these differs from argon2id's request in one way and must not get the area.
    void* others[] = {
        mmap(nullptr, kSize, kRw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),  // not populated
        mmap(nullptr, kSize, kRw, MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0),
        mmap(nullptr, kSize, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0),
        MapLikeArgon2(2 * kSize),  // another size: a hash made with other parameters
    };
    const std::size_t sizes[] = {kSize, kSize, kSize, 2 * kSize};
    for (std::size_t i = 0; i < std::size(others); ++i) {
      ASSERT_NE(others[i], MAP_FAILED) << i;
      EXPECT_NE(others[i], lent) << i;
      ASSERT_EQ(munmap(others[i], sizes[i]), 0) << i;
      EXPECT_FALSE(Mapped(others[i])) << "request " << i << " was not really unmapped";
    }
    // The area is still there for the hash.
    EXPECT_EQ(MapLikeArgon2(kSize), lent);
    // While it is lent, a second request gets memory of its own.
    void* second = MapLikeArgon2(kSize);
    ASSERT_NE(second, MAP_FAILED);
    EXPECT_NE(second, lent);
    ASSERT_EQ(munmap(second, kSize), 0);
    EXPECT_FALSE(Mapped(second));
    ASSERT_EQ(munmap(lent, kSize), 0);
  });
}

TEST_F(KeptArgon2MemoryTest, ReleaseThisThreadUnmapsTheKeptArea) {
  OnFreshThread([] {
    void* kept = nullptr;
    {
      const KeptArgon2Memory keep(kSize);
      kept = MapLikeArgon2(kSize);
      ASSERT_NE(kept, MAP_FAILED);
      ASSERT_EQ(munmap(kept, kSize), 0);
    }
    EXPECT_TRUE(Mapped(kept)) << "kept between hashes";
    KeptArgon2Memory::ReleaseThisThread();
    EXPECT_FALSE(Mapped(kept));
  });
}

TEST_F(KeptArgon2MemoryTest, ThreadExitUnmapsTheKeptArea) {
  void* kept = nullptr;
  OnFreshThread([&kept] {
    const KeptArgon2Memory keep(kSize);
    kept = MapLikeArgon2(kSize);
    ASSERT_NE(kept, MAP_FAILED);
    ASSERT_EQ(munmap(kept, kSize), 0);
  });
  ASSERT_NE(kept, nullptr);
  EXPECT_FALSE(Mapped(kept));
}

TEST_F(KeptArgon2MemoryTest, ANewExpectedSizeReplacesTheKeptArea) {
  OnFreshThread([] {
    const auto before = KeptArgon2MemoryCounters();
    void* small = nullptr;
    {
      const KeptArgon2Memory keep(kSize);
      small = MapLikeArgon2(kSize);
      ASSERT_NE(small, MAP_FAILED);
      ASSERT_EQ(munmap(small, kSize), 0);
    }
    {
      const KeptArgon2Memory keep(2 * kSize);
      void* large = MapLikeArgon2(2 * kSize);
      ASSERT_NE(large, MAP_FAILED);
      std::memset(large, 1, 2 * kSize);  // all of it is usable
      ASSERT_EQ(munmap(large, 2 * kSize), 0);
      EXPECT_TRUE(Mapped(large)) << "the new size is kept";
    }
    const auto after = KeptArgon2MemoryCounters();
    EXPECT_EQ(after.mapped - before.mapped, 2U);
    EXPECT_EQ(after.reused - before.reused, 0U);
  });
}

TEST_F(KeptArgon2MemoryTest, AnAreaUnmappedBySomeoneElseIsForgotten) {
  OnFreshThread([] {
    const KeptArgon2Memory keep(kSize);
    void* kept = MapLikeArgon2(kSize);
    ASSERT_NE(kept, MAP_FAILED);
    ASSERT_EQ(munmap(kept, kSize), 0);
    // A stray unmap of part of it: the next hash must get whole, fresh memory.
    ASSERT_EQ(munmap(static_cast<char*>(kept) + kSize / 2, kSize / 2), 0);
    const auto before = KeptArgon2MemoryCounters();
    void* next = MapLikeArgon2(kSize);
    ASSERT_NE(next, MAP_FAILED);
    std::memset(next, 1, kSize);  // would fault on a half-unmapped area
    ASSERT_EQ(munmap(next, kSize), 0);
    EXPECT_EQ(KeptArgon2MemoryCounters().mapped - before.mapped, 1U);
    EXPECT_EQ(munmap(kept, kSize / 2), 0);  // the half nobody owns any more
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
