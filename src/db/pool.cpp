// The connection pool: hands each connection to one thread at a time.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "db/backend.hpp"

namespace roombook::db::detail {

namespace {

class BackendPool final : public Pool {
 public:
  BackendPool(BackendFactory factory, std::size_t max_connections,
              std::chrono::milliseconds acquire_timeout, Dialect dialect)
      : factory_(std::move(factory)),
        max_(max_connections),
        acquire_timeout_(acquire_timeout),
        dialect_(dialect) {
    // Reserved up front so release(), which is noexcept, never allocates.
    idle_.reserve(max_);
  }

  // Leases hold a raw pointer to the pool: it must outlive every lease.
  ~BackendPool() override = default;

  /// Opens the first connection now, so a bad database fails at open().
  void prime() {
    idle_.push_back(factory_());
    ++open_;
  }

  Lease acquire() override {
    const auto deadline = std::chrono::steady_clock::now() + acquire_timeout_;
    std::unique_lock lock(mutex_);
    for (;;) {
      while (!idle_.empty()) {
        // Last in, first out: the most recently used connection has the
        // warmest statement cache.
        std::unique_ptr<Backend> conn = std::move(idle_.back());
        idle_.pop_back();
        if (conn->usable()) return Lease(*this, std::move(conn));
        // Broken while idle (the server restarted): never hand it out.
        --open_;
        logger()->warn("dropping a database connection that broke while idle");
      }
      if (open_ < max_) {
        // Count the slot before unlocking so other threads cannot overshoot
        // the limit, and open outside the lock: opening takes file locks or
        // a network round trip, and may wait on a timeout.
        ++open_;
        lock.unlock();
        try {
          return Lease(*this, factory_());
        } catch (...) {
          lock.lock();
          --open_;
          cv_.notify_one();  // a waiter may take the freed slot
          throw;
        }
      }
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
          open_ >= max_) {
        throw Error(ErrorCode::busy, "no database connection became free within " +
                                         std::to_string(acquire_timeout_.count()) +
                                         " ms (DB_ACQUIRE_TIMEOUT); all " + std::to_string(max_) +
                                         " are in use (DB_POOL_SIZE)");
      }
    }
  }

  Dialect dialect() const override { return dialect_; }

  void transact(const std::function<void(Connection&)>& work) override {
    // SQLite commits in groups where the caller opened one; PostgreSQL
    // takes concurrent writers as they come, each in its own transaction.
    // A pool of one connection (sqlite::memory:) cannot spare it for a
    // whole group while the same thread reads.
    if (dialect_ == Dialect::sqlite && max_ > 1 && CommitGroup::current() != nullptr) {
      CommitGroup::current()->run(*this, work);
    } else {
      Pool::transact(work);
    }
  }

 protected:
  void release(std::unique_ptr<Connection> conn) noexcept override {
    // Only our factory makes the connections this pool hands out.
    std::unique_ptr<Backend> backend(static_cast<Backend*>(conn.release()));
    if (backend->usable() && backend->in_transaction()) {
      // A Transaction always ends its transaction; this is a raw BEGIN left
      // open. The next user must not inherit its half-done writes or locks.
      try {
        logger()->warn("connection returned to the pool inside a transaction; rolling back");
      } catch (...) {  // logging must not turn into std::terminate here
      }
      backend->rollback_abandoned();
    }
    const bool keep = backend->usable();
    {
      std::lock_guard lock(mutex_);
      if (keep) {
        idle_.push_back(std::move(backend));
      } else {
        --open_;  // a new one is opened when needed
      }
    }
    if (!keep) backend.reset();
    cv_.notify_one();
  }

 private:
  BackendFactory factory_;
  const std::size_t max_;
  const std::chrono::milliseconds acquire_timeout_;
  const Dialect dialect_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Backend>> idle_;
  std::size_t open_ = 0;  ///< idle + leased + being opened
};

}  // namespace

std::unique_ptr<Pool> make_pool(BackendFactory factory, std::size_t max_connections,
                                std::chrono::milliseconds acquire_timeout, Dialect dialect) {
  auto pool =
      std::make_unique<BackendPool>(std::move(factory), max_connections, acquire_timeout, dialect);
  pool->prime();
  return pool;
}

}  // namespace roombook::db::detail
