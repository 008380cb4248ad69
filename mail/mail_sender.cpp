#include "mail/mail_sender.hpp"

#include <algorithm>
#include <chrono>

#include "core/error.hpp"
#include "core/event_types.hpp"
#include "core/sealing.hpp"
#include "core/thread_name.hpp"
#include "mail/mail_templates.hpp"
#include "net/log.hpp"

namespace authd::mail {
namespace {

boost::json::object About(const projections::OutboxRecord& m) {
  return {{"mail_id", m.id}, {"template", m.template_name}, {"user_id", m.user_id}};
}

}  // namespace

MailSender::MailSender(storage::EventLog& log, const projections::MailCommands& commands,
                       const core::Clock& clock, std::unique_ptr<MailTransport> transport,
                       SenderOptions options)
    : log_(log),
      commands_(commands),
      clock_(clock),
      transport_(std::move(transport)),
      options_(std::move(options)) {}

MailSender::~MailSender() {
  Stop();
}

void MailSender::Start() {
  // Subscribe before the first look at the outbox, so a mail committed in between wakes us.
  subscription_ = log_.Subscribe([this](const std::shared_ptr<const storage::Committed>& group) {
                        const bool mail = std::any_of(
                            group->begin(), group->end(),
                            [](const auto& e) { return e.type == core::events::kMailRequested; });
                        if (!mail) return;
                        std::lock_guard lock(mutex_);
                        dirty_ = true;
                        wake_.notify_one();
                      })
                      .id;
  thread_ = std::thread([this] {
    core::NameThisThread("authd-mail");
    Loop();
  });
}

void MailSender::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  if (subscription_ != 0) {
    log_.Unsubscribe(subscription_);
    subscription_ = 0;
  }
}

SenderStats MailSender::Stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void MailSender::Loop() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stop_) return;
      dirty_ = false;
    }
    const core::Micros wait = RunOnce();
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, std::chrono::microseconds(std::max<core::Micros>(wait, 1000)),
                   [this] { return stop_ || dirty_; });
    if (stop_) return;
  }
}

core::Micros MailSender::Backoff(int failures) const {
  core::Micros d = options_.first_retry;
  for (int i = 1; i < failures && d < options_.max_retry; ++i)
    d *= 2;
  return std::min(d, options_.max_retry);
}

core::Micros MailSender::RunOnce() {
  auto pending = projections::PendingMail(log_);
  const core::Micros now = clock_.NowMicros();
  core::Micros next_wake = now + options_.idle_poll;
  if (!pending) {
    net::LogWarn("cannot read the mail outbox", {{"error", pending.error().message()}});
    return options_.first_retry;
  }
  std::map<std::string, Attempts> still;
  for (const auto& m : *pending) {
    {
      std::lock_guard lock(mutex_);
      if (stop_) break;
    }
    Handle(m, now, next_wake);
    if (auto it = attempts_.find(m.id); it != attempts_.end()) still.insert(*it);
  }
  attempts_ = std::move(still);  // forget mail that is no longer pending
  return std::max<core::Micros>(next_wake - now, 0);
}

void MailSender::Handle(const projections::OutboxRecord& m, core::Micros now,
                        core::Micros& next_wake) {
  Attempts& a = attempts_[m.id];
  if (a.next_at > now) {
    next_wake = std::min(next_wake, a.next_at);
    return;
  }
  const auto done = [&](const std::string& status) {
    if (!Mark(m, a.count, status)) {
      a.next_at = now + options_.first_retry;  // retry the mark only
      next_wake = std::min(next_wake, a.next_at);
      return;
    }
    attempts_.erase(m.id);
  };
  if (a.sent_unmarked) return done("sent");
  if (now >= m.expires_at) {
    net::LogWarn("mail given up: its token expired before delivery", About(m));
    {
      std::lock_guard lock(mutex_);
      ++stats_.given_up;
    }
    return done("expired");
  }
  const auto purpose = projections::PurposeOf(m.template_name);
  auto key = log_.DataKey(m.user_id);
  if (!purpose || !key) {
    // The user was deleted (the outbox drops the mail in the same commit) or the row is not ours.
    attempts_.erase(m.id);
    return;
  }
  auto to = core::Open(*key, m.user_id, "to", m.sealed_to);
  if (!to) {
    net::LogWarn("mail recipient cannot be opened", About(m));
    attempts_.erase(m.id);
    return;
  }
  const std::string token = commands_.tokens().TokenFor(m.id);
  const MailContent content =
      RenderMail(*purpose, options_.public_url, token, m.expires_at - m.requested_at);
  const MailMessage message{.id = m.id,
                            .from = options_.from,
                            .to = *to,
                            .subject = content.subject,
                            .text = content.text,
                            .html = content.html};
  const SendResult sent = transport_->Send(message, ToMime(message, m.requested_at));
  ++a.count;
  if (sent.ok) {
    {
      std::lock_guard lock(mutex_);
      ++stats_.sent;
    }
    a.sent_unmarked = true;
    auto about = About(m);
    about["attempts"] = a.count;
    about["transport"] = transport_->Kind();
    net::LogInfo("mail delivered", about);
    return done("sent");
  }
  auto about = About(m);
  about["attempts"] = a.count;
  about["error"] = sent.error;
  {
    std::lock_guard lock(mutex_);
    ++stats_.failures;
  }
  if (sent.permanent || a.count >= options_.max_attempts) {
    net::LogWarn("mail given up", about);
    {
      std::lock_guard lock(mutex_);
      ++stats_.given_up;
    }
    return done("failed");
  }
  a.next_at = now + Backoff(a.count);
  about["retry_in_ms"] = (a.next_at - now) / 1000;
  net::LogWarn("mail delivery failed; will retry", about);
  next_wake = std::min(next_wake, a.next_at);
}

bool MailSender::Mark(const projections::OutboxRecord& m, int attempts, const std::string& status) {
  auto committed = log_.Execute(commands_.MarkDelivered(m.id, attempts, status));
  if (committed) return true;
  auto about = About(m);
  about["error"] = committed.error().message();
  net::LogWarn("cannot mark mail delivered; will retry the mark, not the send", about);
  return false;
}

}  // namespace authd::mail
