#include "core/validation.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace authd::core {
namespace {

using namespace std::string_literals;

std::vector<std::string> Codes(const std::vector<FieldError>& errors) {
  std::vector<std::string> codes;
  for (const auto& e : errors) {
    codes.push_back(e.code);
  }
  return codes;
}

using CodeList = std::vector<std::string>;
const CodeList kNone{};

// A deterministic, unpatterned string of `n` code points. Cycles through a 61-symbol alphabet with
// a stride, so it has no short period, no sequence and no list word. `wide` mixes in 2-, 3- and
// 4-byte characters.
std::string Unpatterned(std::size_t n, bool wide = false) {
  static const std::vector<std::string> kAscii = [] {
    std::vector<std::string> v;
    for (char c :
         std::string_view("Kq7#Zm2!Vr9@Lt4$Hx6%Bw3&Nf8*Pj5(Gs1)Dy0-Qc+Ue=Wk;Ro:Ti,Ya.Xb")) {
      v.emplace_back(1, c);
    }
    return v;
  }();
  static const std::vector<std::string> kWide = {"é", "€", "🙂", "ß", "漢", "𝄞", "ñ"};
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    if (wide && i % 3 == 1) {
      out += kWide[(i * 5) % kWide.size()];
    } else {
      out += kAscii[(i * 17) % kAscii.size()];
    }
  }
  return out;
}

CodeList PasswordCodes(std::string_view password, std::string_view username = "",
                       const PasswordPolicy& policy = {}) {
  return Codes(ValidatePassword(password, username, policy));
}

// ---- passwords --------------------------------------------------------------------------------

TEST(ValidatePasswordTest, AcceptsGoodPasswords) {
  for (const std::string& pw :
       {"correct horse battery staple"s, "purple-monkey-dishwasher"s, "Tr0ub4dor&3 is better long"s,
        "🙂 emoji passphrase works"s, "  spaces  at  the  ends  "s, "пароль-очень-длинный"s,
        "a83920174650"s, Unpatterned(12), Unpatterned(128), Unpatterned(12, true),
        Unpatterned(128, true)}) {
    EXPECT_EQ(PasswordCodes(pw, "alice"), kNone) << pw;
  }
}

TEST(ValidatePasswordTest, Required) {
  EXPECT_EQ(PasswordCodes(""), CodeList{"required"});
}

TEST(ValidatePasswordTest, LengthBoundariesInCodePoints) {
  EXPECT_EQ(PasswordCodes(Unpatterned(11)), CodeList{"too_short"});
  EXPECT_EQ(PasswordCodes(Unpatterned(12)), kNone);
  EXPECT_EQ(PasswordCodes(Unpatterned(128)), kNone);
  EXPECT_EQ(PasswordCodes(Unpatterned(129)), CodeList{"too_long"});
  // Multi-byte characters count once: 11 code points are too short however many bytes they use.
  const std::string wide11 = Unpatterned(11, true);
  ASSERT_GT(wide11.size(), 12U);
  EXPECT_EQ(PasswordCodes(wide11), CodeList{"too_short"});
  EXPECT_EQ(PasswordCodes(Unpatterned(12, true)), kNone);
  const std::string wide128 = Unpatterned(128, true);
  ASSERT_GT(wide128.size(), 128U);
  EXPECT_EQ(PasswordCodes(wide128), kNone);
  EXPECT_EQ(PasswordCodes(Unpatterned(129, true)), CodeList{"too_long"});
  // Twelve emojis: 48 bytes, 12 characters.
  EXPECT_EQ(PasswordCodes("🙂🐱🚀🎉🌍🍕🎸📚🧩🦊🌈⚡"), kNone);
}

TEST(ValidatePasswordTest, MinimumIsConfigurable) {
  PasswordPolicy policy;
  policy.min_length = 15;
  EXPECT_EQ(PasswordCodes(Unpatterned(14), "", policy), CodeList{"too_short"});
  EXPECT_EQ(PasswordCodes(Unpatterned(15), "", policy), kNone);
  const auto errors = ValidatePassword(Unpatterned(14), "", policy);
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_NE(errors[0].message.find("15"), std::string::npos);
}

TEST(ValidatePasswordTest, ControlCharactersRejected) {
  for (const std::string& bad :
       {"tab\there-is-long"s, "newline\nis-long-too"s, "carriage\rreturn-long"s,
        "nul\0byte-is-long"s, "delete\x7f-char-long"s, "c1-control-\xc2\x85-long"s,
        "escape\x1b[0m-long-pw"s}) {
    EXPECT_EQ(PasswordCodes(bad), CodeList{"invalid_encoding"}) << testing::PrintToString(bad);
  }
}

