// The Pistache glue. Pistache accepts connections, runs the epoll loop of
// each worker thread, and queues what is written; everything else is ours,
// and every workaround for Pistache 0.0.5 (Debian's snapshot) lives here,
// each marked "Pistache:".
//
// Only Pistache's TCP layer is used (Tcp::Listener and Tcp::Transport), not
// its HTTP one: its request parser answers malformed input by itself (a 500
// carrying exception text, or nothing at all until a timeout), drops
// pipelined requests after the first, and applies no back-pressure. Each
// connection's bytes go to a wire::Parser instead, its responses are written
// by wire::write_response(), and its timeouts are kept by a reaper thread of
// ours. What every request needs besides (request ids, the access log) is
// middleware, run by http::handle().
//
// Threads. A connection belongs to one worker (Pistache pins it by fd);
// its input arrives there. Its requests are handled one at a time, in
// order: by the worker itself, or, for Dispatch::offload routes, by a
// thread of the offload pool, which then goes on with any requests the
// client pipelined meanwhile.
//
// Turns. Pistache: its transport reads a connection until recv() says
// EAGAIN, handing each read to the handler as it goes; a client that sends
// its next request as soon as it has read the answer keeps that loop on
// its connection while the worker's other connections wait (runs of 2,000
// requests in a row were measured under wrk, and p99 latencies of seconds).
// So input is only buffered as it is read, and the worker handles the
// connections that got some once the whole epoll round has been read, each
// for at most kRequestsPerTurn requests; one that has more waits for the
// next epoll round, behind those whose input that round reads. Whoever handles a connection's
// request is its only writer at that moment; the connection's mutex guards its state and the
// validity of its socket (see Connection::gone).

#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_set>
#include <vector>

#include <pistache/listener.h>
#include <pistache/peer.h>
#include <pistache/tcp.h>
#include <pistache/transport.h>

#include "core/text.hpp"
#include "db/db.hpp"
#include "http/http.hpp"
#include "http/wire.hpp"
#include "log/log.hpp"

namespace roombook::http {

namespace {

namespace P = Pistache;
using Clock = std::chrono::steady_clock;

// How long stop() lets requests in flight finish before shutting down anyway.
constexpr auto kDrainTimeout = std::chrono::seconds(10);
// After the last response of a closing connection, how long and how much
// of what the client still sends is read and dropped, so that closing does
// not reset the connection before the client has read the response.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 256 * 1024;
// Bytes a connection may have sent and not yet had handled: one request at
// its largest, and a little for what it pipelines behind it.
constexpr std::size_t kPipelineAllowance = 64 * 1024;
// Requests of one connection a worker handles before it turns to the next
// connection with input: a client that pipelines many requests gets them
// answered in bursts of this many, in order, while the others get theirs.
constexpr int kRequestsPerTurn = 16;

std::optional<Method> method_of(std::string_view name) {
  static const std::pair<std::string_view, Method> kMethods[] = {
      {"GET", Method::get},        {"HEAD", Method::head},   {"POST", Method::post},
      {"PUT", Method::put},        {"PATCH", Method::patch}, {"DELETE", Method::del},
      {"OPTIONS", Method::options}};
  for (const auto& [text, method] : kMethods) {
    if (text == name) return method;
  }
  return std::nullopt;
}

/// A bounded pool of threads for Dispatch::offload handlers. Its threads
/// start when a task finds none idle, so a service without such routes
/// starts none.
class OffloadPool {
 public:
  OffloadPool(int threads, std::size_t capacity)
      : max_threads_(static_cast<std::size_t>(std::max(threads, 1))), capacity_(capacity) {}
  ~OffloadPool() { stop(); }

