#include "fuzz/api_harness.hpp"

#include <any>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>

#include "app/data_dir.hpp"
#include "app/security_options.hpp"
#include "core/password_hash.hpp"
#include "core/roles.hpp"
#include "net/api.hpp"
#include "net/errors.hpp"
#include "net/feed_hub.hpp"
#include "net/log.hpp"
#include "net/metrics.hpp"
#include "net/problems.hpp"
#include "net/services.hpp"
#include "projections/signing_keys.hpp"

namespace authd::fuzz {
namespace {

namespace asio = boost::asio;
constexpr core::Micros kDay = 86'400LL * 1'000'000;
constexpr std::string_view kAdminPassword = "fuzz-admin-password-7f3a9c";

std::string g_data_path;  // removed at exit

void RemoveDataDir() {
  std::error_code ec;
  if (!g_data_path.empty()) std::filesystem::remove_all(g_data_path, ec);
}

std::string MakeDataDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr ? tmp : "/tmp") + "/authd-fuzz-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

[[noreturn]] void Die(const char* what, std::string_view request, std::string_view detail) {
  std::fprintf(stderr, "FUZZ ORACLE: %s\n  request: %.*s\n  %.*s\n", what,
               static_cast<int>(request.size()), request.data(), static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

class Harness final : public ApiHarness {
 public:
  Harness() : path_(MakeDataDir()) {
    g_data_path = path_;
    std::atexit(RemoveDataDir);
    ::unsetenv("AUTHD_MASTER_KEY");  // OpenDataDir then creates DIR/master.key
    std::string why;
    auto dir = app::OpenDataDir(
        path_, {.read_only = false, .create_master_key = true, .sync = false}, why);
    if (!dir) throw std::runtime_error("cannot open the scratch data folder: " + why);
    dir_ = std::move(*dir);
    ids_ = std::make_unique<core::RandomIdGenerator>(dir_->clock);
    auto keys = projections::SigningKeys::Load(*dir_->log, *ids_);
    if (!keys) throw std::runtime_error("cannot load signing keys");
    keys_ = std::move(*keys);
    security_ = app::MakeSecurityServices(app::SecurityConfig{}, dir_->throttle_key);
    (void)security_->monitor->Attach(*dir_->log, dir_->clock.NowMicros());
    // The cheapest argon2id the hasher accepts: the fuzzer wants requests, not hashing.
    hasher_ = std::make_unique<core::PasswordHasher>(core::Argon2Params{8, 1, 1});
    pool_ = std::make_unique<net::BoundedPool>(1, 64);
    // Tokens and sessions that outlive the longest fuzz run.
    tokens_ = std::make_unique<net::TokenService>(net::TokenOptions{.access_lifetime = 30 * kDay},
                                                  dir_->clock, *keys_, *ids_, dir_->refresh_key);
    sessions_ = std::make_unique<projections::SessionCommands>(
        projections::SessionPolicy{.idle_timeout = 30 * kDay});
    api_keys_ = std::make_unique<net::ApiKeys>(dir_->api_key_key);
    feeds_ = std::make_unique<net::FeedHub>(*dir_->log, security_->monitor.get(), dir_->clock);
    net::ApiOptions options;
    options.session_lifetime = 30 * kDay;
    options.allowed_origins = {std::string(kAllowedOrigin)};
    services_ = std::make_unique<net::Services>(
        net::Services{.options = options,
                      .clock = dir_->clock,
                      .ids = *ids_,
                      .log = *dir_->log,
                      .users_cmd = *dir_->commands,
                      .users = *dir_->users,
                      .sessions_cmd = *sessions_,
                      .tokens = *tokens_,
                      .hasher = *hasher_,
                      .hash_pool = *pool_,
                      .api_keys = *api_keys_,
                      .metrics = &metrics_,
                      .security = security_->monitor.get(),
                      .login_guard = security_->guard.get(),
                      .monitor = security_->monitor.get(),
                      .signup_limit = security_->signup_limit.get(),
                      .refresh_limit = security_->refresh_limit.get(),
                      .feeds = feeds_.get()});
    app_ = services_.get();
    net::RegisterApiRoutes(router_);

    // Only errors reach the sink, and once started every one is a finding (rendering the
    // response included: ToBeastResponse logs the headers it drops).
    net::SetLogLevel(net::LogLevel::kError);
    net::SetLogSink([this](std::string_view line) { Die("error logged", current_, line); });
    RefreshAdmin();
    if (Call("GET", "/v1/users/me", "", true).status != 200) {
      throw std::runtime_error("the fuzz admin's token is refused");
    }
  }

  Served Serve(net::Request& request) override {
    current_ = request.method + " " + request.target;
    Served out = Dispatch(request);
    if (out.response.status == 500) Die("500 answer", current_, out.response.body);
    return out;
  }

  std::string WithAdminToken(std::string_view text) override {
    std::string out;
    for (;;) {
      const auto at = text.find(kAdminPlaceholder);
      out.append(text.substr(0, at));
      if (at == std::string_view::npos) return out;
      out.append(admin_token_);
      text.remove_prefix(at + kAdminPlaceholder.size());
    }
  }

  void RefreshAdmin() override {
    if (!admin_token_.empty()) {
      auto me = Call("GET", "/v1/users/me", "", true);
      if (me.status == 200) return;
    }
    if (SignInAdmin()) return;
    CreateAdmin();
    if (!SignInAdmin()) throw std::runtime_error("the fuzz admin cannot sign in");
  }

  core::IdGenerator& Ids() override { return *ids_; }

 private:
  Served Dispatch(net::Request& request) {
    auto match = router_.Find(request.method, request.path);
    if (match.kind == net::Router::Match::Kind::kNotFound) {
      return {net::ProblemForError(net::Errc::kNotFound), false};
    }
    if (match.kind == net::Router::Match::Kind::kMethodNotAllowed) {
      Served out{net::ProblemForError(net::Errc::kMethodNotAllowed), false};
      out.response.SetHeader("Allow", match.allow);
      return out;
    }
    net::RequestContext context{request, std::move(match.params), &app_};
    std::optional<net::Response> response;
    std::exception_ptr thrown;
    const net::Handler& handler = *match.handler;
    auto run = [&]() -> asio::awaitable<void> { response = co_await handler(context); };
    asio::co_spawn(io_, run, [&](std::exception_ptr e) { thrown = e; });
    io_.restart();
    io_.run();
    if (thrown) {
      try {
        std::rethrow_exception(thrown);
      } catch (const std::exception& e) {
        Die("handler threw", current_, e.what());
      } catch (...) {
        Die("handler threw", current_, "non-standard exception");
      }
    }
    if (!response) Die("handler did not finish", current_, "");
    return {std::move(*response), static_cast<bool>(context.upgrade)};
  }

  net::Response Call(std::string_view method, std::string_view target, std::string_view body,
                     bool with_token) {
    net::Request r;
    r.method = method;
    r.target = target;
    r.path = target;
    r.headers = {{"Host", "authd.test"}};
    if (with_token) r.headers.emplace_back("Authorization", "Bearer " + admin_token_);
    if (!body.empty()) {
      r.headers.emplace_back("Content-Type", "application/json");
      r.body = body;
    }
    r.client_address = "192.0.2.1";  // not the fuzzed requests' address: own throttles
    r.request_id = ids_->Next("req");
    return Dispatch(r).response;
  }

  bool SignInAdmin() {
    boost::json::object body{{"username", admin_name_}, {"password", kAdminPassword}};
    auto res = Call("POST", "/v1/sessions", boost::json::serialize(body), false);
    if (res.status != 200) return false;
    auto parsed = boost::json::parse(res.body).as_object();
    admin_token_ = std::string(parsed.at("access_token").as_string());
    return true;
  }

  void CreateAdmin() {
    admin_name_ = "fuzzadmin" + std::to_string(++admins_);
    auto hash = hasher_->Hash(kAdminPassword);
    if (!hash) throw std::runtime_error("cannot hash the admin password");
    projections::NewUser user{
        .id = ids_->Next("usr"),
        .username = admin_name_,
        .email = admin_name_ + "@fuzz.example",
        .display_name = "Fuzz Admin",
        .password_hash = std::move(*hash),
        .roles = {std::string(core::kRoleAdmin), std::string(core::kRoleUser)}};
    auto committed = dir_->log->Execute(
        dir_->commands->SignUp(std::move(user), {.actor = "cli", .request_id = ids_->Next("req")}));
    if (!committed) throw std::runtime_error("cannot create the fuzz admin");
  }

  std::string path_;
  std::unique_ptr<app::DataDir> dir_;
  std::unique_ptr<core::RandomIdGenerator> ids_;
  std::unique_ptr<projections::SigningKeys> keys_;
  std::unique_ptr<app::SecurityServices> security_;
  std::unique_ptr<core::PasswordHasher> hasher_;
  std::unique_ptr<net::BoundedPool> pool_;
  std::unique_ptr<net::TokenService> tokens_;
  std::unique_ptr<projections::SessionCommands> sessions_;
  std::unique_ptr<net::ApiKeys> api_keys_;
  std::unique_ptr<net::FeedHub> feeds_;
  net::MetricsRegistry metrics_;
  std::unique_ptr<net::Services> services_;
  std::any app_;
  net::Router router_;
  asio::io_context io_{1};
  std::string current_ = "(start-up)";  // "METHOD target" of the request being served
  std::string admin_name_;
  std::string admin_token_;
  int admins_ = 0;
};

}  // namespace

ApiHarness& ApiHarness::Get() {
  // Never destroyed: threads of the pool and the log writer may outlive static destruction order;
  // the data folder goes at exit.
  static Harness* harness = new Harness();
  return *harness;
}

}  // namespace authd::fuzz
