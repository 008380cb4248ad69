#include "core/thread_name.hpp"

#include <pthread.h>

#include <algorithm>
#include <array>

namespace authd::core {

void NameThisThread(std::string_view name) noexcept {
  std::array<char, 16> buffer{};  // the kernel's TASK_COMM_LEN, with its terminating NUL
  const auto n = std::min(name.size(), buffer.size() - 1);
  std::copy_n(name.data(), n, buffer.data());
  (void)pthread_setname_np(pthread_self(), buffer.data());
}

}  // namespace authd::core
