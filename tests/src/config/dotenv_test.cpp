#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "config/config.hpp"
#include "config/dotenv.hpp"
#include "support/temp_dir.hpp"

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

/// The keys and values parse_dotenv finds, in order.
Pairs parse(const std::string& text) {
  Pairs pairs;
  for (auto& e : roombook::config::parse_dotenv(text, ".env")) {
    pairs.emplace_back(std::move(e.key), std::move(e.value));
  }
  return pairs;
}

}  // namespace

TEST_CASE("parse_dotenv: plain lines, blanks, comments, export", "[config][dotenv]") {
  CHECK(parse("").empty());
  CHECK(parse("\n\n  \n# a comment\n   # indented comment\n").empty());
  CHECK(parse("A=1\nB_2=two\n_C=3") == Pairs{{"A", "1"}, {"B_2", "two"}, {"_C", "3"}});
  CHECK(parse("A = 1\nB=  spaced  \n") == Pairs{{"A", "1"}, {"B", "spaced"}});
  CHECK(parse("export A=1\nexport\tB = 2\n") == Pairs{{"A", "1"}, {"B", "2"}});
  CHECK(parse("export=1\n") == Pairs{{"export", "1"}});
  CHECK(parse("A=\nB=   \n") == Pairs{{"A", ""}, {"B", ""}});
  CHECK(parse("A=1\r\nB=2\r\n") == Pairs{{"A", "1"}, {"B", "2"}});
}

TEST_CASE("parse_dotenv: unquoted values", "[config][dotenv]") {
  CHECK(parse("A=value # comment") == Pairs{{"A", "value"}});
  CHECK(parse("A=value\t# comment") == Pairs{{"A", "value"}});
  CHECK(parse("A=a#b") == Pairs{{"A", "a#b"}});
  CHECK(parse("A=#b") == Pairs{{"A", "#b"}});
  CHECK(parse("A= # only a comment") == Pairs{{"A", ""}});
  CHECK(parse("A=two words  ") == Pairs{{"A", "two words"}});
  CHECK(parse("A=x=y") == Pairs{{"A", "x=y"}});
  CHECK(parse("A=it's") == Pairs{{"A", "it's"}});
  CHECK(parse("A=$HOME/x") == Pairs{{"A", "$HOME/x"}});  // no expansion
  CHECK(parse("URL=postgres://u:p@h/db?x=1") == Pairs{{"URL", "postgres://u:p@h/db?x=1"}});
}

TEST_CASE("parse_dotenv: single quotes are literal", "[config][dotenv]") {
  CHECK(parse("A='x # not a comment'") == Pairs{{"A", "x # not a comment"}});
  CHECK(parse(R"(A='a\nb "c" $D')") == Pairs{{"A", R"(a\nb "c" $D)"}});
  CHECK(parse("A='  padded  '  # comment") == Pairs{{"A", "  padded  "}});
  CHECK(parse("A=''") == Pairs{{"A", ""}});
}

TEST_CASE("parse_dotenv: double quotes have escapes and span lines", "[config][dotenv]") {
  CHECK(parse(R"(A="a\nb\tc\rd\"e\\f\$g")") == Pairs{{"A", "a\nb\tc\rd\"e\\f$g"}});
  CHECK(parse(R"(A="C:\Users")") == Pairs{{"A", R"(C:\Users)"}});
  CHECK(parse("A=\"x # not a comment\" # comment") == Pairs{{"A", "x # not a comment"}});
  CHECK(parse("A=\"line one\nline two\"\nB=2") == Pairs{{"A", "line one\nline two"}, {"B", "2"}});
  CHECK(parse("A=\"\"") == Pairs{{"A", ""}});
  CHECK(parse("A=\"$HOME\"") == Pairs{{"A", "$HOME"}});
}

// Found by tests/fuzz/fuzz_dotenv (corpus/fuzz_dotenv/multiline-trailing-blank):
// the line was trimmed at both ends before its value was read, so the blanks
// that end the first line of a value spanning lines were lost, and only those.
TEST_CASE("parse_dotenv: a quoted value spanning lines keeps the blanks that end its lines",
          "[config][dotenv]") {
  CHECK(parse("A=\"\t\n\"") == Pairs{{"A", "\t\n"}});
  CHECK(parse("A=\"one  \ntwo \t\nthree\"  \nB=2  ") ==
        Pairs{{"A", "one  \ntwo \t\nthree"}, {"B", "2"}});
  CHECK(parse("A=\"one  \r\ntwo\"\r\n") == Pairs{{"A", "one  \ntwo"}});
  CHECK(parse("  export A=\" \n\"  # comment  ") == Pairs{{"A", " \n"}});
}

