// Migration files: assemble(), read_dir(), create() and the embedded files.

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "migrate/migrate.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using roombook::db::Dialect;
using namespace roombook::migrate;

namespace {

/// A fresh directory, removed with everything in it at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "roombook-migrate-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The message of the std::invalid_argument that `f` throws.
template <class F>
std::string invalid_argument_of(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  FAIL("expected std::invalid_argument");
  return {};
}

}  // namespace

TEST_CASE("assemble pairs up and down files and sorts by service, then version") {
  const std::vector<SourceFile> files{
      {"rooms/0002_add_capacity.down.sql", "ALTER TABLE rooms DROP COLUMN capacity;"},
      {"user-mgmt/0001_create_users.up.sql", "a"},
      {"rooms/0010_late.up.sql", "CREATE TABLE late(x);"},
      {"rooms/0002_add_capacity.up.sql", "ALTER TABLE rooms ADD COLUMN capacity INTEGER;"},
      {"user-mgmt/0001_create_users.down.sql", "DROP TABLE users;"},
      {"rooms/0001_create_rooms.down.sql", "DROP TABLE rooms;"},
      {"rooms/0010_late.down.sql", "DROP TABLE late;"},
      {"rooms/0001_create_rooms.up.sql", "CREATE TABLE rooms(id INTEGER);"},
  };
  const auto ms = assemble(files, Dialect::sqlite);

  REQUIRE(ms.size() == 4);
  CHECK(ms[0].service == "rooms");
  CHECK(ms[0].version == 1);
  CHECK(ms[0].name == "create_rooms");
  CHECK(ms[1].version == 2);
  CHECK(ms[1].up_path == "rooms/0002_add_capacity.up.sql");
  CHECK(ms[1].up_sql == "ALTER TABLE rooms ADD COLUMN capacity INTEGER;");
  CHECK(ms[1].down_path == "rooms/0002_add_capacity.down.sql");
  CHECK(ms[1].down_sql == "ALTER TABLE rooms DROP COLUMN capacity;");
  CHECK(ms[2].version == 10);  // numerically, not as text
  CHECK(ms[3].service == "user-mgmt");
  // FNV-1a 64 of "a", the published test vector.
  CHECK(ms[3].checksum == "af63dc4c8601ec8c");
}

TEST_CASE("assemble picks .postgres.sql variants on PostgreSQL only") {
  const std::vector<SourceFile> files{
      {"svc/0001_t.up.sql", "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT);"},
      {"svc/0001_t.up.postgres.sql", "CREATE TABLE t(id BIGSERIAL PRIMARY KEY);"},
      {"svc/0001_t.down.sql", "DROP TABLE t;"},
      {"svc/0002_u.up.sql", "CREATE TABLE u(x INTEGER);"},
      {"svc/0002_u.down.sql", "DROP TABLE u;"},
  };
  const auto lite = assemble(files, Dialect::sqlite);
  const auto pg = assemble(files, Dialect::postgres);

  REQUIRE(lite.size() == 2);
  REQUIRE(pg.size() == 2);
  CHECK(lite[0].up_sql == "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT);");
  CHECK(pg[0].up_sql == "CREATE TABLE t(id BIGSERIAL PRIMARY KEY);");
  CHECK(pg[0].up_path == "svc/0001_t.up.postgres.sql");
  CHECK(pg[0].down_path == "svc/0001_t.down.sql");  // no postgres variant: the plain one
  CHECK(pg[0].checksum != lite[0].checksum);
  CHECK(pg[1].up_sql == lite[1].up_sql);  // no variant at all
}

TEST_CASE("assemble rejects a bad file name, naming the file") {
  const auto bad = GENERATE(as<std::string>{}, "svc/001_short.up.sql", "svc/0001_Upper.up.sql",
                            "svc/0001_dash-ed.up.sql", "svc/0001_x.sql", "svc/0001_x.sideways.sql",
                            "svc/x_0001.up.sql", "0001_no_service.up.sql",
                            "svc/sub/0001_nested.up.sql", "Svc/0001_x.up.sql");
  const std::vector<SourceFile> files{{bad, "SELECT 1;"}};
  CHECK_THAT(invalid_argument_of([&] { assemble(files, Dialect::sqlite); }), Contains(bad));
}