  /// False when the queue is full: the caller answers 503.
  bool try_submit(std::function<void()> task) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_ || queue_.size() >= capacity_) return false;
      queue_.push_back(std::move(task));
      if (idle_ < queue_.size() && threads_.size() < max_threads_) {
        threads_.emplace_back([this] { run(); });
      }
    }
    ready_.notify_one();
    return true;
  }

  /// Runs what is queued, then joins the threads.
  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (stopping_ && threads_.empty()) return;
      stopping_ = true;
    }
    ready_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

 private:
  void run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mutex_);
        ++idle_;
        ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        --idle_;
        if (queue_.empty()) return;
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }

  const std::size_t max_threads_;
  const std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  std::size_t idle_ = 0;  ///< threads waiting for a task
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

struct State;

/// What we keep of one client connection.
struct Connection : std::enable_shared_from_this<Connection> {
  Connection(std::weak_ptr<P::Tcp::Peer> p, int fd_, std::string address, wire::Limits limits)
      : peer(std::move(p)), fd(fd_), peer_address(std::move(address)), parser(limits) {}

  const std::weak_ptr<P::Tcp::Peer> peer;
  const int fd;
  const std::string peer_address;  ///< "127.0.0.1:40312"

  std::mutex mutex;
  // Guarded by mutex:
  wire::Parser parser;
  /// Pistache has seen the connection end (onDisconnection). It closes the
  /// descriptor right after, so fd is used only under mutex while false.
  bool gone = false;
  Clock::time_point gone_since;
  /// A request of this connection is being handled; others wait in parser.
  bool busy = false;
  /// Waiting in its worker's list for a turn (see "Turns" above).
  bool scheduled = false;
  /// Responses its worker holds back until the round's writes are
  /// committed (see Round); whatever it answers after them waits too.
  int held = 0;
  /// The last response is written or being written; input is dropped.
  bool closing = false;
  bool write_shut = false;
  std::size_t lingered_bytes = 0;
  Clock::time_point closing_since;
  Clock::time_point last_active = Clock::now();  ///< last byte in or response out
  Clock::time_point request_started;             ///< first byte of the request being read
  Clock::time_point head_done;                   ///< its head complete
  bool head_done_seen = false;

  // Bytes handed to Pistache's write queue and not yet on the wire.
  std::atomic<std::size_t> queued_bytes{0};
  std::atomic<int> queued_writes{0};
};

/// Shared by the worker threads' handlers (Pistache clones the handler per
/// worker), the offload pool and the reaper.
struct State {
  std::shared_ptr<const Router> router;
  ServerOptions options;
  wire::Limits limits;
  std::shared_ptr<spdlog::logger> log;
  std::vector<Middleware> middleware;
  std::atomic<int> in_flight{0};
  std::atomic<bool> draining{false};
  std::unique_ptr<OffloadPool> offload;

  std::mutex connections_mutex;
  std::unordered_set<std::shared_ptr<Connection>> connections;

  // The reaper thread.
  std::mutex reaper_mutex;
  std::condition_variable reaper_wake;
  bool reaper_stop = false;
  std::thread reaper;
};

// ---------------------------------------------------------------------------
// Writing. Called with c.mutex held by the connection's current writer.

void shut_down(Connection& c, int how) {
  if (!c.gone) ::shutdown(c.fd, how);
}

/// Closes at once: Pistache then sees the end of input and drops the
/// connection with whatever it still had queued for it.
void hard_close(Connection& c) {
  c.closing = true;
  shut_down(c, SHUT_RDWR);
}

void after_flush(const std::shared_ptr<Connection>& conn);

