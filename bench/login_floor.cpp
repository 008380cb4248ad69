// The floor of bench/login_gap.sh --floor: the least a durable login costs on these cores.
//
// A bare HTTP/1.1 server on authd's stack (Asio, Beast, Boost.JSON, libsodium, RocksDB) that
// answers POST /v1/sessions with only what any password login must do: parse the JSON
// credentials, read the user's stored hash, verify it with argon2id on a hashing pool at nice 19
// (work area kept, as authd's is), store the new session with one synced RocksDB write on a writer
// thread, sign an Ed25519 access token and answer 200 with it and a refresh token. No event log,
// projections, throttling, sealing, limits or security headers. Its logins/s against the raw loop
// is the best a login server can do on these cores; authd's distance to it is what authd's own
// work costs, and its distance to the raw loop is what the machine charges any login server.
//
//   login_floor --port P --data DIR [--memory-kib M] [--hash-threads N] [--io-threads N]
//
// Listens on 127.0.0.1:P. The one user's name and password come from BENCH_USER and
// BENCH_PASSWORD (bench/http/login.lua sends them). Prints "ready" once listening; stops on
// SIGTERM or SIGINT. Its threads are named floor-hash, floor-writer and floor-io.
#include <rocksdb/db.h>
#include <sodium.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/argon2_memory.hpp"
#include "core/thread_name.hpp"

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

struct Options {
  unsigned short port = 0;
  std::string data;
  unsigned long long memory_kib = 19 * 1024;  // authd's default (core/password_hash.hpp)
  unsigned hash_threads = 2;
  unsigned io_threads = 2;
};

bool Parse(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--port") {
      o.port = static_cast<unsigned short>(std::strtoul(value, nullptr, 10));
    } else if (flag == "--data") {
      o.data = value;
    } else if (flag == "--memory-kib") {
      o.memory_kib = std::strtoull(value, nullptr, 10);
    } else if (flag == "--hash-threads") {
      o.hash_threads = static_cast<unsigned>(std::strtoul(value, nullptr, 10));
    } else if (flag == "--io-threads") {
      o.io_threads = static_cast<unsigned>(std::strtoul(value, nullptr, 10));
    } else {
      return false;
    }
  }
  return argc % 2 == 1 && o.port != 0 && !o.data.empty() && o.hash_threads > 0 && o.io_threads > 0;
}

std::string Base64Url(const void* bytes, std::size_t n) {
  std::string out(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), static_cast<const unsigned char*>(bytes), n,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::string RandomId(std::size_t bytes) {
  std::vector<unsigned char> b(bytes);
  randombytes_buf(b.data(), b.size());
  return Base64Url(b.data(), b.size());
}

constexpr std::string_view kTokenHeader = R"({"alg":"EdDSA","kid":"floor","typ":"at+jwt"})";

struct Server {
  Options options;
  std::unique_ptr<rocksdb::DB> db;
  unsigned char public_key[crypto_sign_PUBLICKEYBYTES];
  unsigned char secret_key[crypto_sign_SECRETKEYBYTES];
  std::string token_header = Base64Url(kTokenHeader.data(), kTokenHeader.size());
  asio::io_context io;
  asio::io_context hashing;
  // One thread, one synced write a login. authd's writer puts the commands waiting at once into
  // one synced batch; with 8 clients and argon2id in front, that is about one login a batch too.
  asio::io_context writer;
};

std::string SignedToken(const Server& s, std::string_view user, std::string_view session,
                        std::int64_t now) {
  const std::string claims = json::serialize(json::object{{"iss", "floor"},
                                                          {"aud", "floor"},
                                                          {"sub", user},
                                                          {"sid", session},
                                                          {"iat", now},
                                                          {"exp", now + 900},
                                                          {"jti", RandomId(16)}});
  std::string token = s.token_header + "." + Base64Url(claims.data(), claims.size());
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(token.data()),
                       token.size(), s.secret_key);
  return token + "." + Base64Url(sig, sizeof sig);
}