TEST_CASE("assemble rejects two migrations with the same version in a service") {
  const std::vector<SourceFile> files{
      {"svc/0001_a.up.sql", ""},
      {"svc/0001_a.down.sql", ""},
      {"svc/0001_b.up.sql", ""},
      {"svc/0001_b.down.sql", ""},
      {"other/0001_b.up.sql", ""},  // same version in another
                                    // service is fine
      {"other/0001_b.down.sql", ""},
  };
  const auto msg = invalid_argument_of([&] { assemble(files, Dialect::sqlite); });
  CHECK_THAT(msg, Contains("svc/0001_a") && Contains("svc/0001_b") && Contains("duplicate"));
}

TEST_CASE("assemble rejects an up without its down, and a down without its up") {
  SECTION("up without down") {
    const std::vector<SourceFile> files{
        {"svc/0001_a.up.sql", ""}, {"svc/0001_a.down.sql", ""}, {"svc/0002_b.up.sql", ""}};
    CHECK_THAT(invalid_argument_of([&] { assemble(files, Dialect::sqlite); }),
               Contains("svc/0002_b.up.sql") && Contains(".down.sql"));
  }
  SECTION("down without up") {
    const std::vector<SourceFile> files{{"svc/0003_c.down.sql", ""}};
    CHECK_THAT(invalid_argument_of([&] { assemble(files, Dialect::sqlite); }),
               Contains("svc/0003_c.down.sql"));
  }
  SECTION("only a postgres up") {
    const std::vector<SourceFile> files{{"svc/0004_d.up.postgres.sql", ""},
                                        {"svc/0004_d.down.sql", ""}};
    CHECK_THAT(invalid_argument_of([&] { assemble(files, Dialect::postgres); }),
               Contains("svc/0004_d"));
  }
}

TEST_CASE("read_dir reads every .sql file below the folder, paths relative to it") {
  TempDir tmp;
  write(tmp.path / "user-mgmt/0001_a.up.sql", "CREATE TABLE a(x);\n");
  write(tmp.path / "user-mgmt/0001_a.down.sql", "DROP TABLE a;\n");
  write(tmp.path / "rooms/0001_r.up.sql", "");
  write(tmp.path / "rooms/README.md", "not a migration");
  write(tmp.path / "notes.txt", "neither");

  const auto files = read_dir(tmp.path.string());

  REQUIRE(files.size() == 3);
  CHECK(files[0].path == "rooms/0001_r.up.sql");
  CHECK(files[0].contents.empty());
  CHECK(files[1].path == "user-mgmt/0001_a.down.sql");
  CHECK(files[1].contents == "DROP TABLE a;\n");
  CHECK(files[2].path == "user-mgmt/0001_a.up.sql");
  CHECK(files[2].contents == "CREATE TABLE a(x);\n");
}

TEST_CASE("read_dir of a missing folder names it") {
  TempDir tmp;
  const std::string missing = (tmp.path / "nope").string();
  CHECK_THROWS_WITH(read_dir(missing), Contains(missing));
}

TEST_CASE("read_dir refuses a file over 16 MiB, naming it, and reads one of 16 MiB") {
  TempDir tmp;
  const auto path = tmp.path / "user-mgmt/0001_a.up.sql";
  write(path, "");
  fs::resize_file(path, (16 << 20) + 1);  // sparse: no disk used
  CHECK_THROWS_WITH(read_dir(tmp.path.string()),
                    Contains(path.string()) && Contains("16777217 bytes") && Contains("16 MiB"));

  fs::resize_file(path, 16 << 20);
  const auto files = read_dir(tmp.path.string());
  REQUIRE(files.size() == 1);
  CHECK(files[0].contents.size() == 16u << 20);
}

