#include "net/scopes.hpp"

#include <gtest/gtest.h>

namespace authd::net {
namespace {

TEST(Scopes, ReadAndWriteOfOneResourceAreApart) {
  EXPECT_EQ(ScopeFor("GET", "/v1/users/me"), "profile:read");
  EXPECT_EQ(ScopeFor("PATCH", "/v1/users/me"), "profile:write");
  EXPECT_EQ(ScopeFor("GET", "/v1/users"), "users:read");
  EXPECT_EQ(ScopeFor("GET", "/v1/users/usr_1"), "users:read");
  EXPECT_EQ(ScopeFor("DELETE", "/v1/users/usr_1"), "users:write");
  EXPECT_EQ(ScopeFor("PUT", "/v1/users/usr_1/roles"), "roles:write");
  EXPECT_EQ(ScopeFor("GET", "/v1/audit/events"), "audit:read");
}

TEST(Scopes, WhatNeedsAPasswordIsNeverOpenToKeys) {
  EXPECT_EQ(ScopeFor("DELETE", "/v1/users/me"), std::nullopt);
  EXPECT_EQ(ScopeFor("PUT", "/v1/users/me/password"), std::nullopt);
  EXPECT_EQ(ScopeFor("POST", "/v1/api-keys"), std::nullopt);
  EXPECT_EQ(ScopeFor("GET", "/v1/api-keys"), std::nullopt);
  EXPECT_EQ(ScopeFor("POST", "/v1/users/me/mfa/totp"), std::nullopt);
  EXPECT_EQ(ScopeFor("DELETE", "/v1/sessions/current"), std::nullopt);
}

TEST(Scopes, UnknownRoutesAndOddPathsAreDenied) {
  EXPECT_EQ(ScopeFor("GET", "/v1/brand-new-endpoint"), std::nullopt);
  EXPECT_EQ(ScopeFor("GET", "/v1/users/"), std::nullopt);
  EXPECT_EQ(ScopeFor("GET", "/v1/users//roles"), std::nullopt);
  EXPECT_EQ(ScopeFor("GET", "/v1/users/me/"), std::nullopt);
  EXPECT_EQ(ScopeFor("get", "/v1/users/me"), std::nullopt);
  EXPECT_EQ(ScopeFor("GET", "v1/users/me"), std::nullopt);
  EXPECT_EQ(ScopeFor("GET", ""), std::nullopt);
}

TEST(Scopes, EveryScopeARouteNeedsCanBeGrantedToAKey) {
  // A route needing a scope that keys cannot carry would be closed to keys by accident.
  for (auto [method, path] : {std::pair{"GET", "/v1/users/me"},
                              {"PATCH", "/v1/users/me"},
                              {"GET", "/v1/sessions"},
                              {"DELETE", "/v1/sessions/ses_1"},
                              {"GET", "/v1/users"},
                              {"PATCH", "/v1/users/usr_1"},
                              {"PUT", "/v1/users/usr_1/roles"},
                              {"GET", "/v1/audit/stream"},
                              {"GET", "/v1/security/failed-logins"},
                              {"GET", "/v1/security/stream"}}) {
    auto scope = ScopeFor(method, path);
    ASSERT_TRUE(scope) << method << " " << path;
    EXPECT_TRUE(IsKnownScope(*scope)) << *scope;
  }
  EXPECT_FALSE(IsKnownScope("admin"));
  EXPECT_FALSE(IsKnownScope(""));
}

}  // namespace
}  // namespace authd::net
