// feeds_bench: N WebSocket subscribers each receive every event of an R events/s stream through
// authd's own path (EventLog commit -> FeedHub renders once -> per-connection WebSocket sessions
// behind the HTTP upgrade), against, in the same run, a raw Asio program that writes the same
// pre-framed WebSocket bytes to the same number of sockets (one write in flight and a queue per
// socket, like the sessions). Reports delivery latency p50/p99 from "the producer submitted the
// event" to "the subscriber has parsed the frame", for both, and their ratio. Load harness, not a
// test; docs/BENCHMARKS.md ("feeds_bench") has the results and how to run it.
//
//   feeds_bench [--subscribers=1000] [--rate=1000] [--seconds=10] [--io-threads=2]
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_dir.hpp"
#include "core/clock.hpp"
#include "core/secret.hpp"
#include "net/feed_hub.hpp"
#include "net/http_server.hpp"
#include "net/log.hpp"
#include "net/ws_session.hpp"
#include "storage/event_log.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Steady = std::chrono::steady_clock;
using namespace authd;

struct Config {
  std::size_t subscribers = 1000;
  std::size_t rate = 1000;
  std::size_t seconds = 10;
  std::size_t io_threads = 2;
};

std::int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now().time_since_epoch())
      .count();
}

// Latencies in 10 us buckets up to 30 s (lock-free counters: one receiving thread anyway).
class Histogram {
 public:
  static constexpr std::int64_t kBucketNs = 10'000;
  Histogram() : buckets_(3'000'000) {}
  void Add(std::int64_t ns) {
    auto b = static_cast<std::size_t>(std::max<std::int64_t>(ns, 0) / kBucketNs);
    ++buckets_[std::min(b, buckets_.size() - 1)];
    ++count_;
  }
  [[nodiscard]] double PercentileMs(double p) const {
    if (count_ == 0) return 0;
    const auto target = static_cast<std::uint64_t>(p * static_cast<double>(count_ - 1));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
      seen += buckets_[i];
      if (seen > target) return static_cast<double>(i * kBucketNs + kBucketNs / 2) / 1e6;
    }
    return 0;
  }
  [[nodiscard]] std::uint64_t count() const { return count_; }

 private:
  std::vector<std::uint64_t> buckets_;
  std::uint64_t count_ = 0;
};

// Client side, shared by both phases: reads unmasked server frames from a raw socket, takes the
// seq from the payload's start ({"seq":N,...}) and records now - produced[seq].
struct Receivers {
  asio::io_context io;
  std::vector<std::atomic<std::int64_t>>* produced_ns = nullptr;  // by index seq - first_seq
  std::uint64_t first_seq = 1;
  Histogram histogram;
  std::vector<std::uint64_t> received;  // per subscriber
  std::size_t closed = 0;
  std::uint64_t payload_bytes = 0;

  struct Conn {
    tcp::socket socket;
    std::vector<char> buf = std::vector<char>(256 * 1024);
    std::size_t have = 0;
    std::size_t index = 0;
  };
  std::vector<std::unique_ptr<Conn>> conns;

