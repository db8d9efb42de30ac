// Tokens as roombook makes them: their shape, their hash, and the
// comparison that must not leak where two hashes differ.

#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "auth/token.hpp"

using namespace roombook::auth;

TEST_CASE("auth token: new tokens have the documented shape and never repeat", "[auth]") {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    const auto token = new_token();
    INFO(token);
    REQUIRE(token.size() == 47);
    CHECK(token.rfind("rbk_", 0) == 0);
    CHECK(looks_like_token(token));
    CHECK(prefix_of(token) == token.substr(0, 12));
    CHECK(seen.insert(token).second);
  }
  // 32 random bytes: every base64url character turns up in 2000 tokens.
  std::set<char> chars;
  for (const auto& t : seen) chars.insert(t.begin() + 4, t.end());
  CHECK(chars.size() == 64);
}

TEST_CASE("auth token: looks_like_token refuses anything of another shape", "[auth]") {
  const auto good = new_token();
  CHECK_FALSE(looks_like_token(""));
  CHECK_FALSE(looks_like_token("rbk_"));
  CHECK_FALSE(looks_like_token(good.substr(0, 46)));
  CHECK_FALSE(looks_like_token(good + "A"));
  CHECK_FALSE(looks_like_token("xbk_" + good.substr(4)));
  auto bad = good;
  bad[10] = '=';
  CHECK_FALSE(looks_like_token(bad));
  bad[10] = '+';
  CHECK_FALSE(looks_like_token(bad));
}

TEST_CASE("auth token: the stored hash is SHA-256 in lower-case hex", "[auth]") {
  // FIPS 180-2 test vectors.
  CHECK(token_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(token_hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("auth token: equal_in_constant_time compares like ==", "[auth]") {
  CHECK(equal_in_constant_time("", ""));
  CHECK(equal_in_constant_time("abc", "abc"));
  CHECK_FALSE(equal_in_constant_time("abc", "abd"));
  CHECK_FALSE(equal_in_constant_time("abc", "ab"));
  CHECK_FALSE(equal_in_constant_time("xbc", "abc"));
}
