// include/corio/http/websocket.hpp — corio::http::WebSocket, an RFC 6455 client over ws://
// and wss:// (Python's `websockets` client: websockets.connect and its protocol object).
//
//   auto ws = co_await corio::http::WebSocket::connect("ws://127.0.0.1:9222/devtools/page/1");
//   co_await ws.send(R"({"id":1,"method":"Page.navigate","params":{"url":"about:blank"}})");
//   corio::http::WebSocketMessage reply = co_await ws.recv();   // reply.data, reply.binary
//   co_await ws.close();                                         // 1000, closing handshake
//
//   WebSocketOptions options;                 // a named local (g++ 12, see connect())
//   options.subprotocols = {"chat"};
//   options.extra_headers.set("Origin", "http://localhost");
//   auto chat = co_await WebSocket::connect("wss://localhost:8443/chat", std::move(options));
//
// What it does: the opening handshake (random Sec-WebSocket-Key, Sec-WebSocket-Accept checked,
// Upgrade/Connection checked, the subprotocol must be one offered, extensions refused), masked
// frames, reassembly of fragmented messages, UTF-8 checks of text in both directions, pings
// answered with pongs, keepalive pings, close codes, and a message size limit. Frames are
// sent with wslay (event API) and received by corio's own parser, strict to RFC 6455; the
// opening handshake is parsed with corio's ResponseParser. Bytes the server sends right
// behind its 101 response are frames and are not lost.
//
// A server breaking the protocol makes the client fail the connection: it sends a close frame
// naming the fault (1002 protocol error: reserved bits, unknown opcode, masked frame, control
// frame over 125 bytes or fragmented, fragments out of sequence, bad length, a close frame of
// 1 byte or with a code not allowed on the wire; 1007: text or a close reason not UTF-8;
// 1009: a message over max_size, refused from its header), waits close_timeout at most for
// the server to close TCP, and recv() raises ConnectionClosedError ("sent 1002 (protocol
// error) reserved bits must be 0; no close frame received").
//
// One background task per connection reads frames as they arrive (websockets' "transfer
// data" task): it answers pings at once, completes ping() waits, and queues data messages for
// recv(). At most options.max_queue messages wait there; then the reader stops reading until
// recv() takes some (TCP backpressure; pings wait too, exactly as in websockets). A second
// task sends keepalive pings when options.ping_interval is set. Writes (send, ping, pongs,
// close) are serialised by a lock, each frame written whole, so any number of tasks may send
// concurrently, and recv() may run beside them.
//
// States (websockets.State):  connecting (inside connect()) → open → closing → closed
//   open     recv, send, ping work.
//   closing  a close frame was sent or received; recv() still returns queued messages;
//            send() and ping() throw ConnectionClosed once the connection is closed.
//   closed   the TCP connection is closed; close_code() and close_reason() are set; recv()
//            returns the messages still queued, then throws ConnectionClosedOK (both close
//            frames carried 1000, 1001 or no code) or ConnectionClosedError (anything else,
//            or a close frame missing: the connection broke).
//
// Belongs to the loop of the task that connected: use it only there. Movable while no
// operation is in flight. Destroying it without close() aborts the TCP connection (no
// close frame); operations pending in other tasks then end with ConnectionClosedError.
//
// Defines WebSocketOptions, WebSocketMessage, WebSocket, and the exceptions (websockets'
// names): WebSocketError ← InvalidURI, InvalidHandshake ← InvalidStatus, and
// WebSocketError ← ConnectionClosed ← ConnectionClosedOK, ConnectionClosedError.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <corio/http/headers.hpp>
#include <corio/net/address.hpp>
#include <corio/net/tls.hpp>
#include <corio/task.hpp>

namespace corio::http {

// Base of every WebSocket failure of this header (websockets.exceptions.WebSocketException).
// Transport failures while connecting are corio::net's own (DnsError, ConnectionRefusedError,
// TlsError, ...) and the open timeout is corio::TimeoutError, as websockets lets OSError and
// asyncio.TimeoutError through.
class WebSocketError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The URL is not a ws:// or wss:// URL: "invalid WebSocket URI 'http://x/': scheme isn't ws
// or wss".
class InvalidURI : public WebSocketError {
 public:
  using WebSocketError::WebSocketError;
};

// The server's answer to the opening handshake is not a valid WebSocket upgrade: "invalid
// handshake: Sec-WebSocket-Accept does not match the key", "... unsupported subprotocol
// 'x'", "... malformed HTTP response: ...".
class InvalidHandshake : public WebSocketError {
 public:
  using WebSocketError::WebSocketError;
};

// The server answered the handshake with a status other than 101 ("server rejected WebSocket
// connection: HTTP 200"). Carries the status and the response's headers (e.g. a redirect's
// Location; redirects are not followed).
class InvalidStatus : public InvalidHandshake {
 public:
  InvalidStatus(int status_code, Headers headers);
  [[nodiscard]] int status_code() const noexcept { return status_code_; }
  [[nodiscard]] const Headers& headers() const noexcept { return headers_; }

