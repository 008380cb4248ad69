#include "storage/master_key.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string_view>

#include "core/hashing.hpp"
#include "storage/error.hpp"

namespace authd::storage {
namespace {

// Accepts 64 hex digits or 43 base64url characters (optionally surrounded by whitespace).
Result<core::Key256> ParseKey(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  core::Key256 key;
  if (text.size() == 64) {
    std::size_t len = 0;
    if (sodium_hex2bin(key.data(), key.kSize, text.data(), text.size(), nullptr, &len, nullptr) ==
            0 &&
        len == key.kSize) {
      return key;
    }
    return Errc::kInvalidArgument;
  }
  std::string bytes;
  if (core::FromBase64Url(text, bytes) && bytes.size() == key.kSize) {
    std::copy(bytes.begin(), bytes.end(), key.data());
    sodium_memzero(bytes.data(), bytes.size());
    return key;
  }
  return Errc::kInvalidArgument;
}

Result<std::string> ReadSmallFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? Errc::kNotFound : Errc::kIoError;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
    ::close(fd);
    return Errc::kInvalidArgument;  // a key readable by others is not a secret any more
  }
  std::string out(256, '\0');
  const ssize_t n = ::read(fd, out.data(), out.size());
  ::close(fd);
  if (n < 0) return Errc::kIoError;
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Result<void> WriteKeyFile(const std::string& path, const core::Key256& key) {
  std::error_code ec;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !std::filesystem::exists(parent, ec)) {
    std::filesystem::create_directories(parent, ec);
    if (ec) return Errc::kIoError;
    std::filesystem::permissions(parent, std::filesystem::perms::owner_all, ec);
  }
  // Written whole to a private temporary file, fsynced, then linked into place: the key file is
  // either complete or absent, and link() never replaces a key another process made meanwhile.
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Errc::kIoError;
  std::string text = core::ToHex(key.bytes()) + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  sodium_memzero(text.data(), text.size());
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    return Errc::kIoError;
  }
  const int linked = ::link(tmp.c_str(), path.c_str());
  const int link_errno = errno;
  ::unlink(tmp.c_str());
  if (linked != 0) return link_errno == EEXIST ? Errc::kConflict : Errc::kIoError;
  // The directory entry must survive a power loss too, or the data it protects outlives the key.
  const std::string dir = parent.empty() ? "." : parent.string();
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    const bool synced = ::fsync(dfd) == 0;
    ::close(dfd);
    if (!synced) return Errc::kIoError;
  }
  return {};
}

}  // namespace

Result<MasterKey> LoadMasterKey(const std::string& env_value, const std::string& key_file,
                                bool create) {
  if (!env_value.empty()) {
    auto key = ParseKey(env_value);
    if (!key) return key.error();
    return MasterKey{*key, "environment", false};
  }
  auto text = ReadSmallFile(key_file);
  if (text) {
    auto key = ParseKey(*text);
    sodium_memzero(text->data(), text->size());
    if (!key) return key.error();
    return MasterKey{*key, "key file " + key_file, false};
  }
  if (text.error() != Errc::kNotFound || !create) return text.error();
  auto key = core::Key256::Random();
  if (auto written = WriteKeyFile(key_file, key); !written) {
    // Another process created the key first: use theirs.
    if (written.error() == Errc::kConflict) return LoadMasterKey(env_value, key_file, false);
    return written.error();
  }
  return MasterKey{key, "key file " + key_file, true};
}

}  // namespace authd::storage