/// Writes bytes to the client: straight to the socket when nothing of the
/// connection is queued in Pistache, which saves a trip through its write
/// queue; the rest through the queue. Returns with c.mutex held again.
void write_locked(const std::shared_ptr<Connection>& conn, std::unique_lock<std::mutex>& lock,
                  std::string bytes, const State& state) {
  Connection& c = *conn;
  if (c.gone) return;
  std::size_t sent = 0;
  if (c.queued_writes.load() == 0) {
    const auto n = ::send(c.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent = static_cast<std::size_t>(n);
    } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      hard_close(c);  // the client is gone; Pistache will notice
      return;
    }
  }
  c.last_active = Clock::now();
  if (sent == bytes.size()) {
    if (c.closing && !c.write_shut) {
      c.write_shut = true;
      shut_down(c, SHUT_WR);
    }
    return;
  }
  auto peer = c.peer.lock();
  if (!peer) return;
  const std::size_t rest = bytes.size() - sent;
  if (c.queued_bytes.load() + rest > state.options.max_unsent_bytes) {
    // Pistache: it reads and queues responses without bound for a client
    // that sends and never reads. Past the bound, the connection goes.
    state.log->warn(
        "closing the connection of {}: it leaves more than {} bytes of responses unread",
        c.peer_address, state.options.max_unsent_bytes);
    hard_close(c);
    return;
  }
  if (sent > 0) bytes.erase(0, sent);
  c.queued_bytes += rest;
  ++c.queued_writes;
  // The continuation may run at once on this thread, and it takes the mutex.
  lock.unlock();
  auto done = [conn, rest](auto&&...) {
    conn->queued_bytes -= rest;
    --conn->queued_writes;
    after_flush(conn);
  };
  peer->send(P::RawBuffer(std::move(bytes), rest))
      .then(std::function<void(ssize_t)>(done), std::function<void(std::exception_ptr&)>(done));
  lock.lock();
}

void after_flush(const std::shared_ptr<Connection>& conn) {
  std::lock_guard lock(conn->mutex);
  if (conn->queued_writes.load() == 0 && conn->closing && !conn->write_shut) {
    conn->write_shut = true;
    shut_down(*conn, SHUT_WR);
  }
}

/// The problem document of a request that could not be read, or timed out.
std::string problem_bytes(int status, const std::string& detail) {
  auto response = Response::problem(status, detail);
  std::string out;
  wire::write_response(out, status, {{"X-Request-Id", new_request_id()}}, response.content_type,
                       response.body, false, false);
  return out;
}

// ---------------------------------------------------------------------------
// Handling requests.

void to_request(wire::RawRequest& raw, Method method, const std::string& peer_address,
                Request& out) {
  out.method = method;
  out.path = std::string(raw.path());
  out.query = parse_query(raw.query());
  out.headers = Fields(std::move(raw.headers));
  out.body = std::move(raw.body);
  out.peer = peer_address;
}

/// A worker's round of turns (see "Turns" above) is one group commit on
/// SQLite (db::CommitGroup): the writes of its requests are committed
/// together when it ends, and the answers to them are held back until then,
/// with anything their connections answer after them.
struct Round {
  struct Held {
    std::shared_ptr<Connection> conn;
    std::string bytes;
    bool joined = false;  ///< answers for work of the group: void if it fails
    // To answer again if the commit fails.
    std::string request_id;
    bool keep = true;
    bool head = false;

    /// Bytes that answer for no work of the group.
    static Held plain(std::string bytes) {
      Held h;
      h.bytes = std::move(bytes);
      return h;
    }
  };

  db::CommitGroup group;
  std::vector<Held> held;
};

// Writes that have joined the group before it is committed mid-round: the
// write lock is not held for longer, nor answers held back for more.
constexpr std::size_t kMaxGroupedWrites = 64;

/// Sends bytes to the client, or holds them in the round: when they answer
/// for work of its group, or when the connection has answers held already.
void send_or_hold(const std::shared_ptr<Connection>& conn, std::unique_lock<std::mutex>& lock,
                  State& state, Round* round, Round::Held held) {
  if (round != nullptr && (held.joined || conn->held > 0)) {
    ++conn->held;
    held.conn = conn;
    round->held.push_back(std::move(held));
    return;
  }
  write_locked(conn, lock, std::move(held.bytes), state);
}

