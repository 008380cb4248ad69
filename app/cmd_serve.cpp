// authd serve: the HTTP server over one data folder. Configuration comes from flags, then
// AUTHD_* environment variables, then an optional INI-style config file; docs/CONFIG.md lists
// every option and its default.
#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>
#include <thread>
#include <vector>

#include "app/commands.hpp"
#include "app/data_dir.hpp"
#include "app/mail_options.hpp"
#include "app/security_options.hpp"
#include "core/password_hash.hpp"
#include "core/thread_name.hpp"
#include "net/api.hpp"
#include "net/event_metrics.hpp"
#include "net/feed_hub.hpp"
#include "net/http_server.hpp"
#include "net/log.hpp"
#include "net/metrics.hpp"
#include "net/security_log.hpp"
#include "net/server_metrics.hpp"
#include "net/services.hpp"
#include "net/signals.hpp"
#include "net/thread_priority.hpp"
#include "net/tls.hpp"
#include "projections/signing_keys.hpp"

namespace authd::app {
namespace po = boost::program_options;

namespace {

constexpr core::Micros kSecond = 1'000'000;
// A commit held longer than this would be felt by every client, busy or not.
constexpr std::int64_t kMaxCommitDelayUs = 100'000;

// Group commit while a full round of hashes waits for the hashing threads (docs/STORAGE.md,
// "Commit delay"): the CPU then limits logins, and each fsync and group saved goes to hashing.
// The hold ends the moment fewer than a round are pending, before a thread can run out of queued
// work while finished logins wait for company. Declared after the pool it asks, so the log stops
// asking (and the pool stops telling) before the pool is gone.
class CommitBatching {
 public:
  CommitBatching(storage::EventLog& log, std::int64_t delay_us, net::BoundedPool& pool,
                 std::size_t threads)
      : log_(log), pool_(pool) {
    const std::size_t full_round_waiting = 2 * threads;
    log_.SetCommitDelay(std::chrono::microseconds(delay_us), [&pool, full_round_waiting] {
      return pool.Pending() >= full_round_waiting;
    });
    if (delay_us > 0) pool_.WatchDrop(full_round_waiting, [&log] { log.RecheckCommitDelay(); });
  }
  ~CommitBatching() {
    pool_.WatchDrop(0, {});
    log_.SetCommitDelay(std::chrono::microseconds(0), {});
  }
  CommitBatching(const CommitBatching&) = delete;
  CommitBatching& operator=(const CommitBatching&) = delete;