awaitable<http::status> Login(Server& s, const std::string& body, std::string& answer) {
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  const json::value* user = o != nullptr ? o->if_contains("username") : nullptr;
  const json::value* password = o != nullptr ? o->if_contains("password") : nullptr;
  if (user == nullptr || password == nullptr || !user->is_string() || !password->is_string()) {
    co_return http::status::unprocessable_entity;
  }
  const std::string name(user->get_string());
  const std::string_view pw = password->get_string();
  std::string phc;
  if (!s.db->Get(rocksdb::ReadOptions(), "user/" + name, &phc).ok()) {
    co_return http::status::unauthorized;
  }
  const bool verified = co_await asio::co_spawn(
      s.hashing,
      [&]() -> awaitable<bool> {
        const authd::core::KeptArgon2Memory keep(s.options.memory_kib * 1024);
        co_return crypto_pwhash_str_verify(phc.c_str(), pw.data(), pw.size()) == 0;
      },
      use_awaitable);
  if (!verified) co_return http::status::unauthorized;

  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const std::string session = RandomId(16);
  unsigned char refresh[32];
  unsigned char refresh_hash[32];
  randombytes_buf(refresh, sizeof refresh);
  crypto_generichash(refresh_hash, sizeof refresh_hash, refresh, sizeof refresh, nullptr, 0);
  const std::string record =
      json::serialize(json::object{{"user", name},
                                   {"refresh_hash", Base64Url(refresh_hash, sizeof refresh_hash)},
                                   {"created_at", now},
                                   {"expires_at", now + 30 * 86400}});
  const bool stored = co_await asio::co_spawn(
      s.writer,
      [&]() -> awaitable<bool> {
        rocksdb::WriteOptions synced;
        synced.sync = true;
        co_return s.db->Put(synced, "session/" + session, record).ok();
      },
      use_awaitable);
  if (!stored) co_return http::status::service_unavailable;

  answer = json::serialize(json::object{{"access_token", SignedToken(s, name, session, now)},
                                        {"token_type", "Bearer"},
                                        {"expires_in", 900},
                                        {"refresh_token", Base64Url(refresh, sizeof refresh)}});
  co_return http::status::ok;
}

awaitable<void> Serve(Server& s, tcp::socket socket) {
  boost::beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> request;
    auto [read_error, read] =
        co_await http::async_read(socket, buffer, request, asio::as_tuple(use_awaitable));
    if (read_error) co_return;
    http::response<http::string_body> response;
    response.version(request.version());
    response.keep_alive(request.keep_alive());
    response.set(http::field::content_type, "application/json");
    if (request.method() == http::verb::post && request.target() == "/v1/sessions") {
      response.result(co_await Login(s, request.body(), response.body()));
    } else {
      response.result(http::status::not_found);
    }
    response.prepare_payload();
    auto [write_error, written] =
        co_await http::async_write(socket, response, asio::as_tuple(use_awaitable));
    if (write_error || !response.keep_alive()) co_return;
  }
}

awaitable<void> Accept(Server& s, tcp::acceptor& acceptor) {
  for (;;) {
    auto [error, socket] = co_await acceptor.async_accept(asio::as_tuple(use_awaitable));
    if (error) co_return;
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(s.io, Serve(s, std::move(socket)), asio::detached);
  }
}

bool OpenWithUser(Server& s) {
  const char* user = std::getenv("BENCH_USER");
  const char* password = std::getenv("BENCH_PASSWORD");
  if (user == nullptr || password == nullptr) return false;
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* db = nullptr;
  if (!rocksdb::DB::Open(options, s.options.data, &db).ok()) return false;
  s.db.reset(db);
  char phc[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(phc, password, std::strlen(password), 2, s.options.memory_kib * 1024,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return false;
  }
  rocksdb::WriteOptions synced;
  synced.sync = true;
  return s.db->Put(synced, std::string("user/") + user, phc).ok() &&
         crypto_sign_keypair(s.public_key, s.secret_key) == 0;
}

// Runs `ctx` on `n` new threads named `name` (login_gap.sh sums their CPU by name); with `nice`
// set, each lowers its own priority to 19 first, as authd's hashing threads do (Linux applies
// setpriority to the calling thread alone).
void RunOn(asio::io_context& ctx, unsigned n, std::string_view name, bool nice,
           std::vector<std::thread>& threads) {
  for (unsigned i = 0; i < n; ++i) {
    threads.emplace_back([&ctx, name, nice] {
      authd::core::NameThisThread(name);
      if (nice) (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 19);
      ctx.run();
    });
  }
}

}  // namespace

int main(int argc, char** argv) {
  auto s = std::make_unique<Server>();
  if (!Parse(argc, argv, s->options)) {
    std::fprintf(stderr,
                 "usage: login_floor --port P --data DIR [--memory-kib M] [--hash-threads N] "
                 "[--io-threads N]\n");
    return 2;
  }
  if (sodium_init() < 0 || !OpenWithUser(*s)) {
    std::fprintf(stderr, "login_floor: set BENCH_USER and BENCH_PASSWORD, and a writable --data\n");
    return 1;
  }
  tcp::acceptor acceptor(s->io, {asio::ip::make_address("127.0.0.1"), s->options.port});
  asio::signal_set signals(s->io, SIGTERM, SIGINT);
  auto hashing_work = asio::make_work_guard(s->hashing);
  auto writer_work = asio::make_work_guard(s->writer);
  signals.async_wait([&](auto, auto) {
    s->io.stop();
    s->hashing.stop();
    s->writer.stop();
  });
  asio::co_spawn(s->io, Accept(*s, acceptor), asio::detached);
  std::vector<std::thread> threads;
  RunOn(s->hashing, s->options.hash_threads, "floor-hash", true, threads);
  RunOn(s->writer, 1, "floor-writer", false, threads);
  RunOn(s->io, s->options.io_threads, "floor-io", false, threads);
  std::printf("ready\n");
  std::fflush(stdout);
  for (auto& t : threads)
    t.join();
  return 0;
}
