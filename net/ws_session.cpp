#include "net/ws_session.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json/serialize.hpp>
#include <deque>
#include <memory>
#include <optional>

#include "net/feed_hub.hpp"
#include "net/log.hpp"
#include "net/message.hpp"
#include "net/upgrade.hpp"

namespace authd::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
// Over plain TCP or over TLS (UpgradedStream::tls): the session code is the same template.
template <class Stream>
using WsOver = websocket::stream<Stream&>;
using Steady = std::chrono::steady_clock;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
// Events read from the log per replay step (bounded work on an I/O thread).
constexpr std::size_t kReplayPage = 256;

// What the hub hands to one connection, kept on the connection's I/O thread. Outlives the session
// while the hub or a posted delivery still holds it; then it touches nothing but itself.
class Mailbox final : public FeedSink, public std::enable_shared_from_this<Mailbox> {
 public:
  Mailbox(asio::any_io_executor executor, FeedHub& hub, const FeedLimits& limits,
          beast::tcp_stream& stream)
      : executor_(executor),
        wake_(executor),
        kill_(executor),
        hub_(hub),
        limits_(limits),
        stream_(&stream) {}

  void Deliver(const FeedBatch& batch) override {
    asio::post(executor_, [self = shared_from_this(), batch] { self->Push(*batch); });
  }
  void Lost() override {
    asio::post(executor_, [self = shared_from_this()] { self->Drop(false); });
  }

  // The connection's I/O thread only, from here on.
  void Push(const std::vector<FeedItem>& items) {
    if (ended_ || lost_) return;
    if (queue_.size() + items.size() > limits_.queue_messages) {
      Drop(true);
      return;
    }
    queue_.insert(queue_.end(), items.begin(), items.end());
    wake_.cancel();
  }
  void PushFront(std::shared_ptr<const std::string> text) {
    queue_.push_front({0, std::move(text)});
  }

  // Stop queueing; the session closes with 1013. A write stuck behind a client that does not
  // read gets `drop_grace` to finish, then the socket is closed.
  void Drop(bool slow) {
    if (ended_ || lost_) return;
    lost_ = true;
    slow_ = slow;
    queue_.clear();
    wake_.cancel();
    kill_.expires_after(limits_.drop_grace);
    kill_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->ended_ || self->stream_ == nullptr) return;
      self->stream_->socket().close(ec);
    });
  }

  enum class Wait { kItem, kLost, kReaderDone, kExpired };
  // Waits until there is something to do.
  asio::awaitable<Wait> Next(Steady::time_point deadline) {
    for (;;) {
      if (lost_) co_return Wait::kLost;
      if (reader_done_) co_return Wait::kReaderDone;
      if (!queue_.empty()) co_return Wait::kItem;
      if (Steady::now() >= deadline) co_return Wait::kExpired;
      wake_.expires_at(deadline);
      auto [ec] = co_await wake_.async_wait(kUseTuple);
      (void)ec;  // cancelled: woken; expired: the loop sees the deadline
    }
  }
  // Waits until the read loop has returned (it references the stream).
  asio::awaitable<void> ReaderExited() {
    while (!reader_exited_) {
      wake_.expires_after(std::chrono::seconds(1));
      auto [ec] = co_await wake_.async_wait(kUseTuple);
      (void)ec;  // ReaderDone cancels it
    }
  }
  FeedItem Pop() {
    FeedItem item = std::move(queue_.front());
    queue_.pop_front();
    return item;
  }
  void ReaderDone() {
    reader_done_ = true;
    reader_exited_ = true;
    wake_.cancel();
  }
  // The session is over: nothing below may touch the stream any more.
  void End() {
    ended_ = true;
    stream_ = nullptr;
    queue_.clear();
    kill_.cancel();
    wake_.cancel();
  }

  bool lost() const { return lost_; }
  bool slow() const { return slow_; }
  bool reader_exited() const { return reader_exited_; }
  FeedHub& hub() { return hub_; }

 private:
  asio::any_io_executor executor_;  // the connection's (its I/O thread's io_context)
  asio::steady_timer wake_;         // cancelled to wake the writer
  asio::steady_timer kill_;         // drop_grace after a drop
  FeedHub& hub_;
  FeedLimits limits_;
  beast::tcp_stream* stream_;
  std::deque<FeedItem> queue_;
  bool lost_ = false;
  bool slow_ = false;
  bool reader_done_ = false;
  bool reader_exited_ = false;
  bool ended_ = false;
};

