// A real HttpServer on 127.0.0.1, port 0, for the net tests.
#pragma once

#include <gtest/gtest.h>

#include <any>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/ids.hpp"
#include "net/http_server.hpp"
#include "net/router.hpp"
#include "tests/client/test_client.hpp"

namespace authd::net::testing {

class ServerTest : public ::testing::Test {
 public:
  static ServerOptions TestOptions() {
    ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.io_threads = 2;
    options.access_log = false;
    return options;
  }

  static boost::json::value Json(const ClientResponse& res) {
    return boost::json::parse(res.body());
  }

 protected:
  void StartServer(Router router, ServerOptions options = TestOptions(), std::any app = {},
                   std::shared_ptr<core::IdGenerator> ids = nullptr) {
    server_ = std::make_unique<HttpServer>(std::move(options), std::move(router), std::move(app),
                                           std::move(ids));
    auto started = server_->Start();
    ASSERT_TRUE(started.has_value()) << started.error().message();
    ASSERT_NE(server_->Port(), 0);
  }

  void TearDown() override {
    if (server_) server_->Stop();
  }

  [[nodiscard]] std::uint16_t port() const { return server_->Port(); }

  // Polls `condition` until it holds or `limit` passes (for states the server reaches
  // asynchronously, such as a connection count going down after a client closed).
  static bool Eventually(const std::function<bool()>& condition,
                         std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  // The problem+json contract of API.md.
  static void ExpectProblem(const ClientResponse& res, unsigned status, std::string_view code) {
    EXPECT_EQ(res.result_int(), status);
    EXPECT_EQ(res[http::field::content_type], "application/problem+json");
    auto body = Json(res).as_object();
    EXPECT_EQ(body.at("status").to_number<unsigned>(), status);
    EXPECT_EQ(body.at("code").as_string(), code);
    EXPECT_EQ(body.at("type").as_string(),
              std::string("https://authd.dev/problems/") + std::string(code));
    EXPECT_TRUE(body.at("title").is_string());
    EXPECT_TRUE(body.at("detail").is_string());
  }

  static void ExpectSecurityHeaders(const ClientResponse& res) {
    EXPECT_EQ(res["Cache-Control"], "no-store");
    EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
    EXPECT_EQ(res["Referrer-Policy"], "no-referrer");
    EXPECT_EQ(res["X-Frame-Options"], "DENY");
    EXPECT_EQ(res["Content-Security-Policy"], "default-src 'none'; frame-ancestors 'none'");
    EXPECT_FALSE(res["X-Request-Id"].empty());
    EXPECT_EQ(res.find(http::field::server), res.end());
  }

  std::unique_ptr<HttpServer> server_;
};

}  // namespace authd::net::testing
