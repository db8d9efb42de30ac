// The connection pool: hands each connection to one thread at a time.

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
  BackendPool(BackendFactory factory, std::size_t max_connections, Dialect dialect)
      : factory_(std::move(factory)), max_(max_connections), dialect_(dialect) {
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
    std::unique_lock lock(mutex_);
    for (;;) {
      if (!idle_.empty()) {
        // Last in, first out: the most recently used connection has the
        // warmest statement cache.
        std::unique_ptr<Connection> conn = std::move(idle_.back());
        idle_.pop_back();
        return Lease(*this, std::move(conn));
      }
      if (open_ < max_) {
        // Count the slot before unlocking so other threads cannot overshoot
        // the limit, and open outside the lock: opening takes file locks and
        // may wait on the busy timeout.
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
      cv_.wait(lock);
    }
  }

  Dialect dialect() const override { return dialect_; }

 protected:
  void release(std::unique_ptr<Connection> conn) noexcept override {
    // Only our factory makes the connections this pool hands out.
    auto* backend = static_cast<Backend*>(conn.get());
    if (backend->in_transaction()) {
      // A Transaction always ends its transaction; this is a raw BEGIN left
      // open. The next user must not inherit its half-done writes or locks.
      try {
        logger()->warn("connection returned to the pool inside a transaction; rolling back");
      } catch (...) {  // logging must not turn into std::terminate here
      }
      backend->rollback_abandoned();
    }
    {
      std::lock_guard lock(mutex_);
      idle_.push_back(std::move(conn));
    }
    cv_.notify_one();
  }

 private:
  BackendFactory factory_;
  const std::size_t max_;
  const Dialect dialect_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;  ///< idle + leased + being opened
};

}  // namespace

std::unique_ptr<Pool> make_pool(BackendFactory factory, std::size_t max_connections,
                                Dialect dialect) {
  auto pool = std::make_unique<BackendPool>(std::move(factory), max_connections, dialect);
  pool->prime();
  return pool;
}

}  // namespace roombook::db::detail
