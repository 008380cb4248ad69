#include "mail/mail_templates.hpp"

namespace authd::mail {
namespace {

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Plural(std::int64_t n, std::string_view unit) {
  return std::to_string(n) + " " + std::string(unit) + (n == 1 ? "" : "s");
}

struct Words {
  std::string_view subject;
  std::string_view intro;
  std::string_view action;
  std::string_view outro;
};

Words WordsFor(projections::TokenPurpose purpose) {
  if (purpose == projections::TokenPurpose::kVerifyEmail) {
    return {"Confirm your email address",
            "Please confirm that this is your email address by opening the link below.",
            "Confirm email address",
            "If you did not create an account or change your address, you can ignore this mail."};
  }
  return {"Reset your password",
          "Someone asked to reset the password of the account that uses this address. To choose "
          "a new password, open the link below.",
          "Reset password",
          "If you did not ask for this, ignore this mail: your password stays as it is. The link "
          "works once, and stops working when a newer one is sent or your password changes."};
}

}  // namespace

std::string Duration(core::Micros d) {
  const std::int64_t s = d / 1'000'000;
  if (s >= 3600 && s % 3600 == 0) return Plural(s / 3600, "hour");
  if (s >= 60 && s % 60 == 0) return Plural(s / 60, "minute");
  return Plural(s, "second");
}

std::string LinkFor(projections::TokenPurpose purpose, std::string_view public_url,
                    std::string_view token) {
  const std::string_view path = purpose == projections::TokenPurpose::kVerifyEmail
                                    ? "/verify-email?token="
                                    : "/reset-password?token=";
  return std::string(public_url) + std::string(path) + std::string(token);
}

MailContent RenderMail(projections::TokenPurpose purpose, std::string_view public_url,
                       std::string_view token, core::Micros valid_for) {
  const Words w = WordsFor(purpose);
  const std::string link = LinkFor(purpose, public_url, token);
  const std::string validity = "The link is valid for " + Duration(valid_for) + ".";
  MailContent c;
  c.subject = std::string(w.subject);
  c.text = std::string(w.intro) + "\n\n" + link + "\n\n" + validity +
           "\nIf the link does not open, enter this code: " + std::string(token) + "\n\n" +
           std::string(w.outro) + "\n";
  c.html = "<!DOCTYPE html>\n<html><body>\n<p>" + HtmlEscape(w.intro) + "</p>\n<p><a href=\"" +
           HtmlEscape(link) + "\">" + HtmlEscape(w.action) + "</a></p>\n<p>" +
           HtmlEscape(validity) + " If the link does not open, enter this code: <code>" +
           HtmlEscape(token) + "</code></p>\n<p>" + HtmlEscape(w.outro) + "</p>\n</body></html>\n";
  return c;
}

}  // namespace authd::mail