TEST_CASE("parse_dotenv keeps file order and duplicates", "[config][dotenv]") {
  CHECK(parse("B=1\nA=2\nB=3") == Pairs{{"B", "1"}, {"A", "2"}, {"B", "3"}});
}

TEST_CASE("parse_dotenv gives each entry the line of its key", "[config][dotenv]") {
  const auto entries =
      roombook::config::parse_dotenv("# c\nA=1\n\nB=\"two\nlines\"\nC=3\n", ".env");
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].line == 2);
  CHECK(entries[1].line == 4);
  CHECK(entries[2].line == 6);
}

TEST_CASE("parse_dotenv errors name the file and line", "[config][dotenv]") {
  using roombook::config::Error;
  using roombook::config::parse_dotenv;
  CHECK_THROWS_AS(parse("A"), Error);
  CHECK_THROWS_WITH(parse_dotenv("A=1\n\nJUSTTEXT\n", "/tmp/x/.env"),
                    "/tmp/x/.env:3: expected KEY=VALUE");
  CHECK_THROWS_WITH(parse("export A\n"), ".env:1: expected KEY=VALUE");
  CHECK_THROWS_WITH(parse("A=1\n1A=2\n"),
                    ".env:2: invalid variable name \"1A\" (letters, digits "
                    "and _, not starting with a digit)");
  CHECK_THROWS_WITH(parse("MY-VAR=1"),
                    ".env:1: invalid variable name \"MY-VAR\" (letters, "
                    "digits and _, not starting with a digit)");
  CHECK_THROWS_WITH(parse("=1"),
                    ".env:1: invalid variable name \"\" (letters, digits and _, not "
                    "starting with a digit)");
  CHECK_THROWS_WITH(parse("A=1\nB='open\nC=3"), ".env:2: unterminated single quote");
  CHECK_THROWS_WITH(parse("A=1\nB=\"open\nC=3\n"), ".env:2: unterminated double quote");
  CHECK_THROWS_WITH(parse("A='x' y"), ".env:1: unexpected text after the closing quote");
  CHECK_THROWS_WITH(parse("A=\"x\nx\" y"), ".env:2: unexpected text after the closing quote");
}

namespace {

/// What Config::load says about `path` as the --env-file.
std::string load_error(const std::string& path) {
  roombook::config::LoadOptions options;
  options.env_file = path;
  try {
    roombook::config::Config::load(options);
  } catch (const roombook::config::Error& e) {
    return e.what();
  }
  return "no error";
}

/// Exactly `bytes` bytes: lines of "# ...", then `last`.
std::string comments(std::size_t bytes, const std::string& last = "") {
  const std::string line = "# " + std::string(77, 'c') + "\n";
  std::string text;
  while (text.size() + line.size() + last.size() <= bytes) text += line;
  const std::size_t rest = bytes - last.size() - text.size();
  if (rest == 1) text += "\n";
  if (rest >= 2) text += "#" + std::string(rest - 2, 'c') + "\n";
  return text + last;
}

}  // namespace

TEST_CASE(".env files over 1 MiB are refused, naming the file and the limit", "[config][dotenv]") {
  roombook::test::TempDir dir;
  const std::string big = (dir.path() / "big.env").string();
  std::ofstream(big, std::ios::binary) << comments(1024 * 1024 + 1);
  REQUIRE(std::filesystem::file_size(big) == 1024 * 1024 + 1);
  CHECK(load_error(big) ==
        "env file " + big + " is larger than 1048576 bytes; a .env file holds a few settings");
}

TEST_CASE(".env files of exactly 1 MiB are read to the end", "[config][dotenv]") {
  roombook::test::TempDir dir;
  const std::string full = (dir.path() / "full.env").string();
  std::ofstream(full, std::ios::binary) << comments(1024 * 1024, "HOST=10.1.2.3\n");
  REQUIRE(std::filesystem::file_size(full) == 1024 * 1024);
  roombook::config::LoadOptions options;
  options.env_file = full;
  CHECK(roombook::config::Config::load(options).host() == "10.1.2.3");
}

TEST_CASE("an endless --env-file is refused after 1 MiB, not read forever", "[config][dotenv]") {
  // A device has no size to check up front: reading stops past the limit.
  CHECK(load_error("/dev/zero") ==
        "env file /dev/zero is larger than 1048576 bytes; a .env file holds a few settings");
}