 private:
  int status_code_;
  Headers headers_;
};

// A close frame's content. Code 1005 stands for a close frame without a code.
struct CloseFrame {
  int code = 1000;
  std::string reason;
  friend bool operator==(const CloseFrame&, const CloseFrame&) = default;
};

// The connection is closed (websockets.ConnectionClosed): raised by recv() once every queued
// message was taken, and by send()/ping() on a closed connection. what() tells both sides,
// as websockets does: "received 1000 (OK) bye; then sent 1000 (OK) bye", "sent 1009
// (message too big); no close frame received", "no close frame received or sent".
class ConnectionClosed : public WebSocketError {
 public:
  ConnectionClosed(std::optional<CloseFrame> rcvd, std::optional<CloseFrame> sent,
                   bool rcvd_then_sent);
  // The close frame received from the server / sent by us; nullopt if none was.
  [[nodiscard]] const std::optional<CloseFrame>& rcvd() const noexcept { return rcvd_; }
  [[nodiscard]] const std::optional<CloseFrame>& sent() const noexcept { return sent_; }
  // True when the server closed first (we echoed), false when we did.
  [[nodiscard]] bool rcvd_then_sent() const noexcept { return rcvd_then_sent_; }
  // The received code, or 1006 when no close frame was received; and its reason.
  [[nodiscard]] int code() const noexcept { return rcvd_ ? rcvd_->code : 1006; }
  [[nodiscard]] std::string reason() const { return rcvd_ ? rcvd_->reason : std::string(); }

 private:
  std::optional<CloseFrame> rcvd_;
  std::optional<CloseFrame> sent_;
  bool rcvd_then_sent_;
};

// Both close frames were exchanged with code 1000 (normal), 1001 (going away) or none (1005).
class ConnectionClosedOK : public ConnectionClosed {
 public:
  using ConnectionClosed::ConnectionClosed;
};

// Any other ending: an error code (1002 protocol error, 1009 message too big, 1011, 4000, ...)
// in either close frame, or the TCP connection broke without a closing handshake.
class ConnectionClosedError : public ConnectionClosed {
 public:
  using ConnectionClosed::ConnectionClosed;
};

// websockets.connect()'s keyword arguments.
struct WebSocketOptions {
  // Sent with the handshake request (Origin, Authorization, Cookie, User-Agent...). A Host
  // field replaces the one made from the URL. The handshake's own fields (Upgrade,
  // Connection, Sec-WebSocket-*) are refused: connect() throws std::invalid_argument.
  Headers extra_headers;
  // Offered in Sec-WebSocket-Protocol, in order of preference; the server picks one or none.
  std::vector<std::string> subprotocols;
  // Largest incoming message (after reassembly), in bytes. A bigger one makes the client close
  // with 1009 (message too big): recv() then throws ConnectionClosedError. websockets' 1 MiB.
  std::size_t max_size = std::size_t{1} << 20;
  // Most received messages waiting for recv() before the reader stops reading. At least 1.
  std::size_t max_queue = 32;
  // The whole opening: DNS, TCP, TLS and the handshake. nullopt: no limit.
  std::optional<std::chrono::milliseconds> open_timeout = std::chrono::seconds(10);
  // close(): how long to wait for the closing handshake and for the server to close TCP,
  // after which the connection is aborted.
  std::chrono::milliseconds close_timeout = std::chrono::seconds(10);
  // Keepalive: a ping every ping_interval; no pong within ping_timeout closes the connection
  // with 1011 ("keepalive ping timeout"). nullopt disables either. websockets' 20 s and 20 s.
  std::optional<std::chrono::milliseconds> ping_interval = std::chrono::seconds(20);
  std::optional<std::chrono::milliseconds> ping_timeout = std::chrono::seconds(20);
  // wss://: the TLS context; null means net::TlsContext::client() (system CAs, verified).
  // The URL's host is sent as SNI and checked against the certificate. ws://: unused.
  std::shared_ptr<net::TlsContext> ssl;
};

// One received message: text (valid UTF-8, checked) or binary.
struct WebSocketMessage {
  std::string data;
  bool binary = false;
  [[nodiscard]] bool is_text() const noexcept { return !binary; }
  friend bool operator==(const WebSocketMessage&, const WebSocketMessage&) = default;
};

namespace detail {
struct WebSocketState;
}

class WebSocket {
 public:
  enum class State { connecting, open, closing, closed };

  WebSocket() noexcept;
  WebSocket(WebSocket&&) noexcept;
  WebSocket& operator=(WebSocket&&) noexcept;
  ~WebSocket();

