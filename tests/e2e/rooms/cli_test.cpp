// `roombook room ...` and `roombook booking ...`: stdout, stderr and exit codes.

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "rooms_support.hpp"

using namespace roombook::e2e;
using nlohmann::json;

namespace {

/// A workspace with migrated databases.
struct Cli {
  Workspace ws;
  bool migrated = [this] {
    const auto r = ws.run({"migrate", "up"});
    if (r.exit_code != 0) throw std::runtime_error("migrate up failed: " + r.err);
    return true;
  }();

  /// Runs and REQUIREs exit 0; returns stdout.
  std::string ok(const std::vector<std::string>& args) {
    const auto r = ws.run(args);
    INFO("roombook " << join(args) << "\nstdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
  }
  json ok_json(std::vector<std::string> args) {
    args.insert(args.end(), {"--format", "json"});
    return json::parse(ok(args));
  }
  /// Runs and REQUIREs `code` with nothing on stdout; returns stderr.
  std::string fails(const std::vector<std::string>& args, int code = 1) {
    const auto r = ws.run(args);
    INFO("roombook " << join(args) << "\nstdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exit_code == code);
    CHECK(r.out.empty());
    CHECK_FALSE(r.err.empty());
    return r.err;
  }
  std::int64_t room(const std::string& name, int capacity) {
    return ok_json({"room", "add", name, "--capacity", std::to_string(capacity)})["id"]
        .get<std::int64_t>();
  }
  std::int64_t booking(const std::string& room, const std::string& user, const std::string& from,
                       const std::string& to) {
    return ok_json({"booking", "add", room, "--user", user, "--from", from, "--to", to,
                    "--no-verify-user"})["id"]
        .get<std::int64_t>();
  }

  static std::string join(const std::vector<std::string>& args) {
    std::string out;
    for (const auto& a : args) out += (out.empty() ? "" : " ") + a;
    return out;
  }
};

std::string at(const std::string& hhmm) { return "2031-03-03T" + hhmm + ":00Z"; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  for (char c : text) {
    if (c == '\n') {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(line);
      line.clear();
    } else {
      line += c;
    }
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("e2e rooms cli: room add prints the room, room list prints json, csv and table",
          "[e2e][rooms][cli]") {
  Cli c;
  const auto added =
      c.ws.run({"room", "add", "Babbage", "--capacity", "8", "--location", "2nd floor, east"});
  INFO(added.err);
  REQUIRE(added.exit_code == 0);
  // Not a terminal: JSON by default.
  const auto babbage = json::parse(added.out);
  CHECK(babbage["name"] == "Babbage");
  CHECK(babbage["capacity"] == 8);
  CHECK(babbage["location"] == "2nd floor, east");
  CHECK(added.err.empty());
  const auto lovelace_table =
      c.ok({"room", "add", "Lovelace", "--capacity", "4", "--format", "table"});
  const auto table_lines = lines_of(lovelace_table);
  REQUIRE(table_lines.size() == 2);
  CHECK_THAT(table_lines[0], Catch::StartsWith("ID") && Catch::Contains("NAME") &&
                                 Catch::Contains("CAPACITY") && Catch::Contains("LOCATION"));
  CHECK_THAT(table_lines[1], Catch::Contains("Lovelace") && Catch::Contains("4"));

  const auto list = c.ok_json({"room", "list"});
  REQUIRE(list.size() == 2);
  CHECK(list[0] == babbage);
  CHECK(list[1]["name"] == "Lovelace");

  const auto csv = lines_of(c.ok({"room", "list", "--format", "csv"}));
  REQUIRE(csv.size() == 3);
  CHECK(csv[0] == "id,name,capacity,location,created_at,updated_at");
  CHECK_THAT(csv[1], Catch::StartsWith(std::to_string(babbage["id"].get<int>()) +
                                       ",Babbage,8,\"2nd floor, east\","));
  CHECK_THAT(csv[2], Catch::Contains(",Lovelace,4,,"));

  const auto table = lines_of(c.ok({"room", "list", "--format", "table"}));
  REQUIRE(table.size() == 3);
  CHECK_THAT(table[0], Catch::StartsWith("ID"));
  CHECK_THAT(table[1], Catch::Contains("Babbage") && Catch::Contains("2nd floor, east"));
  CHECK_THAT(table[2], Catch::Contains("Lovelace"));

  SECTION("--min-capacity keeps rooms with that many seats") {
    CHECK(ids_of(c.ok_json({"room", "list", "--min-capacity", "5"})) ==
          std::vector<std::int64_t>{babbage["id"].get<std::int64_t>()});
    CHECK(c.ok_json({"room", "list", "--min-capacity", "9"}) == json::array());
  }
  SECTION("--limit prints a page and says how to get the next") {
    const auto r = c.ws.run({"room", "list", "--limit", "1", "--format", "json"});
    REQUIRE(r.exit_code == 0);
    CHECK(json::parse(r.out).size() == 1);
    CHECK_THAT(r.err, Catch::Contains("--after-id " + std::to_string(babbage["id"].get<int>())));
    const auto next =
        c.ok_json({"room", "list", "--after-id", std::to_string(babbage["id"].get<int>())});
    REQUIRE(next.size() == 1);
    CHECK(next[0]["name"] == "Lovelace");
  }
  SECTION("an unknown format is a usage error") {
    CHECK_THAT(c.fails({"room", "list", "--format", "xml"}, 2), Catch::Contains("xml"));
  }
}

TEST_CASE("e2e rooms cli: room add refuses invalid fields and a taken name", "[e2e][rooms][cli]") {
  Cli c;
  c.room("Babbage", 8);
  CHECK_THAT(c.fails({"room", "add", "Zero", "--capacity", "0"}), Catch::Contains("capacity"));
  CHECK_THAT(c.fails({"room", "add", "Babbage", "--capacity", "4"}),
             Catch::Contains("Babbage") && Catch::Contains("already exists"));
  CHECK(c.fails({"room", "add", "NoCapacity"}, 2).find("--capacity") != std::string::npos);
  CHECK(c.ok_json({"room", "list"}).size() == 1);
}

TEST_CASE("e2e rooms cli: room show finds a room by id and by name, an unknown one exits 1",
          "[e2e][rooms][cli]") {
  Cli c;
  const auto id = c.room("Babbage", 8);
  c.room("Lovelace", 4);
  const auto by_id = c.ok_json({"room", "show", std::to_string(id)});
  const auto by_name = c.ok_json({"room", "show", "Babbage"});
  CHECK(by_id["name"] == "Babbage");
  CHECK(by_name == by_id);
  const auto csv = lines_of(c.ok({"room", "show", "Babbage", "--format", "csv"}));
  REQUIRE(csv.size() == 2);
  CHECK_THAT(csv[1], Catch::StartsWith(std::to_string(id) + ",Babbage,8,"));

  CHECK_THAT(c.fails({"room", "show", "Nowhere"}), Catch::Contains("room Nowhere does not exist"));
  CHECK_THAT(c.fails({"room", "show", "999"}), Catch::Contains("does not exist"));
}

TEST_CASE("e2e rooms cli: room update changes only what it is given", "[e2e][rooms][cli]") {
  Cli c;
  const auto id = c.room("Babbage", 8);
  c.room("Lovelace", 4);
  c.ok({"room", "update", "Babbage", "--location", "1st floor"});

  const auto bigger = c.ok_json({"room", "update", "Babbage", "--capacity", "10"});
  CHECK(bigger["id"] == id);
  CHECK(bigger["name"] == "Babbage");
  CHECK(bigger["capacity"] == 10);
  CHECK(bigger["location"] == "1st floor");

  const auto renamed = c.ok_json({"room", "update", std::to_string(id), "--name", "Hopper"});
  CHECK(renamed["name"] == "Hopper");
  CHECK(renamed["location"] == "1st floor");

  const auto cleared = c.ok_json({"room", "update", "Hopper", "--clear-location"});
  CHECK(cleared["location"].is_null());
  CHECK(c.ok_json({"room", "show", "Hopper"}) == cleared);

  CHECK_THAT(c.fails({"room", "update", "Hopper"}, 2), Catch::Contains("nothing to change"));
  c.fails({"room", "update", "Hopper", "--location", "x", "--clear-location"}, 2);
  CHECK_THAT(c.fails({"room", "update", "Hopper", "--name", "Lovelace"}),
             Catch::Contains("already exists"));
  CHECK_THAT(c.fails({"room", "update", "Hopper", "--capacity", "0"}), Catch::Contains("capacity"));
  CHECK_THAT(c.fails({"room", "update", "Nowhere", "--capacity", "3"}),
             Catch::Contains("does not exist"));
  CHECK(c.ok_json({"room", "show", "Hopper"}) == cleared);
}

TEST_CASE("e2e rooms cli: room delete refuses while bookings are to come, --force deletes them",
          "[e2e][rooms][cli]") {
  Cli c;
  const auto id = c.room("Babbage", 8);
  c.booking("Babbage", "1", at("09:00"), at("10:00"));
  c.booking("Babbage", "2", at("10:00"), at("11:00"));

  const auto refused = c.fails({"room", "delete", "Babbage"});
  // Which room, how many bookings hold it, and the way out.
  CHECK_THAT(refused, Catch::Contains("room " + std::to_string(id)) &&
                          Catch::Contains("2 booking") && Catch::Contains("--force"));
  CHECK(c.ok_json({"room", "show", "Babbage"})["id"] == id);
  CHECK(c.ok_json({"booking", "list"}).size() == 2);

  const auto forced = c.ws.run({"room", "delete", "Babbage", "--force"});
  INFO(forced.err);
  REQUIRE(forced.exit_code == 0);
  CHECK_THAT(forced.err, Catch::Contains("deleted room " + std::to_string(id)));
  c.fails({"room", "show", "Babbage"});
  CHECK(c.ok_json({"booking", "list"}) == json::array());

  SECTION("a room without bookings to come is deleted without --force") {
    c.room("Past", 2);
    c.booking("Past", "1", "2020-01-06T09:00:00Z", "2020-01-06T10:00:00Z");
    c.room("Empty", 2);
    c.ok({"room", "delete", "Past"});
    c.ok({"room", "delete", "Empty"});
    CHECK(c.ok_json({"room", "list"}) == json::array());
  }
  SECTION("an unknown room exits 1") {
    CHECK_THAT(c.fails({"room", "delete", "Nowhere"}), Catch::Contains("does not exist"));
  }
}

TEST_CASE("e2e rooms cli: booking add asks user-mgmt: a known user books, an unknown exits 1",
          "[e2e][rooms][cli]") {
  Cli c;
  auto user_mgmt = start_user_mgmt(c.ws);
  c.ws.env["USER_MGMT_URL"] = user_mgmt->url();
  const auto alice = std::to_string(create_user(user_mgmt->url(), "alice"));
  const auto room = c.room("Babbage", 8);

  const auto booked = c.ok_json({"booking", "add", "Babbage", "--user", alice, "--from",
                                 "2031-03-03T10:00:00+02:00", "--to", "2031-03-03T11:00:00+02:00",
                                 "--title", "Standup"});
  CHECK(booked["room_id"] == room);
  CHECK(booked["user_id"] == std::stoll(alice));
  CHECK(booked["title"] == "Standup");
  CHECK(booked["starts_at"] == at("08:00"));
  CHECK(booked["ends_at"] == at("09:00"));

  const auto err = c.fails(
      {"booking", "add", "Babbage", "--user", "4242", "--from", at("12:00"), "--to", at("13:00")});
  CHECK_THAT(err, Catch::Contains("user 4242 does not exist"));
  CHECK(ids_of(c.ok_json({"booking", "list"})) ==
        std::vector<std::int64_t>{booked["id"].get<std::int64_t>()});
}

TEST_CASE("e2e rooms cli: with user-mgmt down booking add exits 1 naming --no-verify-user",
          "[e2e][rooms][cli]") {
  Cli c;
  ClosedPort down;
  c.ws.env["USER_MGMT_URL"] = down.url();
  c.room("Babbage", 8);

  const auto err = c.fails(
      {"booking", "add", "Babbage", "--user", "1", "--from", at("10:00"), "--to", at("11:00")});
  CHECK_THAT(err, Catch::Contains("--no-verify-user") && Catch::Contains("USER_MGMT_URL"));
  CHECK_THAT(err, Catch::Contains("cannot confirm user 1: the user service is unavailable; "
                                  "nothing was booked: user-mgmt at " +
                                  down.url()));
  CHECK_THAT(err, Catch::Contains("; add --no-verify-user to book anyway"));
  CHECK(c.ok_json({"booking", "list"}) == json::array());

  const auto booked = c.ok_json({"booking", "add", "Babbage", "--user", "1", "--from", at("10:00"),
                                 "--to", at("11:00"), "--no-verify-user"});
  CHECK(booked["starts_at"] == at("10:00"));
  CHECK(c.ok_json({"booking", "list"}).size() == 1);
}

TEST_CASE("e2e rooms cli: booking add with user-mgmt answering 500 exits 1, books nothing",
          "[e2e][rooms][cli]") {
  Cli c;
  FakeUserMgmt broken(std::string(
      "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
  c.ws.env["USER_MGMT_URL"] = broken.url();
  c.room("Babbage", 8);

  const auto err = c.fails(
      {"booking", "add", "Babbage", "--user", "3", "--from", at("10:00"), "--to", at("11:00")});
  CHECK_THAT(err, Catch::Contains("500") && Catch::Contains("--no-verify-user"));
  CHECK(c.ok_json({"booking", "list"}) == json::array());
  const auto lines = broken.request_lines();
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines.front(), Catch::StartsWith("GET /users/3 "));
}

TEST_CASE("e2e rooms cli: a conflicting booking add exits 1 naming the conflicting booking",
          "[e2e][rooms][cli]") {
  Cli c;
  c.room("Babbage", 8);
  const auto first = c.booking("Babbage", "1", at("10:00"), at("11:00"));

  const auto err = c.fails({"booking", "add", "Babbage", "--user", "2", "--from", at("10:30"),
                            "--to", at("11:30"), "--no-verify-user"});
  CHECK_THAT(err, Catch::Contains("booking " + std::to_string(first)) &&
                      Catch::Contains(at("10:00")) && Catch::Contains(at("11:00")));
  // Touching is not overlapping.
  c.booking("Babbage", "2", at("11:00"), at("12:00"));
  CHECK(c.ok_json({"booking", "list"}).size() == 2);
}

TEST_CASE("e2e rooms cli: booking add refuses invalid times and unknown rooms",
          "[e2e][rooms][cli]") {
  Cli c;
  c.room("Babbage", 8);
  auto add = [&](const std::string& room, const std::string& from, const std::string& to) {
    return c.fails(
        {"booking", "add", room, "--user", "1", "--from", from, "--to", to, "--no-verify-user"});
  };
  CHECK_THAT(add("Babbage", "2031-02-30T10:00:00Z", at("11:00")),
             Catch::Contains("2031-02-30T10:00:00Z"));
  CHECK_THAT(add("Babbage", at("10:00"), "2031-03-03T11:00:00"), Catch::Contains("offset"));
  CHECK_THAT(add("Babbage", at("10:00"), at("09:00")), Catch::Contains("after"));
  CHECK_THAT(add("Babbage", "2031-03-03T10:00:00Z", "2031-03-04T10:00:01Z"),
             Catch::Contains("24 hours"));
  CHECK_THAT(add("Nowhere", at("10:00"), at("11:00")),
             Catch::Contains("room Nowhere does not exist"));
  CHECK(c.ok_json({"booking", "list"}) == json::array());
}

TEST_CASE("e2e rooms cli: booking list filters by --room, --user, --from and --to",
          "[e2e][rooms][cli]") {
  Cli c;
  c.room("R1", 4);
  c.room("R2", 4);
  const auto late = c.booking("R1", "1", at("15:00"), at("16:00"));
  const auto early = c.booking("R1", "2", at("08:00"), at("09:00"));
  const auto other = c.booking("R2", "1", at("11:00"), at("12:00"));

  CHECK(ids_of(c.ok_json({"booking", "list"})) == std::vector<std::int64_t>{early, other, late});
  CHECK(ids_of(c.ok_json({"booking", "list", "--room", "R1"})) ==
        std::vector<std::int64_t>{early, late});
  CHECK(ids_of(c.ok_json({"booking", "list", "--user", "1"})) ==
        std::vector<std::int64_t>{other, late});
  CHECK(ids_of(c.ok_json({"booking", "list", "--room", "R1", "--user", "1"})) ==
        std::vector<std::int64_t>{late});
  CHECK(ids_of(c.ok_json({"booking", "list", "--from", at("09:00"), "--to", at("15:00")})) ==
        std::vector<std::int64_t>{other});
  CHECK(ids_of(c.ok_json({"booking", "list", "--room", "R1", "--from", at("08:30")})) ==
        std::vector<std::int64_t>{early, late});
  CHECK(ids_of(c.ok_json({"booking", "list", "--to", at("08:30")})) ==
        std::vector<std::int64_t>{early});

  const auto csv = lines_of(c.ok({"booking", "list", "--room", "R2", "--format", "csv"}));
  REQUIRE(csv.size() == 2);
  CHECK(csv[0] == "id,room_id,user_id,title,starts_at,ends_at,created_at");
  CHECK_THAT(csv[1], Catch::StartsWith(std::to_string(other) + ",") &&
                         Catch::Contains("," + at("11:00") + "," + at("12:00") + ","));

  CHECK_THAT(c.fails({"booking", "list", "--room", "Nowhere"}), Catch::Contains("does not exist"));
  CHECK_THAT(c.fails({"booking", "list", "--from", "soon"}), Catch::Contains("soon"));
}

TEST_CASE("e2e rooms cli: booking cancel removes a booking, an unknown id exits 1",
          "[e2e][rooms][cli]") {
  Cli c;
  c.room("Babbage", 8);
  const auto id = c.booking("Babbage", "1", at("10:00"), at("11:00"));

  const auto r = c.ws.run({"booking", "cancel", std::to_string(id)});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("cancelled booking " + std::to_string(id)));
  CHECK(c.ok_json({"booking", "list"}) == json::array());
  // The slot is free again.
  c.booking("Babbage", "1", at("10:00"), at("11:00"));

  CHECK_THAT(c.fails({"booking", "cancel", std::to_string(id)}),
             Catch::Contains("booking " + std::to_string(id) + " does not exist"));
  c.fails({"booking", "cancel", "abc"}, 2);
}

TEST_CASE("e2e rooms cli: room and booking commands before migrate say to run migrate up",
          "[e2e][rooms][cli]") {
  Workspace ws;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"room", "list"}, {"room", "add", "Babbage", "--capacity", "4"}, {"booking", "list"}}) {
    const auto r = ws.run(args);
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains("roombook migrate up"));
  }
}

// The room argument is "an id (digits only) or a name", yet room add accepts
// a name of digits only: the room is then out of reach by name, and its name
// picks another room - `room delete 1` deletes the room whose id is 1.
TEST_CASE("e2e rooms cli: a room named with digits only is never mistaken for another room",
          "[e2e][rooms][cli]") {
  Cli c;
  const auto alpha = c.room("Alpha", 8);
  REQUIRE(alpha == 1);
  const auto r = c.ws.run({"room", "add", "1", "--capacity", "4", "--format", "json"});
  INFO("room add 1: exit " << r.exit_code << "\n" << r.out << r.err);
  if (r.exit_code != 0) {
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("name"));
    return;
  }
  // "1" is the id of Alpha and the name of the new room: refused, naming
  // both, rather than silently showing (or deleting) one of them.
  const auto show = c.ws.run({"room", "show", "1"});
  CHECK(show.exit_code == 1);
  CHECK_THAT(show.err, Catch::Contains("room 1 (Alpha)") && Catch::Contains("name of room 2"));
  const auto del = c.ws.run({"room", "delete", "1"});
  CHECK(del.exit_code == 1);
  CHECK(c.ok_json({"room", "show", "2"})["name"] == "1");
  CHECK(c.ok_json({"room", "show", "Alpha"})["id"] == 1);
}
