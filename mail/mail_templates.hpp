// The texts of authd's mails. Each template gives a subject, a plain text body and an HTML body
// that say the same thing: a link to `public_url` carrying the token, and the token itself for
// clients that take it as a code.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "projections/email_tokens.hpp"

namespace authd::mail {

struct MailContent {
  std::string subject;
  std::string text;
  std::string html;
};

// `public_url`: where users reach authd's pages, without a trailing slash
// ("https://auth.example.com"). `valid_for`: the token lifetime, said in words.
[[nodiscard]] MailContent RenderMail(projections::TokenPurpose purpose, std::string_view public_url,
                                     std::string_view token, core::Micros valid_for);

// The link a mail carries: public_url + "/verify-email?token=" or "/reset-password?token=".
[[nodiscard]] std::string LinkFor(projections::TokenPurpose purpose, std::string_view public_url,
                                  std::string_view token);

// "30 minutes", "24 hours", "1 hour", "2 seconds".
[[nodiscard]] std::string Duration(core::Micros d);

}  // namespace authd::mail
