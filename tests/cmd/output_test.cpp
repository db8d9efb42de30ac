// print(): the three output formats of listing commands.

#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "cmd/output.hpp"

using namespace roombook::cmd;

namespace {

std::string printed(const Table& t, const std::string& format, bool single = false) {
  std::ostringstream out;
  print(out, t, format, single);
  return out.str();
}

}  // namespace

TEST_CASE("cmd print csv: a header, CRLF lines, plain fields as they are", "[cmd][output]") {
  const Table t{{"id", "name"}, {{{"id", 1}, {"name", "Ada"}}, {{"id", 22}, {"name", "Grace"}}}};
  CHECK(printed(t, "csv") == "id,name\r\n1,Ada\r\n22,Grace\r\n");
  CHECK(printed(Table{{"id", "name"}, {}}, "csv") == "id,name\r\n");
}

TEST_CASE("cmd print csv: commas, quotes and line breaks are quoted (RFC 4180)", "[cmd][output]") {
  const Table t{{"name", "note"},
                {{{"name", "Lovelace, Ada"}, {"note", "said \"hi\""}},
                 {{"name", "two\nlines"}, {"note", "cr\rhere"}},
                 {{"name", "plain"}, {"note", "\"\""}}}};
  CHECK(printed(t, "csv") ==
        "name,note\r\n"
        "\"Lovelace, Ada\",\"said \"\"hi\"\"\"\r\n"
        "\"two\nlines\",\"cr\rhere\"\r\n"
        "plain,\"\"\"\"\"\"\r\n");
}

TEST_CASE("cmd print csv: missing and null cells are empty", "[cmd][output]") {
  const Table t{{"a", "b", "c"}, {{{"a", "x"}, {"c", nullptr}}}};
  CHECK(printed(t, "csv") == "a,b,c\r\nx,,\r\n");
}

TEST_CASE("cmd print table: upper-case header, columns aligned two spaces apart", "[cmd][output]") {
  const Table t{{"id", "username", "lastname"},
                {{{"id", 1}, {"username", "ada"}, {"lastname", "Lovelace"}},
                 {{"id", 100}, {"username", "grace.hopper"}, {"lastname", "Hopper"}}}};
  CHECK(printed(t, "table") ==
        "ID   USERNAME      LASTNAME\n"
        "1    ada           Lovelace\n"
        "100  grace.hopper  Hopper\n");
}

TEST_CASE("cmd print table: multi-byte characters keep the columns aligned", "[cmd][output]") {
  const Table t{{"name", "id"},
                {{{"name", "Zo\xC3\xAB"}, {"id", 1}},  // Zoë: 4 bytes, 3 characters
                 {{"name", "Al"}, {"id", 10}}}};
  CHECK(printed(t, "table") ==
        "NAME  ID\n"
        "Zo\xC3\xAB   1\n"
        "Al    10\n");
}

TEST_CASE("cmd print table: an empty listing prints the header", "[cmd][output]") {
  CHECK(printed(Table{{"id", "username"}, {}}, "table") == "ID  USERNAME\n");
}

TEST_CASE("cmd print json: an array, or one object when single", "[cmd][output]") {
  const Table one{{"id", "name"}, {{{"id", 1}, {"name", "Ada"}}}};
  const auto single = nlohmann::json::parse(printed(one, "json", true));
  CHECK(single == nlohmann::json{{"id", 1}, {"name", "Ada"}});

  const auto array = nlohmann::json::parse(printed(one, "json"));
  CHECK(array == nlohmann::json::array({{{"id", 1}, {"name", "Ada"}}}));

  const Table two{{"id"}, {{{"id", 1}}, {{"id", 2}}}};
  CHECK(nlohmann::json::parse(printed(two, "json")) ==
        nlohmann::json::parse(R"([{"id": 1}, {"id": 2}])"));
  CHECK(nlohmann::json::parse(printed(Table{{"id"}, {}}, "json")) == nlohmann::json::array());

  // One document and a final newline, so shells and jq read it cleanly.
  const auto text = printed(one, "json", true);
  CHECK(text.back() == '\n');
}

TEST_CASE("cmd format_of: asked for wins, else a table on a terminal, JSON elsewhere",
          "[cmd][output]") {
  CHECK(format_of(true, OutputOptions{}) == "table");
  CHECK(format_of(false, OutputOptions{}) == "json");
  for (const char* f : {"table", "json", "csv"}) {
    CHECK(format_of(true, OutputOptions{f}) == f);
    CHECK(format_of(false, OutputOptions{f}) == f);
  }
}