TEST(ValidatePasswordTest, InvalidUtf8Rejected) {
  for (const std::string& bad :
       {"latin1-\xe9t\xe9-long-pw"s, "overlong-\xc0\xaf-slash"s, "surrogate-\xed\xa0\x80-pw"s,
        "truncated-euro-\xe2\x82"s, "\xff\xfe-bom-garbage-long"s, "beyond-\xf4\x90\x80\x80-max"s}) {
    EXPECT_EQ(PasswordCodes(bad), CodeList{"invalid_encoding"}) << testing::PrintToString(bad);
  }
}

TEST(ValidatePasswordTest, BlocklistedPasswords) {
  // winniethepooh is in data/common-passwords.txt and long enough on its own.
  EXPECT_EQ(PasswordCodes("winniethepooh"), CodeList{"common_password"});
  EXPECT_EQ(PasswordCodes("WinnieThePooh"), CodeList{"common_password"});
  // List words with trailing digits and punctuation stripped: password, qwertyuiop, iloveyou,
  // letmein, sunshine are all on the list.
  for (const std::string& pw :
       {"password1234"s, "Password1234"s, "password1234!"s, "PASSWORD2024!!"s, "qwertyuiop12"s,
        "iloveyou2024!"s, "letmein12345!"s, "Sunshine 1990."s, "winniethepooh1"s}) {
    EXPECT_EQ(PasswordCodes(pw), CodeList{"common_password"}) << pw;
  }
  // Too short and common: both reported.
  EXPECT_EQ(PasswordCodes("password"), (CodeList{"too_short", "common_password"}));
  // Stripping is only at the end.
  EXPECT_EQ(PasswordCodes("1234password-x"), kNone);
}

TEST(ValidatePasswordTest, RepeatedCharactersAndUnits) {
  for (const std::string& pw :
       {"aaaaaaaaaaaa"s, "AAAAAAAAAAAAAAAAAAAA"s, "!!!!!!!!!!!!"s, "            "s, "éééééééééééé"s,
        "🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂"s, "abcabcabcabc"s, "abababababab"s,
        "xK9!xK9!xK9!"s, "passwordpassword"s, "zzzz12345678"s}) {
    EXPECT_EQ(PasswordCodes(pw), CodeList{"common_password"}) << pw;
  }
  // A five-code-point unit that is not a list word, repeated: allowed.
  EXPECT_EQ(PasswordCodes("xK9!qxK9!qxK9!q"), kNone);
}

TEST(ValidatePasswordTest, AscendingAndDescendingSequences) {
  for (const std::string& pw :
       {"123456789012"s,  // digits wrap 9 -> 0
        "987654321098"s, "234567890123"s, "abcdefghijkl"s, "ABCDEFGHIJKLMNOP"s, "zyxwvutsrqpo"s,
        "xyzabcdefghi"s,  // letters wrap z -> a
        "abcdefghijkl!!"s, "mnopqrstuvwx2024"s}) {
    EXPECT_EQ(PasswordCodes(pw), CodeList{"common_password"}) << pw;
  }
  // Broken runs, mixed directions and steps of two are not sequences.
  for (const std::string& pw :
       {"abcdefghijlk"s, "135791357913x"s, "abcdefedcbaq"s, "0123456789ab"s}) {
    EXPECT_EQ(PasswordCodes(pw), kNone) << pw;
  }
}

TEST(ValidatePasswordTest, ContainsUsername) {
  EXPECT_EQ(PasswordCodes("my name is alice, hi!", "alice"), CodeList{"contains_username"});
  EXPECT_EQ(PasswordCodes("My Name Is ALICE, hi!", "Alice"), CodeList{"contains_username"});
  EXPECT_EQ(PasswordCodes("bob.smith-forever-2024", "Bob.Smith"), CodeList{"contains_username"});
  // Usernames shorter than 3 characters are not looked for.
  EXPECT_EQ(PasswordCodes("jo says hello world", "jo"), kNone);
  EXPECT_EQ(PasswordCodes("correct horse battery", ""), kNone);
  // Several problems at once, in order.
  EXPECT_EQ(PasswordCodes("alice", "alice"),
            (CodeList{"too_short", "common_password", "contains_username"}));
}

