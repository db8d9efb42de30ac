// Writers of one process queue on a gate per database file instead of
// polling in SQLite's busy handler; readers never wait on it.

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "db/db.hpp"
#include "test_support.hpp"

using namespace roombook::db;
using roombook::db::test::count;
using roombook::db::test::error_of;
using roombook::db::test::TempDir;

namespace {

const Query kCreate{"t.create",
                    "CREATE TABLE t (id INTEGER PRIMARY KEY, thread INTEGER NOT NULL, "
                    "n INTEGER NOT NULL, UNIQUE (thread, n))"};
const Query kInsert{"t.insert", "INSERT INTO t (thread, n) VALUES ($1, $2)"};
constexpr std::string_view kCount = "SELECT count(*) FROM t";

// A deadlock guard, not a timing check: waits return as soon as the work is
// done, and the limit only turns a wait that would never end into a failure
// instead of a hung test run.
constexpr auto kDeadlockGuard = std::chrono::seconds(60);

// Runs `write(thread, n)` for n in [0, per_thread) on each of `threads`
// threads and returns the messages of whatever threw. Catch2 assertions are
// not thread-safe, so the caller checks after the join.
std::vector<std::string> run_writers(int threads, int per_thread,
                                     const std::function<void(int thread, int n)>& write) {
  std::mutex mutex;
  std::vector<std::string> errors;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int n = 0; n < per_thread; ++n) {
        try {
          write(t, n);
        } catch (const std::exception& e) {
          std::lock_guard lock(mutex);
          errors.push_back(e.what());
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  return errors;
}

Params row(int thread, int n) { return {std::int64_t{thread}, std::int64_t{n}}; }

// Runs `work` on another thread and waits for it under the deadlock guard. A
// thread that never finishes is stuck inside `pool`, which is then leaked for
// it, and the test fails.
void run_on_another_thread(std::unique_ptr<Pool>& pool, std::function<void(Pool&)> work) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> finished = done->get_future();
  std::thread worker([p = pool.get(), work = std::move(work), done] {
    try {
      work(*p);
      done->set_value();
    } catch (...) {
      done->set_exception(std::current_exception());
    }
  });
  if (finished.wait_for(kDeadlockGuard) != std::future_status::ready) {
    worker.detach();
    (void)pool.release();
    FAIL("a write on another thread never finished: the write gate was not given back");
  }
  worker.join();
  finished.get();  // rethrows what `work` threw
}

// A connection outside every pool, and so outside the gate: to the pools of
// this process it looks like another process holding the write lock.
class OutsideConnection {
 public:
  explicit OutsideConnection(const std::string& path) {
    const int rc = sqlite3_open(path.c_str(), &db_);
    if (rc != SQLITE_OK) {
      sqlite3_close(db_);
      FAIL("sqlite3_open " << path << ": " << sqlite3_errstr(rc));
    }
  }
  ~OutsideConnection() { sqlite3_close(db_); }
  OutsideConnection(const OutsideConnection&) = delete;
  OutsideConnection& operator=(const OutsideConnection&) = delete;