  void Add(tcp::socket socket) {
    auto c = std::make_unique<Conn>(Conn{std::move(socket)});
    c->index = conns.size();
    received.push_back(0);
    conns.push_back(std::move(c));
  }
  void Start() {
    for (auto& c : conns)
      Read(*c);
  }
  void Read(Conn& c) {
    c.socket.async_read_some(asio::buffer(c.buf.data() + c.have, c.buf.size() - c.have),
                             [this, &c](boost::system::error_code ec, std::size_t n) {
                               if (ec) return;
                               c.have += n;
                               if (!Parse(c)) return;
                               Read(c);
                             });
  }
  // False on a close frame.
  bool Parse(Conn& c) {
    std::size_t pos = 0;
    const auto* p = reinterpret_cast<const unsigned char*>(c.buf.data());
    for (;;) {
      if (c.have - pos < 2) break;
      const unsigned opcode = p[pos] & 0x0f;
      std::uint64_t len = p[pos + 1] & 0x7f;
      std::size_t header = 2;
      if (len == 126) {
        if (c.have - pos < 4) break;
        len = (std::uint64_t{p[pos + 2]} << 8) | p[pos + 3];
        header = 4;
      } else if (len == 127) {
        if (c.have - pos < 10) break;
        len = 0;
        for (int i = 0; i < 8; ++i)
          len = (len << 8) | p[pos + 2 + i];
        header = 10;
      }
      if (c.have - pos < header + len) break;
      if (opcode == 0x8) {
        ++closed;
        return false;
      }
      if (opcode == 0x1) {
        const char* payload = c.buf.data() + pos + header;
        std::uint64_t seq = 0;
        if (len > 7 && std::memcmp(payload, "{\"seq\":", 7) == 0) {
          for (std::size_t i = 7; i < len && payload[i] >= '0' && payload[i] <= '9'; ++i)
            seq = seq * 10 + static_cast<std::uint64_t>(payload[i] - '0');
        }
        const std::size_t idx = seq - first_seq;
        if (seq >= first_seq && idx < produced_ns->size() && (*produced_ns)[idx].load() != 0) {
          histogram.Add(NowNs() - (*produced_ns)[idx].load());
          payload_bytes += len;
          ++received[c.index];
        }
      }
      pos += header + len;
    }
    std::memmove(c.buf.data(), c.buf.data() + pos, c.have - pos);
    c.have -= pos;
    return true;
  }
};

struct PhaseResult {
  const char* name;
  double p50 = 0, p99 = 0;
  std::uint64_t delivered = 0, expected = 0;
  std::size_t complete = 0, closed = 0;
  double seconds = 0;
  std::uint64_t mean_payload = 0;
};

