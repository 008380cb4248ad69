#include "net/passwords.hpp"

#include <sodium.h>

namespace authd::net {
namespace {

// The password copies live in a heap job owned by the pool. GCC 12 mis-handles lambda temporaries
// with non-trivial captures inside a co_await expression (they were destroyed twice), so the job
// is built as a named object and handed over through a shared_ptr that owns the secrets.
struct Job {
  std::string phc;
  std::string password;
  ~Job() { sodium_memzero(password.data(), password.size()); }
};

}  // namespace

boost::asio::awaitable<Result<std::string>> HashPassword(Services& s, const std::string& password) {
  auto job = std::make_shared<Job>(Job{{}, password});
  const core::PasswordHasher* hasher = &s.hasher;
  auto run = [hasher, job] { return hasher->Hash(job->password); };
  auto done = co_await s.hash_pool.TryRun(run);
  if (!done) co_return done.error();
  co_return std::move(*done);
}

boost::asio::awaitable<Result<core::VerifyOutcome>> VerifyPassword(Services& s,
                                                                   const std::string& phc,
                                                                   const std::string& password) {
  auto job = std::make_shared<Job>(Job{phc, password});
  const core::PasswordHasher* hasher = &s.hasher;
  auto run = [hasher, job] { return hasher->Verify(job->phc, job->password); };
  auto done = co_await s.hash_pool.TryRun(run);
  if (!done) co_return done.error();
  co_return *done;
}

bool HashingFull(const Services& s) noexcept {
  return s.hash_pool.Pending() >= s.hash_pool.MaxQueued();
}

}  // namespace authd::net
