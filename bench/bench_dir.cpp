#include "bench/bench_dir.hpp"

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace authd::bench {

BenchDir::BenchDir(std::string_view prefix) {
  const char* env = std::getenv("AUTHD_BENCH_DIR");
  const std::filesystem::path parent = env != nullptr && *env != '\0'
                                           ? std::filesystem::path(env)
                                           : std::filesystem::temp_directory_path();
  std::string pattern = (parent / (std::string(prefix) + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a folder like " + pattern);
  }
  path_ = std::move(pattern);
}

BenchDir::~BenchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);  // Best effort: a leftover temp folder harms nothing.
}

std::string BenchDir::Sub(std::string_view name) const {
  return (std::filesystem::path(path_) / name).string();
}

std::uint64_t WalBytes(const std::string& db_path) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(db_path, ec)) {
    if (entry.path().extension() != ".log") continue;
    std::error_code size_ec;
    const auto size = entry.file_size(size_ec);
    if (!size_ec) total += size;
  }
  return total;
}

}  // namespace authd::bench
