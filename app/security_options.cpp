#include "app/security_options.hpp"

#include <boost/program_options.hpp>

namespace authd::app {
namespace {

namespace po = boost::program_options;
constexpr core::Micros kSecond = 1'000'000;
constexpr core::Micros kMilli = 1'000;

projections::ThrottlePolicy PolicyOf(const SecurityConfig& c) {
  return {
      .pair_free_failures = c.login_backoff_after,
      .pair_base_delay = c.login_backoff_base_ms * kMilli,
      .pair_max_delay = c.login_backoff_max * kSecond,
      .address_limit = c.login_address_limit,
      .address_window = c.login_address_window * kSecond,
      .account_ceiling = c.login_account_ceiling,
      .account_lockout = c.login_account_lockout * kSecond,
  };
}

}  // namespace

void AddSecurityOptions(po::options_description& d, SecurityConfig& c) {
  const auto opt = [&d](const char* name, auto* value, const char* help) {
    d.add_options()(name, po::value(value)->default_value(*value), help);
  };
  opt("login-throttle", &c.login_throttle, "throttle failed logins (docs/THROTTLING.md)");
  opt("login-backoff-after", &c.login_backoff_after,
      "consecutive failures of one account from one address before backoff");
  opt("login-backoff-base-ms", &c.login_backoff_base_ms, "first backoff (ms), doubling after");
  opt("login-backoff-max", &c.login_backoff_max, "longest backoff (s)");
  opt("login-address-limit", &c.login_address_limit,
      "failed logins from one address, all accounts, per window (at most 64)");
  opt("login-address-window", &c.login_address_window, "window of the address limit (s)");
  opt("login-account-ceiling", &c.login_account_ceiling,
      "consecutive failures of one account before unfamiliar addresses wait (at most 100)");
  opt("login-account-lockout", &c.login_account_lockout,
      "wait after each failure beyond the ceiling, unfamiliar addresses (s)");
  opt("monitor-window", &c.monitor_window, "failed-login monitor window (s)");
  opt("monitor-brute-force", &c.monitor_brute_force,
      "failures of one account in the window that raise brute_force");
  opt("monitor-spray-accounts", &c.monitor_spray_accounts,
      "accounts failing from one address in the window that raise password_spraying");
  opt("monitor-distributed-addresses", &c.monitor_distributed_addresses,
      "addresses failing on one account in the window that raise distributed_guessing");
  opt("signup-burst", &c.signup_burst, "signups one address may make at once (0 = no limit)");
  opt("signup-refill-ms", &c.signup_refill_ms, "time to earn back one signup (ms)");
  opt("refresh-burst", &c.refresh_burst, "refreshes one address may make at once (0 = no limit)");
  opt("refresh-refill-ms", &c.refresh_refill_ms, "time to earn back one refresh (ms)");
}

std::string SecurityConfigProblem(const SecurityConfig& c) {
  if (auto problem = PolicyOf(c).Problem(); !problem.empty()) return "login throttling: " + problem;
  if (c.monitor_window <= 0 || c.monitor_brute_force == 0 || c.monitor_spray_accounts == 0 ||
      c.monitor_distributed_addresses == 0) {
    return "the monitor window and thresholds must be positive";
  }
  if (c.signup_refill_ms <= 0 || c.refresh_refill_ms <= 0) {
    return "the signup and refresh refill times must be positive";
  }
  return "";
}

std::unique_ptr<SecurityServices> MakeSecurityServices(const SecurityConfig& c,
                                                       const core::Key256& address_key) {
  const auto policy = PolicyOf(c);
  auto s = std::make_unique<SecurityServices>();
  s->guard = std::make_unique<projections::LoginGuard>(address_key, policy, &s->addresses,
                                                       c.login_throttle);
  s->monitor = std::make_unique<projections::FailedLoginMonitor>(
      projections::MonitorOptions{.window = c.monitor_window * kSecond,
                                  .brute_force_failures = c.monitor_brute_force,
                                  .spray_accounts = c.monitor_spray_accounts,
                                  .distributed_addresses = c.monitor_distributed_addresses,
                                  .policy = policy,
                                  .addresses = &s->addresses});
  s->signup_limit = std::make_unique<net::RateLimiter>(
      net::RateLimit{c.signup_burst, c.signup_refill_ms * kMilli});
  s->refresh_limit = std::make_unique<net::RateLimiter>(
      net::RateLimit{c.refresh_burst, c.refresh_refill_ms * kMilli});
  return s;
}

}  // namespace authd::app
