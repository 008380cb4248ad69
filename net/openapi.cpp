#include "net/openapi.hpp"

#include <boost/json.hpp>
#include <initializer_list>

namespace authd::net {
namespace {

namespace json = boost::json;

struct Op {
  const char* method;  // lower case, as OpenAPI wants
  const char* path;
  const char* summary;
  bool auth;            // needs a bearer token
  const char* request;  // schema name of the JSON body, or nullptr
  const char* success;  // "200 User", "204", ...
  std::initializer_list<int> failures;
};

// The contract of ../shared/API.md, one line per operation.
constexpr std::initializer_list<Op> kOps = {
    // 503 server_busy on every operation that hashes a password, when each argon2id slot is taken.
    {"post",
     "/v1/users",
     "Sign up",
     false,
     "SignupRequest",
     "201 User",
     {409, 413, 415, 422, 429, 503}},
    {"post",
     "/v1/sessions",
     "Log in",
     false,
     "LoginRequest",
     "200 LoginResponse",
     {401, 403, 413, 415, 422, 429, 503}},
    {"post",
     "/v1/sessions/mfa",
     "Finish a login with a TOTP code or a recovery code",
     false,
     "MfaLoginRequest",
     "200 SessionResponse",
     {401, 415, 422, 429}},
    {"post",
     "/v1/sessions/refresh",
     "Exchange a refresh token (rotation)",
     false,
     "RefreshRequest",
     "200 SessionResponse",
     {401, 415, 422, 429}},
    {"get",
     "/v1/csrf",
     "CSRF token for a browser's first cookie login (also set as the authd_csrf cookie)",
     false,
     nullptr,
     "200 CsrfToken",
     {404}},
    {"get", "/v1/sessions", "List own sessions", true, nullptr, "200 SessionList", {401}},
    {"delete", "/v1/sessions/current", "Log out", true, nullptr, "204", {401}},
    {"delete", "/v1/sessions/{id}", "Revoke one of own sessions", true, nullptr, "204", {401, 404}},
    {"get", "/v1/users/me", "Own user", true, nullptr, "200 User", {401}},
    {"patch",
     "/v1/users/me",
     "Update own profile",
     true,
     "ProfilePatch",
     "200 User",
     {401, 409, 415, 422}},
    {"delete",
     "/v1/users/me",
     "Delete own account (password required)",
     true,
     "PasswordBody",
     "204",
     {401, 409, 415, 422, 503}},
    {"put",
     "/v1/users/me/password",
     "Change own password",
     true,
     "PasswordChange",
     "204",
     {401, 415, 422, 503}},
    {"post",
     "/v1/users/me/mfa/totp",
     "Start TOTP enrollment (a pending secret)",
     true,
     nullptr,
     "200 TotpEnrollment",
     {401, 409}},
    {"post",
     "/v1/users/me/mfa/totp/confirm",
     "Confirm TOTP enrollment with a first code (recent sign-in required)",
     true,
     "MfaCode",
     "200 RecoveryCodes",
     {401, 409, 415, 422}},
    {"delete",
     "/v1/users/me/mfa/totp",
     "Turn TOTP off with a code or the password (recent sign-in required)",
     true,
     "MfaDisable",
     "204",
     {401, 409, 415, 422, 503}},
    {"get", "/v1/users", "List users (admin)", true, nullptr, "200 UserPage", {401, 403, 422}},
    {"get",
     "/v1/users/{id}",
     "Get a user (admin, or self)",
     true,
     nullptr,
     "200 User",
     {401, 403, 404}},
    {"put",
     "/v1/users/{id}",
     "Replace a user's profile and status (admin)",
     true,
     "UserPut",
     "200 User",
     {401, 403, 404, 409, 415, 422}},
    {"patch",
     "/v1/users/{id}",
     "Update a user (admin, or self)",
     true,
     "UserPatch",
     "200 User",
     {401, 403, 404, 409, 415, 422}},
    {"delete",
     "/v1/users/{id}",
     "Delete a user (admin, or self with password)",
     true,
     nullptr,
     "204",
     {401, 403, 404, 409}},
    {"put",
     "/v1/users/{id}/roles",
     "Set a user's roles (admin)",
     true,
     "RolesBody",
     "200 User",
     {401, 403, 404, 409, 415, 422}},
    {"post",
     "/v1/api-keys",
     "Create an API key (recent password required; the key is shown once)",
     true,
     "ApiKeyRequest",
     "201 ApiKeySecret",
     {401, 403, 409, 415, 422}},
    {"get",
     "/v1/api-keys",
     "List own API keys (never their secrets)",
     true,
     nullptr,
     "200 ApiKeyList",
     {401, 403}},
    {"delete", "/v1/api-keys/{id}", "Revoke an own API key", true, nullptr, "204", {401, 403, 404}},
    {"post",
     "/v1/api-keys/{id}/rotate",
     "Replace an own API key's secret",
     true,
     nullptr,
     "201 ApiKeySecret",
     {401, 403, 404}},
    {"post",
     "/v1/password-resets",
     "Ask for a password reset mail (202 whether or not the account exists)",
     false,
     "EmailBody",
     "202 Accepted",
     {413, 415, 422, 429, 503}},
    {"post",
     "/v1/password-resets/confirm",
     "Set a new password with a mailed reset token; revokes every session",
     false,
     "ResetConfirm",
     "204",
     {400, 413, 415, 422, 503}},
    {"post",
     "/v1/email-verifications",
     "Mail a new verification link to the own address",
     true,
     nullptr,
     "202 Accepted",
     {401, 409, 429, 503}},
    {"post",
     "/v1/email-verifications/confirm",
     "Confirm an email address with a mailed token",
     false,
     "TokenBody",
     "204",
     {400, 413, 415, 422, 503}},
    {"get",
     "/v1/security/failed-logins",
     "Failed-login monitor: top accounts and addresses, throttles, alerts (admin, auditor)",
     true,
     nullptr,
     "200 FailedLoginReport",
     {401, 403, 503}},
    {"get",
     "/v1/audit/events",
     "Audit events in log order (admin, auditor)",
     true,
     nullptr,
     "200 AuditPage",
     {401, 403, 422}},
    {"get",
     "/v1/audit/stream",
     "WebSocket: the audit feed, replayed after `after`, then live (admin, auditor)",
     true,
     nullptr,
     "101",
     {401, 403, 422, 426}},
    {"get",
     "/v1/security/stream",
     "WebSocket: failed-login alerts and counters each second (admin, auditor)",
     true,
     nullptr,
     "101",
     {401, 403, 426}},
    {"get",
     "/.well-known/jwks.json",
     "Public keys that verify access tokens",
     false,
     nullptr,
     "200 Jwks",
     {}},
    {"get", "/healthz", "Liveness", false, nullptr, "200 Status", {}},
    {"get",
     "/readyz",
     "Readiness: the event log accepts writes",
     false,
     nullptr,
     "200 Status",
     {503}},
    {"get", "/openapi.json", "This document", false, nullptr, "200 Any", {}},
    {"get",
     "/metrics",
     "Prometheus metrics, text format 0.0.4 (404 when turned off)",
     false,
     nullptr,
     "200 Metrics",
     {404}},
};

json::object Ref(std::string_view name) {
  return {{"$ref", "#/components/schemas/" + std::string(name)}};
}

json::object JsonContent(std::string_view schema, std::string_view type = "application/json") {
  return {{std::string(type), json::object{{"schema", Ref(schema)}}}};
}

json::object Str(std::string_view format = "") {
  json::object o{{"type", "string"}};
  if (!format.empty()) o["format"] = format;
  return o;
}

json::object Obj(std::initializer_list<std::pair<std::string_view, json::value>> props,
                 std::initializer_list<std::string_view> required = {}) {
  json::object properties;
  for (const auto& [k, v] : props)
    properties[k] = v;
  json::array req;
  for (auto r : required)
    req.emplace_back(r);
  json::object o{{"type", "object"}, {"properties", std::move(properties)}};
  if (!req.empty()) o["required"] = std::move(req);
  return o;
}

json::object Arr(json::value items) {
  return {{"type", "array"}, {"items", std::move(items)}};
}

json::object Schemas() {
  json::object s;
  s["Problem"] =
      Obj({{"type", Str("uri")},
           {"title", Str()},
           {"status", json::object{{"type", "integer"}}},
           {"detail", Str()},
           {"code", Str()},
           {"errors", Arr(Obj({{"field", Str()}, {"code", Str()}, {"message", Str()}}))}},
          {"type", "title", "status", "code"});
  s["User"] = Obj({{"id", Str()},
                   {"username", Str()},
                   {"email", Str("email")},
                   {"display_name", Str()},
                   {"roles", Arr(Str())},
                   {"email_verified", json::object{{"type", "boolean"}}},
                   {"mfa_enabled", json::object{{"type", "boolean"}}},
                   {"disabled", json::object{{"type", "boolean"}}},
                   {"created_at", Str("date-time")},
                   {"updated_at", Str("date-time")}},
                  {"id", "username", "email", "roles", "created_at", "updated_at"});
  s["UserPage"] = Obj({{"items", Arr(Ref("User"))},
                       {"next_cursor", json::object{{"type", json::array{"string", "null"}}}}},
                      {"items", "next_cursor"});
  s["TokenResponse"] =
      Obj({{"access_token", Str()},
           {"token_type", Str()},
           {"expires_in", json::object{{"type", "integer"}}},
           {"refresh_token", Str()},
           {"session_id", Str()},
           {"user", Ref("User")}},
          {"access_token", "token_type", "expires_in", "refresh_token", "session_id", "user"});
  s["MfaChallenge"] = Obj({{"mfa_required", json::object{{"type", "boolean"}}},
                           {"mfa_token", Str()},
                           {"methods", Arr(Str())},
                           {"expires_in", json::object{{"type", "integer"}}}},
                          {"mfa_required", "mfa_token", "methods"});
  s["CookieSession"] = Obj({{"user", Ref("User")},
                            {"csrf_token", Str()},
                            {"session_id", Str()},
                            {"expires_in", json::object{{"type", "integer"}}}},
                           {"user", "csrf_token"});
  s["LoginResponse"] = json::object{
      {"oneOf", json::array{Ref("TokenResponse"), Ref("CookieSession"), Ref("MfaChallenge")}}};
  s["SessionResponse"] =
      json::object{{"oneOf", json::array{Ref("TokenResponse"), Ref("CookieSession")}}};
  s["MfaLoginRequest"] = Obj({{"mfa_token", Str()},
                              {"code", Str()},
                              {"recovery_code", Str()},
                              {"use_cookies", json::object{{"type", "boolean"}}}},
                             {"mfa_token"});
  s["CsrfToken"] = Obj({{"csrf_token", Str()}}, {"csrf_token"});
  s["MfaCode"] = Obj({{"code", Str()}}, {"code"});
  s["MfaDisable"] = Obj({{"code", Str()}, {"password", Str("password")}});
  s["TotpEnrollment"] =
      Obj({{"secret", Str()}, {"otpauth_uri", Str("uri")}}, {"secret", "otpauth_uri"});
  s["RecoveryCodes"] = Obj({{"recovery_codes", Arr(Str())}}, {"recovery_codes"});
  s["Session"] = Obj({{"id", Str()},
                      {"created_at", Str("date-time")},
                      {"last_seen_at", Str("date-time")},
                      {"expires_at", Str("date-time")},
                      {"ip", Str()},
                      {"user_agent", Str()},
                      {"current", json::object{{"type", "boolean"}}}});
  const json::object integer{{"type", "integer"}};
  const json::object entry = Obj({{"account", Str()},
                                  {"address", Str()},
                                  {"failures", integer},
                                  {"accounts", integer},
                                  {"addresses", integer},
                                  {"last_failure_at", Str("date-time")}});
  s["FailedLoginReport"] =
      Obj({{"at", Str("date-time")},
           {"window_seconds", integer},
           {"counters", Obj({{"logins_succeeded", integer},
                             {"logins_failed", integer},
                             {"logins_throttled", integer},
                             {"active_throttles", integer}})},
           {"top_accounts", Arr(entry)},
           {"top_addresses", Arr(entry)},
           {"active_throttles", Arr(Obj({{"reason", Str()},
                                         {"account", Str()},
                                         {"address", Str()},
                                         {"until", Str("date-time")},
                                         {"retry_after", integer}}))},
           {"alerts", Arr(Obj({{"id", Str()},
                               {"kind", Str()},
                               {"severity", Str()},
                               {"started_at", Str("date-time")},
                               {"last_seen_at", Str("date-time")},
                               {"evidence", json::object{{"type", "object"}}}}))}},
          {"at", "counters", "top_accounts", "top_addresses", "active_throttles", "alerts"});
  s["SessionList"] = Obj({{"items", Arr(Ref("Session"))}}, {"items"});
  const json::object nullable_time{{"type", json::array{"string", "null"}},
                                   {"format", "date-time"}};
  s["ApiKey"] = Obj({{"id", Str()},
                     {"name", Str()},
                     {"scopes", Arr(Str())},
                     {"created_at", Str("date-time")},
                     {"rotated_at", nullable_time},
                     {"expires_at", nullable_time},
                     {"last_used_at", nullable_time}},
                    {"id", "name", "scopes", "created_at"});
  s["ApiKeySecret"] = Obj({{"id", Str()},
                           {"key", Str()},
                           {"name", Str()},
                           {"scopes", Arr(Str())},
                           {"created_at", Str("date-time")},
                           {"expires_at", nullable_time}},
                          {"id", "key", "name", "scopes", "created_at"});
  s["ApiKeyList"] = Obj({{"items", Arr(Ref("ApiKey"))}}, {"items"});
  s["ApiKeyRequest"] = Obj({{"name", Str()},
                            {"scopes", Arr(Str())},
                            {"expires_in", json::object{{"type", "integer"}, {"minimum", 60}}}},
                           {"name", "scopes"});
  s["SignupRequest"] = Obj({{"username", Str()},
                            {"email", Str("email")},
                            {"password", Str("password")},
                            {"display_name", Str()}},
                           {"username", "email", "password"});
  const json::object boolean{{"type", "boolean"}};
  s["LoginRequest"] = Obj({{"username", Str()},
                           {"email", Str("email")},
                           {"password", Str("password")},
                           {"use_cookies", boolean}},
                          {"password"});
  // Without refresh_token, the __Host-authd_rt cookie is the token (a browser).
  s["RefreshRequest"] = Obj({{"refresh_token", Str()}, {"use_cookies", boolean}});
  s["ProfilePatch"] = Obj({{"email", Str("email")}, {"display_name", Str()}});
  s["UserPatch"] = Obj({{"email", Str("email")},
                        {"display_name", Str()},
                        {"disabled", json::object{{"type", "boolean"}}}});
  s["UserPut"] = Obj({{"email", Str("email")},
                      {"display_name", Str()},
                      {"disabled", json::object{{"type", "boolean"}}}},
                     {"email", "display_name", "disabled"});
  s["PasswordBody"] = Obj({{"password", Str("password")}}, {"password"});
  s["PasswordChange"] =
      Obj({{"current_password", Str("password")}, {"new_password", Str("password")}},
          {"current_password", "new_password"});
  s["RolesBody"] = Obj({{"roles", Arr(Str())}}, {"roles"});
  s["Jwks"] = Obj({{"keys", Arr(Obj({{"kty", Str()},
                                     {"crv", Str()},
                                     {"x", Str()},
                                     {"kid", Str()},
                                     {"alg", Str()},
                                     {"use", Str()}}))}},
                  {"keys"});
  s["AuditEvent"] = Obj({{"seq", json::object{{"type", "integer"}}},
                         {"type", Str()},
                         {"at", Str("date-time")},
                         {"actor", Obj({{"user_id", Str()}, {"ip", Str()}})},
                         {"subject", Str()},
                         {"data", json::object{{"type", "object"}}},
                         {"hash", Str()}},
                        {"seq", "type", "at", "actor", "data", "hash"});
  s["AuditPage"] =
      Obj({{"items", Arr(Ref("AuditEvent"))}, {"next_after", json::object{{"type", "integer"}}}},
          {"items", "next_after"});
  s["Status"] = Obj({{"status", Str()}}, {"status"});
  s["Accepted"] = Obj({{"status", Str()}, {"detail", Str()}}, {"status"});
  s["EmailBody"] = Obj({{"email", Str("email")}}, {"email"});
  s["TokenBody"] = Obj({{"token", Str()}}, {"token"});
  s["ResetConfirm"] =
      Obj({{"token", Str()}, {"new_password", Str("password")}}, {"token", "new_password"});
  s["Any"] = json::object{};
  s["Metrics"] = Str();
  return s;
}

json::object Build() {
  json::object paths;
  for (const auto& op : kOps) {
    json::object operation{{"summary", op.summary}};
    json::array params;
    if (std::string_view(op.path).find("{id}") != std::string_view::npos) {
      params.push_back(
          json::object{{"name", "id"}, {"in", "path"}, {"required", true}, {"schema", Str()}});
    }
    if (std::string_view(op.path) == "/v1/users" && std::string_view(op.method) == "get") {
      for (const char* q : {"limit", "cursor", "q"}) {
        params.push_back(json::object{{"name", q}, {"in", "query"}, {"schema", Str()}});
      }
    }
    if (std::string_view(op.path) == "/v1/audit/events") {
      for (const char* q : {"after", "limit", "type", "user"}) {
        params.push_back(json::object{{"name", q}, {"in", "query"}, {"schema", Str()}});
      }
    }
    if (std::string_view(op.path) == "/v1/audit/stream") {
      params.push_back(json::object{{"name", "after"}, {"in", "query"}, {"schema", Str()}});
    }
    if (!params.empty()) operation["parameters"] = std::move(params);
    if (op.request != nullptr) {
      operation["requestBody"] =
          json::object{{"required", true}, {"content", JsonContent(op.request)}};
    }
    json::object responses;
    const std::string_view success(op.success);
    const auto space = success.find(' ');
    const std::string status(success.substr(0, space));
    json::object ok{{"description", status == "204"   ? "No Content"
                                    : status == "101" ? "Switching Protocols (WebSocket)"
                                                      : "Success"}};
    if (space != std::string_view::npos) {
      const auto schema = success.substr(space + 1);
      ok["content"] = schema == "Metrics" ? JsonContent(schema, "text/plain; version=0.0.4")
                                          : JsonContent(schema);
    }
    responses[status] = std::move(ok);
    for (int code : op.failures) {
      responses[std::to_string(code)] =
          json::object{{"description", "Problem"},
                       {"content", JsonContent("Problem", "application/problem+json")}};
    }
    operation["responses"] = std::move(responses);
    if (op.auth) operation["security"] = json::array{json::object{{"bearer", json::array{}}}};
    auto& entry = paths[op.path];
    if (!entry.is_object()) entry = json::object{};
    entry.as_object()[op.method] = std::move(operation);
  }
  return {{"openapi", "3.1.0"},
          {"info", json::object{{"title", "authd"}, {"version", "1"}}},
          {"paths", std::move(paths)},
          {"components",
           json::object{{"schemas", Schemas()},
                        {"securitySchemes",
                         json::object{{"bearer", json::object{{"type", "http"},
                                                              {"scheme", "bearer"},
                                                              {"bearerFormat", "JWT"}}}}}}}};
}

}  // namespace

const json::object& OpenApiDocument() {
  static const json::object doc = Build();
  return doc;
}

}  // namespace authd::net
