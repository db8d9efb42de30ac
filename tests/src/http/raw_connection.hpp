#pragma once

// A bare TCP connection for what curl hides: whether the server really closed
// the socket, and whether a second request travels on the same one.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

#include "test_support.hpp"

namespace roombook::http::test {

class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
    // A guard so a broken server fails the test instead of hanging it.
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      const int e = errno;
      ::close(fd_);
      throw std::system_error(e, std::generic_category(), "connect");
    }
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void send_all(const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      const auto n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) throw std::system_error(errno, std::generic_category(), "send");
      sent += static_cast<std::size_t>(n);
    }
  }

  /// Like send_all, but false instead of throwing when the server is gone.
  bool try_send_all(const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      const auto n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  /// Ends the sending side only (shutdown SHUT_WR), as some clients do.
  void shut_write() { ::shutdown(fd_, SHUT_WR); }

  /// A client that reads little: the smallest receive buffer.
  void shrink_receive_buffer() {
    int size = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }

  int fd() const { return fd_; }

  /// Reads until `delimiter` has arrived; returns everything up to and
  /// including it, keeping what follows. "" if the connection ended first.
  std::string read_some_until(const std::string& delimiter) {
    for (;;) {
      const auto end = buffer_.find(delimiter);
      if (end != std::string::npos) {
        auto out = buffer_.substr(0, end + delimiter.size());
        buffer_.erase(0, end + delimiter.size());
        return out;
      }
      if (!fill()) return {};
    }
  }

  /// Reads one response (head and Content-Length body). nullopt if the
  /// connection ended before a complete one arrived.
  std::optional<std::string> read_response() {
    for (;;) {
      const auto head_end = buffer_.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const auto head = lower(buffer_.substr(0, head_end));
        std::size_t length = 0;
        const auto cl = head.find("\r\ncontent-length:");
        if (cl != std::string::npos) {
          length = std::stoul(head.substr(cl + std::string("\r\ncontent-length:").size()));
        }
        const auto total = head_end + 4 + length;
        if (buffer_.size() >= total) {
          auto response = buffer_.substr(0, total);
          buffer_.erase(0, total);
          return response;
        }
      }
      if (!fill()) return std::nullopt;
    }
  }

  /// Whatever arrives next (buffered first); "" when the connection ended.
  std::string read_some() {
    if (buffer_.empty() && !fill()) return {};
    std::string out;
    out.swap(buffer_);
    return out;
  }

  /// True when the server closed its side: read() returns 0 once everything
  /// sent before was consumed. False if data arrived or the guard ran out.
  bool closed_by_peer() {
    if (!buffer_.empty()) return false;
    char c;
    const auto n = ::recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

 private:
  bool fill() {
    char chunk[4096];
    const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_;
  std::string buffer_;
};

/// The value of a header in a raw response, lower-cased; "" when absent.
inline std::string raw_header(const std::string& response, const std::string& name) {
  const auto text = lower(response);
  const auto key = "\r\n" + lower(name) + ":";
  const auto pos = text.find(key);
  if (pos == std::string::npos) return {};
  const auto end = text.find("\r\n", pos + key.size());
  return trim(text.substr(pos + key.size(), end - pos - key.size()));
}

/// "HTTP/1.1 200 OK..." -> 200
inline int raw_status(const std::string& response) {
  const auto space = response.find(' ');
  return space == std::string::npos ? 0 : std::stoi(response.substr(space + 1, 3));
}

}  // namespace roombook::http::test