 private:
  storage::EventLog& log_;
  net::BoundedPool& pool_;
};

struct ServeConfig {
  std::string data = "./data";
  std::string listen = "127.0.0.1:8080";
  std::string config;
  // The browser pages (docs/WEB.md). Default: the source tree's web/ folder, fixed at build time;
  // installs pass their own copy.
  std::string web_root = AUTHD_DEFAULT_WEB_ROOT;
  std::size_t io_threads = 2;
  bool pin_io_threads = true;
  std::size_t hash_threads = 2;
  std::size_t hash_queue = 256;
  int hash_nice = 19;
  std::uint32_t argon2_memory_kib = 19 * 1024;
  std::uint32_t argon2_iterations = 2;
  std::size_t password_min_length = 12;
  std::string issuer = "authd";
  std::string audience = "authd";
  std::int64_t access_ttl = 15 * 60;
  std::int64_t session_ttl = 12 * 3600;
  std::int64_t session_idle = 30 * 60;
  std::int64_t reauth_window = 10 * 60;
  std::string mfa_issuer = "authd";
  bool require_admin_mfa = false;
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_connections = 10'000;
  std::int64_t read_timeout_ms = 10'000;
  std::int64_t keepalive_ms = 30'000;
  std::string trusted_proxy;
  std::string tls_cert;
  std::string tls_key;
  bool hsts = false;
  bool sync = true;
  std::int64_t commit_delay_us = 20'000;
  bool metrics = true;
  SecurityConfig security;
  std::vector<std::string> allowed_origins;
  std::size_t ws_queue_messages = 4096;
  std::size_t ws_max_message_bytes = 4096;
  std::int64_t ws_idle_ms = 60'000;
  std::size_t ws_send_buffer_bytes = 0;
  MailConfig mail;
};

po::options_description Options(ServeConfig& c) {
  po::options_description d("authd serve options (flag, env AUTHD_<NAME>, or config file)");
  d.add_options()("data", po::value(&c.data)->default_value(c.data), "data folder")(
      "listen", po::value(&c.listen)->default_value(c.listen), "HOST:PORT ([v6]:PORT for IPv6)")(
      "web-root", po::value(&c.web_root)->default_value(c.web_root),
      "folder of the browser pages (login.html ..., assets/); empty: no pages")(
      "io-threads", po::value(&c.io_threads)->default_value(c.io_threads), "HTTP I/O threads")(
      "pin-io-threads", po::value(&c.pin_io_threads)->default_value(c.pin_io_threads),
      "pin the I/O threads one to a CPU where hashing can keep every CPU busy (docs/CONFIG.md)")(
      "hash-threads", po::value(&c.hash_threads)->default_value(c.hash_threads),
      "argon2id threads")("hash-queue", po::value(&c.hash_queue)->default_value(c.hash_queue),
                          "password hashes waiting or running before new ones get 503")(
      "hash-nice", po::value(&c.hash_nice)->default_value(c.hash_nice),
      "nice value of the argon2id threads (0-19, 20: SCHED_IDLE; 0: hashing competes with I/O)")(
      "argon2-memory-kib", po::value(&c.argon2_memory_kib)->default_value(c.argon2_memory_kib),
      "argon2id memory (KiB)")(
      "argon2-iterations", po::value(&c.argon2_iterations)->default_value(c.argon2_iterations),
      "argon2id passes")("password-min-length",
                         po::value(&c.password_min_length)->default_value(c.password_min_length),
                         "minimum password length (code points)")(
      "issuer", po::value(&c.issuer)->default_value(c.issuer), "token iss")(
      "audience", po::value(&c.audience)->default_value(c.audience), "token aud")(
      "access-ttl", po::value(&c.access_ttl)->default_value(c.access_ttl),
      "access token lifetime (s)")("session-ttl",
                                   po::value(&c.session_ttl)->default_value(c.session_ttl),
                                   "absolute session lifetime (s)")(
      "session-idle", po::value(&c.session_idle)->default_value(c.session_idle),
      "session idle timeout (s)")("reauth-window",
                                  po::value(&c.reauth_window)->default_value(c.reauth_window),
                                  "how recent a password must be for sensitive operations (s)")(
      "mfa-issuer", po::value(&c.mfa_issuer)->default_value(c.mfa_issuer),
      "issuer name authenticator apps show for authd's TOTP entries")(
      "require-admin-mfa", po::value(&c.require_admin_mfa)->default_value(c.require_admin_mfa),
      "admin powers only for sessions signed in with a second factor")(
      "max-body-bytes", po::value(&c.max_body_bytes)->default_value(c.max_body_bytes),
      "request body limit")("max-connections",
                            po::value(&c.max_connections)->default_value(c.max_connections),
                            "open connection limit")(
      "read-timeout-ms", po::value(&c.read_timeout_ms)->default_value(c.read_timeout_ms),
      "time to read a whole request")("keepalive-ms",
                                      po::value(&c.keepalive_ms)->default_value(c.keepalive_ms),
                                      "idle keep-alive timeout")(
      "trusted-proxy", po::value(&c.trusted_proxy)->default_value(c.trusted_proxy),
      "address of a reverse proxy whose X-Forwarded-For is trusted")(
      "tls-cert", po::value(&c.tls_cert)->default_value(c.tls_cert),
      "PEM certificate chain: serve HTTPS and WSS (with --tls-key; docs/TLS.md)")(
      "tls-key", po::value(&c.tls_key)->default_value(c.tls_key),
      "PEM private key of --tls-cert (not encrypted)")(
      "hsts", po::value(&c.hsts)->default_value(c.hsts),
      "send Strict-Transport-Security without --tls-cert (a TLS-terminating proxy is in front)")(
      "sync", po::value(&c.sync)->default_value(c.sync),
      "fsync every commit (never turn off in production)")(
      "commit-delay-us", po::value(&c.commit_delay_us)->default_value(c.commit_delay_us),
      "while a round of password hashes waits for the hashing threads, hold each commit open "
      "this long so that the writes arriving meanwhile share its fsync (0: never)")(
      "metrics", po::value(&c.metrics)->default_value(c.metrics),
      "serve GET /metrics (Prometheus text format; see docs/METRICS.md)")(
      "allowed-origin", po::value(&c.allowed_origins)->composing(),
      "origin (scheme://host[:port]) besides authd's own whose pages may use cookie sessions "
      "and the WebSocket feeds; repeatable")(
      "ws-queue-messages", po::value(&c.ws_queue_messages)->default_value(c.ws_queue_messages),
      "messages queued per WebSocket subscriber before it is closed (1013)")(
      "ws-max-message-bytes",
      po::value(&c.ws_max_message_bytes)->default_value(c.ws_max_message_bytes),
      "largest WebSocket message accepted from a client")(
      "ws-idle-ms", po::value(&c.ws_idle_ms)->default_value(c.ws_idle_ms),
      "WebSocket connections that send nothing (not even a pong) for this long are closed")(
      "ws-send-buffer-bytes",
      po::value(&c.ws_send_buffer_bytes)->default_value(c.ws_send_buffer_bytes),
      "SO_SNDBUF of WebSocket connections (0: kernel autotuning)");
  AddSecurityOptions(d, c.security);
  AddMailOptions(d, c.mail);
  return d;
}

// "127.0.0.1:8080" or "[::1]:8080".
bool SplitListen(const std::string& listen, std::string& host, std::uint16_t& port) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size()) return false;
  host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  try {
    const unsigned long p = std::stoul(listen.substr(colon + 1));
    if (p > 65535) return false;
    port = static_cast<std::uint16_t>(p);
  } catch (const std::exception&) {
    return false;
  }
  return !host.empty();
}