  void exec(const char* sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
    const std::string text = message ? message : "";
    sqlite3_free(message);
    if (rc != SQLITE_OK) FAIL(sql << ": " << text);
  }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace

TEST_CASE("write gate: with no busy timeout, writers of one pool queue instead of failing",
          "[db][gate]") {
  // Without the gate, a busy timeout of 0 makes every writer that meets
  // another one fail with ErrorCode::busy at once.
  constexpr int kThreads = 8;
  TempDir dir;
  auto pool = open(dir.url("gate.db"), {.max_connections = 4, .busy_timeout_ms = 0});
  pool->acquire()->execute(kCreate);

  SECTION("autocommit INSERTs") {
    constexpr int kPerThread = 200;
    const auto errors = run_writers(
        kThreads, kPerThread, [&](int t, int n) { pool->acquire()->execute(kInsert, row(t, n)); });
    CHECK(errors.empty());
    if (!errors.empty()) FAIL(errors.size() << " writes failed, the first: " << errors.front());
    CHECK(count(*pool->acquire(), kCount) == kThreads * kPerThread);
  }
  SECTION("begin, INSERT, commit") {
    constexpr int kPerThread = 100;
    const auto errors = run_writers(kThreads, kPerThread, [&](int t, int n) {
      auto conn = pool->acquire();
      auto tx = conn->begin();
      conn->execute(kInsert, row(t, n));
      tx.commit();
    });
    CHECK(errors.empty());
    if (!errors.empty()) FAIL(errors.size() << " writes failed, the first: " << errors.front());
    CHECK(count(*pool->acquire(), kCount) == kThreads * kPerThread);
  }
  SECTION("BEGIN IMMEDIATE and COMMIT run as plain statements") {
    // Not only begin(): a raw BEGIN IMMEDIATE queues too, and a raw COMMIT
    // gives the gate back.
    constexpr int kPerThread = 100;
    const auto errors = run_writers(kThreads, kPerThread, [&](int t, int n) {
      auto conn = pool->acquire();
      conn->execute({"", "/* raw */ begin immediate transaction"});
      conn->execute(kInsert, row(t, n));
      conn->execute({"", "COMMIT"});
    });
    CHECK(errors.empty());
    if (!errors.empty()) FAIL(errors.size() << " writes failed, the first: " << errors.front());
    CHECK(count(*pool->acquire(), kCount) == kThreads * kPerThread);
  }
  SECTION("scripts, and INSERT ... RETURNING through query()") {
    constexpr int kPerThread = 100;
    const Query returning{"t.insert_returning",
                          "INSERT INTO t (thread, n) VALUES ($1, $2) RETURNING id"};
    const auto errors = run_writers(kThreads, kPerThread, [&](int t, int n) {
      auto conn = pool->acquire();
      if (n % 2 == 0) {
        if (conn->query(returning, row(t, n)).size() != 1) throw std::runtime_error("no id");
      } else {
        conn->execute_script("INSERT INTO t (thread, n) VALUES (" + std::to_string(t) + ", " +
                             std::to_string(n) + ");");
      }
    });
    CHECK(errors.empty());
    if (!errors.empty()) FAIL(errors.size() << " writes failed, the first: " << errors.front());
    CHECK(count(*pool->acquire(), kCount) == kThreads * kPerThread);
  }
}

TEST_CASE("write gate: two pools on one file in one process share it", "[db][gate]") {
  // As `roombook serve all` does: one pool per service, one database file.
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100;
  TempDir dir;
  auto first = open(dir.url("shared.db"), {.max_connections = 2, .busy_timeout_ms = 0});
  // Another spelling of the same file.
  auto second = open("sqlite://" + (dir.path() / "." / "shared.db").string(),
                     {.max_connections = 2, .busy_timeout_ms = 0});
  first->acquire()->execute(kCreate);

  const auto errors = run_writers(kThreads, kPerThread, [&](int t, int n) {
    auto conn = (t % 2 == 0 ? first : second)->acquire();
    if (n % 2 == 0) {
      conn->execute(kInsert, row(t, n));
    } else {
      auto tx = conn->begin();
      conn->execute(kInsert, row(t, n));
      tx.commit();
    }
  });
  CHECK(errors.empty());
  if (!errors.empty()) FAIL(errors.size() << " writes failed, the first: " << errors.front());
  CHECK(count(*second->acquire(), kCount) == kThreads * kPerThread);
}

TEST_CASE("write gate: a write that fails with busy gives the gate back", "[db][gate]") {
  TempDir dir;
  auto pool = open(dir.url("busy.db"), {.max_connections = 2, .busy_timeout_ms = 10});
  pool->acquire()->execute(kCreate);
  auto lease = pool->acquire();

  // Each section makes `lease` fail with busy while the write lock is held
  // elsewhere, then lets go of it.
  SECTION("another process (a connection outside the gate) holds BEGIN IMMEDIATE") {
    OutsideConnection outside((dir.path() / "busy.db").string());
    outside.exec("BEGIN IMMEDIATE");
    CHECK(error_of([&] { lease->begin(); }).code() == ErrorCode::busy);
    CHECK(error_of([&] { lease->execute(kInsert, row(0, 0)); }).code() == ErrorCode::busy);
    CHECK(error_of([&] {
            lease->execute_script("INSERT INTO t (thread, n) VALUES (0, 0);");
          }).code() == ErrorCode::busy);
    outside.exec("COMMIT");
  }
  SECTION("another pool on the file holds a transaction begun on this thread") {
    // Waiting on the gate for this thread's own transaction would never end:
    // the busy timeout decides instead, as it did before the gate.
    auto other = open(dir.url("busy.db"), {.max_connections = 1, .busy_timeout_ms = 10});
    auto other_lease = other->acquire();
    auto tx = other_lease->begin();
    CHECK(error_of([&] { lease->begin(); }).code() == ErrorCode::busy);
    CHECK(error_of([&] { lease->execute(kInsert, row(0, 0)); }).code() == ErrorCode::busy);
    tx.commit();
  }

  // A gate kept by the failed writes would block every other thread for good.
  run_on_another_thread(pool, [](Pool& p) {
    auto conn = p.acquire();
    auto tx = conn->begin();
    conn->execute(kInsert, row(1, 1));
    tx.commit();
    conn->execute(kInsert, row(1, 2));
  });
  // And the connection that failed writes again.
  auto tx = lease->begin();
  lease->execute(kInsert, row(2, 1));
  tx.commit();
  CHECK(count(*lease, kCount) == 3);
}

TEST_CASE("write gate: readers do not wait for an open write transaction", "[db][gate]") {
  TempDir dir;
  auto pool = open(dir.url("read.db"), {.max_connections = 2});
  pool->acquire()->execute(kCreate);
  pool->acquire()->execute(kInsert, row(0, 0));

  std::promise<void> began;
  std::future<void> began_signal = began.get_future();
  std::promise<void> go;
  std::shared_future<void> go_signal = go.get_future().share();
  std::string writer_error;
  std::thread writer([&] {
    bool signalled = false;
    try {
      auto conn = pool->acquire();
      auto tx = conn->begin();
      conn->execute(kInsert, row(1, 0));
      began.set_value();
      signalled = true;
      go_signal.wait();
      tx.commit();
    } catch (const std::exception& e) {
      writer_error = e.what();
      if (!signalled) began.set_value();
    }
  });
  began_signal.wait();

  // The read runs on its own thread: if it waited for the writer, which waits
  // for `go`, the guard lets the writer go and the test fails.
  auto reader = std::async(std::launch::async, [&] { return count(*pool->acquire(), kCount); });
  const bool read_while_open = reader.wait_for(kDeadlockGuard) == std::future_status::ready;
  go.set_value();
  std::int64_t seen = -1;
  std::string reader_error;
  try {
    seen = reader.get();
  } catch (const std::exception& e) {
    reader_error = e.what();
  }
  writer.join();

  REQUIRE(writer_error.empty());
  REQUIRE(reader_error.empty());
  CHECK(read_while_open);
  CHECK(seen == 1);  // the last commit, not the open transaction's row
  CHECK(count(*pool->acquire(), kCount) == 2);
}
