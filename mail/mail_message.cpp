#include "mail/mail_message.hpp"

#include <ctime>

namespace authd::mail {
namespace {

constexpr std::string_view kCrlf = "\r\n";

// Lines ending in CRLF, as SMTP requires; a bare LF in a template becomes CRLF.
std::string WithCrlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

std::string RfcDate(core::Micros at) {
  const std::time_t t = static_cast<std::time_t>(at / 1'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  const auto n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return std::string(buf, n);
}

// Header values come from configuration and templates; a CR or LF would start a new header.
std::string OneLine(std::string_view v) {
  std::string out;
  for (char c : v)
    out += (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

}  // namespace

std::string AddressOf(std::string_view from) {
  const auto open = from.find('<');
  const auto close = from.rfind('>');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return std::string(from);
  }
  return std::string(from.substr(open + 1, close - open - 1));
}

std::string ToMime(const MailMessage& m, core::Micros date) {
  const std::string boundary = "=_authd_" + m.id;
  std::string out;
  const auto header = [&out](std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(OneLine(value)).append(kCrlf);
  };
  header("Date", RfcDate(date));
  header("From", m.from);
  header("To", m.to);
  header("Subject", m.subject);
  header("Message-ID", "<" + m.id + "@authd>");
  header("MIME-Version", "1.0");
  header("Content-Type", "multipart/alternative; boundary=\"" + boundary + "\"");
  out.append(kCrlf);
  const auto part = [&](std::string_view type, std::string_view body) {
    out.append("--").append(boundary).append(kCrlf);
    out.append("Content-Type: ").append(type).append("; charset=utf-8").append(kCrlf);
    out.append("Content-Transfer-Encoding: 8bit").append(kCrlf).append(kCrlf);
    out.append(WithCrlf(body));
    if (!body.empty() && body.back() != '\n') out.append(kCrlf);
  };
  part("text/plain", m.text);
  part("text/html", m.html);
  out.append("--").append(boundary).append("--").append(kCrlf);
  return out;
}

}  // namespace authd::mail