// Produces `total` events at `rate`; stops early (bounded run) when producing itself falls more
// than the planned duration behind. Returns how many were produced.
std::size_t Pace(std::size_t rate, std::size_t total,
                 const std::function<void(std::size_t)>& produce) {
  const auto start = Steady::now();
  const auto planned = std::chrono::nanoseconds(total * 1'000'000'000ULL / rate);
  for (std::size_t i = 0; i < total; ++i) {
    if (Steady::now() - start > 2 * planned) return i;
    std::this_thread::sleep_until(start + std::chrono::nanoseconds(i * 1'000'000'000ULL / rate));
    produce(i);
  }
  return total;
}

// Runs the receivers until every subscriber has everything or 20 s pass after the producer.
void Drain(Receivers& r, std::uint64_t per_subscriber) {
  const auto deadline = Steady::now() + std::chrono::seconds(20);
  while (Steady::now() < deadline) {
    bool all = std::all_of(r.received.begin(), r.received.end(),
                           [&](std::uint64_t n) { return n >= per_subscriber; });
    if (all || r.closed == r.conns.size()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

PhaseResult Finish(const char* name, Receivers& r, std::uint64_t per_subscriber, double seconds) {
  PhaseResult out{name};
  out.p50 = r.histogram.PercentileMs(0.50);
  out.p99 = r.histogram.PercentileMs(0.99);
  out.delivered = r.histogram.count();
  out.expected = per_subscriber * r.conns.size();
  out.complete = static_cast<std::size_t>(std::count_if(
      r.received.begin(), r.received.end(), [&](std::uint64_t n) { return n >= per_subscriber; }));
  out.closed = r.closed;
  out.seconds = seconds;
  return out;
}

PhaseResult RunAuthd(const Config& cfg) {
  bench::BenchDir dir("feeds-bench");
  core::SystemClock clock;
  storage::LogOptions lo;
  lo.path = dir.Sub("log");
  lo.sync = false;  // measured: the fan-out, not the disk
  auto opened = storage::EventLog::Open(lo, core::Key256::Random(), clock, {});
  if (!opened) {
    std::fprintf(stderr, "cannot open log: %s\n", opened.error().message().c_str());
    std::exit(1);
  }
  auto& log = **opened;
  net::FeedHub hub(log, nullptr, clock);
  hub.Start();
  net::Router router;
  router.Get("/feed", [&hub](net::RequestContext& ctx) -> asio::awaitable<net::Response> {
    net::FeedHub* h = &hub;
    const std::uint64_t after = hub.Published();
    ctx.upgrade = [h, after](net::UpgradedStream& up) {
      return net::RunAuditFeed(up, *h, after, net::FeedLimits{}, net::FeedSessionInfo{});
    };
    co_return net::EmptyResponse(101);
  });
  net::ServerOptions so;
  so.port = 0;
  so.io_threads = cfg.io_threads;
  so.max_connections = cfg.subscribers + 16;
  so.access_log = false;
  net::HttpServer server(so, std::move(router));
  if (!server.Start()) std::exit(1);

  const std::size_t total = cfg.rate * cfg.seconds;
  std::vector<std::atomic<std::int64_t>> produced(total);
  Receivers r;
  r.produced_ns = &produced;
  r.first_seq = log.Head() + 1;
  for (std::size_t i = 0; i < cfg.subscribers; ++i) {
    websocket::stream<tcp::socket> ws(r.io);
    ws.next_layer().connect({asio::ip::make_address("127.0.0.1"), server.Port()});
    ws.handshake("127.0.0.1", "/feed");
    r.Add(std::move(ws.next_layer()));
  }
  // Every session attached before the first event (Published() advances only with events).
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  r.Start();
  std::thread client([&] {
    auto guard = asio::make_work_guard(r.io);
    r.io.run();
  });
  const auto t0 = Steady::now();
  const std::size_t sent = Pace(cfg.rate, total, [&](std::size_t i) {
    core::Event e;
    e.type = "user.roles_changed";
    e.stream = "usr_bench" + std::to_string(i % 64);
    e.actor = "usr_bench_admin";
    e.request_id = "req_bench";
    e.data = {{"roles", boost::json::array{"auditor", "user"}}};
    produced[i].store(NowNs());
    log.Submit(
        [e = std::move(e)](storage::Txn& txn) -> Result<void> {
          auto a = txn.Append(e);
          if (!a) return a.error();
          return {};
        },
        [](Result<storage::Committed>) {});
  });
  Drain(r, sent);
  const double secs = std::chrono::duration<double>(Steady::now() - t0).count();
  r.io.stop();
  client.join();
  auto out = Finish("authd (FeedHub + Beast WebSocket)", r, sent, secs);
  out.mean_payload = r.histogram.count() ? r.payload_bytes / r.histogram.count() : 330;
  server.Stop();
  hub.Stop();
  log.Close();
  return out;
}

// The raw program: the same frame bytes to N sockets, one write in flight and a queue per socket.
struct RawSink : std::enable_shared_from_this<RawSink> {
  explicit RawSink(tcp::socket s) : socket(std::move(s)), strand(socket.get_executor()) {}
  tcp::socket socket;
  asio::any_io_executor strand;
  std::deque<std::shared_ptr<const std::string>> queue;
  bool writing = false;
  void Push(std::shared_ptr<const std::string> frame) {
    queue.push_back(std::move(frame));
    if (!writing) Write();
  }
  void Write() {
    writing = true;
    auto frame = queue.front();
    asio::async_write(
        socket, asio::buffer(*frame),
        [self = shared_from_this(), frame](boost::system::error_code ec, std::size_t) {
          self->queue.pop_front();
          if (ec || self->queue.empty()) {
            self->writing = false;
            return;
          }
          self->Write();
        });
  }
};

std::string Frame(const std::string& payload) {
  std::string f;
  f.push_back(static_cast<char>(0x81));
  if (payload.size() < 126) {
    f.push_back(static_cast<char>(payload.size()));
  } else {
    f.push_back(static_cast<char>(126));
    f.push_back(static_cast<char>((payload.size() >> 8) & 0xff));
    f.push_back(static_cast<char>(payload.size() & 0xff));
  }
  return f + payload;
}

PhaseResult RunRaw(const Config& cfg, std::size_t payload_bytes) {
  asio::io_context server_io;
  tcp::acceptor acceptor(server_io, {asio::ip::make_address("127.0.0.1"), 0});
  const std::size_t total = cfg.rate * cfg.seconds;
  std::vector<std::atomic<std::int64_t>> produced(total);
  Receivers r;
  r.produced_ns = &produced;
  r.first_seq = 1;
  std::vector<std::shared_ptr<RawSink>> sinks;
  for (std::size_t i = 0; i < cfg.subscribers; ++i) {
    tcp::socket client(r.io);
    client.connect(acceptor.local_endpoint());
    tcp::socket accepted(asio::make_strand(server_io));
    acceptor.accept(accepted);
    accepted.set_option(tcp::no_delay(true));
    sinks.push_back(std::make_shared<RawSink>(std::move(accepted)));
    r.Add(std::move(client));
  }
  r.Start();
  auto work = asio::make_work_guard(server_io);
  std::vector<std::thread> io;
  for (std::size_t i = 0; i < cfg.io_threads; ++i)
    io.emplace_back([&] { server_io.run(); });
  std::thread client([&] {
    auto guard = asio::make_work_guard(r.io);
    r.io.run();
  });
  const auto t0 = Steady::now();
  const std::size_t sent = Pace(cfg.rate, total, [&](std::size_t i) {
    std::string payload = "{\"seq\":" + std::to_string(i + 1) + ",\"type\":\"user.roles_changed\"";
    payload +=
        ",\"pad\":\"" +
        std::string(payload_bytes > payload.size() + 12 ? payload_bytes - payload.size() - 12 : 0,
                    'x') +
        "\"}";
    auto frame = std::make_shared<const std::string>(Frame(payload));
    produced[i].store(NowNs());
    for (auto& s : sinks)
      asio::post(s->strand, [s, frame] { s->Push(frame); });
  });
  Drain(r, sent);
  const double secs = std::chrono::duration<double>(Steady::now() - t0).count();
  r.io.stop();
  client.join();
  auto out = Finish("raw Asio, pre-framed bytes", r, sent, secs);
  work.reset();
  server_io.stop();
  for (auto& t : io)
    t.join();
  return out;
}

void RaiseFdLimit(std::size_t needed) {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  rl.rlim_cur = rl.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < needed) {
    std::fprintf(stderr, "warning: RLIMIT_NOFILE hard limit %llu < %zu needed\n",
                 static_cast<unsigned long long>(rl.rlim_cur), needed);
  }
}

std::size_t Flag(int argc, char** argv, const char* name, std::size_t fallback) {
  const std::string prefix = std::string("--") + name + "=";
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix.c_str(), prefix.size()) == 0) {
      return std::stoul(argv[i] + prefix.size());
    }
  }
  return fallback;
}

void Print(const PhaseResult& r) {
  std::printf(
      "| %s | %.2f | %.2f | %llu / %llu (%.1f%%) | %zu | %zu | %.1f |\n", r.name, r.p50, r.p99,
      static_cast<unsigned long long>(r.delivered), static_cast<unsigned long long>(r.expected),
      r.expected ? 100.0 * static_cast<double>(r.delivered) / static_cast<double>(r.expected) : 0.0,
      r.complete, r.closed, r.seconds);
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  cfg.subscribers = Flag(argc, argv, "subscribers", cfg.subscribers);
  cfg.rate = std::max<std::size_t>(1, Flag(argc, argv, "rate", cfg.rate));
  cfg.seconds = std::max<std::size_t>(1, Flag(argc, argv, "seconds", cfg.seconds));
  cfg.io_threads = std::max<std::size_t>(1, Flag(argc, argv, "io-threads", cfg.io_threads));
  RaiseFdLimit(2 * cfg.subscribers + 64);
  net::SetLogLevel(net::LogLevel::kWarn);
  std::printf("feeds_bench: %zu subscribers, %zu events/s for %zu s, %zu server I/O threads\n",
              cfg.subscribers, cfg.rate, cfg.seconds, cfg.io_threads);
  auto authd = RunAuthd(cfg);
  // The raw program sends payloads of the size authd's audit events had.
  auto raw = RunRaw(cfg, authd.mean_payload);
  std::printf(
      "\n| program | latency p50 (ms) | latency p99 (ms) | delivered | subscribers with every "
      "event | closed (1013) | wall s |\n|---|---:|---:|---:|---:|---:|---:|\n");
  Print(authd);
  Print(raw);
  std::printf("\nmean payload %llu bytes\n", static_cast<unsigned long long>(authd.mean_payload));
  std::printf("\nratio authd/raw: p50 %.2fx, p99 %.2fx\n", raw.p50 > 0 ? authd.p50 / raw.p50 : 0.0,
              raw.p99 > 0 ? authd.p99 / raw.p99 : 0.0);
  return 0;
}
