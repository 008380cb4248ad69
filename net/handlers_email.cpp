// POST /v1/password-resets, POST /v1/password-resets/confirm, POST /v1/email-verifications,
// POST /v1/email-verifications/confirm. docs/MAIL.md.
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <memory>

#include "core/error.hpp"
#include "net/api.hpp"
#include "net/auth.hpp"
#include "net/body.hpp"
#include "net/commit.hpp"
#include "net/fields.hpp"
#include "net/mail_hooks.hpp"
#include "net/passwords.hpp"
#include "net/problems.hpp"
#include "projections/login_guard.hpp"

namespace authd::net {
namespace {

using boost::asio::awaitable;

// How long after its 202 a reset request reaches the writer (see RequestReset).
constexpr std::chrono::milliseconds kResetSubmitDelay{10};

// Longest token accepted (ours are 43 characters); longer input is not hashed at all.
constexpr std::size_t kMaxTokenLength = 128;

Response InvalidToken() {
  return ProblemResponse(400, "invalid_token", "Invalid token",
                         "The link or code is not valid: it was used, replaced by a newer one, "
                         "or has expired.");
}

Response MailOff() {
  return ProblemResponse(503, "storage_unavailable", "Mail is off",
                         "This server does not send mail.");
}

std::optional<Response> AddressLimited(Services& s, const Request& request) {
  if (s.mail_address_limit == nullptr) return std::nullopt;
  const auto address = projections::ThrottledAddress(ClientAddress(request, s.options));
  auto wait = s.mail_address_limit->Take(address, s.clock.NowMicros());
  if (!wait) return std::nullopt;
  auto r = ProblemResponse(429, "rate_limited", "Rate limited",
                           "Too many requests from this address; wait before trying again.");
  r.SetHeader("Retry-After",
              std::to_string(std::max<core::Micros>(1, (*wait + 999'999) / 1'000'000)));
  return r;
}

// True when the account (any stable key for it) may get one more mail now.
bool AccountMayMail(Services& s, std::string_view account_key) {
  return s.mail_account_limit == nullptr ||
         !s.mail_account_limit->Take(account_key, s.clock.NowMicros());
}

// The presented token's hash, or nullopt for input that cannot be one of ours.
std::optional<std::string> TokenHash(const Services& s, const std::optional<std::string>& token) {
  if (!token || token->empty() || token->size() > kMaxTokenLength) return std::nullopt;
  return s.mail->tokens().Hash(*token);
}

awaitable<Response> RequestReset(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  if (s.mail == nullptr) co_return MailOff();
  if (auto limited = AddressLimited(s, ctx.request)) co_return std::move(*limited);
  auto body = ParseJsonBody(ctx.request);
  if (!body) co_return ProblemForError(body.error());
  Fields f(*body);
  auto email = f.String("email", true);
  if (email) f.Add(core::ValidateEmail(*email));
  if (!f.ok()) co_return f.Problem();

  // Everything below is the same work whether or not the address has an account: the writer
  // looks the owner up, and the answer does not wait for it. The decision is even handed to the
  // writer a moment after the answer has gone, so the writer's extra work for a real account
  // (sealing, a synced commit, then the sender) does not compete with this answer for a core.
  // So status, body and timing say nothing about the account.
  const std::string email_key = s.users_cmd.EmailKey(*core::NormalizeEmail(*email));
  if (AccountMayMail(s, "reset/" + email_key)) {
    auto decide = s.mail->RequestPasswordReset(email_key, s.ids.Next("mail"),
                                               OriginOf(ctx.request, s.options, ""));
    auto executor = co_await boost::asio::this_coro::executor;
    auto timer = std::make_shared<boost::asio::steady_timer>(executor, kResetSubmitDelay);
    timer->async_wait([timer, &log = s.log,
                       decide = std::move(decide)](const boost::system::error_code& ec) mutable {
      // Cancelled at shutdown: the request is dropped (202 promised an attempt, not a mail).
      if (!ec) log.Submit(std::move(decide), [](const Result<storage::Committed>&) {});
    });
  }
  co_return JsonResponse(
      202, boost::json::object{{"status", "accepted"},
                               {"detail",
                                "If an account uses this address, a link to reset its "
                                "password has been sent to it."}});
}

awaitable<Response> ConfirmReset(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  if (s.mail == nullptr) co_return MailOff();
  auto body = ParseJsonBody(ctx.request);
  if (!body) co_return ProblemForError(body.error());
  Fields f(*body);
  auto token = f.String("token", true);
  auto password = f.String("new_password", true);
  if (!f.ok()) co_return f.Problem();
  const auto hash = TokenHash(s, token);
  if (!hash) co_return InvalidToken();
  // A cheap look first, so a dead token costs no argon2id; the writer checks again.
  auto live = projections::LiveToken(s.log, *hash, projections::TokenPurpose::kPasswordReset,
                                     s.clock.NowMicros());
  if (!live) co_return ProblemForError(live.error());
  if (!*live) co_return InvalidToken();
  auto user = s.users.Find((*live)->user_id);
  if (!user) co_return ProblemForError(user.error());
  if (!*user) co_return InvalidToken();
  auto view = s.users.View(**user);
  if (!view) co_return ProblemForError(view.error());
  for (auto e : core::ValidatePassword(*password, view->username, s.options.password)) {
    e.field = "new_password";  // name the field the client sent
    f.Add(std::move(e));
  }
  if (!f.ok()) co_return f.Problem();

  auto phc = co_await HashPassword(s, *password);
  if (!phc) co_return ProblemForError(phc.error());
  // Named first: GCC 12 double-destroys temporaries inside co_await expressions.
  auto decide = s.mail->ResetPassword(*hash, (*live)->user_id, std::move(*phc),
                                      OriginOf(ctx.request, s.options, ""));
  auto committed = co_await Commit(s.log, decide);
  if (!committed) {
    if (committed.error() == core::Errc::kNotFound) co_return InvalidToken();
    co_return ProblemForError(committed.error());
  }
  co_return EmptyResponse(204);
}

awaitable<Response> RequestVerification(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  if (s.mail == nullptr) co_return MailOff();
  auto auth = Authenticate(ctx.request, s);
  if (!auth.principal) co_return std::move(auth.failure);
  const auto& me = *auth.principal;
  if (me.user.email_verified) {
    co_return ProblemResponse(409, "conflict", "Already verified",
                              "This account's email address is already verified.");
  }
  if (auto limited = AddressLimited(s, ctx.request)) co_return std::move(*limited);
  if (!AccountMayMail(s, "verify/" + me.user.id)) {
    auto r = ProblemResponse(429, "rate_limited", "Rate limited",
                             "Too many verification mails for this account; wait a while.");
    r.SetHeader("Retry-After", "60");
    co_return r;
  }
  // Named first: GCC 12 double-destroys temporaries inside co_await expressions.
  auto decide = s.mail->RequestVerification(me.user.id, s.ids.Next("mail"),
                                            OriginOf(ctx.request, s.options, me.user.id));
  auto committed = co_await Commit(s.log, decide);
  if (!committed) {
    if (committed.error() == core::Errc::kConflict) {
      co_return ProblemResponse(409, "conflict", "Already verified",
                                "This account's email address is already verified.");
    }
    co_return ProblemForError(committed.error());
  }
  co_return JsonResponse(202, boost::json::object{{"status", "accepted"}});
}

awaitable<Response> ConfirmVerification(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  if (s.mail == nullptr) co_return MailOff();
  auto body = ParseJsonBody(ctx.request);
  if (!body) co_return ProblemForError(body.error());
  Fields f(*body);
  auto token = f.String("token", true);
  if (!f.ok()) co_return f.Problem();
  const auto hash = TokenHash(s, token);
  if (!hash) co_return InvalidToken();
  // Named first: GCC 12 double-destroys temporaries inside co_await expressions.
  auto decide = s.mail->ConfirmVerification(*hash, OriginOf(ctx.request, s.options, ""));
  auto committed = co_await Commit(s.log, decide);
  if (!committed) {
    if (committed.error() == core::Errc::kNotFound) co_return InvalidToken();
    co_return ProblemForError(committed.error());
  }
  co_return EmptyResponse(204);
}

}  // namespace

storage::DecideFn WithVerificationMail(Services& s, storage::DecideFn decide, std::string user_id,
                                       const projections::Origin& origin) {
  if (s.mail == nullptr) return decide;
  return s.mail->WithVerificationMail(std::move(decide), std::move(user_id), s.ids.Next("mail"),
                                      origin);
}

void RegisterMailRoutes(Router& router) {
  router.Post("/v1/password-resets", RequestReset);
  router.Post("/v1/password-resets/confirm", ConfirmReset);
  router.Post("/v1/email-verifications", RequestVerification);
  router.Post("/v1/email-verifications/confirm", ConfirmVerification);
}

}  // namespace authd::net
