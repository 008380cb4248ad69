// A full disk, through the API: the data folder lives on a small tmpfs the test mounts (needs
// root or CAP_SYS_ADMIN; skipped with the reason otherwise), a filler file takes every free byte,
// then writes get 503 storage_unavailable with nothing half-written while reads keep working,
// and writes resume once the filler is deleted. `authd verify` then finds the folder intact.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

#include "tests/integration/api_client.hpp"

namespace authd::test {
namespace {

// A tmpfs of `size` mounted on `dir` for the life of the object.
class TmpfsMount {
 public:
  TmpfsMount(const std::string& dir, const std::string& size) : dir_(dir) {
    const std::string options = "size=" + size + ",mode=0700";
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) == 0) {
      mounted_ = true;
    } else {
      error_ = std::strerror(errno);
    }
  }
  ~TmpfsMount() {
    if (mounted_ && ::umount(dir_.c_str()) != 0) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;

  [[nodiscard]] bool mounted() const { return mounted_; }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string error_;
};

// Writes `path` until the file system refuses (ENOSPC), in shrinking chunks so that hardly a byte
// is left. Returns the bytes written (bounded by `limit`).
std::size_t FillUp(const std::string& path, std::size_t limit) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return 0;
  std::size_t total = 0;
  std::string chunk(1 << 20, 'x');
  for (std::size_t size = chunk.size(); size >= 1 && total < limit; size /= 16) {
    while (total < limit) {
      const ssize_t n = ::write(fd, chunk.data(), size);
      if (n <= 0) break;
      total += static_cast<std::size_t>(n);
    }
  }
  ::close(fd);
  return total;
}

ClientResponse SignUpAs(const Api& api, const std::string& name) {
  return api.Send("POST", "/v1/users", SignupBody(name, name + "@example.com", kPassword));
}

TEST(DiskFullSlowTest, WritesGet503ReadsWorkAndWritesResume) {
  TempFolder folder;
  const std::string mount_point = folder.Sub("mnt");
  std::filesystem::create_directories(mount_point);
  // 64 MiB, enough to leave RocksDB the free space it waits for (one 16 MiB memtable,
  // storage/rocks.cpp) before it clears a no-space error. A first filler leaves only ~8 MiB when
  // the server starts: less than the write-ahead log's preallocation (1.1 x that memtable), so
  // the log really grows with each write instead of filling space reserved in advance, which would
  // absorb every write of the test.
  TmpfsMount mount(mount_point, "64m");
  if (!mount.mounted()) {
    GTEST_SKIP() << "cannot mount a tmpfs here (" << mount.error()
                 << "); this test needs root or CAP_SYS_ADMIN";
  }
  const std::string prefill = mount_point + "/prefill";
  ASSERT_GT(FillUp(prefill, 56U << 20), 0U);
  {
    AuthdServer server({.data_dir = mount_point + "/data"});
    ASSERT_TRUE(server.ok()) << server.error();
    Api api(server.port());
    Account reader = NewUser(api, "full");
    ASSERT_FALSE(reader.access.empty());

    const std::string filler = mount_point + "/filler";
    ASSERT_GT(FillUp(filler, 128U << 20), 0U);

    // The log's last file page may still hold a few records: write until the first refusal.
    std::string refused_name;
    for (int i = 0; i < 200 && refused_name.empty(); ++i) {
      const std::string name = NewName("full");
      auto res = SignUpAs(api, name);
      if (res.result_int() == 201) continue;
      ExpectProblem(res, 503, "storage_unavailable");
      EXPECT_EQ(res["Retry-After"], "1");
      refused_name = name;
    }
    ASSERT_FALSE(refused_name.empty()) << "no write was refused on a full disk";
    // Refused again while the disk stays full, and no reservation of the name was left behind.
    ExpectProblem(SignUpAs(api, refused_name), 503, "storage_unavailable");
    ExpectProblem(
        api.Send("PATCH", "/v1/users/me", json::object{{"display_name", "Full"}}, reader.access),
        503, "storage_unavailable");

    // Reads keep working.
    EXPECT_EQ(api.Get("/healthz").result_int(), 200U);
    auto me = api.Get("/v1/users/me", reader.access);
    EXPECT_EQ(me.result_int(), 200U) << me.body();
    EXPECT_NE(Str(JsonObject(me), "display_name"), "Full");

    // Space comes back: writes resume on their own (RocksDB polls the free space every few
    // seconds; until then a write is refused as before, never half-done), the refused name is
    // free.
    ASSERT_TRUE(std::filesystem::remove(filler));
    ASSERT_TRUE(std::filesystem::remove(prefill));
    unsigned resumed = 0;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (int i = 0; i < 100 && resumed != 201 && std::chrono::steady_clock::now() < give_up; ++i) {
      auto again = SignUpAs(api, refused_name);
      resumed = again.result_int();
      if (resumed != 201) {
        ExpectProblem(again, 503, "storage_unavailable");
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
      }
    }
    ASSERT_EQ(resumed, 201U) << "writes did not resume after space came back";
    auto patched =
        api.Send("PATCH", "/v1/users/me", json::object{{"display_name", "Back"}}, reader.access);
    EXPECT_EQ(patched.result_int(), 200U) << patched.body();
    Account later = NewUser(api, "full");
    EXPECT_FALSE(later.access.empty());

    ASSERT_TRUE(server.Stop()) << server.Log();
    auto verify = RunProcess({AuthdBinary(), "verify", "--data", server.data_dir()});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;

    // And the acknowledged writes are there after a restart.
    ASSERT_TRUE(server.Restart()) << server.error();
    Api after(server.port());
    Account back{.username = refused_name, .password = kPassword};
    LogIn(after, back);
    EXPECT_EQ(Str(JsonObject(after.Get("/v1/users/me", reader.access)), "display_name"), "Back");
  }
}

}  // namespace
}  // namespace authd::test
