#include "bench/log_fill.hpp"

#include <algorithm>
#include <mutex>
#include <semaphore>
#include <span>

#include "core/hashing.hpp"
#include "core/ids.hpp"
#include "projections/login_guard.hpp"
#include "projections/session_commands.hpp"

namespace authd::bench {
namespace {

// A well-formed PHC string; never verified, so no argon2id runs while filling.
constexpr std::string_view kFakePasswordHash =
    "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2gtc2FsdA$YmVuY2gtaGFzaC1ub3QtYS1yZWFsLWhhc2gtYXQtYWxs";
// Commands in flight at once: enough for the writer to build groups of hundreds.
constexpr std::ptrdiff_t kWindow = 1024;
constexpr core::Micros kSessionLifetime = 12LL * 3600 * 1'000'000;  // serve's --session-ttl

std::uint64_t NextRandom(std::uint64_t& state) {  // splitmix64: cheap and deterministic
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr const char* kUserAgents[] = {
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "authd-cli/0.1 (linux)",
};

}  // namespace

std::string Describe(const FillCounts& c) {
  return std::to_string(c.signups) + " signups, " + std::to_string(c.logins) + " logins, " +
         std::to_string(c.logouts) + " logouts, " + std::to_string(c.role_changes) +
         " role changes, " + std::to_string(c.profile_updates) + " profile updates, " +
         std::to_string(c.failed_logins) + " failed logins";
}

// Submits commands with at most kWindow in flight and remembers the first failure.
struct LogFiller::Pipeline {
  explicit Pipeline(storage::EventLog& l) : log(l) {}

  void Submit(storage::DecideFn decide, const char* what) {
    slots.acquire();
    log.Submit(std::move(decide), [this, what](Result<storage::Committed> r) {
      if (!r || r->empty()) {
        std::lock_guard lock(mu);
        if (error.empty()) {
          error = std::string(what) + ": " + (r ? "appended no event" : r.error().message());
        }
      }
      slots.release();
    });
  }

  // Waits for every submitted command; returns the first failure ("" when none).
  std::string Drain() {
    for (std::ptrdiff_t i = 0; i < kWindow; ++i)
      slots.acquire();
    slots.release(kWindow);
    std::lock_guard lock(mu);
    return error;
  }

  std::string Failed() {
    std::lock_guard lock(mu);
    return error;
  }

