#include "app/mail_options.hpp"

#include <boost/program_options.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace authd::app {
namespace {

namespace po = boost::program_options;
constexpr core::Micros kSecond = 1'000'000;
constexpr core::Micros kMilli = 1'000;

// The SMTP password: the file's first line, or AUTHD_SMTP_PASSWORD. Never on the command line
// (other users can read it in the process list).
bool ReadPassword(const MailConfig& c, std::string& out, std::string& why) {
  if (!c.smtp_password_file.empty()) {
    std::ifstream in(c.smtp_password_file);
    if (!in) {
      why = "cannot read --smtp-password-file " + c.smtp_password_file;
      return false;
    }
    std::getline(in, out);
    if (!out.empty() && out.back() == '\r') out.pop_back();
    return true;
  }
  const char* env = std::getenv("AUTHD_SMTP_PASSWORD");
  out = env != nullptr ? env : "";
  return true;
}

}  // namespace

void AddMailOptions(po::options_description& d, MailConfig& c) {
  const auto opt = [&d](const char* name, auto* value, const char* help) {
    d.add_options()(name, po::value(value)->default_value(*value), help);
  };
  opt("smtp-url", &c.smtp_url,
      "smtp://host:port or smtps://host:port of the mail server; empty: mail is written to "
      "DATA/outbox/ as .eml files");
  opt("smtp-user", &c.smtp_user, "SMTP user (empty: no authentication)");
  opt("smtp-password-file", &c.smtp_password_file,
      "file whose first line is the SMTP password (else env AUTHD_SMTP_PASSWORD)");
  opt("smtp-starttls", &c.smtp_starttls, "STARTTLS on smtp:// URLs: off, try or require");
  opt("mail-from", &c.mail_from, "From of every mail");
  opt("public-url", &c.public_url,
      "base URL of the links in mail, e.g. https://auth.example.com (empty: http://LISTEN)");
  opt("verify-token-ttl", &c.verify_token_ttl, "lifetime of email verification tokens (s)");
  opt("reset-token-ttl", &c.reset_token_ttl, "lifetime of password reset tokens (s)");
  d.add_options()("require-verified-email",
                  po::value(&c.require_verified_email)->default_value(false)->implicit_value(true),
                  "refuse login (403 email_unverified) until the email address is verified");
  opt("mail-address-burst", &c.mail_address_burst,
      "reset and verification requests one client address may make at once (0: no limit)");
  opt("mail-address-refill-ms", &c.mail_address_refill_ms,
      "time for an address to earn back one request");
  opt("mail-account-burst", &c.mail_account_burst,
      "reset or verification mails one account may get at once (0: no limit)");
  opt("mail-account-refill-ms", &c.mail_account_refill_ms,
      "time for an account to earn back one mail");
  opt("mail-retry-ms", &c.mail_retry_ms, "first retry of a failed delivery (ms), doubling after");
  opt("mail-retry-max-ms", &c.mail_retry_max_ms, "longest wait between delivery attempts (ms)");
  opt("mail-max-attempts", &c.mail_max_attempts, "delivery attempts before a mail is given up");
}

std::string MailConfigProblem(const MailConfig& c) {
  if (c.smtp_starttls != "off" && c.smtp_starttls != "try" && c.smtp_starttls != "require") {
    return "--smtp-starttls must be off, try or require";
  }
  if (!c.smtp_url.empty() && c.smtp_url.rfind("smtp://", 0) != 0 &&
      c.smtp_url.rfind("smtps://", 0) != 0) {
    return "--smtp-url must start with smtp:// or smtps://";
  }
  if (!c.public_url.empty() && c.public_url.rfind("http://", 0) != 0 &&
      c.public_url.rfind("https://", 0) != 0) {
    return "--public-url must start with http:// or https://";
  }
  if (c.verify_token_ttl <= 0 || c.reset_token_ttl <= 0 || c.mail_retry_ms <= 0 ||
      c.mail_retry_max_ms < c.mail_retry_ms || c.mail_max_attempts <= 0 ||
      c.mail_address_refill_ms <= 0 || c.mail_account_refill_ms <= 0) {
    return "mail lifetimes, retry times and attempts must be positive";
  }
  return "";
}

std::unique_ptr<MailServices> MakeMailServices(const MailConfig& c, DataDir& dir,
                                               const std::string& listen, std::string& why) {
  auto out = std::make_unique<MailServices>();
  out->commands = std::make_unique<projections::MailCommands>(
      projections::MailTokens(dir.mail_token_key, dir.mail_token_hash_key),
      projections::MailPolicy{.verify_ttl = c.verify_token_ttl * kSecond,
                              .reset_ttl = c.reset_token_ttl * kSecond});
  out->address_limit = std::make_unique<net::RateLimiter>(
      net::RateLimit{c.mail_address_burst, c.mail_address_refill_ms * kMilli});
  out->account_limit = std::make_unique<net::RateLimiter>(
      net::RateLimit{c.mail_account_burst, c.mail_account_refill_ms * kMilli});

  std::unique_ptr<mail::MailTransport> transport;
  if (c.smtp_url.empty()) {
    const std::string folder = (std::filesystem::path(dir.path) / "outbox").string();
    transport = mail::MakeDirTransport(folder);
    out->transport = "outbox folder " + folder;
  } else {
    std::string password;
    if (!ReadPassword(c, password, why)) return nullptr;
    transport = mail::MakeSmtpTransport({.url = c.smtp_url,
                                         .user = c.smtp_user,
                                         .password = std::move(password),
                                         .starttls = c.smtp_starttls});
    out->transport = "smtp";
  }
  std::string public_url = c.public_url.empty() ? "http://" + listen : c.public_url;
  while (!public_url.empty() && public_url.back() == '/')
    public_url.pop_back();
  out->sender = std::make_unique<mail::MailSender>(
      *dir.log, *out->commands, dir.clock, std::move(transport),
      mail::SenderOptions{.from = c.mail_from,
                          .public_url = std::move(public_url),
                          .first_retry = c.mail_retry_ms * kMilli,
                          .max_retry = c.mail_retry_max_ms * kMilli,
                          .max_attempts = c.mail_max_attempts});
  return out;
}

}  // namespace authd::app
