// No double booking, proven from outside: two rooms servers on one database
// (a SQLite file, or a PostgreSQL schema) plus the command line, all booking
// one room at once; afterwards the database itself holds no overlapping pair,
// and every answer matches it.

#include <barrier>
#include <ctime>
#include <latch>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "rooms_support.hpp"

using namespace roombook::e2e;
using nlohmann::json;

namespace {

constexpr const char* kOverlappingPairs =
    "SELECT COUNT(*) FROM bookings b1 JOIN bookings b2"
    " ON b1.room_id = b2.room_id AND b1.id < b2.id"
    " AND b1.starts_at < b2.ends_at AND b2.starts_at < b1.ends_at";

/// RFC 3339 UTC text of 2031-05-05T08:00:00Z plus `minutes`.
std::string at_minute(int minutes) {
  std::tm base{};
  base.tm_year = 2031 - 1900;
  base.tm_mon = 4;
  base.tm_mday = 5;
  base.tm_hour = 8;
  const std::time_t t = ::timegm(&base) + static_cast<std::time_t>(minutes) * 60;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

struct Slot {
  std::string from;
  std::string to;
};

/// On day `day` after the base, starting within four hours, 30 to 90 minutes
/// long, on 5-minute marks.
Slot random_slot(std::mt19937& rng, int day) {
  const int start = day * 24 * 60 + static_cast<int>(rng() % 48) * 5;
  const int length = 30 + static_cast<int>(rng() % 13) * 5;
  return {at_minute(start), at_minute(start + length)};
}

struct Stored {
  std::string starts_at;
  std::string ends_at;
};

/// What the clients were told.
struct Outcomes {
  std::mutex mutex;
  std::map<std::int64_t, Stored> created;  // by id, from 201s and CLI successes
  struct Conflict {
    Slot asked;
    std::int64_t id;
    std::optional<Stored> named;  // the interval the 409 named (HTTP only)
  };
  std::vector<Conflict> conflicts;
  std::vector<std::string> unexpected;
  int http_created = 0, cli_created = 0, cli_conflicts = 0;

  void fail(const std::string& what) {
    std::lock_guard lock(mutex);
    unexpected.push_back(what);
  }
};

/// One booking over HTTP, recorded.
void book_over_http(Client& client, std::int64_t room, std::int64_t user, const Slot& slot,
                    Outcomes& out) {
  const auto r = client.post("/rooms/" + std::to_string(room) + "/bookings",
                             booking_json(user, slot.from, slot.to));
  const std::string what = slot.from + " - " + slot.to + " -> " + describe(r);
  if (!r.ok) return out.fail(what);
  const auto doc = json::parse(r.body, nullptr, false);
  if (r.status == 201 && doc.is_object() && doc.value("id", 0L) > 0) {
    if (doc.value("starts_at", "") != slot.from || doc.value("ends_at", "") != slot.to) {
      return out.fail(what);
    }
    std::lock_guard lock(out.mutex);
    const auto id = doc["id"].get<std::int64_t>();
    if (!out.created.emplace(id, Stored{slot.from, slot.to}).second) {
      out.unexpected.push_back("id given twice: " + what);
    }
    ++out.http_created;
  } else if (r.status == 409 && doc.is_object() && doc.contains("conflicting_booking")) {
    const auto& c = doc["conflicting_booking"];
    if (!c.is_object() || c.value("id", 0L) <= 0) return out.fail(what);
    std::lock_guard lock(out.mutex);
    out.conflicts.push_back({slot, c["id"].get<std::int64_t>(),
                             Stored{c.value("starts_at", ""), c.value("ends_at", "")}});
  } else {
    out.fail(what);  // a 5xx, or anything else
  }
}

/// One `roombook booking add` from the command line, recorded.
void book_from_cli(const Workspace& ws, std::int64_t room, std::int64_t user, const Slot& slot,
                   Outcomes& out) {
  const auto r =
      ws.run({"booking", "add", std::to_string(room), "--user", std::to_string(user), "--from",
              slot.from, "--to", slot.to, "--no-verify-user", "--format", "json"});
  const std::string what = "cli " + slot.from + " - " + slot.to + " -> exit " +
                           std::to_string(r.exit_code) + " " + r.out + r.err;
  static const std::regex named(R"(already booked .*\(booking (\d+)\))");
  std::smatch m;
  if (r.exit_code == 0) {
    const auto doc = json::parse(r.out, nullptr, false);
    if (!doc.is_object() || doc.value("id", 0L) <= 0 || doc.value("starts_at", "") != slot.from ||
        doc.value("ends_at", "") != slot.to) {
      return out.fail(what);
    }
    std::lock_guard lock(out.mutex);
    if (!out.created.emplace(doc["id"].get<std::int64_t>(), Stored{slot.from, slot.to}).second) {
      out.unexpected.push_back("id given twice: " + what);
    }
    ++out.cli_created;
  } else if (r.exit_code == 1 && std::regex_search(r.err, m, named)) {
    std::lock_guard lock(out.mutex);
    out.conflicts.push_back({slot, std::stoll(m[1].str()), std::nullopt});
    ++out.cli_conflicts;
  } else {
    out.fail(what);
  }
}

bool overlaps(const Slot& a, const Stored& b) {
  // Fixed-width UTC text compares like the times it spells.
  return a.from < b.ends_at && b.starts_at < a.to;
}

/// A workspace whose rooms database (x.db, or a schema of its own) is shared
/// by two rooms servers, with user-mgmt running, one user and one room.
struct TwoServers {
  Workspace ws;
  std::string db_url = ws.add_database("x.db");
  bool migrated = [this] {
    ws.env["ROOMS_DATABASE_URL"] = db_url;
    // Once, before the servers: two `serve --migrate` would race to migrate.
    const auto r = ws.run({"migrate", "up"});
    if (r.exit_code != 0) throw std::runtime_error("migrate up failed: " + r.err);
    return true;
  }();
  // More workers than the default 2, so more requests meet in the database.
  Env threads{{"ROOMBOOK_THREADS", "4"}};
  std::unique_ptr<Server> user_mgmt = start_user_mgmt(ws, threads);
  std::unique_ptr<Server> a = start_rooms(ws, user_mgmt->url(), threads);
  std::unique_ptr<Server> b = start_rooms(ws, user_mgmt->url(), threads);
  std::int64_t user = create_user(user_mgmt->url(), "racer");
  std::int64_t room = [this] {
    const auto r = ws.run({"room", "add", "Contested", "--capacity", "4", "--format", "json"});
    if (r.exit_code != 0) throw std::runtime_error("room add failed: " + r.err);
    return json::parse(r.out)["id"].get<std::int64_t>();
  }();
};

}  // namespace

TEST_CASE("e2e rooms race: two servers and the CLI on one database never double-book a room",
          "[e2e][rooms][race]") {
  TwoServers s;
  constexpr int kThreads = 8;
  // With the overlap check and the insert in separate transactions, this
  // many rounds found an overlapping pair in 10 runs out of 10.
  constexpr int kRequestsPerThread = 100;
  constexpr int kCliBookings = 12;
  Outcomes out;
  std::latch go(kThreads + 2);
  // The HTTP clients send request i together, so each is contested.
  std::barrier together(kThreads);

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Client to_a(s.a->url());
      Client to_b(s.b->url());
      to_a.get("/rooms");  // connected before the start
      to_b.get("/rooms");
      std::mt19937 rng(20310505u + static_cast<unsigned>(t));
      go.arrive_and_wait();
      // Request i of every thread is for day i: the threads fight over each
      // day while it still has free slots.
      for (int i = 0; i < kRequestsPerThread; ++i) {
        together.arrive_and_wait();
        book_over_http((t + i) % 2 == 0 ? to_a : to_b, s.room, s.user, random_slot(rng, i), out);
      }
    });
  }
  threads.emplace_back([&] {
    std::mt19937 rng(777u);
    go.arrive_and_wait();
    for (int i = 0; i < kCliBookings; ++i) {
      book_from_cli(s.ws, s.room, s.user, random_slot(rng, i), out);
    }
  });
  go.arrive_and_wait();
  for (auto& t : threads) t.join();

  CHECK(s.a->stop(SIGTERM) == 0);
  CHECK(s.b->stop(SIGTERM) == 0);

  INFO("unexpected answers:\n"
       << [&] {
            std::string all;
            for (const auto& u : out.unexpected) all += u + "\n";
            return all;
          }());
  CHECK(out.unexpected.empty());
  // The race was real: the first request for each day wins, and the seeds
  // give some days overlapping requests, of which one must lose.
  CHECK(out.http_created >= kRequestsPerThread);
  CHECK(out.conflicts.size() >= 1);
  // Every command-line booking either booked or named the booking in its way.
  CHECK(out.cli_created + out.cli_conflicts == kCliBookings);

  Database db(s.db_url);
  CHECK(db.scalar(kOverlappingPairs) == 0);

  std::map<std::int64_t, Stored> table;
  for (const auto& row : db.rows("SELECT id, room_id, starts_at, ends_at FROM bookings")) {
    CHECK(row[1] == std::to_string(s.room));
    table[std::stoll(row[0])] = Stored{row[2], row[3]};
  }
  // Every booking a client was told about is stored as told, and nothing else.
  CHECK(table.size() == out.created.size());
  for (const auto& [id, booked] : out.created) {
    INFO("booking " << id << " " << booked.starts_at << " - " << booked.ends_at);
    REQUIRE(table.count(id) == 1);
    CHECK(table[id].starts_at == booked.starts_at);
    CHECK(table[id].ends_at == booked.ends_at);
  }
  // Every refusal named a booking that exists and really overlaps.
  for (const auto& c : out.conflicts) {
    INFO("asked " << c.asked.from << " - " << c.asked.to << ", told booking " << c.id);
    REQUIRE(table.count(c.id) == 1);
    CHECK(overlaps(c.asked, table[c.id]));
    if (c.named) {
      CHECK(c.named->starts_at == table[c.id].starts_at);
      CHECK(c.named->ends_at == table[c.id].ends_at);
    }
  }
}

