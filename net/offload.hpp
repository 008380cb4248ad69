// Leaving the I/O threads and coming back: blocking work on a thread pool (argon2id), and
// awaiting a callback fired from a foreign thread (the event-log writer completing a command).
// In every case the awaiting coroutine resumes on its own executor (the connection's I/O thread),
// never on the foreign thread.
//
//   // blocking work, pool sized by the app; capture by reference (see the GCC WARNING below):
//   std::string hash = co_await RunOn(app.crypto_pool, [&] { return HashPassword(pw); });
//
//   // the same, but refusing when the pool's queue is full (caller answers 503 server_busy):
//   auto hash = co_await app.crypto.TryRun([&] { return HashPassword(pw); });
//   if (!hash) co_return ProblemForError(hash.error());
//
//   // a callback from another thread (copyable, so it fits in a std::function):
//   Result<Outcome> outcome = co_await AwaitCompletion<Result<Outcome>>(
//       [&](Completion<Result<Outcome>> done) { writer.Submit(cmd, done); },
//       Result<Outcome>(storage::Errc::kShuttingDown));  // delivered if `done` is dropped
//
// Reference captures are safe here: the caller stays suspended (its locals alive) until the job
// has finished or was dropped unrun.
//
// WARNING (GCC 12.2, the project's compiler): a lambda *temporary* whose captures are not
// trivially destructible (a std::string, a shared_ptr, a std::function...), written inside a
// co_await expression, is destroyed twice: `co_await Anything([pw = password] {...})` is a
// double free, whatever the callee. Capture by reference, or name the lambda first
// (`auto job = [pw] {...}; co_await pool.TryRun(job);`). RunOn, RunOnExecutor and TryRun refuse
// such rvalues at compile time; AwaitCompletion cannot tell the safe uses apart, so mind it there.
//
// Lifetime (WARNING): a completion posts to the executor the coroutine runs on. Stop the
// HttpServer (which stops its io_context) before stopping pools and writers that may still hold
// completions, and destroy the HttpServer only after those pools and writers have finished:
// posting to a destroyed io_context is undefined behaviour. Posting to a stopped one is fine
// (the coroutine is then destroyed with the io_context, never resumed).
#pragma once

#include <atomic>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/result.hpp>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

#include "core/result.hpp"
#include "net/errors.hpp"

namespace authd::net {

namespace detail {

// The executor a completion handler must run on, with outstanding work tracked so the
// io_context does not run out of work while the foreign thread is busy.
template <class Handler>
auto TrackedExecutorFor(const Handler& handler) {
  return boost::asio::prefer(boost::asio::get_associated_executor(handler),
                             boost::asio::execution::outstanding_work.tracked);
}

template <class T>
class CompletionState {
 public:
  virtual ~CompletionState() = default;
  virtual void Complete(T value) = 0;
};

template <class T, class Handler>
class CompletionStateImpl final : public CompletionState<T> {
 public:
  CompletionStateImpl(Handler handler, T if_abandoned)
      : executor_(TrackedExecutorFor(handler)),
        handler_(std::move(handler)),
        if_abandoned_(std::move(if_abandoned)) {}
  CompletionStateImpl(const CompletionStateImpl&) = delete;
  CompletionStateImpl& operator=(const CompletionStateImpl&) = delete;
  ~CompletionStateImpl() override {
    if (!done_.load()) Finish(std::move(if_abandoned_));
  }
  void Complete(T value) override { Finish(std::move(value)); }

 private:
  void Finish(T value) {
    if (done_.exchange(true)) return;  // only the first completion counts
    boost::asio::post(executor_, [handler = std::move(handler_), v = std::move(value)]() mutable {
      std::move(handler)(std::move(v));
    });
  }

