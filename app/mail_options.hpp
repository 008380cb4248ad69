// `authd serve` options for mail (email verification, password reset, the outbox sender), and
// the objects built from them. docs/MAIL.md explains the design; docs/CONFIG.md lists the options.
#pragma once

#include <boost/program_options/options_description.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "app/data_dir.hpp"
#include "core/ids.hpp"
#include "mail/mail_sender.hpp"
#include "net/rate_limiter.hpp"
#include "projections/mail_commands.hpp"

namespace authd::app {

struct MailConfig {
  std::string smtp_url;            // "" = write mail into DATA/outbox/
  std::string smtp_user;           // "" = no SMTP authentication
  std::string smtp_password_file;  // else AUTHD_SMTP_PASSWORD
  std::string smtp_starttls = "try";
  std::string mail_from = "authd <authd@localhost>";
  std::string public_url;  // "" = http://<listen>
  std::int64_t verify_token_ttl = 24 * 3600;
  std::int64_t reset_token_ttl = 30 * 60;
  bool require_verified_email = false;
  std::uint32_t mail_address_burst = 10;
  std::int64_t mail_address_refill_ms = 60'000;
  std::uint32_t mail_account_burst = 3;
  std::int64_t mail_account_refill_ms = 300'000;
  std::int64_t mail_retry_ms = 1000;
  std::int64_t mail_retry_max_ms = 300'000;
  int mail_max_attempts = 12;
};

void AddMailOptions(boost::program_options::options_description& d, MailConfig& c);

// "" when the options are in range, else a sentence saying which is not.
[[nodiscard]] std::string MailConfigProblem(const MailConfig& c);

struct MailServices {
  std::unique_ptr<projections::MailCommands> commands;
  std::unique_ptr<net::RateLimiter> address_limit;
  std::unique_ptr<net::RateLimiter> account_limit;
  std::unique_ptr<mail::MailSender> sender;  // not started
  std::string transport;                     // "smtp" or "outbox folder", for the start-up log
};

// Builds them from options MailConfigProblem accepted. `listen` gives the default public URL.
// On failure (unreadable password file) returns null and says why (never the secret).
[[nodiscard]] std::unique_ptr<MailServices> MakeMailServices(const MailConfig& c, DataDir& dir,
                                                             const std::string& listen,
                                                             std::string& why);

}  // namespace authd::app
