#include "core/recovery_codes.hpp"

#include <gtest/gtest.h>

#include <set>

namespace authd::core {
namespace {

TEST(RecoveryCodesTest, CodesAreFourGroupsOfFourAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const auto code = NewRecoveryCode();
    ASSERT_EQ(code.size(), 19U) << code;
    for (std::size_t j = 0; j < code.size(); ++j) {
      if (j % 5 == 4) {
        EXPECT_EQ(code[j], '-') << code;
      } else {
        EXPECT_TRUE((code[j] >= 'a' && code[j] <= 'z') || (code[j] >= '2' && code[j] <= '7'))
            << code;
      }
    }
    seen.insert(code);
  }
  EXPECT_EQ(seen.size(), 200U);
}

TEST(RecoveryCodesTest, TypingDetailsDoNotMatterButTheAlphabetDoes) {
  const auto code = NewRecoveryCode();
  std::string typed;
  for (const char c : code)
    typed += c == '-' ? ' ' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(NormalizeRecoveryCode(typed), code);
  std::string glued;
  for (const char c : code)
    if (c != '-') glued += c;
  EXPECT_EQ(NormalizeRecoveryCode(glued), code);
  EXPECT_FALSE(NormalizeRecoveryCode(code.substr(0, 14)));
  EXPECT_FALSE(NormalizeRecoveryCode("abcd-efgh-ijkl-mno1"));  // 1 is not base32
  EXPECT_FALSE(NormalizeRecoveryCode(""));
  EXPECT_FALSE(NormalizeRecoveryCode(std::string(100, 'a')));
}

TEST(RecoveryCodesTest, HashesAreBoundToTheirUserAndFoundOnlyWhenEqual) {
  const auto code = NewRecoveryCode();
  const auto mine = HashRecoveryCode("usr_a", code);
  EXPECT_EQ(mine.size(), 64U);
  EXPECT_EQ(mine, HashRecoveryCode("usr_a", code));
  EXPECT_NE(mine, HashRecoveryCode("usr_b", code));
  const std::vector<std::string> stored = {HashRecoveryCode("usr_a", NewRecoveryCode()), mine};
  EXPECT_EQ(FindRecoveryCode(stored, mine), 1U);
  EXPECT_FALSE(FindRecoveryCode(stored, HashRecoveryCode("usr_b", code)));
  EXPECT_FALSE(FindRecoveryCode(stored, ""));
}

}  // namespace
}  // namespace authd::core