  decltype(TrackedExecutorFor(std::declval<const Handler&>())) executor_;
  Handler handler_;
  T if_abandoned_;
  std::atomic<bool> done_{false};
};

// See the GCC WARNING above. An lvalue is copied; an rvalue must be trivially destructible.
template <class F>
constexpr void CheckJobArgument() {
  static_assert(
      std::is_lvalue_reference_v<F> || std::is_trivially_destructible_v<std::remove_cvref_t<F>>,
      "GCC 12 destroys lambda temporaries with non-trivial captures twice inside "
      "co_await: capture by reference ([&]) or pass a named lambda (an lvalue)");
}

}  // namespace detail

// A one-shot callback that resumes a coroutine suspended in AwaitCompletion.
// Thread-safety: copies may be called from any thread; only the first call has an effect. When
// the last copy is destroyed uncalled, the coroutine resumes with the `if_abandoned` value.
template <class T>
class Completion {
 public:
  explicit Completion(std::shared_ptr<detail::CompletionState<T>> state)
      : state_(std::move(state)) {}
  void operator()(T value) const { state_->Complete(std::move(value)); }

 private:
  std::shared_ptr<detail::CompletionState<T>> state_;
};

// Suspends the calling coroutine, calls start(Completion<T>) right away on the calling thread,
// and resumes on the coroutine's executor with the value the completion is called with (or with
// `if_abandoned`). `start` should hand the completion to something that calls it later from any
// thread; if `start` throws, the exception is swallowed and the completion decides as usual
// (typically abandoned). T must be move-constructible.
template <class T, class Start>
[[nodiscard]] boost::asio::awaitable<T> AwaitCompletion(Start start, T if_abandoned) {
  // use_awaitable would turn these into exceptions; wrap them in a Result instead.
  static_assert(
      !std::is_same_v<T, boost::system::error_code> && !std::is_same_v<T, std::exception_ptr>,
      "AwaitCompletion: use Result<...> rather than a bare error_code/exception_ptr");
  return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(T)>(
      [](auto handler, Start start_fn, T fallback) {
        using Impl = detail::CompletionStateImpl<T, decltype(handler)>;
        Completion<T> completion(std::make_shared<Impl>(std::move(handler), std::move(fallback)));
        try {
          std::move(start_fn)(std::move(completion));
        } catch (...) {  // NOLINT(bugprone-empty-catch): the completion still decides
        }
      },
      boost::asio::use_awaitable, std::move(start), std::move(if_abandoned));
}

namespace detail {

template <class Executor, class F>
[[nodiscard]] auto RunOnExecutorImpl(Executor executor, F fn)
    -> boost::asio::awaitable<std::invoke_result_t<F&>> {
  using R = std::invoke_result_t<F&>;
  static_assert(!std::is_reference_v<R>, "RunOn: return a value, not a reference");
  std::exception_ptr error;
  std::optional<std::conditional_t<std::is_void_v<R>, bool, R>> result;
  // The frame stays suspended (so `error` and `result` stay valid) until the posted handler runs.
  co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void()>(
      [&executor, &fn, &error, &result](auto handler) {
        auto back = detail::TrackedExecutorFor(handler);
        // The job owns fn and destroys it on the pool before the caller is resumed, so whatever
        // fn holds (a BoundedPool slot, secrets) is gone by the time the caller runs again.
        boost::asio::post(executor, [&error, &result, job = std::optional<F>(std::move(fn)),
                                     handler = std::move(handler), back]() mutable {
          try {
            if constexpr (std::is_void_v<R>) {
              (*job)();
              result.emplace(true);
            } else {
              result.emplace((*job)());
            }
          } catch (...) {
            error = std::current_exception();
          }
          job.reset();
          boost::asio::post(back, std::move(handler));
        });
      },
      boost::asio::use_awaitable);
  if (error) std::rethrow_exception(error);
  if constexpr (!std::is_void_v<R>) co_return std::move(*result);
}

}  // namespace detail

// Runs fn() on `executor` (a thread pool's, or a strand's) and resumes the caller on its own
// executor with the result. An exception thrown by fn is caught on the pool thread and rethrown
// in the caller (inside a handler it then becomes a 500), never on the pool thread.
// fn must not return a reference. An lvalue fn is copied (see the GCC WARNING above).
template <class Executor, class F>
[[nodiscard]] auto RunOnExecutor(Executor executor, F&& fn) {
  detail::CheckJobArgument<F>();
  return detail::RunOnExecutorImpl(std::move(executor), std::decay_t<F>(std::forward<F>(fn)));
}

template <class F>
[[nodiscard]] auto RunOn(boost::asio::thread_pool& pool, F&& fn) {
  detail::CheckJobArgument<F>();
  return detail::RunOnExecutorImpl(pool.get_executor(), std::decay_t<F>(std::forward<F>(fn)));
}

// A thread pool that refuses work instead of queueing without bound.
// max_queued counts jobs admitted and not yet finished (waiting plus running).
// Thread-safety: TryRun, Pending and WatchDrop may be called from any thread.
class BoundedPool final {
 public:
  BoundedPool(std::size_t threads, std::size_t max_queued)
      : max_queued_(max_queued), pool_(threads) {}
  BoundedPool(const BoundedPool&) = delete;
  BoundedPool& operator=(const BoundedPool&) = delete;
  // Stops (jobs not yet started are dropped: their callers are destroyed, never resumed) and
  // joins. See the lifetime WARNING above.
  ~BoundedPool() {
    pool_.stop();
    pool_.join();
  }