  // Opens a connection to `url` (ws://host[:port]/path?query or wss://...; userinfo becomes
  // Basic authentication) and performs the opening handshake.
  // Suspends: while resolving, connecting, in the TLS handshake and until the 101 response.
  // Throws:   InvalidURI; std::invalid_argument for bad options (a reserved extra header,
  //           max_queue 0, a subprotocol that is not a token); net errors as connect_tcp()
  //           and TlsStream::connect() throw them (DnsError, ConnectionRefusedError,
  //           TlsError for an untrusted certificate, ...); InvalidStatus for a status
  //           other than 101; InvalidHandshake for a bad 101 response or a connection closed
  //           before one; corio::TimeoutError after open_timeout; CancelledError.
  // Cancellation: safe; the connection is closed, nothing leaks.
  // Owns:     from the call on, the connection; on success the WebSocket owns it and its
  //           reader (and keepalive) task.
  // g++ 12: build the options in a named local and move it in (see the header comment of
  // net/streams.hpp); the overload without options exists instead of a `= {}` default.
  static Task<WebSocket> connect(std::string url, WebSocketOptions options);
  static Task<WebSocket> connect(std::string url);

  // Sends `text` as one text frame. The frame is queued before the first suspension, so
  // messages go out in the order send() was called.
  // Suspends: until the frame was handed to the socket (while other frames are written and
  //           while the peer is not reading).
  // Throws:   std::invalid_argument when `text` is not valid UTF-8; ConnectionClosed (OK or
  //           Error) when the connection is closing or closed; CancelledError.
  // Cancellation: the message is still sent whole (its write is shielded); only the wait
  //           for it is abandoned.
  Task<> send(std::string_view text);
  // Sends one binary frame. As send(), without the UTF-8 check.
  Task<> send_binary(std::string_view data);
  Task<> send_binary(std::span<const std::byte> data);

  // The next message, fragments reassembled.
  // Suspends: while no message is queued and the connection is not closed.
  // Throws:   ConnectionClosedOK / ConnectionClosedError once closed and every queued
  //           message was taken (see the state table); CancelledError.
  // Cancellation: safe; nothing is lost (a message stays queued for the next recv()), and
  //           the connection stays open. Several tasks may wait; each message goes to one.
  Task<WebSocketMessage> recv();

  // Sends a ping (payload: 4 random bytes, or the one given, at most 125 bytes) and waits for
  // the matching pong; a pong also acknowledges every earlier ping (websockets' rule).
  // Returns the round-trip time.
  // Suspends: until the pong arrives — received by the reader task, so recv() need not run.
  // Throws:   std::invalid_argument for a payload over 125 bytes or one already waiting for
  //           its pong; ConnectionClosed when the connection closes first; CancelledError.
  // Cancellation: safe; the ping is sent anyway and its pong ignored.
  Task<std::chrono::nanoseconds> ping();
  Task<std::chrono::nanoseconds> ping(std::string_view payload);

  // Runs the closing handshake: sends a close frame with `code` and `reason` (unless one was
  // already sent), waits for the server's close frame and for the server to close TCP, then
  // closes the socket (TLS: with close_notify). After close_timeout the connection is aborted
  // instead. Idempotent: a second call waits for the first one's outcome.
  // Suspends: until the connection is closed.
  // Throws:   std::invalid_argument for a code not allowed on the wire (allowed: 1000-1003,
  //           1007-1011, 3000-4999) or a reason that is not UTF-8 or over 123 bytes;
  //           CancelledError. Never ConnectionClosed.
  // Cancellation: the close frame is sent anyway and the reader task finishes the closing
  //           handshake on its own (within close_timeout); the caller just stops waiting.
  Task<> close(int code = 1000, std::string_view reason = {});

  // Waits until the connection is closed (by either side). Never throws but CancelledError.
  // Cancellation: safe.
  Task<> wait_closed();

  [[nodiscard]] State state() const noexcept;
  [[nodiscard]] bool open() const noexcept { return state() == State::open; }
  [[nodiscard]] bool closed() const noexcept { return state() == State::closed; }
  // websockets' close_code/close_reason: nullopt/"" until closed; then the received close
  // frame's code (1005 for none) and reason, or 1006 and "" when none was received.
  [[nodiscard]] std::optional<int> close_code() const noexcept;
  [[nodiscard]] std::string close_reason() const;
  // The subprotocol the server chose, or "" for none.
  [[nodiscard]] std::string subprotocol() const;
  // The headers of the server's 101 response and of our request.
  [[nodiscard]] const Headers& response_headers() const noexcept;
  [[nodiscard]] const Headers& request_headers() const noexcept;
  [[nodiscard]] const net::SocketAddress& remote_address() const noexcept;

 private:
  explicit WebSocket(std::shared_ptr<detail::WebSocketState> state) noexcept;

  // Shared with the reader and keepalive tasks and with operations in flight.
  std::shared_ptr<detail::WebSocketState> state_;
};

}  // namespace corio::http