TEST(ValidatePasswordTest, MessagesNeverContainThePassword) {
  const std::string cases[] = {"",
                               "pw",
                               Unpatterned(200),
                               "password1234",
                               "aaaaaaaaaaaa",
                               "my name is alice, hi!",
                               "bad\tcontrol-char",
                               "\xff invalid"};
  for (const std::string& pw : cases) {
    for (const FieldError& e : ValidatePassword(pw, "alice", {})) {
      EXPECT_EQ(e.field, "password");
      EXPECT_FALSE(e.message.empty());
      if (!pw.empty()) {
        EXPECT_EQ(e.message.find(pw), std::string::npos) << e.message;
      }
      EXPECT_EQ(e.message.find("alice"), std::string::npos) << e.message;
    }
  }
}

TEST(IsCommonPasswordTest, ExpectsLowerCasedInput) {
  EXPECT_TRUE(IsCommonPassword("password"));
  EXPECT_TRUE(IsCommonPassword("qwertyuiop"));
  EXPECT_TRUE(IsCommonPassword("winniethepooh"));
  EXPECT_FALSE(IsCommonPassword("Password"));
  EXPECT_FALSE(IsCommonPassword("correct horse battery staple"));
  EXPECT_FALSE(IsCommonPassword(""));
  // Comment lines of the source file are not entries.
  EXPECT_FALSE(IsCommonPassword("#!comment:"));
}

// ---- usernames --------------------------------------------------------------------------------

TEST(UsernameTest, Normalize) {
  EXPECT_EQ(NormalizeUsername("Alice"), "alice");
  EXPECT_EQ(NormalizeUsername("a.b_C-9"), "a.b_c-9");
  EXPECT_EQ(NormalizeUsername("abc"), "abc");
  EXPECT_EQ(NormalizeUsername(std::string(32, 'Z')), std::string(32, 'z'));
  EXPECT_EQ(NormalizeUsername("ab"), std::nullopt);
  EXPECT_EQ(NormalizeUsername(std::string(33, 'a')), std::nullopt);
  EXPECT_EQ(NormalizeUsername("ali ce"), std::nullopt);
  EXPECT_EQ(NormalizeUsername("al\xc3\xaf"
                              "ce"),
            std::nullopt);  // "alïce"
  EXPECT_EQ(NormalizeUsername("alice@home"), std::nullopt);
}

TEST(UsernameTest, Codes) {
  const UsernamePolicy policy;
  const auto codes = [&](std::string_view raw) { return Codes(ValidateUsername(raw, policy)); };
  EXPECT_EQ(codes("alice"), kNone);
  EXPECT_EQ(codes("Alice.Smith_2-x"), kNone);
  EXPECT_EQ(codes(""), CodeList{"required"});
  EXPECT_EQ(codes("ab"), CodeList{"too_short"});
  EXPECT_EQ(codes("abc"), kNone);
  EXPECT_EQ(codes(std::string(32, 'a')), kNone);
  EXPECT_EQ(codes(std::string(33, 'a')), CodeList{"too_long"});
  EXPECT_EQ(codes("ali ce"), CodeList{"invalid_characters"});
  EXPECT_EQ(codes(" alice"), CodeList{"invalid_characters"});
  EXPECT_EQ(codes("al\xc3\xaf"
                  "ce"),
            CodeList{"invalid_characters"});
  EXPECT_EQ(codes("a\xff"), (CodeList{"invalid_characters", "too_short"}));
  EXPECT_EQ(codes("a!"), (CodeList{"invalid_characters", "too_short"}));
  // Non-ASCII letters count as one character each for the length.
  EXPECT_EQ(codes("\xc3\xa9\xc3\xa9"), (CodeList{"invalid_characters", "too_short"}));
}

TEST(UsernameTest, ReservedNames) {
  const UsernamePolicy policy;
  for (const std::string& name :
       {"admin"s, "Admin"s, "ROOT"s, "system"s, "support"s, "security"s, "no-reply"s}) {
    EXPECT_EQ(Codes(ValidateUsername(name, policy)), CodeList{"reserved"}) << name;
    EXPECT_EQ(Codes(ValidateUsername(name, policy, /*allow_reserved=*/true)), kNone) << name;
  }
  EXPECT_EQ(Codes(ValidateUsername("admin2", policy)), kNone);
  UsernamePolicy custom;
  custom.reserved = {"billing"};
  EXPECT_EQ(Codes(ValidateUsername("Billing", custom)), CodeList{"reserved"});
  EXPECT_EQ(Codes(ValidateUsername("admin", custom)), kNone);
}

// ---- emails -----------------------------------------------------------------------------------

// local@domain of exactly `total` octets, with a 64-octet local part and 63-octet labels.
std::string EmailOfLength(std::size_t total) {
  std::string email =
      std::string(64, 'a') + "@" + std::string(63, 'b') + "." + std::string(63, 'c') + ".";
  email += std::string(total - email.size(), 'd');
  return email;
}

