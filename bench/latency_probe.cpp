// The latency probe of bench/http_bench.sh: one keep-alive connection, one GET at a time, for S
// seconds; prints the percentiles of the time from writing a request to having read its whole
// answer. Why not wrk: on a 2-vCPU machine whose cores run argon2id, wrk reports a p99 of 0.5-3
// ms that this client, measuring the same server at the same moment, does not see
// (docs/BENCHMARKS.md, "Fifth look"). The probe does as little as a client can between two
// requests, so what it measures is the server and the loopback.
//
//   latency_probe --host H --port P --path /p --seconds S
//
// With BENCH_TOKEN in the environment, each request carries `Authorization: Bearer $BENCH_TOKEN`
// (in the environment, not the arguments, so `ps` does not show it). Prints one line:
//   RESULT requests=N p50_us=.. p99_us=.. p999_us=.. max_us=..
// and exits 1 on any answer that is not 200, naming the status, or when the connection fails.
#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/system/system_error.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  std::string port;
  std::string path = "/healthz";
  double seconds = 0;
};

bool Parse(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--host") {
      o.host = value;
    } else if (flag == "--port") {
      o.port = value;
    } else if (flag == "--path") {
      o.path = value;
    } else if (flag == "--seconds") {
      o.seconds = std::strtod(value, nullptr);
    } else {
      return false;
    }
  }
  return argc % 2 == 1 && !o.port.empty() && o.seconds > 0;
}

// Nearest rank: the smallest sample with at least `percent` of the samples at or below it.
std::int64_t Percentile(const std::vector<std::int64_t>& sorted, double percent) {
  auto rank = static_cast<std::size_t>(percent / 100.0 * static_cast<double>(sorted.size()) + 0.5);
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

int Run(const Options& o) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  asio::connect(socket, asio::ip::tcp::resolver(io).resolve(o.host, o.port));
  socket.set_option(asio::ip::tcp::no_delay(true));

  http::request<http::empty_body> request(http::verb::get, o.path, 11);
  request.set(http::field::host, o.host);
  if (const char* token = std::getenv("BENCH_TOKEN"); token && *token)
    request.set(http::field::authorization, std::string("Bearer ") + token);
  request.keep_alive(true);
  request.prepare_payload();

  // Reserved up front: growing the vector mid-run would copy it between two requests.
  std::vector<std::int64_t> nanos;
  nanos.reserve(static_cast<std::size_t>(std::min(o.seconds, 60.0) * 100'000));
  boost::beast::flat_buffer buffer;
  const auto end = Clock::now() + std::chrono::duration<double>(o.seconds);
  for (auto start = Clock::now(); start < end; start = Clock::now()) {
    http::write(socket, request);
    http::response<http::string_body> response;
    http::read(socket, buffer, response);
    const auto took = Clock::now() - start;
    if (response.result() != http::status::ok) {
      std::fprintf(stderr, "latency_probe: %s answered %u after %zu requests\n", o.path.c_str(),
                   response.result_int(), nanos.size());
      return 1;
    }
    nanos.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(took).count());
    if (!response.keep_alive()) {
      std::fprintf(stderr, "latency_probe: %s closed the connection\n", o.path.c_str());
      return 1;
    }
  }
  if (nanos.empty()) return 1;
  std::sort(nanos.begin(), nanos.end());
  auto us = [&](double percent) { return Percentile(nanos, percent) / 1000; };
  std::printf("RESULT requests=%zu p50_us=%lld p99_us=%lld p999_us=%lld max_us=%lld\n",
              nanos.size(), static_cast<long long>(us(50)), static_cast<long long>(us(99)),
              static_cast<long long>(us(99.9)), static_cast<long long>(nanos.back() / 1000));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!Parse(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: latency_probe --port P --seconds S [--host H] [--path /p]\n"
                 "       (BENCH_TOKEN in the environment: sent as a bearer token)\n");
    return 2;
  }
  try {
    return Run(o);
  } catch (const boost::system::system_error& e) {
    std::fprintf(stderr, "latency_probe: %s:%s: %s\n", o.host.c_str(), o.port.c_str(),
                 e.code().message().c_str());
    return 1;
  }
}
