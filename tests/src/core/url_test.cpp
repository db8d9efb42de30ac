// core::mask_url: no password survives, whatever the URL's shape.

#include <string>

#include <catch2/catch.hpp>

#include "core/url.hpp"

using roombook::core::mask_url;

TEST_CASE("mask_url hides the password of well-formed URLs and nothing else", "[core][url]") {
  CHECK(mask_url("postgres://alice:s3cret@db.example.com:5432/roombook") ==
        "postgres://alice:***@db.example.com:5432/roombook");
  CHECK(mask_url("http://admin:hunter2@127.0.0.1:18121") == "http://admin:***@127.0.0.1:18121");
  CHECK(mask_url("postgres://host/db?user=a&password=s3cret&sslmode=require") ==
        "postgres://host/db?user=a&password=***&sslmode=require");
  CHECK(mask_url("postgres://alice@host:5432/db") == "postgres://alice@host:5432/db");
  CHECK(mask_url("postgres://host/db") == "postgres://host/db");
  CHECK(mask_url("http://127.0.0.1:8081") == "http://127.0.0.1:8081");
  CHECK(mask_url("sqlite:///var/lib/a:b@c.db") == "sqlite:///var/lib/a:b@c.db");
  CHECK(mask_url("sqlite:data/roombook.db") == "sqlite:data/roombook.db");
  CHECK(mask_url("sqlite::memory:") == "sqlite::memory:");
  CHECK(mask_url("") == "");
}

TEST_CASE("mask_url hides passwords that hold URL delimiters", "[core][url]") {
  struct Case {
    const char* url;
    const char* secret;
    const char* masked;
  };
  for (const auto& c : {
           Case{"postgres://u:p?ss@h/db", "p?ss", "postgres://u:***@h/db"},
           Case{"postgres://u:p#ss@h/db", "p#ss", "postgres://u:***@h/db"},
           Case{"mysql://u:p/ss@h/db", "p/ss", "mysql://u:***@h/db"},
           Case{"postgresql://u:p@ss@host/db", "p@ss", "postgresql://u:***@host/db"},
           Case{"postgres://u:p%40ss@h/db", "p%40ss", "postgres://u:***@h/db"},
           Case{"u:p@ss@host", "p@ss", "u:***@host"},
           Case{"postgres://:secret@h/db", "secret", "postgres://:***@h/db"},
           Case{"host=h password=secret user=u", "secret", "host=h password=*** user=u"},
       }) {
    INFO(c.url);
    const auto out = mask_url(c.url);
    CHECK(out == c.masked);
    CHECK(out.find(c.secret) == std::string::npos);
  }
}