TEST_CASE("create writes the next numbered pair and refuses bad names") {
  TempDir tmp;
  const std::string dir = tmp.path.string();

  const auto first = create(dir, "rooms", "create_rooms");
  REQUIRE(first.size() == 2);
  CHECK(first[0] == (tmp.path / "rooms/0001_create_rooms.up.sql").string());
  CHECK(first[1] == (tmp.path / "rooms/0001_create_rooms.down.sql").string());
  CHECK(fs::exists(first[0]));
  CHECK(fs::exists(first[1]));
  CHECK_THAT(slurp(first[0]), Contains("--"));

  const auto second = create(dir, "rooms", "add_capacity");
  CHECK(second[0] == (tmp.path / "rooms/0002_add_capacity.up.sql").string());

  write(tmp.path / "rooms/0041_by_hand.up.sql", "");
  write(tmp.path / "rooms/0041_by_hand.down.sql", "");
  CHECK(create(dir, "rooms", "next")[0] == (tmp.path / "rooms/0042_next.up.sql").string());

  // Numbering is per service.
  CHECK(create(dir, "user-mgmt", "x")[0] == (tmp.path / "user-mgmt/0001_x.up.sql").string());

  // What create writes, assemble accepts.
  CHECK(assemble(read_dir(dir), Dialect::sqlite).size() == 5);

  for (const std::string bad : {"Add_Rooms", "add-rooms", "add rooms", "", "../escape", "a.b"}) {
    CAPTURE(bad);
    CHECK_THAT(invalid_argument_of([&] { create(dir, "rooms", bad); }),
               Contains("'" + bad + "'") && Contains("[a-z0-9_]"));
  }
  for (const std::string bad : {"Rooms", "room_s", "", "../x"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(create(dir, bad, "x"), std::invalid_argument);
  }
  // Refused names wrote nothing.
  CHECK(assemble(read_dir(dir), Dialect::sqlite).size() == 5);
}

TEST_CASE("the binary embeds every file of migrations/ with its exact contents") {
  const fs::path root = fs::path(ROOMBOOK_SOURCE_DIR) / "migrations";
  const auto& files = embedded();

  bool found = false;
  for (const SourceFile& f : files) {
    if (f.path == "user-mgmt/0001_create_users.up.sql") {
      found = true;
      CHECK(f.contents == slurp(root / "user-mgmt/0001_create_users.up.sql"));
      CHECK_THAT(f.contents, Contains("CREATE TABLE users"));
    }
  }
  CHECK(found);

  auto on_disk = read_dir(root.string());
  auto in_binary = files;
  const auto by_path = [](const SourceFile& a, const SourceFile& b) { return a.path < b.path; };
  std::sort(on_disk.begin(), on_disk.end(), by_path);
  std::sort(in_binary.begin(), in_binary.end(), by_path);
  REQUIRE(in_binary.size() == on_disk.size());
  for (std::size_t i = 0; i < on_disk.size(); ++i) {
    CHECK(in_binary[i].path == on_disk[i].path);
    CHECK(in_binary[i].contents == on_disk[i].contents);
  }

  // The shipped migrations are well formed for both dialects.
  CHECK_NOTHROW(assemble(files, Dialect::sqlite));
  CHECK_NOTHROW(assemble(files, Dialect::postgres));
}

TEST_CASE("assemble accepts exactly the NNNN_name.(up|down)[.postgres].sql names") {
  // Stems with all four files; version and name as read.
  const std::vector<std::tuple<std::string, std::int64_t, std::string>> good{
      {"0001_a", 1, "a"},
      {"12345_x_y_9", 12345, "x_y_9"},
      {"0002__", 2, "_"},
      {"0003_1", 3, "1"},
      {"0004_0001_x", 4, "0001_x"},
      {"00000000000000000000000000000005_padded", 5, "padded"},
      {"9223372036854775807_largest", 9223372036854775807, "largest"},
      {"0006_" + std::string(100, 'n'), 6, std::string(100, 'n')},
  };
  for (const auto& [file_stem, version, name] : good) {
    CAPTURE(file_stem);
    const std::vector<SourceFile> files{{"a-b-0/" + file_stem + ".up.sql", "u"},
                                        {"a-b-0/" + file_stem + ".down.sql", "d"},
                                        {"a-b-0/" + file_stem + ".up.postgres.sql", "pu"},
                                        {"a-b-0/" + file_stem + ".down.postgres.sql", "pd"}};
    const auto ms = assemble(files, Dialect::postgres);
    REQUIRE(ms.size() == 1);
    CHECK(ms[0].service == "a-b-0");
    CHECK(ms[0].version == version);
    CHECK(ms[0].name == name);
    CHECK(ms[0].up_sql == "pu");
    CHECK(ms[0].down_sql == "pd");
  }
  for (const std::string& service : std::vector<std::string>{"-", "0", std::string(64, 's')}) {
    CAPTURE(service);
    const std::vector<SourceFile> files{{service + "/0001_x.up.sql", ""},
                                        {service + "/0001_x.down.sql", ""}};
    CHECK(assemble(files, Dialect::sqlite).at(0).service == service);
  }
}

TEST_CASE("assemble refuses every other file name, naming the file") {
  for (const std::string bad : {"svc/001_a.up.sql",
                                "svc/0001a.up.sql",
                                "svc/0001_.up.sql",
                                "svc/0001.up.sql",
                                "svc/_0001_a.up.sql",
                                "svc/0001-a.up.sql",
                                "svc/0001_a .up.sql",
                                "svc/0001_é.up.sql",
                                "svc/0001_a.UP.sql",
                                "svc/0001_a.up.SQL",
                                "svc/0001_a.up.sql.bak",
                                "svc/0001_a.up.sql\n",
                                "svc/0001_a.up.postgres",
                                "svc/0001_a.postgres.up.sql",
                                "svc/0001_a.up.postgres.postgres.sql",
                                "svc/0001_a.up..sql",
                                "svc/0001_a.sql",
                                "svc/0001_a",
                                "svc/",
                                "svc/.up.sql"}) {
    CAPTURE(bad);
    const std::vector<SourceFile> files{{bad, ""}};
    CHECK_THAT(invalid_argument_of([&] { assemble(files, Dialect::sqlite); }),
               Contains(bad) && Contains("bad name"));
  }
  for (const std::string& service :
       std::vector<std::string>{"", "Svc", "s_v", "s.v", "s v", "é", std::string(65, 's')}) {
    CAPTURE(service);
    const std::vector<SourceFile> files{{service + "/0001_x.up.sql", ""}};
    CHECK_THAT(invalid_argument_of([&] { assemble(files, Dialect::sqlite); }),
               Contains("service folder '" + service + "' must match [a-z0-9-]+, at most 64"));
  }
}

TEST_CASE("assemble refuses a version past INT64_MAX and a name past 100 characters") {
  for (const std::string& bad : std::vector<std::string>{
           "svc/9223372036854775808_x.up.sql", "svc/99999999999999999999_x.up.sql",
           "svc/" + std::string(100000, '9') + "_x.up.sql"}) {
    const std::vector<SourceFile> files{{bad, ""}};
    CHECK_THAT(invalid_argument_of([&] { assemble(files, Dialect::sqlite); }),
               Contains(bad) && Contains("the version is larger than 9223372036854775807"));
  }
  const std::string long_name = "svc/0001_" + std::string(101, 'n') + ".up.sql";
  CHECK_THAT(invalid_argument_of([&] {
               assemble({{long_name, ""}}, Dialect::sqlite);
             }),
             Contains(long_name) && Contains("the name is 101 characters long; at most 100"));
  const std::string huge_name = "svc/0001_" + std::string(100000, 'n') + ".up.sql";
  CHECK_THAT(invalid_argument_of([&] {
               assemble({{huge_name, ""}}, Dialect::sqlite);
             }),
             Contains("the name is 100000 characters long; at most 100"));
}

TEST_CASE("create refuses names too long to be useful, saying how long, and writes nothing") {
  TempDir tmp;
  const std::string dir = tmp.path.string();

  // 100,000 characters once overflowed the stack of std::regex.
  CHECK(invalid_argument_of([&] { create(dir, "rooms", std::string(100000, 'a')); }) ==
        "migration name is 100000 characters long; at most 100 lower-case letters, digits and "
        "'_' ([a-z0-9_]+), e.g. add_room_capacity");
  CHECK_THAT(invalid_argument_of([&] { create(dir, "rooms", std::string(101, 'a')); }),
             Contains("101 characters long; at most 100"));
  CHECK(invalid_argument_of([&] { create(dir, std::string(100000, 's'), "x"); }) ==
        "service name is 100000 characters long; at most 64 lower-case letters, digits and '-' "
        "([a-z0-9-]+), e.g. user-mgmt");
  CHECK_THAT(invalid_argument_of([&] { create(dir, std::string(65, 's'), "x"); }),
             Contains("65 characters long; at most 64"));
  // The same characters, too many of them, are refused for their length
  // before anything else.
  CHECK_THAT(invalid_argument_of([&] { create(dir, "rooms", std::string(100000, '!')); }),
             Contains("100000 characters long"));
  CHECK(fs::is_empty(tmp.path));

  // The longest names are fine, and what create writes assemble reads.
  const std::string service(64, 's');
  const std::string name(100, 'n');
  CHECK(create(dir, service, name)[0] ==
        (tmp.path / service / ("0001_" + name + ".up.sql")).string());
  const auto ms = assemble(read_dir(dir), Dialect::sqlite);
  REQUIRE(ms.size() == 1);
  CHECK(ms[0].name == name);
}

TEST_CASE("create accepts the names [a-z0-9_]+ and services [a-z0-9-]+, nothing else") {
  TempDir tmp;
  const std::string dir = tmp.path.string();
  for (const std::string name : {"a", "_", "0", "a_b_1", "__x__"}) {
    CAPTURE(name);
    CHECK_NOTHROW(create(dir, "svc", name));
  }
  for (const std::string service : {"a", "-", "0", "a-b-1"}) {
    CAPTURE(service);
    CHECK_NOTHROW(create(dir, service, "x"));
  }
  for (const std::string& bad : std::vector<std::string>{"é", "a\n", "a\tb", "A", "a/b", "a:b"}) {
    CAPTURE(bad);
    CHECK_THAT(invalid_argument_of([&] { create(dir, "svc", bad); }),
               Contains("is not valid: use 1 to 100 lower-case letters, digits and '_'"));
    CHECK_THAT(invalid_argument_of([&] { create(dir, bad, "x"); }),
               Contains("is not valid: use 1 to 64 lower-case letters, digits and '-'"));
  }
  // A NUL byte too (what() ends at it, so no message check).
  CHECK_THROWS_AS(create(dir, "svc", std::string("a\0b", 3)), std::invalid_argument);
  CHECK_THROWS_AS(create(dir, std::string("a\0b", 3), "x"), std::invalid_argument);
}

TEST_CASE("create refuses to number past the largest version, and a version past it") {
  TempDir tmp;
  const std::string dir = tmp.path.string();
  write(tmp.path / "svc/9223372036854775807_last.up.sql", "");
  write(tmp.path / "svc/9223372036854775807_last.down.sql", "");
  CHECK_THROWS_WITH(create(dir, "svc", "next"),
                    "cannot number the next migration of svc: 9223372036854775807 is the largest "
                    "version");

  write(tmp.path / "big/99999999999999999999_x.up.sql", "");
  CHECK_THAT(invalid_argument_of([&] { create(dir, "big", "next"); }),
             Contains("99999999999999999999_x.up.sql") &&
                 Contains("the version is larger than 9223372036854775807"));
}