/// Commits the round's group and sends what it held back. If the commit
/// fails, none of its writes is stored, and each answer that claimed one
/// is replaced by the failure's problem document.
void settle(Round& round, State& state) {
  std::optional<Response> failure;
  const std::size_t writes = round.group.pending();
  try {
    round.group.commit();
  } catch (...) {
    failure = failure_response(std::current_exception(), "group commit");
    state.log->error("a group commit of {} writes failed: its answers are replaced with {}", writes,
                     failure->status);
  }
  std::vector<Round::Held> held;
  held.swap(round.held);
  for (auto& h : held) {
    std::unique_lock lock(h.conn->mutex);
    --h.conn->held;
    if (failure && h.joined) {
      Response answer = *failure;
      answer.header("X-Request-Id", h.request_id);
      h.bytes.clear();
      wire::write_response(h.bytes, answer.status, answer.headers, answer.content_type, answer.body,
                           h.keep, h.head);
    }
    write_locked(h.conn, lock, std::move(h.bytes), state);
  }
}

/// Writes a response, or holds it in the round (see send_or_hold). With
/// `keep` false, the connection closes after it.
void respond(const std::shared_ptr<Connection>& conn, std::unique_lock<std::mutex>& lock,
             State& state, Response& response, bool keep, bool head, const std::string& path,
             Round* round = nullptr, bool joined = false, const std::string& request_id = {}) {
  Connection& c = *conn;
  std::string bytes;
  std::vector<std::string> dropped;
  wire::write_response(bytes, response.status, response.headers, response.content_type,
                       response.body, keep, head, &dropped);
  for (const auto& name : dropped) {
    state.log->error("{}: header {} left out of the response: its value holds CR, LF or NUL", path,
                     name);
  }
  if (!keep) {
    c.closing = true;
    c.closing_since = Clock::now();
  }
  // The id is only needed to answer again if the group's commit fails.
  send_or_hold(
      conn, lock, state, round,
      {nullptr, std::move(bytes), joined, joined ? request_id : std::string(), keep, head});
}

/// A fixed answer that still goes through the middleware (request id,
/// access log): while draining, or when the offload queue is full.
Router::Match answering(const Handler& handler) {
  Router::Match match;
  match.handler = &handler;
  return match;
}

const Handler kDraining = [](const Request&) {
  return Response::problem(503, "the server is shutting down; retry").header("Retry-After", "1");
};
const Handler kBusy = [](const Request&) {
  return Response::problem(503, "the server is busy; retry shortly").header("Retry-After", "1");
};

