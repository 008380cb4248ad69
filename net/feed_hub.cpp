#include "net/feed_hub.hpp"

#include <boost/json/serialize.hpp>

#include "core/thread_name.hpp"
#include "projections/event_render.hpp"

namespace authd::net {
namespace {

namespace json = boost::json;

std::shared_ptr<const std::string> Shared(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

}  // namespace

json::object AuditEventJson(const core::Event& event, const storage::EventLog& log) {
  // RenderEvent owns the rules (what may be opened, "[erased]", "[redacted]"); this only reshapes
  // its output into API.md's audit event and leaves out what is never shown.
  json::object rendered = projections::RenderEvent(event, log);
  json::object actor;
  if (!event.actor.empty()) actor["user_id"] = event.actor;
  json::object data = std::move(rendered["data"].as_object());
  if (auto* sealed = rendered.if_contains("sealed"); sealed != nullptr && sealed->is_object()) {
    for (auto& [field, value] : sealed->as_object()) {
      if (value.is_string() && value.get_string() == "[redacted]") continue;  // secrets
      if (field == "ip") {
        actor["ip"] = value;
      } else {
        data[field] = value;
      }
    }
  }
  json::object out{{"seq", event.seq},
                   {"type", event.type},
                   {"at", core::FormatRfc3339(event.at)},
                   {"actor", std::move(actor)}};
  if (!event.subject.empty()) out["subject"] = event.subject;
  out["data"] = std::move(data);
  out["hash"] = rendered["hash"];
  return out;
}

FeedHub::FeedHub(storage::EventLog& log, const projections::SecurityView* security,
                 const core::Clock& clock, FeedHubOptions options)
    : log_(log), security_(security), clock_(clock), options_(options) {
  if (options_.max_pending_events == 0) options_.max_pending_events = 1;
  if (options_.security_period.count() <= 0) options_.security_period = std::chrono::seconds(1);
}

FeedHub::~FeedHub() {
  Stop();
}

void FeedHub::Start() {
  std::lock_guard lock(mutex_);
  if (started_) return;
  started_ = true;
  auto subscription = log_.Subscribe(
      [this](const std::shared_ptr<const storage::Committed>& group) { OnCommit(group); });
  subscription_id_ = subscription.id;
  published_ = subscription.head;
  thread_ = std::thread([this] {
    core::NameThisThread("authd-feed");
    Run();
  });
}

void FeedHub::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (!started_) return;
    started_ = false;
  }
  log_.Unsubscribe(subscription_id_);
  {
    std::lock_guard lock(inbox_mutex_);
    stopping_ = true;
  }
  inbox_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

// On the log's writer thread, under its publishing lock: only move the group in.
void FeedHub::OnCommit(const std::shared_ptr<const storage::Committed>& group) {
  if (group->empty()) return;
  {
    std::lock_guard lock(inbox_mutex_);
    inbox_last_seq_ = group->back().seq;
    if (overflowed_) return;  // the hub resynchronizes from inbox_last_seq_
    if (inbox_events_ + group->size() > options_.max_pending_events) {
      inbox_.clear();
      inbox_events_ = 0;
      overflowed_ = true;
    } else {
      inbox_.push_back(group);
      inbox_events_ += group->size();
    }
    // With nobody on the audit stream the hub only needs to move Published() along, which its
    // next tick does. Waking it on every commit would cost a context switch per write, taken
    // from whatever else runs (argon2id, during a login flood). AttachAudit wakes it.
    if (!audit_listening_) return;
  }
  inbox_cv_.notify_one();
}

void FeedHub::Run() {
  using Steady = std::chrono::steady_clock;
  auto next_tick = Steady::now();
  for (;;) {
    std::vector<std::shared_ptr<const storage::Committed>> groups;
    bool overflow = false;
    std::uint64_t last_seq = 0;
    {
      std::unique_lock lock(inbox_mutex_);
      inbox_cv_.wait_until(lock, next_tick,
                           [&] { return stopping_ || overflowed_ || !inbox_.empty(); });
      if (stopping_) return;
      groups.swap(inbox_);
      inbox_events_ = 0;
      overflow = overflowed_;
      overflowed_ = false;
      last_seq = inbox_last_seq_;
    }
    if (overflow) {
      std::vector<std::shared_ptr<FeedSink>> lost;
      {
        std::lock_guard lock(mutex_);
        lost = Live(audit_);
        audit_.clear();
        audit_listening_ = false;
        published_ = last_seq;
      }
      for (const auto& sink : lost)
        sink->Lost();
    } else if (!groups.empty()) {
      PublishAudit(groups);
    }
    if (Steady::now() >= next_tick) {
      PublishSecurity();
      next_tick += options_.security_period;
      if (next_tick < Steady::now()) next_tick = Steady::now() + options_.security_period;
    }
  }
}

void FeedHub::PublishAudit(const std::vector<std::shared_ptr<const storage::Committed>>& groups) {
  const std::uint64_t last = groups.back()->back().seq;
  {
    // Nobody listening: nothing to render. Same critical section as attaching, so a sink cannot
    // attach in between and miss these events.
    std::lock_guard lock(mutex_);
    if (audit_.empty()) {
      published_ = last;
      return;
    }
  }
  auto items = std::make_shared<std::vector<FeedItem>>();
  for (const auto& group : groups) {
    for (const auto& event : *group) {
      items->push_back({event.seq, Shared(json::serialize(AuditEventJson(event, log_)))});
    }
  }
  FeedBatch batch = std::move(items);
  std::vector<std::shared_ptr<FeedSink>> sinks;
  {
    std::lock_guard lock(mutex_);
    published_ = last;
    sinks = Live(audit_);
    audit_listening_ = !audit_.empty();
  }
  for (const auto& sink : sinks)
    sink->Deliver(batch);
}

void FeedHub::PublishSecurity() {
  const core::Micros now = clock_.NowMicros();
  projections::SecuritySnapshot snapshot;
  if (security_ != nullptr) {
    snapshot = security_->Snapshot(now);
  } else {
    snapshot.at = now;  // no monitor: counters of zero, no alerts
  }
  auto items = std::make_shared<std::vector<FeedItem>>();
  for (auto& text : security_feed_.Next(snapshot))
    items->push_back({0, Shared(std::move(text))});
  std::vector<std::shared_ptr<const std::string>> open;
  for (auto& text : security_feed_.OpenAlerts())
    open.push_back(Shared(std::move(text)));
  FeedBatch batch = std::move(items);
  std::vector<std::shared_ptr<FeedSink>> sinks;
  {
    std::lock_guard lock(mutex_);
    open_alerts_ = std::move(open);
    sinks = Live(security_sinks_);
  }
  for (const auto& sink : sinks)
    sink->Deliver(batch);
}

FeedHub::Attach FeedHub::AttachAudit(const std::shared_ptr<FeedSink>& sink, std::uint64_t cursor) {
  Attach out;
  {
    std::lock_guard lock(mutex_);
    out.published = published_;
    if (cursor < published_) return out;
    out.attached = true;
    out.id = next_id_++;
    audit_.push_back({out.id, sink});
    audit_listening_ = true;
  }
  // Commits made while nobody listened wait in the inbox for the next tick: take them now. The
  // inbox lock orders this wake after any commit that saw audit_listening_ still false.
  { std::lock_guard lock(inbox_mutex_); }
  inbox_cv_.notify_one();
  return out;
}

FeedHub::SecurityAttach FeedHub::AttachSecurity(const std::shared_ptr<FeedSink>& sink) {
  std::lock_guard lock(mutex_);
  SecurityAttach out{next_id_++, open_alerts_};
  security_sinks_.push_back({out.id, sink});
  return out;
}

void FeedHub::Detach(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  std::erase_if(audit_, [id](const Entry& e) { return e.id == id; });
  std::erase_if(security_sinks_, [id](const Entry& e) { return e.id == id; });
  audit_listening_ = !audit_.empty();
}

std::uint64_t FeedHub::Published() const {
  std::lock_guard lock(mutex_);
  return published_;
}

std::vector<std::shared_ptr<FeedSink>> FeedHub::Live(std::vector<Entry>& entries) {
  std::vector<std::shared_ptr<FeedSink>> out;
  out.reserve(entries.size());
  std::erase_if(entries, [&](const Entry& e) {
    auto strong = e.sink.lock();
    if (!strong) return true;
    out.push_back(std::move(strong));
    return false;
  });
  return out;
}

}  // namespace authd::net
