// The one way a mail goes out twice: authd is SIGKILLed after the SMTP server has the message
// but before authd has marked it delivered. The sink stores the first message and holds its 250
// for a few seconds; the test kills authd in that window and restarts it. The mail is sent again
// (at least once, never lost), exactly one more time, and marked once; its token works once.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/integration/api_client.hpp"
#include "tests/integration/smtp_sink.hpp"

namespace authd::test {
namespace {

TEST(MailCrashSlowTest, KilledBetweenAcceptanceAndMarkSendsOneDuplicateAndLosesNothing) {
  SmtpSink sink(0, {"--hold-first", "4"});
  ASSERT_TRUE(sink.Start()) << sink.Log();
  AuthdServer s(
      {.with_admin = true, .flags = {"--smtp-url", sink.url(), "--mail-retry-ms", "100"}});
  ASSERT_TRUE(s.ok()) << s.error();
  Account a = SignUp(Api(s.port()), "crash");
  // The sink has stored the message and is holding its answer: authd has not seen the 250.
  ASSERT_EQ(sink.WaitFor(a.email, 1).size(), 1U) << s.Log();
  s.Kill();
  ASSERT_TRUE(s.Restart()) << s.error();

  auto copies = sink.WaitFor(a.email, 2);
  ASSERT_EQ(copies.size(), 2U) << s.Log();
  EXPECT_EQ(SmtpSink::Header(copies[0], "Message-ID"), SmtpSink::Header(copies[1], "Message-ID"));
  const std::string token = SmtpSink::Token(copies[0]);
  EXPECT_EQ(token, SmtpSink::Token(copies[1]));

  Api api(s.port());
  Account admin = Admin(api, s);
  int marks = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (marks == 0 && std::chrono::steady_clock::now() < deadline) {
    auto page = api.Get("/v1/audit/events?type=mail.delivered&limit=100", admin.access);
    ASSERT_EQ(page.result_int(), 200U) << page.body();
    const auto body = JsonObject(page);
    for (const auto& e : body.at("items").as_array()) {
      if (Str(e.as_object().at("data").as_object(), "user_id") == a.id) ++marks;
    }
    if (marks == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(marks, 1);
  // No third copy once it is marked.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(sink.WaitFor(a.email, 3, std::chrono::milliseconds(0)).size(), 2U);

  EXPECT_EQ(api.Send("POST", "/v1/email-verifications/confirm", json::object{{"token", token}})
                .result_int(),
            204U);
  ExpectProblem(api.Send("POST", "/v1/email-verifications/confirm", json::object{{"token", token}}),
                400, "invalid_token");
}

}  // namespace
}  // namespace authd::test