  storage::EventLog& log;
  std::counting_semaphore<kWindow> slots{kWindow};
  std::mutex mu;
  std::string error;  // guarded by mu
};

namespace {

// The server's ids are ULIDs ("usr_" + 26 characters); these have the same length and, like
// ULIDs, sort by creation.
std::string PaddedId(std::string_view prefix, std::uint64_t n) {
  std::string digits = std::to_string(n);
  return std::string(prefix) + "_" +
         std::string(26 - std::min<std::size_t>(26, digits.size()), '0') + digits;
}

}  // namespace

std::string LogFiller::NewUserId() {
  return PaddedId("usr", ++next_id_);
}

std::string LogFiller::FillMixed(std::uint64_t events) {
  Pipeline pipe(*dir_->log);
  const projections::SessionCommands sessions;
  auto& users_cmd = *dir_->commands;
  // 256 client addresses and their throttle pseudonyms, as LoginGuard::AddressHash makes them.
  std::vector<projections::Origin> origins;
  for (int i = 0; i < 256; ++i) {
    projections::Origin o;
    o.ip = (i % 2 == 0 ? "198.51.100." : "203.0.113.") + std::to_string(i / 2);
    o.user_agent = kUserAgents[static_cast<std::size_t>(i) % std::size(kUserAgents)];
    const auto digest =
        core::KeyedHash(dir_->throttle_key, "client_address", projections::ThrottledAddress(o.ip));
    o.addr = core::ToHex(std::span<const std::uint8_t>(digest.data(), 16));
    origins.push_back(std::move(o));
  }
  std::uint64_t submitted = 0;
  while (submitted < events) {
    if (submitted % 4096 == 0) {
      if (auto failed = pipe.Failed(); !failed.empty()) break;
    }
    const std::uint64_t serial = ++serial_;
    auto origin = origins[NextRandom(rng_) % origins.size()];
    origin.request_id = "req_bench" + std::to_string(serial);
    // The first 100 commands are signups so that every other kind has users to act on.
    const std::uint64_t slot = users_.size() < 100 ? 0 : NextRandom(rng_) % 20;
    const std::size_t who = users_.empty() ? 0 : NextRandom(rng_) % users_.size();
    if (slot < 4) {
      origin.actor = "";
      pipe.Submit(SignUp(NewUserId(), origin), "signup");
    } else if (slot < 9) {
      origin.actor = users_[who];
      pipe.Submit(Login(who, serial, origin), "login");
    } else if (slot < 11 && !live_.empty()) {
      const std::size_t pick = NextRandom(rng_) % live_.size();
      std::swap(live_[pick], live_.back());
      auto [user, session] = std::move(live_.back());
      live_.pop_back();
      origin.actor = user;
      pipe.Submit(sessions.Revoke(std::move(user), std::move(session), "logout", origin), "logout");
      ++counts_.logouts;
    } else if (slot < 13) {
      origin.actor = "usr_bench_admin";
      elevated_[who] ^= 1U;
      std::vector<std::string> roles = elevated_[who] != 0
                                           ? std::vector<std::string>{"auditor", "user"}
                                           : std::vector<std::string>{"user"};
      pipe.Submit(users_cmd.ChangeRoles(users_[who], std::move(roles), origin), "role change");
      ++counts_.role_changes;
    } else if (slot < 16) {
      origin.actor = users_[who];
      pipe.Submit(users_cmd.UpdateProfile(
                      users_[who], {.display_name = "Renamed " + std::to_string(serial)}, origin),
                  "profile update");
      ++counts_.profile_updates;
    } else {
      origin.actor = "";
      const bool unknown = slot == 19;
      const std::string attempted =
          unknown ? "nobody" + std::to_string(serial % 5000) : "user" + users_[who].substr(4);
      pipe.Submit(users_cmd.LoginFailed(unknown ? "" : users_[who], attempted,
                                        unknown ? projections::LoginFailure::kUnknownUser
                                                : projections::LoginFailure::kBadPassword,
                                        origin),
                  "failed login");
      ++counts_.failed_logins;
    }
    ++submitted;
  }
  return pipe.Drain();
}

storage::DecideFn LogFiller::SignUp(const std::string& id, const projections::Origin& origin) {
  const std::string name = "user" + id.substr(4);
  users_.push_back(id);
  elevated_.push_back(0);
  ++counts_.signups;
  return dir_->commands->SignUp({.id = id,
                                 .username = name,
                                 .email = name + "@example.com",
                                 .display_name = "User " + std::to_string(users_.size()),
                                 .password_hash = std::string(kFakePasswordHash),
                                 .roles = {"user"}},
                                origin);
}

storage::DecideFn LogFiller::Login(std::size_t who, std::uint64_t serial,
                                   const projections::Origin& origin) {
  std::string session_id = PaddedId("ses", serial);
  const auto hash = core::KeyedHash(dir_->refresh_key, "refresh_token", session_id);
  live_.emplace_back(users_[who], session_id);
  ++counts_.logins;
  return projections::SessionCommands().Login({.user_id = users_[who],
                                               .session_id = std::move(session_id),
                                               .amr = {"pwd"},
                                               .refresh_hash = core::ToHex(hash),
                                               .lifetime = kSessionLifetime},
                                              origin);
}

std::string LogFiller::SignUpUsers(std::uint64_t users) {
  Pipeline pipe(*dir_->log);
  projections::Origin origin{.actor = "", .ip = "198.51.100.7", .user_agent = kUserAgents[0]};
  for (std::uint64_t i = 0; i < users; ++i) {
    if (i % 4096 == 0) {
      if (auto failed = pipe.Failed(); !failed.empty()) break;
    }
    origin.request_id = "req_signup" + std::to_string(i);
    pipe.Submit(SignUp(NewUserId(), origin), "signup");
  }
  return pipe.Drain();
}

std::string LogFiller::OpenSessions(std::uint64_t sessions) {
  if (users_.empty() || sessions == 0) return sessions == 0 ? "" : "no users to log in";
  Pipeline pipe(*dir_->log);
  projections::Origin origin{.actor = "", .ip = "198.51.100.8", .user_agent = kUserAgents[1]};
  for (std::uint64_t i = 0; i < sessions; ++i) {
    if (i % 4096 == 0) {
      if (auto failed = pipe.Failed(); !failed.empty()) break;
    }
    // Spread evenly; more sessions than users wrap around (a user may hold up to 100).
    const std::size_t who =
        static_cast<std::size_t>((i * users_.size()) / sessions) % users_.size();
    origin.actor = users_[who];
    origin.request_id = "req_login" + std::to_string(i);
    pipe.Submit(Login(who, ++serial_, origin), "login");
  }
  return pipe.Drain();
}

}  // namespace authd::bench
