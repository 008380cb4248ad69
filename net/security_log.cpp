#include "net/security_log.hpp"

#include <array>
#include <utility>

#include "core/clock.hpp"
#include "core/thread_name.hpp"
#include "net/log.hpp"

namespace authd::net {
namespace {

constexpr std::array<std::string_view, 16> kSecurityTypes = {"user.login_succeeded",
                                                             "user.login_failed",
                                                             "session.refresh_reuse_detected",
                                                             "session.revoked",
                                                             "user.roles_changed",
                                                             "user.password_changed",
                                                             "user.password_reset",
                                                             "user.disabled",
                                                             "user.enabled",
                                                             "user.deleted",
                                                             "user.mfa_enrolled",
                                                             "user.mfa_disabled",
                                                             "user.recovery_code_used",
                                                             "apikey.created",
                                                             "apikey.rotated",
                                                             "apikey.revoked"};

// Data keys that are safe to log: outcomes and ids, never secrets or personal data.
constexpr std::array<std::string_view, 6> kLoggedDataKeys = {"reason",   "by",         "roles",
                                                             "previous", "session_id", "amr"};

void Write(const core::Event& e) {
  boost::json::object fields{{"seq", e.seq},
                             {"type", e.type},
                             {"at", core::FormatRfc3339(e.at)},
                             {"request_id", e.request_id},
                             {"actor", e.actor},
                             {"subject", e.stream}};
  for (auto key : kLoggedDataKeys) {
    if (const auto* value = e.data.if_contains(key)) fields[key] = *value;
  }
  LogInfo("security event", fields);
}

}  // namespace

bool IsSecurityEvent(std::string_view type) {
  constexpr std::string_view kThrottled = "login_throttled";
  if (type.size() >= kThrottled.size() &&
      type.substr(type.size() - kThrottled.size()) == kThrottled)
    return true;
  for (auto t : kSecurityTypes) {
    if (t == type) return true;
  }
  return false;
}

SecurityLog::SecurityLog(storage::EventLog& log, std::size_t max_pending)
    : log_(log), max_pending_(max_pending) {
  thread_ = std::thread([this] {
    core::NameThisThread("authd-seclog");
    Run();
  });
  subscription_ = log_.Subscribe([this](const std::shared_ptr<const storage::Committed>& events) {
                        bool any = false;
                        for (const auto& e : *events)
                          any = any || IsSecurityEvent(e.type);
                        if (!any) return;
                        {
                          std::lock_guard lock(mu_);
                          if (pending_.size() >= max_pending_) {
                            ++dropped_;
                            dropped_total_.fetch_add(1, std::memory_order_relaxed);
                            return;
                          }
                          pending_.push_back(events);
                        }
                        cv_.notify_one();
                      })
                      .id;
}

SecurityLog::~SecurityLog() {
  log_.Unsubscribe(subscription_);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void SecurityLog::Run() {
  for (;;) {
    std::shared_ptr<const storage::Committed> group;
    std::uint64_t dropped = 0;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;  // stopping and drained
      group = std::move(pending_.front());
      pending_.pop_front();
      dropped = std::exchange(dropped_, 0);
    }
    if (dropped != 0) LogWarn("security log dropped", {{"groups", dropped}});
    for (const auto& e : *group) {
      if (IsSecurityEvent(e.type)) Write(e);
    }
  }
}

}  // namespace authd::net