/// Handles the connection's complete requests in order, until one is
/// offloaded, none is left or `budget` of them are done (0: no limit). The
/// caller has set c.busy; this clears it. True if it stopped for the
/// budget, with requests perhaps left. With a `round`, the writes join its
/// group and their answers wait for it.
bool drive(const std::shared_ptr<Connection>& conn, State& state, bool on_worker, int budget = 0,
           Round* round = nullptr) {
  Connection& c = *conn;
  std::unique_lock lock(c.mutex);
  for (int handled = 0;; ++handled) {
    if (c.closing || c.gone) {
      c.busy = false;
      return false;
    }
    if (handled == budget && budget > 0) {
      c.busy = false;
      return true;
    }
    wire::RawRequest raw;
    wire::Failure failure;
    const auto result = c.parser.next(raw, failure);
    if (result == wire::Parser::Result::incomplete) {
      if (c.parser.mid_request()) {
        if (c.parser.head_complete() && !c.head_done_seen) {
          c.head_done_seen = true;
          c.head_done = Clock::now();
        }
        if (c.parser.take_continue()) {
          send_or_hold(conn, lock, state, round, Round::Held::plain(std::string(wire::kContinue)));
        }
      }
      c.busy = false;
      return false;
    }
    if (result == wire::Parser::Result::failure) {
      state.log->info("{}: unreadable request, answered {}: {}", c.peer_address, failure.status,
                      failure.detail);
      c.closing = true;
      c.closing_since = Clock::now();
      send_or_hold(conn, lock, state, round,
                   Round::Held::plain(problem_bytes(failure.status, failure.detail)));
      c.busy = false;
      return false;
    }
    c.head_done_seen = false;
    c.request_started = Clock::now();  // of a request pipelined behind this one
    lock.unlock();

    const bool head = raw.method == "HEAD";
    const bool keep = raw.keep_alive && !state.draining;
    const auto method = method_of(raw.method);
    if (!method) {
      // No Request can hold it, so no middleware sees it.
      state.log->info("{}: method {} is not supported, answered 501", c.peer_address, raw.method);
      auto response = Response::problem(501, "method " + raw.method + " is not supported");
      response.header("X-Request-Id", new_request_id());
      lock.lock();
      respond(conn, lock, state, response, keep, head, std::string(raw.path()));
      continue;
    }
    ++state.in_flight;
    Request request;
    to_request(raw, *method, c.peer_address, request);
    auto match = state.draining ? answering(kDraining) : state.router->match(*method, request.path);
    if (match.handler != nullptr && match.dispatch == Dispatch::offload && on_worker) {
      // The offload thread answers at once: what this connection has held
      // back goes first.
      if (round != nullptr && c.held > 0) settle(*round, state);
      // Off the worker: this connection's later requests wait in its parser,
      // and the offload thread goes on with them.
      auto offloaded = std::make_shared<Request>(std::move(request));
      const bool submitted = state.offload->try_submit(
          [conn, &state, request = offloaded, match, keep, head]() mutable {
            auto response = handle(state.middleware, std::move(match), *request);
            {
              std::unique_lock lock(conn->mutex);
              respond(conn, lock, state, response, keep, head, request->path);
            }
            --state.in_flight;
            drive(conn, state, false);
          });
      if (submitted) return false;  // busy stays set until that thread is done
      request = std::move(*offloaded);
      match = answering(kBusy);
    }
    const auto joined_before = db::CommitGroup::joined();
    auto response = handle(state.middleware, std::move(match), request);
    const bool joined = db::CommitGroup::joined() != joined_before;
    lock.lock();
    respond(conn, lock, state, response, keep, head, request.path, round, joined,
            request.context.request_id);
    --state.in_flight;
  }
}

// ---------------------------------------------------------------------------
// Timeouts: what Pistache's own checks would do, if its parser saw the bytes.

void reap(State& state) {
  const auto& o = state.options;
  const auto tick =
      std::clamp(std::min({o.header_timeout, o.body_timeout, o.keepalive_timeout}) / 4,
                 std::chrono::milliseconds(10), std::chrono::milliseconds(250));
  std::unique_lock wait_lock(state.reaper_mutex);
  while (!state.reaper_wake.wait_for(wait_lock, tick, [&] { return state.reaper_stop; })) {
    std::vector<std::shared_ptr<Connection>> all;
    {
      std::lock_guard lock(state.connections_mutex);
      all.assign(state.connections.begin(), state.connections.end());
    }
    const auto now = Clock::now();
    for (const auto& conn : all) {
      std::unique_lock lock(conn->mutex);
      Connection& c = *conn;
      if (c.gone) {
        // See Glue::onDisconnection: once Pistache has let the Peer go (or
        // after kLingerTime, should it keep one), the connection goes too.
        if (c.peer.expired() || now - c.gone_since > kLingerTime) {
          lock.unlock();
          std::lock_guard set_lock(state.connections_mutex);
          state.connections.erase(conn);
        }
        continue;
      }
      if (c.busy) continue;
      if (c.closing) {
        if (now - c.closing_since > kLingerTime) shut_down(c, SHUT_RDWR);
        continue;
      }
      std::optional<std::string> late;
      if (c.parser.mid_request()) {
        if (!c.parser.head_complete() && now - c.request_started > o.header_timeout) {
          late = "the request's head did not arrive within " +
                 std::to_string(o.header_timeout.count()) + " ms";
        } else if (c.parser.head_complete() && c.head_done_seen &&
                   now - c.head_done > o.body_timeout) {
          late = "the request's body did not arrive within " +
                 std::to_string(o.body_timeout.count()) + " ms";
        }
      } else if (now - c.last_active > o.keepalive_timeout) {
        shut_down(c, SHUT_RDWR);  // an idle keep-alive connection: no answer is due
        c.closing = true;
        c.closing_since = now;
        continue;
      }
      if (late) {
        state.log->info("{}: {}; answered 408", c.peer_address, *late);
        c.closing = true;
        c.closing_since = now;
        write_locked(conn, lock, problem_bytes(408, *late), state);
      }
    }
  }
}