std::string EnvName(const std::string& env) {
  constexpr std::string_view kPrefix = "AUTHD_";
  if (env.rfind(kPrefix, 0) != 0 || env == "AUTHD_MASTER_KEY" || env == "AUTHD_SMTP_PASSWORD") {
    return "";  // secrets read directly, never options
  }
  std::string name = env.substr(kPrefix.size());
  for (auto& ch : name)
    ch = ch == '_' ? '-' : static_cast<char>(std::tolower(ch));
  return name;
}

// Where to pin the I/O threads (net/thread_priority.hpp), said in the log either way.
std::vector<int> PlanPinning(const ServeConfig& c) {
  const auto allowed = net::AllowedCpus();
  auto plan = net::PlanIoPinning(c.io_threads, c.hash_threads, allowed);
  boost::json::array cpus;
  for (int cpu : plan.cpus)
    cpus.emplace_back(cpu);
  if (plan.cpus.empty()) {
    net::LogInfo("I/O threads not pinned", {{"reason", plan.why_not}, {"cpus", allowed.size()}});
  } else {
    net::LogInfo("I/O threads pinned, one to a CPU", {{"cpus", std::move(cpus)}});
  }
  return std::move(plan.cpus);
}

}  // namespace

int ServeCommand(const Args& args) {
  ServeConfig c;
  auto desc = Options(c);
  po::options_description cli;
  cli.add_options()("help,h", "show this help")("config", po::value(&c.config),
                                                "INI-style config file (name = value)");
  cli.add(desc);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(cli).run(), vm);
    if (vm.count("help") != 0U) {
      std::cout << cli;
      return kExitOk;
    }
    po::store(po::parse_environment(desc, EnvName), vm);
    if (vm.count("config") != 0U) {
      std::ifstream file(vm["config"].as<std::string>());
      if (!file) {
        Complain("serve", "cannot read config file " + vm["config"].as<std::string>());
        return kExitUsage;
      }
      po::store(po::parse_config_file(file, desc), vm);
    }
    po::notify(vm);
  } catch (const po::error& e) {
    Complain("serve", e.what());
    return kExitUsage;
  }
  net::ServerOptions server_options;
  if (!SplitListen(c.listen, server_options.host, server_options.port)) {
    Complain("serve", "--listen must be HOST:PORT, e.g. 127.0.0.1:8080");
    return kExitUsage;
  }
  if (c.io_threads == 0 || c.hash_threads == 0 || c.hash_queue == 0 || c.access_ttl <= 0 ||
      c.session_ttl <= 0 || c.session_idle <= 0 || c.reauth_window <= 0 ||
      c.ws_queue_messages == 0 || c.ws_max_message_bytes == 0 || c.ws_idle_ms <= 0) {
    Complain("serve", "thread counts, queue sizes and lifetimes must be positive");
    return kExitUsage;
  }
  if (c.commit_delay_us < 0 || c.commit_delay_us > kMaxCommitDelayUs) {
    Complain("serve", "--commit-delay-us must be 0-" + std::to_string(kMaxCommitDelayUs));
    return kExitUsage;
  }
  if (c.hash_nice < 0 || c.hash_nice > net::kIdlePriority) {
    Complain("serve", "--hash-nice must be between 0 and 20 (20: SCHED_IDLE)");
    return kExitUsage;
  }
  core::Argon2Params argon2{c.argon2_memory_kib, c.argon2_iterations, 1};
  if (auto valid = argon2.Validate(); !valid) {
    Complain("serve", "argon2 parameters are out of range");
    return kExitUsage;
  }

  if (auto problem = SecurityConfigProblem(c.security); !problem.empty()) {
    Complain("serve", problem);
    return kExitUsage;
  }
  if (auto problem = MailConfigProblem(c.mail); !problem.empty()) {
    Complain("serve", problem);
    return kExitUsage;
  }

  if (c.tls_cert.empty() != c.tls_key.empty()) {
    Complain("serve", "--tls-cert and --tls-key go together");
    return kExitUsage;
  }
  // Before the data folder: a bad certificate must not cost a lock or a new master key.
  std::string why;
  if (!c.tls_cert.empty()) {
    server_options.tls = net::LoadTlsContext({c.tls_cert, c.tls_key}, why);
    if (!server_options.tls) {
      Complain("serve", why);
      return kExitData;
    }
  }
  server_options.hsts = c.hsts;
  auto opened =
      OpenDataDir(c.data, {.read_only = false, .create_master_key = true, .sync = c.sync}, why);
  if (!opened) {
    Complain("serve", why);
    return kExitData;
  }
  auto& dir = **opened;
  if (dir.master_key_created) {
    net::LogWarn("created a new master key; back it up",
                 {{"source", dir.master_key_source}, {"mode", "0600"}});
  }
  core::RandomIdGenerator ids(dir.clock);
  auto keys = projections::SigningKeys::Load(*dir.log, ids);
  if (!keys) {
    Complain("serve", "cannot load the token signing keys: " + keys.error().message());
    return kExitData;
  }
  auto security = MakeSecurityServices(c.security, dir.throttle_key);
  // Before serving: the monitor primes its windows from the log's recent events.
  if (auto attached = security->monitor->Attach(*dir.log, dir.clock.NowMicros()); !attached) {
    net::LogWarn("the failed-login monitor could not read recent events; it starts empty",
                 {{"error", attached.error().message()}});
  }
  const core::PasswordHasher hasher(argon2);
  net::BoundedPool hash_pool(c.hash_threads, c.hash_queue);
  (void)net::OnEachThread(hash_pool.Pool(), c.hash_threads, [] {
    core::NameThisThread("authd-hash");
    return true;
  });
  if (c.hash_nice != 0 && !net::SetPoolNice(hash_pool.Pool(), c.hash_threads, c.hash_nice)) {
    net::LogWarn("cannot lower the priority of the hashing threads", {{"nice", c.hash_nice}});
  }
  const CommitBatching batching(*dir.log, c.commit_delay_us, hash_pool, c.hash_threads);
  net::TokenService tokens(
      {.issuer = c.issuer, .audience = c.audience, .access_lifetime = c.access_ttl * kSecond},
      dir.clock, **keys, ids, dir.refresh_key);
  const projections::SessionCommands sessions({.idle_timeout = c.session_idle * kSecond});
  net::ApiKeys api_keys(dir.api_key_key);
  net::ApiOptions api;
  api.password.min_length = c.password_min_length;
  api.session_lifetime = c.session_ttl * kSecond;
  api.trusted_proxy = c.trusted_proxy;
  api.reauth_window = c.reauth_window * kSecond;
  api.mfa_issuer = c.mfa_issuer;
  api.require_admin_mfa = c.require_admin_mfa;
  api.allowed_origins = c.allowed_origins;
  api.feeds.queue_messages = c.ws_queue_messages;
  api.feeds.max_message_bytes = c.ws_max_message_bytes;
  api.feeds.idle_timeout = std::chrono::milliseconds(c.ws_idle_ms);
  api.feeds.socket_send_buffer = std::min<std::size_t>(c.ws_send_buffer_bytes, 1U << 30);
  api.require_verified_email = c.mail.require_verified_email;
  auto mail = MakeMailServices(c.mail, dir, c.listen, why);
  if (!mail) {
    Complain("serve", why);
    return kExitUsage;
  }
  net::FeedHub feeds(*dir.log, security->monitor.get(), dir.clock);
  net::MfaState mfa({});
  const net::CsrfTokens csrf(dir.csrf_key);
  net::Services services{.options = api,
                         .clock = dir.clock,
                         .ids = ids,
                         .log = *dir.log,
                         .users_cmd = *dir.commands,
                         .users = *dir.users,
                         .sessions_cmd = sessions,
                         .tokens = tokens,
                         .hasher = hasher,
                         .hash_pool = hash_pool,
                         .api_keys = api_keys,
                         .security = security->monitor.get(),
                         .login_guard = security->guard.get(),
                         .monitor = security->monitor.get(),
                         .signup_limit = security->signup_limit.get(),
                         .refresh_limit = security->refresh_limit.get(),
                         .feeds = &feeds,
                         .mfa = &mfa,
                         .csrf = &csrf,
                         .mail = mail->commands.get(),
                         .mail_address_limit = mail->address_limit.get(),
                         .mail_account_limit = mail->account_limit.get()};

  // One JSON line per security-relevant event (docs/CONFIG.md, "Logs").
  net::SecurityLog security_log(*dir.log);
  net::MetricsRegistry metrics;
  std::unique_ptr<net::EventMetrics> event_metrics;
  if (c.metrics) {
    server_options.on_response = net::RegisterRequestMetrics(metrics);
    event_metrics = std::make_unique<net::EventMetrics>(*dir.log, metrics);
    net::RegisterLogMetrics(metrics, *dir.log);
    net::RegisterHashPoolMetrics(metrics, hash_pool);
    net::RegisterTableMetrics(metrics, tokens, *security->monitor);
    metrics.CounterCallback(
        "authd_security_log_dropped_total",
        "Committed event groups the security log dropped because its queue was full.",
        [&security_log] { return static_cast<double>(security_log.DroppedTotal()); });
    const projections::SecurityView* view = security->monitor.get();
    metrics.GaugeCallback("authd_active_throttles",
                          "Login throttles in force, as the failed-login monitor sees them.",
                          [view, &dir] {
                            return static_cast<double>(
                                view->Snapshot(dir.clock.NowMicros()).counters.active_throttles);
                          });
    metrics.GaugeCallback("authd_ws_subscribers", "Open WebSocket feed subscriptions.",
                          [&feeds] { return static_cast<double>(feeds.Subscribers()); });
    metrics.CounterCallback("authd_ws_dropped_consumers_total",
                            "WebSocket subscribers closed with 1013 because they fell behind.",
                            [&feeds] { return static_cast<double>(feeds.SlowConsumersDropped()); });
    services.metrics = &metrics;
  }

  server_options.io_threads = c.io_threads;
  if (c.pin_io_threads) server_options.io_cpus = PlanPinning(c);
  server_options.max_body_bytes = c.max_body_bytes;
  server_options.max_connections = c.max_connections;
  server_options.read_timeout = std::chrono::milliseconds(c.read_timeout_ms);
  server_options.keepalive_idle = std::chrono::milliseconds(c.keepalive_ms);
  net::Router router;
  net::RegisterApiRoutes(router);
  if (!c.web_root.empty() && !net::RegisterPageRoutes(router, c.web_root)) {
    // Not fatal: the API works without the pages (e.g. a binary moved away from its source tree).
    net::LogWarn("no browser pages in --web-root; /login and the other pages answer 404",
                 {{"web_root", c.web_root}});
  }

  // Signals first, so no thread started below ever sees SIGTERM's default action.
  net::ShutdownSignals signals;
  feeds.Start();
  mail->sender->Start();
  net::LogInfo("mail sender started", {{"transport", mail->transport}});
  auto server =
      std::make_unique<net::HttpServer>(server_options, std::move(router), std::any(&services));
  if (auto started = server->Start(); !started) {
    Complain("serve", "cannot listen on " + c.listen + ": " + started.error().message());
    return kExitData;
  }
  net::LogInfo("authd listening", {{"address", server_options.host},
                                   {"port", server->Port()},
                                   {"tls", server_options.tls != nullptr},
                                   {"data", c.data},
                                   {"head", dir.log->Head()}});
  const int signo = signals.Wait();
  net::LogInfo("shutting down", {{"signal", signo}});
  // Order matters: stop taking requests and finish those in flight; then drain the hashing pool
  // and the writer (every acknowledged write is already durable); only then free the server. The
  // feed hub stops between the two: after its subscribers, before the log it listens to.
  server->Stop();
  feeds.Stop();
  mail->sender->Stop();
  hash_pool.Join();
  dir.log->Close();
  server.reset();
  net::LogInfo("stopped", {{"head", dir.log->Head()}});
  return kExitOk;
}

}  // namespace authd::app
