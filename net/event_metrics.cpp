#include "net/event_metrics.hpp"

#include "core/event_types.hpp"

namespace authd::net {
namespace {

constexpr std::string_view kThrottledSuffix = "login_throttled";

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

EventMetrics::EventMetrics(storage::EventLog& log, MetricsRegistry& registry)
    : log_(log),
      events_(registry.Counter("authd_events_total",
                               "Events committed to the log since start, by type.", {"type"}, 256)),
      logins_(registry.Counter("authd_logins_total",
                               "Login attempts recorded in the log since start, by outcome "
                               "(succeeded, failed, throttled).",
                               {"outcome"}, 8)),
      login_failures_(registry.Counter("authd_login_failures_total",
                                       "Failed logins since start, by reason (unknown_user, "
                                       "bad_password, account_disabled, bad_mfa_code).",
                                       {"reason"}, 32)) {
  for (const auto& type : core::events::kAllTypes) {
    by_type_.emplace(std::string(type.name), &events_.Series({std::string(type.name)}));
  }
  for (const char* reason : {"unknown_user", "bad_password", "account_disabled", "bad_mfa_code"})
    by_reason_.emplace(reason, &login_failures_.Series({reason}));
  succeeded_ = &logins_.Series({"succeeded"});
  failed_ = &logins_.Series({"failed"});
  throttled_ = &logins_.Series({"throttled"});
  subscription_ = log_.Subscribe([this](const std::shared_ptr<const storage::Committed>& events) {
                        for (const auto& e : *events)
                          Count(e);
                      })
                      .id;
}

EventMetrics::~EventMetrics() {
  log_.Unsubscribe(subscription_);
}

void EventMetrics::Count(const core::Event& event) {
  namespace ev = core::events;
  if (auto it = by_type_.find(event.type); it != by_type_.end()) {
    it->second->fetch_add(1, std::memory_order_relaxed);
  } else {
    events_.Inc({event.type});  // a type this build does not know (bounded by the family)
  }
  if (event.type == ev::kUserLoginSucceeded) {
    succeeded_->fetch_add(1, std::memory_order_relaxed);
  } else if (event.type == ev::kUserLoginFailed) {
    failed_->fetch_add(1, std::memory_order_relaxed);
    const auto* reason = event.data.if_contains("reason");
    const std::string_view text =
        reason != nullptr && reason->is_string() ? std::string_view(reason->as_string()) : "";
    if (auto it = by_reason_.find(text); it != by_reason_.end()) {
      it->second->fetch_add(1, std::memory_order_relaxed);
    } else {
      login_failures_.Inc({text.empty() ? std::string("none") : std::string(text)});
    }
  } else if (EndsWith(event.type, kThrottledSuffix)) {
    throttled_->fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace authd::net