TEST(EmailTest, NormalizeLowerCasesWholeAddress) {
  EXPECT_EQ(NormalizeEmail("Alice.Smith@Example.COM"), "alice.smith@example.com");
  EXPECT_EQ(NormalizeEmail("bob@example.org"), "bob@example.org");
  EXPECT_EQ(NormalizeEmail(" bob@example.org"), std::nullopt);
  EXPECT_EQ(NormalizeEmail("bob@localhost"), std::nullopt);
}

TEST(EmailTest, AcceptsPlausibleAddresses) {
  for (const std::string& email :
       {"alice@example.com"s, "alice+tag@example.co.uk"s, "o'brien@example.ie"s,
        "first.last@sub.example.com"s, "x@a.io"s, "user_1-2@xn--bcher-kva.example"s,
        "a#b$c%d&e*f/g=h?i^j`k{l|m}n~@example.com"s, std::string(64, 'l') + "@example.com",
        "a@" + std::string(63, 'b') + ".com", EmailOfLength(254)}) {
    EXPECT_EQ(Codes(ValidateEmail(email)), kNone) << email;
  }
}

TEST(EmailTest, LengthLimits) {
  ASSERT_EQ(EmailOfLength(254).size(), 254U);
  EXPECT_EQ(Codes(ValidateEmail(EmailOfLength(254))), kNone);
  EXPECT_EQ(Codes(ValidateEmail(EmailOfLength(255))), CodeList{"too_long"});
  EXPECT_EQ(Codes(ValidateEmail(std::string(10000, 'a'))), CodeList{"too_long"});
  EXPECT_EQ(Codes(ValidateEmail(std::string(65, 'l') + "@example.com")),
            CodeList{"invalid_format"});
  EXPECT_EQ(Codes(ValidateEmail("a@" + std::string(64, 'b') + ".com")), CodeList{"invalid_format"});
}

TEST(EmailTest, RejectsImplausibleAddresses) {
  EXPECT_EQ(Codes(ValidateEmail("")), CodeList{"required"});
  for (const std::string& email : {"plainaddress"s,
                                   "alice@localhost"s,
                                   "a@b@example.com"s,
                                   "alice@@example.com"s,
                                   "@example.com"s,
                                   "alice@"s,
                                   "alice @example.com"s,
                                   "alice@exa mple.com"s,
                                   " alice@example.com"s,
                                   "alice@example.com "s,
                                   "alice\n@example.com"s,
                                   "alice@example.com\0"s,
                                   "alice\t@example.com"s,
                                   ".alice@example.com"s,
                                   "alice.@example.com"s,
                                   "al..ice@example.com"s,
                                   "alice@.example.com"s,
                                   "alice@example..com"s,
                                   "alice@example.com."s,
                                   "alice@-example.com"s,
                                   "alice@example-.com"s,
                                   "alice@exa_mple.com"s,
                                   "alice@1.2.3.4"s,
                                   "alice@[127.0.0.1]"s,
                                   "\"alice\"@example.com"s,
                                   "al(ice)@example.com"s,
                                   "al\xc3\xaf"
                                   "ce@example.com"s,
                                   "alice@ex\xc3\xa4mple.com"s,
                                   "alice@example.com>"s,
                                   "<alice@example.com"s,
                                   "alice;bob@example.com"s}) {
    EXPECT_EQ(Codes(ValidateEmail(email)), CodeList{"invalid_format"})
        << testing::PrintToString(email);
  }
}

// ---- display names ----------------------------------------------------------------------------

TEST(DisplayNameTest, Codes) {
  EXPECT_EQ(Codes(ValidateDisplayName("")), kNone);
  EXPECT_EQ(Codes(ValidateDisplayName("Alice Smith")), kNone);
  EXPECT_EQ(Codes(ValidateDisplayName("Zoë 🙂 Ångström")), kNone);
  std::string wide64;
  for (int i = 0; i < 64; ++i) {
    wide64 += "é";
  }
  EXPECT_EQ(Codes(ValidateDisplayName(wide64)), kNone);
  EXPECT_EQ(Codes(ValidateDisplayName(wide64 + "x")), CodeList{"too_long"});
  EXPECT_EQ(Codes(ValidateDisplayName("Alice\nSmith")), CodeList{"invalid_encoding"});
  EXPECT_EQ(Codes(ValidateDisplayName("Alice\xc2\x85")), CodeList{"invalid_encoding"});
  EXPECT_EQ(Codes(ValidateDisplayName("Al\xe9"
                                      "ce")),
            CodeList{"invalid_encoding"});
}

}  // namespace
}  // namespace authd::core
