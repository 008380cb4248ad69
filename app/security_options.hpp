// `authd serve` options for login throttling, the failed-login monitor and the per-address
// rate limits, and the objects built from them. docs/THROTTLING.md explains the policy;
// docs/CONFIG.md lists the options.
#pragma once

#include <boost/program_options/options_description.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "net/rate_limiter.hpp"
#include "projections/address_book.hpp"
#include "projections/failed_login_monitor.hpp"
#include "projections/login_guard.hpp"

namespace authd::app {

struct SecurityConfig {
  bool login_throttle = true;
  std::uint32_t login_backoff_after = 5;
  std::int64_t login_backoff_base_ms = 1000;
  std::int64_t login_backoff_max = 900;  // seconds
  std::uint32_t login_address_limit = 30;
  std::int64_t login_address_window = 600;  // seconds
  std::uint32_t login_account_ceiling = 100;
  std::int64_t login_account_lockout = 3600;  // seconds
  std::int64_t monitor_window = 900;          // seconds
  std::uint32_t monitor_brute_force = 10;
  std::uint32_t monitor_spray_accounts = 10;
  std::uint32_t monitor_distributed_addresses = 5;
  std::uint32_t signup_burst = 20;
  std::int64_t signup_refill_ms = 30'000;
  std::uint32_t refresh_burst = 60;
  std::int64_t refresh_refill_ms = 1000;
};

void AddSecurityOptions(boost::program_options::options_description& d, SecurityConfig& c);

// What `authd serve` owns for throttling and monitoring. The monitor is not attached yet.
struct SecurityServices {
  projections::AddressBook addresses;
  std::unique_ptr<projections::LoginGuard> guard;
  std::unique_ptr<projections::FailedLoginMonitor> monitor;
  std::unique_ptr<net::RateLimiter> signup_limit;
  std::unique_ptr<net::RateLimiter> refresh_limit;
};

// "" when the options are in range, else a sentence saying which is not.
[[nodiscard]] std::string SecurityConfigProblem(const SecurityConfig& c);

// Builds them from options SecurityConfigProblem accepted.
[[nodiscard]] std::unique_ptr<SecurityServices> MakeSecurityServices(
    const SecurityConfig& c, const core::Key256& address_key);

}  // namespace authd::app
