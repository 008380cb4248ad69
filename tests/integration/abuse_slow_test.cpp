// Slowloris and abusive requests against a live server: hundreds of connections trickling a
// header one byte at a time, oversized headers, header floods and huge bodies, all at once, while
// a well-behaved client's GET /healthz and logins keep being answered within its timeout. The
// trickling connections are closed by the server's whole-request read deadline (docs/HTTP.md).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <thread>

#include "tests/integration/api_client.hpp"

namespace authd::test {
namespace {

constexpr int kTricklers = 300;
constexpr auto kAttack = std::chrono::seconds(7);
constexpr auto kClientBound = std::chrono::seconds(3);

int Connect(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Connections that send a request header one byte per tick and never finish it. Returns how many
// of them the server closed.
int Trickle(std::uint16_t port, const std::atomic<bool>& stop) {
  const std::string header = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
  std::vector<int> fds(kTricklers, -1);
  int closed = 0;
  for (int tick = 0; tick < 1000 && !stop; ++tick) {
    for (auto& fd : fds) {
      if (fd < 0) {
        fd = Connect(port);
        if (fd >= 0 && !SendAll(fd, header.substr(0, 10))) {
          ::close(fd);
          fd = -1;
        }
        continue;
      }
      // A closed connection reads as EOF (or reset); else send one more byte of the header.
      pollfd p{fd, POLLIN, 0};
      char b = 0;
      if ((::poll(&p, 1, 0) > 0 && ::recv(fd, &b, 1, MSG_DONTWAIT) <= 0) ||
          ::send(fd, "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1) {
        ::close(fd);
        fd = -1;
        ++closed;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (int fd : fds) {
    if (fd >= 0) ::close(fd);
  }
  return closed;
}

// Sends one abusive request and returns the status line the server answered with ("" if none).
std::string Abuse(std::uint16_t port, const std::string& request) {
  TestClient client(port, std::chrono::seconds(5));
  if (!client.connected()) return "";
  client.WriteRaw(request);  // the server may answer and close before it has read everything
  auto got = client.ReadUntilClosed();
  if (!got) return "";
  return got->substr(0, got->find("\r\n"));
}

// Oversized headers, header floods and huge bodies, one after the other until `stop`. Returns
// the number of abusive requests that were not refused as expected.
int Flood(std::uint16_t port, const std::atomic<bool>& stop, int& sent) {
  const std::string big_header =
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(64 * 1024, 'b') +
      "\r\n\r\n";
  std::string many = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (int i = 0; i < 3000; ++i)
    many += "X-" + std::to_string(i) + ": v\r\n";
  many += "\r\n";
  const std::string huge_body =
      "POST /v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: 1000000000\r\n\r\n" +
      std::string(256 * 1024, '{');
  std::string chunked =
      "POST /v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 40; ++i)
    chunked += "1000\r\n" + std::string(0x1000, '[') + "\r\n";
  const std::pair<const std::string*, std::string_view> cases[] = {
      {&big_header, "431"}, {&many, "431"}, {&huge_body, "413"}, {&chunked, "413"}};
  int wrong = 0;
  for (int i = 0; i < 10000 && !stop; ++i) {
    const auto& [request, status] = cases[i % 4];
    const std::string line = Abuse(port, *request);
    ++sent;
    if (line.find(status) == std::string::npos) {
      ++wrong;
      ADD_FAILURE() << "expected " << status << ", got '" << line << "'";
    }
  }
  return wrong;
}

TEST(AbuseSlowTest, SlowAndAbusiveClientsDoNotStarveANormalOne) {
  AuthdServer server({.flags = {"--read-timeout-ms", "2000"}});
  ASSERT_TRUE(server.ok()) << server.error();
  Api api(server.port());
  Account user = SignUp(api, "calm");

  std::atomic<bool> stop{false};
  int closed = 0;
  int flood_sent = 0;
  int flood_wrong = 0;
  std::thread trickler([&] { closed = Trickle(server.port(), stop); });
  std::thread flooder([&] { flood_wrong = Flood(server.port(), stop, flood_sent); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let the attack build up

  // The normal client, bounded by its own timeout on every call.
  Api calm(server.port(), kClientBound);
  int health = 0;
  int logins = 0;
  const auto until = std::chrono::steady_clock::now() + kAttack;
  for (int i = 0; i < 1000 && std::chrono::steady_clock::now() < until; ++i) {
    auto res = calm.Get("/healthz");
    EXPECT_EQ(res.result_int(), 200U) << "healthz " << i;
    health += res.result_int() == 200 ? 1 : 0;
    if (i % 5 == 0) {
      auto login = calm.Send("POST", "/v1/sessions",
                             json::object{{"username", user.username}, {"password", kPassword}});
      EXPECT_EQ(login.result_int(), 200U) << Describe(login);
      logins += login.result_int() == 200 ? 1 : 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stop = true;
  trickler.join();
  flooder.join();

  EXPECT_GT(health, 10);
  EXPECT_GT(logins, 2);
  // The 2 s read deadline closed the trickling connections (each lived ~7 s).
  EXPECT_GE(closed, kTricklers) << "slowloris connections were not closed by the server";
  EXPECT_GT(flood_sent, 8);
  EXPECT_EQ(flood_wrong, 0);
  EXPECT_TRUE(server.running()) << server.Log();
}

}  // namespace
}  // namespace authd::test
