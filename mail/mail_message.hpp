// One mail as authd sends it: plain text and HTML alternatives of the same content, and its
// RFC 5322 / MIME encoding (multipart/alternative, CRLF line ends).
#pragma once

#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace authd::mail {

struct MailMessage {
  std::string id;    // the mail id; also gives the Message-ID and the boundary
  std::string from;  // "authd <noreply@example.com>" or a bare address
  std::string to;    // bare address
  std::string subject;
  std::string text;  // plain text part
  std::string html;  // HTML part
};

// The message as bytes for SMTP DATA or a .eml file. `date` goes in the Date header.
[[nodiscard]] std::string ToMime(const MailMessage& m, core::Micros date);

// The address part of "Name <addr>" (or the whole text when it has no angle brackets).
[[nodiscard]] std::string AddressOf(std::string_view from);

}  // namespace authd::mail
