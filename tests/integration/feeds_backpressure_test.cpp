// A subscriber that stops reading is closed with 1013 once its bounded queue overflows, while the
// writers and a well-behaved subscriber carry on untouched; it resumes from its last seq without
// a gap (API.md "WebSocket rules", docs/FEEDS.md).
#include <gtest/gtest.h>

#include <thread>

#include "tests/client/ws_client.hpp"
#include "tests/integration/api_client.hpp"

namespace authd::test {
namespace {

class SlowConsumerTest : public ServerSuite<SlowConsumerTest> {
 public:
  // A small queue and socket buffer, so a client that stops reading overflows them quickly.
  static ServerSpec Spec() {
    return {.with_admin = true,
            .flags = {"--sync", "false", "--ws-queue-messages", "256", "--ws-send-buffer-bytes",
                      "8192"}};
  }
};

constexpr int kWritesPerWriter = 400;
constexpr int kWriters = 2;

std::uint64_t LastSeq(const Api& api, const std::string& token) {
  std::uint64_t after = 0;
  for (int page = 0; page < 1000; ++page) {
    auto body =
        JsonObject(api.Get("/v1/audit/events?limit=1000&after=" + std::to_string(after), token));
    if (!body.contains("items") || body.at("items").as_array().empty()) break;
    after = body.at("next_after").to_number<std::uint64_t>();
  }
  return after;
}

std::vector<std::uint64_t> ReadUpTo(WsClient& ws, std::uint64_t last) {
  std::vector<std::uint64_t> seqs;
  for (int i = 0; i < 100'000; ++i) {
    auto msg = ws.Read();
    if (!msg) break;
    seqs.push_back(json::parse(*msg).at("seq").to_number<std::uint64_t>());
    if (seqs.back() >= last) break;
  }
  return seqs;
}

bool Consecutive(const std::vector<std::uint64_t>& seqs, std::uint64_t first) {
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    if (seqs[i] != first + i) return false;
  }
  return true;
}

TEST_F(SlowConsumerTest, StalledReaderIsDroppedWith1013AndResumes) {
  Account admin = Admin(api(), server());
  std::vector<Account> users;
  for (int i = 0; i < kWriters; ++i)
    users.push_back(SignUp(api(), "slowc"));
  // Each signup's verification mail is marked delivered (mail.delivered) by the outbox sender a
  // moment later: wait for those marks (bounded) so that only the writes below move the head.
  for (int i = 0; i < 500; ++i) {
    auto marks = api().Get("/v1/audit/events?type=mail.delivered&limit=1000", admin.access);
    if (marks.result_int() == 200 &&
        JsonObject(marks).at("items").as_array().size() >= users.size()) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::uint64_t head = LastSeq(api(), admin.access);
  const std::uint64_t last = head + kWriters * kWritesPerWriter;
  const WsClient::Headers auth = {{"Authorization", "Bearer " + admin.access}};
  const std::string target = "/v1/audit/stream?after=" + std::to_string(head);

  WsClient stalled(server().port(), target, auth, std::chrono::seconds(5), /*receive_buffer=*/4096);
  ASSERT_TRUE(stalled.open()) << stalled.response().body();
  std::vector<std::uint64_t> good_seqs;
  std::string good_end;
  std::thread good([&] {
    WsClient ws(server().port(), target, auth);
    ASSERT_TRUE(ws.open()) << ws.response().body();
    good_seqs = ReadUpTo(ws, last);
    good_end = "close code " + std::to_string(ws.close_code()) + ", " + ws.error().message();
  });

  // The writers never wait for the stalled subscriber: every write is acknowledged.
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> writers;
  for (const auto& u : users) {
    writers.emplace_back([&, id = u.id] {
      for (int i = 0; i < kWritesPerWriter; ++i) {
        json::array roles{"user"};
        if (i % 2 == 0) roles.emplace_back("auditor");
        auto res = api().Send("PUT", "/v1/users/" + id + "/roles", json::object{{"roles", roles}},
                              admin.access);
        if (res.result_int() == 200) acknowledged.fetch_add(1);
      }
    });
  }
  for (auto& w : writers)
    w.join();
  good.join();
  EXPECT_EQ(acknowledged.load(), kWriters * kWritesPerWriter);
  EXPECT_EQ(LastSeq(api(), admin.access), last);
  ASSERT_EQ(good_seqs.size(), last - head) << "the reading subscriber missed events: " << good_end;
  EXPECT_TRUE(Consecutive(good_seqs, head + 1));

  // The stalled one gets what was already on its way, then the 1013 close.
  auto partial = ReadUpTo(stalled, last);
  EXPECT_FALSE(stalled.open());
  EXPECT_EQ(stalled.close_code(), 1013U) << stalled.error().message();
  EXPECT_LT(partial.size(), last - head);
  EXPECT_TRUE(Consecutive(partial, head + 1));

  // Resuming from its last seq gives exactly the rest.
  const std::uint64_t resume_after = partial.empty() ? head : partial.back();
  WsClient resumed(server().port(), "/v1/audit/stream?after=" + std::to_string(resume_after), auth);
  ASSERT_TRUE(resumed.open());
  auto rest = ReadUpTo(resumed, last);
  ASSERT_FALSE(rest.empty());
  EXPECT_TRUE(Consecutive(rest, resume_after + 1));
  EXPECT_EQ(rest.back(), last);
}

}  // namespace
}  // namespace authd::test