// Reads (and drops) client messages, so Beast answers pings and sees the close.
template <class Ws>
asio::awaitable<void> ReadLoop(Ws& ws, std::shared_ptr<Mailbox> box) {
  beast::flat_buffer buffer;
  for (;;) {
    auto [ec, n] = co_await ws.async_read(buffer, kUseTuple);
    if (ec) break;
    buffer.consume(buffer.size());
  }
  box->ReaderDone();
}

http::request<http::empty_body> HandshakeRequest(const Request& r) {
  http::request<http::empty_body> req;
  req.method_string(r.method);
  req.target(r.target);
  req.version(r.version);
  for (const auto& [name, value] : r.headers)
    req.insert(name, value);
  return req;
}

Steady::time_point Deadline(const FeedSessionInfo& info) {
  if (info.clock == nullptr || info.token_expires_at <= 0) return Steady::time_point::max();
  const core::Micros left = info.token_expires_at - info.clock->NowMicros();
  return Steady::now() + std::chrono::microseconds(std::max<core::Micros>(left, 0));
}

// Why the server ends a stream (nullopt: the client left, nothing to send).
using CloseWith = std::optional<websocket::close_reason>;

CloseWith Expired() {
  return websocket::close_reason(websocket::close_code::policy_error, "token expired");
}

CloseWith TooSlow(Mailbox& box) {
  if (box.slow()) box.hub().CountSlowConsumer();
  return websocket::close_reason(websocket::close_code::try_again_later, "too slow; resume");
}

// Sends queued items until the stream must end. Items with seq <= cursor are skipped (seq 0:
// security messages, never skipped).
template <class Ws>
asio::awaitable<CloseWith> Pump(Ws& ws, Mailbox& box, std::uint64_t cursor,
                                Steady::time_point deadline) {
  for (;;) {
    const auto wait = co_await box.Next(deadline);
    if (wait == Mailbox::Wait::kLost) co_return TooSlow(box);
    if (wait == Mailbox::Wait::kReaderDone) co_return std::nullopt;
    if (wait == Mailbox::Wait::kExpired) co_return Expired();
    FeedItem item = box.Pop();
    if (item.seq != 0 && item.seq <= cursor) continue;
    auto [ec, n] = co_await ws.async_write(asio::buffer(*item.text), kUseTuple);
    if (ec) co_return std::nullopt;
    if (item.seq != 0) cursor = item.seq;
  }
}

// Replays the log after `after` until caught up with the hub, then attaches and pumps.
template <class Ws>
asio::awaitable<CloseWith> AuditBody(Ws& ws, const std::shared_ptr<Mailbox>& box,
                                     std::uint64_t after, Steady::time_point deadline,
                                     std::uint64_t& attach_id) {
  FeedHub& hub = box->hub();
  std::uint64_t cursor = after;
  for (;;) {
    if (box->reader_exited()) co_return std::nullopt;
    if (Steady::now() >= deadline) co_return Expired();
    auto attach = hub.AttachAudit(box, cursor);
    if (attach.attached) {
      attach_id = attach.id;
      break;
    }
    const auto limit = std::min<std::uint64_t>(kReplayPage, attach.published - cursor);
    auto page = hub.log().ReadRange(cursor, static_cast<std::size_t>(limit));
    if (!page || page->empty()) {
      LogError("audit stream replay failed",
               {{"error", page ? "empty page" : page.error().message()}, {"after", cursor}});
      co_return websocket::close_reason(websocket::close_code::internal_error, "log unreadable");
    }
    for (const auto& event : *page) {
      const std::string text = boost::json::serialize(AuditEventJson(event, hub.log()));
      auto [ec, n] = co_await ws.async_write(asio::buffer(text), kUseTuple);
      if (ec) co_return std::nullopt;
      cursor = event.seq;
    }
  }
  co_return co_await Pump(ws, *box, cursor, deadline);
}

enum class Feed { kAudit, kSecurity };

