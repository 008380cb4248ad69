// The outbox sender: delivers every pending mail of the outbox projection at least once, then
// marks it with mail.delivered.
//
// One thread of its own (sends block on the network); it never runs on an I/O thread or in the
// writer. It works from committed state only: at start it takes everything pending (requested
// minus delivered), and a commit listener wakes it when a group holds a mail.requested.
//
// Delivery guarantee: a mail is marked only after the transport accepted it, so a crash before
// the mark makes the next run send it again (at least once). A crash between the server's
// acceptance and the mark is the only way to get it twice: if the mark itself fails (storage),
// the sender retries the mark, never the send.
//
// Failures: retried with exponential backoff (first_retry doubling up to max_retry). The sender
// gives up, marking the mail with status "failed", after max_attempts or a permanent refusal
// (SMTP 5xx), and with status "expired" once its token can no longer work. Mail of a deleted user
// is never sent (the outbox drops it; its recipient is erased).
//
// Logs say which mail (id, template, user id) and what happened; never the address or the token.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.hpp"
#include "mail/transport.hpp"
#include "projections/mail_commands.hpp"
#include "projections/mail_outbox.hpp"
#include "storage/event_log.hpp"

namespace authd::mail {

struct SenderOptions {
  // From header and SMTP envelope sender. Default: "authd <authd@localhost>".
  std::string from = "authd <authd@localhost>";
  // Base of the links in mail, no trailing slash. Default: "http://localhost:8080".
  std::string public_url = "http://localhost:8080";
  // Backoff after the first failed attempt, doubling each time up to max_retry.
  // Defaults: 1 s and 5 min.
  core::Micros first_retry = 1'000'000;
  core::Micros max_retry = 300'000'000;
  // Attempts before a mail is given up ("failed"). Default: 12.
  int max_attempts = 12;
  // Longest sleep between looks at the outbox when nothing wakes the sender. Default: 30 s.
  core::Micros idle_poll = 30'000'000;
};

// Counters since start, for metrics and tests.
struct SenderStats {
  std::uint64_t sent = 0;      // accepted by the transport
  std::uint64_t failures = 0;  // attempts that failed
  std::uint64_t given_up = 0;  // marked "failed" or "expired"
};

class MailSender {
 public:
  MailSender(storage::EventLog& log, const projections::MailCommands& commands,
             const core::Clock& clock, std::unique_ptr<MailTransport> transport,
             SenderOptions options);
  ~MailSender();
  MailSender(const MailSender&) = delete;
  MailSender& operator=(const MailSender&) = delete;

  // Starts the thread. Call once.
  void Start();
  // Wakes and joins the thread; a send in progress finishes first (bounded by the transport's
  // timeout). Idempotent. Call before closing the log.
  void Stop();

  // One pass over the outbox now, on the caller's thread (tests; never with Start()).
  // Returns the time until the next retry is due (or idle_poll).
  core::Micros RunOnce();

  [[nodiscard]] SenderStats Stats() const;

 private:
  struct Attempts {
    int count = 0;
    core::Micros next_at = 0;
    bool sent_unmarked = false;  // accepted by the transport, mail.delivered not yet committed
  };
  void Loop();
  void Handle(const projections::OutboxRecord& m, core::Micros now, core::Micros& next_wake);
  bool Mark(const projections::OutboxRecord& m, int attempts, const std::string& status);
  core::Micros Backoff(int failures) const;

  storage::EventLog& log_;
  const projections::MailCommands& commands_;
  const core::Clock& clock_;
  std::unique_ptr<MailTransport> transport_;
  SenderOptions options_;
  std::map<std::string, Attempts> attempts_;  // sender thread only

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool dirty_ = true;
  bool stop_ = false;
  SenderStats stats_;
  std::uint64_t subscription_ = 0;
  std::thread thread_;
};

}  // namespace authd::mail