/// One per worker thread (the transport clones it): Pistache calls it on
/// that thread only, so its list of connections awaiting a turn needs no lock.
class Glue final : public P::Tcp::Handler {
 public:
  PROTOTYPE_OF(P::Tcp::Handler, Glue)

  explicit Glue(std::shared_ptr<State> state) : state_(std::move(state)) {}
  // A clone starts with an empty list.
  Glue(const Glue& other) : P::Tcp::Handler(), state_(other.state_) {}

  void onConnection(const std::shared_ptr<P::Tcp::Peer>& peer) override {
    const auto& address = peer->address();
    auto conn = std::make_shared<Connection>(
        peer, peer->fd(), address.host() + ":" + address.port().toString(), state_->limits);
    peer->putData(kConnectionKey, conn);
    std::lock_guard lock(state_->connections_mutex);
    state_->connections.insert(conn);
  }

  void onDisconnection(const std::shared_ptr<P::Tcp::Peer>& peer) override {
    auto conn = connection(peer);
    if (!conn) return;
    {
      // A client that sent its requests and then shut its side (nc -N,
      // some HTTP/1.0 clients) is answered before its connection goes:
      // the socket is open until this returns.
      std::unique_lock lock(conn->mutex);
      if (conn->scheduled && !conn->busy) {
        conn->scheduled = false;
        conn->busy = true;
        lock.unlock();
        drive(conn, *state_, true);
        lock.lock();
      }
      conn->gone = true;
      conn->gone_since = Clock::now();
    }
    // The reaper drops it from state_->connections once the Peer is gone:
    // the Peer's data holds a reference, and were the Peer's release in
    // Pistache the last, ThreadSanitizer could not see that count's atomic
    // order (Pistache is not instrumented) and would report the free as a
    // race. Ours, after Pistache's, is the last one.
  }

  void onInput(const char* buffer, size_t len, const std::shared_ptr<P::Tcp::Peer>& peer) override {
    auto conn = connection(peer);
    if (!conn) return;
    Connection& c = *conn;
    std::unique_lock lock(c.mutex);
    c.last_active = Clock::now();
    if (c.closing) {
      // The last response is out; drop what follows, within bounds.
      c.lingered_bytes += len;
      if (c.lingered_bytes > kLingerBytes) shut_down(c, SHUT_RDWR);
      return;
    }
    if (!c.parser.mid_request()) c.request_started = c.last_active;
    c.parser.feed(buffer, len);
    if (c.busy) {
      // An offload thread has this connection; it reads this when done.
      // A client that keeps sending meanwhile is bounded too.
      if (c.parser.buffered() >
          state_->limits.max_head_bytes + state_->limits.max_body_bytes + kPipelineAllowance) {
        state_->log->warn("closing the connection of {}: too much pipelined input", c.peer_address);
        hard_close(c);
      }
      return;
    }
    if (c.parser.buffered() <= kPipelineAllowance) {
      if (!c.scheduled) {
        c.scheduled = true;
        waiting_.push_back(conn);
      }
      return;
    }
    // Much input at once (a large body, or many requests pipelined): handled
    // as it comes, as Pistache reads on, so that what is held stays bounded
    // and a request too large is refused before the rest of it is read.
    c.busy = true;
    lock.unlock();
    drive(conn, *state_, true);
  }

