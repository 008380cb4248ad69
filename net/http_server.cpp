#include "net/http_server.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <cstddef>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/sodium_init.hpp"
#include "core/thread_name.hpp"
#include "net/connection.hpp"
#include "net/log.hpp"
#include "net/server_state.hpp"
#include "net/thread_priority.hpp"

namespace authd::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
// After the grace period connections are closed; this is how long their coroutines get to end.
constexpr std::chrono::seconds kForceCloseWait{1};
// Pause after a failed accept (EMFILE, ENFILE, ENOBUFS) so the loop does not spin.
constexpr std::chrono::milliseconds kAcceptBackoff{50};

class SystemRequestIds final : public core::IdGenerator {
 public:
  std::string Next(std::string_view prefix) override { return ids_.Next(prefix); }

 private:
  core::SystemClock clock_;
  core::RandomIdGenerator ids_{clock_};
};

asio::awaitable<Response> Healthz(RequestContext& /*context*/) {
  co_return JsonResponse(200, boost::json::object{{"status", "ok"}});
}

// Connections are dealt round-robin to the io_contexts, one per io thread: a connection's
// handlers then always run on the same thread, without cross-thread hand-offs or contention on
// one shared scheduler queue.
asio::awaitable<void> AcceptLoop(std::shared_ptr<detail::ServerState> state,
                                 std::shared_ptr<tcp::acceptor> acceptor,
                                 std::vector<asio::io_context*> contexts) {
  std::size_t next = 0;
  for (;;) {
    asio::io_context& io_context = *contexts[next++ % contexts.size()];
    auto [ec, socket] = co_await acceptor->async_accept(io_context.get_executor(), kUseTuple);
    if (state->stopping.load() || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      LogWarn("accept failed", {{"error", ec.message()}});
      asio::steady_timer pause(acceptor->get_executor(), kAcceptBackoff);
      co_await pause.async_wait(kUseTuple);  // an error only means Stop() is closing us
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    detail::StartConnection(state, std::move(socket));
  }
}

void LogIfFailed(const char* what, std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    LogError(what, {{"error", ex.what()}});
  } catch (...) {
    LogError(what, {{"error", "non-standard exception"}});
  }
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(ServerOptions options, Router router, std::any app,
       std::shared_ptr<core::IdGenerator> request_ids)
      : contexts_(MakeContexts(options.io_threads)),
        state_(std::make_shared<detail::ServerState>()),
        acceptor_(std::make_shared<tcp::acceptor>(asio::make_strand(*contexts_.front()))) {
    core::EnsureSodiumInitialized();  // request ids come from the CSPRNG
    if (options.io_threads == 0) options.io_threads = 1;
    if (!router.Has("GET", "/healthz")) router.Get("/healthz", Healthz);
    state_->options = std::move(options);
    state_->router = std::move(router);
    state_->app = std::move(app);
    state_->request_ids =
        request_ids ? std::move(request_ids) : std::make_shared<SystemRequestIds>();
  }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() { Stop(); }

  Result<void> Start() {
    std::lock_guard lock(lifecycle_);
    if (started_ || stopped_) return make_error_code(boost::system::errc::operation_not_permitted);
    const auto& options = state_->options;
    boost::system::error_code ec;
    auto address = asio::ip::make_address(options.host, ec);
    if (ec) return ec;
    tcp::endpoint endpoint(address, options.port);
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      boost::system::error_code ignored;
      acceptor_->close(ignored);
      return ec;
    }
    port_.store(acceptor_->local_endpoint(ec).port());
    std::vector<asio::io_context*> contexts;
    for (auto& context : contexts_) {
      work_.emplace_back(context->get_executor());
      contexts.push_back(context.get());
    }
    asio::co_spawn(acceptor_->get_executor(), AcceptLoop(state_, acceptor_, std::move(contexts)),
                   [](std::exception_ptr e) { LogIfFailed("accept loop failed", e); });
    // No I/O thread serves before all are pinned and named: a client that sees the server
    // answer then sees it as configured. A thread that fails to start releases its place.
    const std::size_t count = contexts_.size();
    auto all_set = std::make_shared<std::latch>(static_cast<std::ptrdiff_t>(count));
    const bool pin = options.io_cpus.size() == count;
    std::size_t created = 0;
    try {
      for (; created < count; ++created) {
        const int cpu = pin ? options.io_cpus[created] : -1;
        threads_.emplace_back([c = contexts_[created].get(), cpu, all_set] {
          if (cpu >= 0) {
            if (auto failed = PinToCpu(cpu))
              LogWarn("cannot pin an I/O thread", {{"cpu", cpu}, {"error", failed.message()}});
          }
          core::NameThisThread("authd-io");
          // Best effort: on kernels without it the I/O threads simply keep the default slice.
          (void)AskForShortSlice();
          all_set->arrive_and_wait();
          RunIo(*c);
        });
      }
    } catch (...) {
      all_set->count_down(static_cast<std::ptrdiff_t>(count - created));
      throw;
    }
    started_ = true;
    LogInfo("listening", {{"address", options.host}, {"port", port_.load()}});
    return {};
  }

  void Stop() {
    std::lock_guard lock(lifecycle_);
    if (!started_ || stopped_) {
      stopped_ = true;
      return;
    }
    stopped_ = true;
    state_->stopping.store(true);
    asio::post(acceptor_->get_executor(), [acceptor = acceptor_] {
      boost::system::error_code ignored;
      acceptor->close(ignored);
    });
    // The snapshots die at once: only the connections' own coroutines keep them alive.
    for (const auto& connection : state_->Snapshot())
      connection->BeginShutdown();
    if (!state_->WaitDrained(state_->options.shutdown_grace)) {
      LogWarn("closing connections still busy after the grace period",
              {{"connections", state_->Count()}});
      for (const auto& connection : state_->Snapshot())
        connection->ForceClose();
      state_->WaitDrained(kForceCloseWait);
    }
    work_.clear();
    for (auto& context : contexts_)
      context->stop();
    for (auto& thread : threads_)
      thread.join();
    threads_.clear();
    // The posted close has run unless stop() overtook it; with no thread left this is safe, and
    // it guarantees that nothing listens once Stop() returns.
    boost::system::error_code ignored;
    acceptor_->close(ignored);
    LogInfo("stopped", {{"port", port_.load()}});
  }

  std::uint16_t Port() const noexcept { return port_.load(); }
  std::size_t ActiveConnections() const { return state_->Count(); }
  const Router& GetRouter() const noexcept { return state_->router; }
  asio::io_context& IoContext() noexcept { return *contexts_.front(); }

 private:
  static std::vector<std::unique_ptr<asio::io_context>> MakeContexts(std::size_t threads) {
    std::vector<std::unique_ptr<asio::io_context>> contexts;
    // Each is run by one thread, but the hashing pool and the log writer post completions to it
    // from theirs: keep the default, thread-safe scheduler (concurrency hint 1 only tunes it).
    for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i)
      contexts.push_back(std::make_unique<asio::io_context>(1));
    return contexts;
  }

  static void RunIo(asio::io_context& io_context) {
    for (;;) {
      try {
        io_context.run();
        return;
      } catch (const std::exception& e) {  // a completion handler threw: log, keep serving
        LogError("io thread caught an exception", {{"error", e.what()}});
      } catch (...) {
        LogError("io thread caught an exception", {{"error", "non-standard exception"}});
      }
    }
  }

  // Declared first, destroyed last: suspended coroutines (and the sockets in them) are destroyed
  // with them, while state_ and the acceptor they share are still alive.
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::shared_ptr<detail::ServerState> state_;
  std::shared_ptr<tcp::acceptor> acceptor_;
  std::vector<std::thread> threads_;
  std::atomic<std::uint16_t> port_{0};
  std::mutex lifecycle_;
  bool started_ = false;
  bool stopped_ = false;
};

HttpServer::HttpServer(ServerOptions options, Router router, std::any app,
                       std::shared_ptr<core::IdGenerator> request_ids)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router), std::move(app),
                                   std::move(request_ids))) {}

HttpServer::~HttpServer() = default;

Result<void> HttpServer::Start() {
  return impl_->Start();
}
void HttpServer::Stop() {
  impl_->Stop();
}
std::uint16_t HttpServer::Port() const noexcept {
  return impl_->Port();
}
std::size_t HttpServer::ActiveConnections() const {
  return impl_->ActiveConnections();
}
const Router& HttpServer::GetRouter() const noexcept {
  return impl_->GetRouter();
}
asio::io_context& HttpServer::IoContext() noexcept {
  return impl_->IoContext();
}

}  // namespace authd::net