template <class Stream>
asio::awaitable<void> RunFeedOn(Stream& stream, UpgradedStream& up, FeedHub& hub, Feed feed,
                                std::uint64_t after, FeedLimits limits, FeedSessionInfo info) {
  up.stream.expires_never();  // Beast's own timeouts below replace the stream's
  if (limits.socket_send_buffer > 0) {
    beast::error_code ignored;
    up.stream.socket().set_option(
        asio::socket_base::send_buffer_size(static_cast<int>(limits.socket_send_buffer)), ignored);
  }
  WsOver<Stream> ws(stream);
  ws.read_message_max(limits.max_message_bytes);
  ws.set_option(websocket::stream_base::timeout{limits.handshake_timeout, limits.idle_timeout,
                                                /*keep_alive_pings=*/true});
  const std::string request_id = up.request.request_id;
  const bool hsts = up.tls != nullptr;
  ws.set_option(
      websocket::stream_base::decorator([request_id, hsts](websocket::response_type& res) {
        res.set(http::field::server, "authd");  // Beast adds its own version when none is set
        res.set("X-Request-Id", request_id);
        res.set(http::field::cache_control, "no-store");
        if (hsts) res.set(http::field::strict_transport_security, detail::kHstsValue);
      }));
  ws.text(true);
  {
    auto request = HandshakeRequest(up.request);
    auto [ec] = co_await ws.async_accept(request, kUseTuple);
    if (ec) co_return;
  }
  hub.SubscriberOpened();
  auto executor = up.stream.get_executor();
  auto box = std::make_shared<Mailbox>(executor, hub, limits, up.stream);
  asio::co_spawn(executor, ReadLoop(ws, box), [](std::exception_ptr) {});

  const auto deadline = Deadline(info);
  std::uint64_t attach_id = 0;
  CloseWith close;
  if (feed == Feed::kAudit) {
    close = co_await AuditBody(ws, box, after, deadline, attach_id);
  } else {
    auto attach = hub.AttachSecurity(box);
    attach_id = attach.id;
    for (auto it = attach.open_alerts.rbegin(); it != attach.open_alerts.rend(); ++it)
      box->PushFront(*it);
    close = co_await Pump(ws, *box, 0, deadline);
  }
  if (attach_id != 0) hub.Detach(attach_id);
  if (close && !box->reader_exited()) {
    auto [ec] = co_await ws.async_close(*close, kUseTuple);
    (void)ec;  // the client may be gone already
  }
  if (!box->reader_exited()) {
    beast::error_code ignored;
    up.stream.socket().close(ignored);  // ends the read loop
    co_await box->ReaderExited();
  }
  box->End();
  hub.SubscriberClosed();
}

// The stream the connection reads and writes: its TLS layer when there is one.
asio::awaitable<void> RunFeed(UpgradedStream& up, FeedHub& hub, Feed feed, std::uint64_t after,
                              FeedLimits limits, FeedSessionInfo info) {
  if (up.tls != nullptr) {
    co_await RunFeedOn(*up.tls, up, hub, feed, after, limits, info);
  } else {
    co_await RunFeedOn(up.stream, up, hub, feed, after, limits, info);
  }
}

}  // namespace

asio::awaitable<void> RunAuditFeed(UpgradedStream& upgraded, FeedHub& hub, std::uint64_t after,
                                   FeedLimits limits, FeedSessionInfo info) {
  return RunFeed(upgraded, hub, Feed::kAudit, after, limits, info);
}

asio::awaitable<void> RunSecurityFeed(UpgradedStream& upgraded, FeedHub& hub, FeedLimits limits,
                                      FeedSessionInfo info) {
  return RunFeed(upgraded, hub, Feed::kSecurity, 0, limits, info);
}

bool IsWebSocketUpgrade(const Request& request) {
  if (request.method != "GET") return false;
  auto upgrade = request.Header("Upgrade");
  auto connection = request.Header("Connection");
  if (!upgrade || !connection || !IEquals(*upgrade, "websocket")) return false;
  // Connection is a token list, e.g. "keep-alive, Upgrade".
  std::string_view list = *connection;
  while (!list.empty()) {
    auto comma = list.find(',');
    std::string_view token = list.substr(0, comma);
    while (!token.empty() && token.front() == ' ')
      token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ')
      token.remove_suffix(1);
    if (IEquals(token, "upgrade")) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace authd::net