TEST_CASE("e2e rooms race: two requests for the same slot at once get one 201 and one 409",
          "[e2e][rooms][race]") {
  TwoServers s;
  constexpr int kRounds = 100;
  for (int round = 0; round < kRounds; ++round) {
    // A slot of its own each round: day `round`, 10:00 to 11:00.
    const Slot slot{at_minute(round * 24 * 60 + 120), at_minute(round * 24 * 60 + 180)};
    Response answers[2];
    std::latch go(2);
    std::vector<std::thread> pair;
    for (int i = 0; i < 2; ++i) {
      pair.emplace_back([&, i] {
        Client client((i == 0 ? s.a : s.b)->url());
        client.get("/rooms");  // connected before the start line
        go.arrive_and_wait();
        answers[i] = client.post("/rooms/" + std::to_string(s.room) + "/bookings",
                                 booking_json(s.user, slot.from, slot.to));
      });
    }
    for (auto& t : pair) t.join();

    INFO("round " << round << ": " << describe(answers[0]) << " | " << describe(answers[1]));
    const int winner = answers[0].status == 201 ? 0 : 1;
    const auto& won = answers[winner];
    const auto& lost = answers[1 - winner];
    REQUIRE(won.status == 201);
    REQUIRE(is_problem(lost, 409));
    CHECK(lost.json()["conflicting_booking"]["id"] == won.json()["id"]);
  }
  CHECK(s.a->stop(SIGTERM) == 0);
  CHECK(s.b->stop(SIGTERM) == 0);
  Database db(s.db_url);
  CHECK(db.scalar("SELECT COUNT(*) FROM bookings") == kRounds);
  CHECK(db.scalar(kOverlappingPairs) == 0);
}