  /// Gives each connection that got input in this epoll round one turn,
  /// in the order its input came, as one round (see Round). True if some
  /// still have complete requests: they have their next turn in the next
  /// epoll round, behind the connections whose input that round reads.
  bool take_turns() {
    if (waiting_.empty()) return false;
    Round round;
    std::vector<std::shared_ptr<Connection>> turns;
    turns.swap(waiting_);
    for (auto& conn : turns) {
      {
        std::lock_guard lock(conn->mutex);
        conn->scheduled = false;
        if (conn->busy) continue;  // an offload thread has it, and reads on
        conn->busy = true;
      }
      const bool more = drive(conn, *state_, true, kRequestsPerTurn, &round);
      if (round.group.pending() >= kMaxGroupedWrites) settle(round, *state_);
      if (more) {
        std::lock_guard lock(conn->mutex);
        if (!conn->busy && !conn->scheduled) {
          conn->scheduled = true;
          waiting_.push_back(conn);
        }
      }
    }
    settle(round, *state_);
    return !waiting_.empty();
  }

 private:
  static constexpr const char* kConnectionKey = "rb.conn";

  static std::shared_ptr<Connection> connection(const std::shared_ptr<P::Tcp::Peer>& peer) {
    return std::static_pointer_cast<Connection>(peer->tryGetData(kConnectionKey));
  }

  std::shared_ptr<State> state_;
  std::vector<std::shared_ptr<Connection>> waiting_;
};

/// Pistache's transport, with the connections' turns taken once its epoll
/// round has been read (see "Turns" above). Connections left with requests
/// after their turn wake the worker again through an eventfd of its own, so
/// that the next epoll round first reads what others sent meanwhile.
class Transport final : public P::Tcp::Transport {
 public:
  explicit Transport(const std::shared_ptr<Glue>& glue) : P::Tcp::Transport(glue), glue_(glue) {}
  ~Transport() override {
    if (wake_ >= 0) ::close(wake_);
  }
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  void registerPoller(P::Polling::Epoll& poller) override {
    P::Tcp::Transport::registerPoller(poller);
    wake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
    // Pistache's own onReady passes over a tag it does not know.
    poller.addFd(wake_, P::Flags<P::Polling::NotifyOn>(P::Polling::NotifyOn::Read),
                 P::Polling::Tag(static_cast<std::uint64_t>(wake_)));
  }

  void onReady(const P::Aio::FdSet& fds) override {
    std::vector<P::Polling::Event> rest;
    for (const auto& entry : fds) {
      const auto tag = entry.getTag();
      if (tag == P::Polling::Tag(static_cast<std::uint64_t>(wake_))) {
        std::uint64_t count = 0;
        [[maybe_unused]] const auto n = ::read(wake_, &count, sizeof count);  // level-triggered
        continue;
      }
      if (entry.isReadable() && !entry.isWritable()) {
        const auto peer = peers.find(static_cast<P::Fd>(tag.value()));
        if (peer != peers.end()) {
          // Pistache hides the event's flags behind a private base; a
          // C-style cast is the one that may name it. With the peer's FIN
          // in the same event no new edge follows: read to the end.
          const auto& event = (const P::Polling::Event&)entry;
          read_peer(peer->second, event.flags.hasFlag(P::Polling::NotifyOn::Shutdown) ||
                                      event.flags.hasFlag(P::Polling::NotifyOn::Hangup));
          continue;
        }
      }
      P::Polling::Event event(tag);
      if (entry.isReadable()) event.flags.setFlag(P::Polling::NotifyOn::Read);
      if (entry.isWritable()) event.flags.setFlag(P::Polling::NotifyOn::Write);
      if (entry.isHangup()) event.flags.setFlag(P::Polling::NotifyOn::Hangup);
      rest.push_back(std::move(event));
    }
    if (!rest.empty()) P::Tcp::Transport::onReady(P::Aio::FdSet(std::move(rest)));
    if (glue_->take_turns()) {
      const std::uint64_t one = 1;
      [[maybe_unused]] const auto n = ::write(wake_, &one, sizeof one);
    }
  }

