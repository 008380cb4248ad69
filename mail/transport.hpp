// Where mail goes: an SMTP server (smtp_transport) or files in a folder (dir_transport).
#pragma once

#include <memory>
#include <string>

#include "mail/mail_message.hpp"

namespace authd::mail {

struct SendResult {
  bool ok = false;
  // The server refused for good (SMTP 5xx): trying again will not help.
  bool permanent = false;
  // For the log; never holds credentials or the message.
  std::string error;
};

// Send blocks (network or disk): call it from the sender thread only. Implementations are not
// required to be thread-safe.
class MailTransport {
 public:
  virtual ~MailTransport() = default;
  // Success means the message was accepted (SMTP 250 after DATA, or the file is durable).
  [[nodiscard]] virtual SendResult Send(const MailMessage& message, const std::string& mime) = 0;
  // "smtp" or "dir", for logs.
  [[nodiscard]] virtual std::string_view Kind() const = 0;
};

struct SmtpOptions {
  // smtp://host:port (STARTTLS per `starttls`) or smtps://host:port (TLS from the start).
  std::string url;
  // "" = no authentication.
  std::string user;
  std::string password;  // WARNING: secret; never log it
  // "off": never; "try": when the server offers it (default); "require": refuse to send without.
  std::string starttls = "try";
  // Whole transaction deadline. Default: 30 s.
  long timeout_seconds = 30;
};

[[nodiscard]] std::unique_ptr<MailTransport> MakeSmtpTransport(SmtpOptions options);
// Writes each message as <folder>/<mail id>.eml (written to a temporary name, fsynced, renamed:
// a reader never sees half a message; a resend replaces the same file).
[[nodiscard]] std::unique_ptr<MailTransport> MakeDirTransport(std::string folder);

}  // namespace authd::mail
