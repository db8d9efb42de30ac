#include "auth/token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace roombook::auth {

namespace {

constexpr std::string_view kScheme = "rbk_";
constexpr std::size_t kRandomBytes = 32;
constexpr std::size_t kEncodedLength = 43;  // 32 bytes of base64url, unpadded
constexpr const char* kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

bool is_base64url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

std::string new_token() {
  std::array<unsigned char, kRandomBytes + 1> bytes{};  // one spare: groups of three
  if (RAND_bytes(bytes.data(), static_cast<int>(kRandomBytes)) != 1) {
    throw std::runtime_error("the random source failed; no token was made");
  }
  std::string out(kScheme);
  for (std::size_t i = 0; i < kRandomBytes; i += 3) {
    const unsigned v =
        (bytes[i] << 16) | (bytes[i + 1] << 8) | (i + 2 < kRandomBytes ? bytes[i + 2] : 0);
    out += kBase64Url[(v >> 18) & 63];
    out += kBase64Url[(v >> 12) & 63];
    out += kBase64Url[(v >> 6) & 63];
    if (i + 2 < kRandomBytes) out += kBase64Url[v & 63];
  }
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return out;
}

bool looks_like_token(std::string_view text) {
  return text.size() == kScheme.size() + kEncodedLength && text.starts_with(kScheme) &&
         std::all_of(text.begin() + static_cast<std::ptrdiff_t>(kScheme.size()), text.end(),
                     is_base64url);
}

std::string prefix_of(std::string_view token) {
  return std::string(token.substr(0, std::min(token.size(), kPrefixLength)));
}

std::string token_hash(std::string_view token) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(token.data(), token.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  static constexpr const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

bool equal_in_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace roombook::auth
