// src/http/connection.hpp — one HTTP/1.1 client connection: writes a request, reads the
// response head and then its body piece by piece, and says whether it may be reused.
//
// Every operation takes its own deadline and raises the client's errors (WriteTimeout,
// ReadTimeout, WriteError, ReadError, RemoteProtocolError). After any failure the
// connection is broken: reusable() is false and the pool closes it. The response to a
// request whose send() failed may still be read (a server that answered early and closed).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <corio/http/parser.hpp>
#include <corio/http/request.hpp>
#include <corio/net/transport.hpp>
#include <corio/task.hpp>

namespace corio::http::detail {

using Clock = std::chrono::steady_clock;
using OptionalDuration = std::optional<std::chrono::milliseconds>;

// Where a connection goes: scheme, host and port of the request (through a proxy too).
struct Origin {
  std::string scheme;
  std::string host;
  std::uint16_t port = 0;
  friend bool operator==(const Origin&, const Origin&) = default;
};

class Connection {
 public:
  Connection(std::unique_ptr<net::Transport> transport, Origin origin);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  [[nodiscard]] const Origin& origin() const noexcept { return origin_; }
  // Requests sent on this connection so far (0: fresh).
  [[nodiscard]] std::size_t requests() const noexcept { return requests_; }

  // Writes the request head and body. absolute_form: the target is the whole URL (a
  // request to an HTTP proxy). proxy_authorization: a Proxy-Authorization value, or "".
  // Throws WriteTimeout, WriteError, LocalProtocolError, what a BodyStream throws.
  Task<> send(const Request& request, bool absolute_form, std::string_view proxy_authorization,
              OptionalDuration write_timeout);

  // Reads up to the end of the final response's head (1xx interim responses are skipped;
  // a 101 is a RemoteProtocolError: the client cannot switch protocols). no_body: the
  // response has no body whatever it says (an answer to HEAD). The caller may move the
  // status line's and the headers' fields out of the message.
  // Throws ReadTimeout, ReadError, RemoteProtocolError.
  Task<Message*> read_head(bool no_body, OptionalDuration read_timeout);

  // The body from the bytes received so far: appends the next raw (still content-encoded)
  // body bytes to `out` (piece), or says the body has ended (end), or that more must be
  // received first (need_bytes; nothing appended). Throws RemoteProtocolError.
  enum class BodyStep { piece, end, need_bytes };
  BodyStep read_body(std::string& out);
  // Receives more bytes (after read_body() said need_bytes). Throws as read_head().
  Task<> receive(OptionalDuration read_timeout);

  // Whether any byte of a response to the last request arrived (false: a stale keep-alive
  // connection that failed before any response byte may be retried on a fresh one).
  [[nodiscard]] bool response_started() const noexcept { return response_started_; }

  // The whole response was read, both sides agreed to keep the connection (neither said
  // Connection: close; an HTTP/1.0 response said keep-alive), nothing is left over, and
  // nothing failed.
  [[nodiscard]] bool reusable() const noexcept;

  [[nodiscard]] Clock::time_point idle_since() const noexcept { return idle_since_; }
  void mark_idle() noexcept { idle_since_ = Clock::now(); }

  // Closes at once (no TLS close_notify).
  void close() noexcept;
  // Closes gracefully (TLS sends close_notify first). Never throws for the peer's failures.
  Task<> aclose();
  [[nodiscard]] bool is_open() const noexcept { return transport_ && transport_->is_open(); }
  // The server closed this connection or wrote to it unasked (Transport::is_readable()).
  [[nodiscard]] bool peer_spoke() noexcept { return !transport_ || transport_->is_readable(); }

 private:
  // Reads once from the transport into buffer_ (growing it only while a message does not
  // fit); false at EOF.
  Task<bool> fill(OptionalDuration read_timeout);
  // Feeds buffered bytes to the parser.
  void parse_buffered();
  Task<> write(std::string_view bytes, OptionalDuration write_timeout);
  // write()'s fast path (Transport::try_write_all, its errors named as write()'s): sends what
  // the socket takes at once, without write()'s coroutine frames; true when that was all of
  // `bytes`, else `bytes` is left holding the rest.
  bool write_now(std::string_view& bytes);

  std::unique_ptr<net::Transport> transport_;
  Origin origin_;
  ResponseParser parser_;
  // Bytes read, not yet parsed: [start_, end_) of buffer_ (capacity_ bytes, allocated on
  // the first read and never zero-filled).
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t start_ = 0;
  std::size_t end_ = 0;
  std::string head_;          // the request head being written, reused from request to request
  std::string body_pending_;  // body bytes the parser delivered, not yet handed out
  std::uint64_t body_received_ = 0;  // body bytes of the current response so far
  std::size_t requests_ = 0;
  bool eof_ = false;
  bool broken_ = false;
  bool response_started_ = false;
  bool done_ = true;  // the last response was read to its end
  bool keep_alive_ = true;
  Clock::time_point idle_since_ = Clock::now();
};

}  // namespace corio::http::detail