  /// What Pistache's own read of a peer does, less one recv per request:
  /// it reads until EAGAIN, where a read that does not fill the buffer
  /// already shows the socket drained. The poller is edge-triggered, and
  /// bytes that arrive after this read raise a new edge.
  /// With `to_end` (the peer has shut down its side), it reads until the
  /// end of the stream, which no later event would announce.
  void read_peer(std::shared_ptr<P::Tcp::Peer> peer, bool to_end) {
    thread_local std::vector<char> buffer(kReadBytes);
    for (;;) {
      const auto n = ::recv(peer->fd(), buffer.data(), buffer.size(), 0);
      if (n > 0) {
        glue_->onInput(buffer.data(), static_cast<std::size_t>(n), peer);
        if (!to_end && static_cast<std::size_t>(n) < buffer.size()) return;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      // The end of the stream, or a reset: as Pistache's transport does.
      glue_->onDisconnection(peer);
      removePeer(peer);
      return;
    }
  }

  static constexpr std::size_t kReadBytes = 16 * 1024;

  // Pistache clones the transport, and with it the handler, per worker.
  std::shared_ptr<P::Aio::Handler> clone() const override {
    return std::make_shared<Transport>(std::static_pointer_cast<Glue>(glue_->clone()));
  }

 private:
  std::shared_ptr<Glue> glue_;
  int wake_ = -1;
};

}  // namespace

struct Server::Impl {
  std::shared_ptr<State> state;
  std::unique_ptr<P::Tcp::Listener> listener;
};

Server::Server(ServerOptions options, std::shared_ptr<const Router> router)
    : impl_(std::make_unique<Impl>()) {
  impl_->state = std::make_shared<State>();
  impl_->state->router = std::move(router);
  impl_->state->options = std::move(options);
  const auto& o = impl_->state->options;
  impl_->state->limits.max_body_bytes = o.max_body_bytes;
  impl_->state->log = log::get(o.name);
  impl_->state->middleware = o.middleware.empty() ? standard_middleware(o.name) : o.middleware;
}

Server::~Server() { stop(); }

void Server::start() {
  auto& state = *impl_->state;
  const auto& o = state.options;
  try {
    P::Address address(o.host, P::Port(o.port));
    auto listener = std::make_unique<P::Tcp::Listener>(address);
    listener->init(static_cast<std::size_t>(o.threads),
                   P::Flags<P::Tcp::Options>(P::Tcp::Options::ReuseAddr));
    state.offload = std::make_unique<OffloadPool>(o.offload_threads, o.offload_queue);
    auto glue = std::make_shared<Glue>(impl_->state);
    listener->setHandler(glue);
    listener->setTransportFactory([glue] { return std::make_shared<Transport>(glue); });
    listener->bind();
    listener->runThreaded();
    impl_->listener = std::move(listener);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " +
                             e.what());
  }
  state.reaper = std::thread([s = impl_->state] { reap(*s); });
}

std::uint16_t Server::port() const {
  return impl_->listener ? static_cast<std::uint16_t>(impl_->listener->getPort())
                         : impl_->state->options.port;
}

void Server::stop() {
  if (!impl_->listener) return;
  auto& state = *impl_->state;
  // Let requests in flight finish; new ones get 503 and a closed connection.
  state.draining = true;
  const auto deadline = Clock::now() + kDrainTimeout;
  while (state.in_flight > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Offloaded handlers write to connections: they end before Pistache does.
  state.offload->stop();
  {
    std::lock_guard lock(state.reaper_mutex);
    state.reaper_stop = true;
  }
  state.reaper_wake.notify_all();
  if (state.reaper.joinable()) state.reaper.join();
  // Pistache: shutdown() returns before the worker threads end; destroying
  // the Listener joins them, so do both before anything the handlers use goes.
  impl_->listener->shutdown();
  impl_->listener.reset();
  std::lock_guard lock(state.connections_mutex);
  state.connections.clear();
}

void block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_stop_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

}  // namespace roombook::http