  // Runs fn on the pool and resumes the caller on its executor with the result, or returns
  // net::Errc::kServerBusy at once (fn not run) when max_queued jobs are pending. Admission is
  // decided when the result is co_awaited. Exceptions and argument rules as in RunOnExecutor.
  template <class F>
  [[nodiscard]] auto TryRun(F&& fn) {
    detail::CheckJobArgument<F>();
    return TryRunImpl(std::decay_t<F>(std::forward<F>(fn)));
  }

  [[nodiscard]] std::size_t Pending() const noexcept { return pending_.load(); }
  // Calls fn, on the thread that finished a job, each time the jobs pending fall from `level`
  // to `level - 1`: for a consumer that waits only while the pool is busy (the log's commit
  // delay). Replaces the previous watch; an empty fn removes it, and once this returns the
  // previous fn is never called again. fn must be cheap, must not throw and must not call into
  // this pool.
  void WatchDrop(std::size_t level, std::function<void()> fn) {
    std::lock_guard lock(watch_mu_);
    watch_level_.store(fn ? level : 0);
    watch_ = std::move(fn);
  }
  [[nodiscard]] std::size_t MaxQueued() const noexcept { return max_queued_; }
  [[nodiscard]] boost::asio::thread_pool& Pool() noexcept { return pool_; }
  // Waits for running and queued jobs to finish (call after the producers have stopped).
  void Join() { pool_.join(); }

 private:
  template <class F>
  auto TryRunImpl(F fn) -> boost::asio::awaitable<Result<std::invoke_result_t<F&>>> {
    using R = std::invoke_result_t<F&>;
    if (!TryAcquire()) {
      co_return Result<R>(boost::system::in_place_error, make_error_code(Errc::kServerBusy));
    }
    // The slot is released when the job is done with or dropped, not when the caller resumes.
    auto slot = std::shared_ptr<void>(nullptr, [this](void*) { Release(); });
    auto job = [slot = std::move(slot), f = std::move(fn)]() mutable { return f(); };
    if constexpr (std::is_void_v<R>) {
      co_await detail::RunOnExecutorImpl(pool_.get_executor(), std::move(job));
      co_return Result<void>();
    } else {
      auto value = co_await detail::RunOnExecutorImpl(pool_.get_executor(), std::move(job));
      co_return Result<R>(boost::system::in_place_value, std::move(value));
    }
  }

  bool TryAcquire() noexcept {
    std::size_t n = pending_.load();
    do {
      if (n >= max_queued_) return false;
    } while (!pending_.compare_exchange_weak(n, n + 1));
    return true;
  }
  void Release() noexcept {
    const std::size_t before = pending_.fetch_sub(1);
    if (before == watch_level_.load(std::memory_order_relaxed)) CallWatch();
  }
  void CallWatch() noexcept {
    std::lock_guard lock(watch_mu_);  // so that WatchDrop waits for a call in progress
    if (watch_ && pending_.load() < watch_level_.load()) watch_();
  }

  // Declared before pool_: jobs dropped when pool_ is destroyed still release their slot.
  std::size_t max_queued_;
  std::atomic<std::size_t> pending_{0};
  std::atomic<std::size_t> watch_level_{0};  // 0: no watch (pending never falls below 0)
  std::mutex watch_mu_;
  std::function<void()> watch_;
  boost::asio::thread_pool pool_;
};

}  // namespace authd::net
