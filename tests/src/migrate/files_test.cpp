// Migration files: assemble(), read_dir(), create() and the embedded files.

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
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
