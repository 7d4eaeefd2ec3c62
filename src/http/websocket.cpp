// src/http/websocket.cpp — the WebSocket client: opening handshake on ResponseParser, frames
// sent through wslay's event API, frames received by our own parser (FrameParser in
// websocket_frames.hpp), one reader task and an optional keepalive task per connection.
//
// wslay is used without any I/O of its own, and only to send: its send callback appends
// frames to `out`, which flush() writes to the transport. Every wslay call is synchronous and
// touches the context from one task at a time (tasks switch only at co_await, and no wslay
// call spans one).
//
// Receiving is not wslay's because its event layer (1.1.1, Debian 12) breaks RFC 6455 in
// ways a server can trigger: a frame-level violation (control frame over 125 bytes,
// fragmented control frame, 64-bit length with the top bit set) makes it queue an empty
// close frame and fail, so the client aborted with 1006 instead of closing with 1002; a close
// frame with a 1-byte payload passes as one without a code; the registered codes 1012-1014
// are refused with 1002; a close reason cut by its 4096-byte buffer is checked as UTF-8 with
// two bytes skipped (valid reasons refused with 1007, invalid ones let through); a length
// announced in a header is only checked against max_size once payload bytes arrive; and its
// failures carry no reason, so nobody learns what was wrong.
#include <corio/http/websocket.hpp>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <wslay/wslay.h>

#include <algorithm>
#include <array>
#include <deque>
#include <exception>
#include <string>
#include <utility>

#include <corio/errors.hpp>
#include <corio/http/parser.hpp>
#include <corio/http/url.hpp>
#include <corio/loop.hpp>
#include <corio/net/connect.hpp>
#include <corio/net/tcp.hpp>
#include <corio/shield.hpp>
#include <corio/sleep.hpp>
#include <corio/spawn.hpp>
#include <corio/sync/event.hpp>
#include <corio/sync/lock.hpp>
#include <corio/timeout.hpp>

#include "base64.hpp"
#include "charset.hpp"
#include "host_header.hpp"
#include "websocket_frames.hpp"

namespace corio::http {

namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr std::size_t kReadChunk = 64 * 1024;

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    throw WebSocketError("WebSocket: the random generator failed");
  }
  return out;
}

// detail::base64(SHA-1(key + GUID)), RFC 6455 section 4.2.2.
std::string accept_for(std::string_view key) {
  const std::string input = std::string(key) + std::string(kGuid);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(input.data(), input.size(), digest.data(), &length, EVP_sha1(), nullptr) != 1) {
    throw WebSocketError("WebSocket: SHA-1 failed");
  }
  return detail::base64(std::string_view(reinterpret_cast<const char*>(digest.data()), length));
}

// The comma-separated tokens of every `name` field, lowercased, without blanks.
std::vector<std::string> header_tokens(const Headers& headers, std::string_view name) {
  std::vector<std::string> tokens;
  for (std::string_view value : headers.get_list(name)) {
    for_each_list_item(value,
                       [&tokens](std::string_view item) { tokens.push_back(ascii_lower(item)); });
  }
  return tokens;
}

bool is_ok_close(const std::optional<CloseFrame>& frame) noexcept {
  return frame && (frame->code == 1000 || frame->code == 1001 || frame->code == 1005);
}

// Codes an endpoint may put in a close frame it sends (websockets' EXTERNAL_CLOSE_CODES,
// without 1012-1014, which only servers send).
bool is_sendable_close_code(int code) noexcept {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
         (code >= 3000 && code <= 4999);
}

std::string describe_close(const CloseFrame& frame) {
  std::string_view meaning;
  switch (frame.code) {
    case 1000:
      meaning = "OK";
      break;
    case 1001:
      meaning = "going away";
      break;
    case 1002:
      meaning = "protocol error";
      break;
    case 1003:
      meaning = "unsupported type";
      break;
    case 1005:
      meaning = "no status code [internal]";
      break;
    case 1006:
      meaning = "connection closed abnormally [internal]";
      break;
    case 1007:
      meaning = "invalid data";
      break;
    case 1008:
      meaning = "policy violation";
      break;
    case 1009:
      meaning = "message too big";
      break;
    case 1010:
      meaning = "extension required";
      break;
    case 1011:
      meaning = "unexpected error";
      break;
    case 1012:
      meaning = "service restart";
      break;
    case 1013:
      meaning = "try again later";
      break;
    case 1014:
      meaning = "bad gateway";
      break;
    default:
      meaning = frame.code >= 3000 && frame.code < 4000   ? "registered"
                : frame.code >= 4000 && frame.code < 5000 ? "private use"
                                                          : "unknown";
  }
  std::string text = std::to_string(frame.code) + " (" + std::string(meaning) + ")";
  if (!frame.reason.empty()) text += " " + frame.reason;
  return text;
}

std::string describe_closed(const std::optional<CloseFrame>& rcvd,
                            const std::optional<CloseFrame>& sent, bool rcvd_then_sent) {
  if (!rcvd) {
    return sent ? "sent " + describe_close(*sent) + "; no close frame received"
                : "no close frame received or sent";
  }
  if (!sent) return "received " + describe_close(*rcvd) + "; no close frame sent";
  return rcvd_then_sent
             ? "received " + describe_close(*rcvd) + "; then sent " + describe_close(*sent)
             : "sent " + describe_close(*sent) + "; then received " + describe_close(*rcvd);
}

}  // namespace

InvalidStatus::InvalidStatus(int status_code, Headers headers)
    : InvalidHandshake("server rejected WebSocket connection: HTTP " + std::to_string(status_code)),
      status_code_(status_code),
      headers_(std::move(headers)) {}

ConnectionClosed::ConnectionClosed(std::optional<CloseFrame> rcvd, std::optional<CloseFrame> sent,
                                   bool rcvd_then_sent)
    : WebSocketError(describe_closed(rcvd, sent, rcvd_then_sent)),
      rcvd_(std::move(rcvd)),
      sent_(std::move(sent)),
      rcvd_then_sent_(rcvd_then_sent) {}

namespace detail {

// A ping() waiting for its pong; lives in the ping() frame, listed in WebSocketState::pings.
struct PingWaiter {
  std::string payload;
  Event pong;          // set when the pong arrived (acked) or the connection closed
  bool acked = false;  // a matching pong (or a later one) arrived
};

// Everything a connection's tasks share. Field states:
//   state      open → closing (a close frame queued or received) → closed (reader ended)
//   own_close  the close frame close() or fail() queued, until it is sent
//   aborted    the transport was closed without a closing handshake (write failure, timeout)
struct WebSocketState final : detail::FrameSink {
  explicit WebSocketState(const WebSocketOptions& options)
      : max_queue(options.max_queue),
        close_timeout(options.close_timeout),
        ping_interval(options.ping_interval),
        ping_timeout(options.ping_timeout),
        frame_parser(options.max_size) {
    wslay_event_callbacks callbacks{};  // no recv callback: wslay_event_recv() is never called
    callbacks.send_callback = &WebSocketState::on_send;
    callbacks.genmask_callback = &WebSocketState::on_genmask;
    if (wslay_event_context_client_init(&ctx, &callbacks, this) != 0) throw std::bad_alloc();
  }
  WebSocketState(const WebSocketState&) = delete;
  WebSocketState& operator=(const WebSocketState&) = delete;
  ~WebSocketState() { wslay_event_context_free(ctx); }

  // --- wslay callbacks (no exceptions may cross them) ---
  static ssize_t on_send(wslay_event_context_ptr ctx, const std::uint8_t* data, std::size_t len,
                         int, void* user) noexcept {
    auto* self = static_cast<WebSocketState*>(user);
    try {
      self->out.append(reinterpret_cast<const char*>(data), len);
    } catch (...) {
      wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
      return -1;
    }
    return static_cast<ssize_t>(len);
  }
  static int on_genmask(wslay_event_context_ptr, std::uint8_t* buf, std::size_t len,
                        void*) noexcept {
    return RAND_bytes(buf, static_cast<int>(len)) == 1 ? 0 : -1;
  }
  // --- receiving (FrameParser; see the file comment for why not wslay's) ---

  // Parses every whole frame received so far; a violation fails the connection.
  void parse_frames() {
    if (!reading) return;
    if (auto error = frame_parser.parse(in, in_pos, *this)) fail(error->code, error->reason);
  }

  void on_message(std::string data, bool binary) override {
    messages.push_back(WebSocketMessage{std::move(data), binary});
  }

  // A valid close frame: recorded and echoed; nothing is read after it.
  void on_close(int code, std::string_view reason) override {
    rcvd = CloseFrame{code, std::string(reason)};
    reading = false;
    if (state == WebSocket::State::open) state = WebSocket::State::closing;
    // The echo (RFC 6455 5.5.1); refused, harmlessly, when our own close frame was queued.
    const int rv = wslay_event_queue_close(ctx, static_cast<std::uint16_t>(code == 1005 ? 0 : code),
                                           reinterpret_cast<const std::uint8_t*>(reason.data()),
                                           reason.size());
    if (rv == WSLAY_ERR_NOMEM) throw std::bad_alloc();
  }

  void on_ping(std::string_view payload) override {
    const wslay_event_msg pong{WSLAY_PONG, reinterpret_cast<const std::uint8_t*>(payload.data()),
                               payload.size()};
    // Refused (WSLAY_ERR_NO_MORE_MSG) once our close frame is queued: no pong is due then.
    if (wslay_event_queue_msg(ctx, &pong) == WSLAY_ERR_NOMEM) throw std::bad_alloc();
  }

  // Fails the connection (RFC 6455 7.1.7): queues a close frame with `code` and `reason` (if
  // none was queued yet) and stops reading; the reader then waits for the server to close.
  void fail(int code, const std::string& reason) {
    reading = false;
    queue_close(code, reason);
  }

  // A pong acknowledges its ping and every ping sent before it (websockets' rule).
  void on_pong(std::string_view payload) noexcept override {
    const auto match = std::find_if(pings.begin(), pings.end(),
                                    [&](const PingWaiter* w) { return w->payload == payload; });
    if (match == pings.end()) return;
    for (auto it = pings.begin(); it != std::next(match); ++it) {
      (*it)->acked = true;
      (*it)->pong.set();
    }
    pings.erase(pings.begin(), std::next(match));
  }

  // Records the close frame once wslay produced it.
  void note_close_sent() {
    if (sent || !wslay_event_get_close_sent(ctx)) return;
    if (own_close) {
      sent = std::move(own_close);
    } else {
      const int code = wslay_event_get_status_code_sent(ctx);
      sent = CloseFrame{code, rcvd && rcvd->code == code ? rcvd->reason : std::string()};
    }
    own_close.reset();
    rcvd_then_sent = rcvd.has_value();
  }

  // Queues a close frame (if none was queued yet). Returns false when one was.
  bool queue_close(int code, std::string_view reason) {
    const int rv = wslay_event_queue_close(ctx, static_cast<std::uint16_t>(code),
                                           reinterpret_cast<const std::uint8_t*>(reason.data()),
                                           reason.size());
    if (rv != 0) return false;
    own_close = CloseFrame{code, std::string(reason)};
    if (state == WebSocket::State::open) state = WebSocket::State::closing;
    space.set();  // closing: the reader must read on to find the server's close frame
    return true;
  }

  // Closes the transport at once; the reader then ends (its read returns 0).
  void abort() noexcept {
    aborted = true;
    if (transport) transport->close();
    space.set();
  }

  // The reader ended: everything waiting learns that the connection is closed.
  void finish() noexcept {
    state = WebSocket::State::closed;
    if (transport) transport->close();
    for (PingWaiter* waiter : pings) waiter->pong.set();
    pings.clear();
    // Dropping the handle matters: a task cancelled before its first step still holds the
    // state in its parameter, and state → handle → frame → state would be a cycle.
    if (keepalive.valid()) keepalive.cancel();
    keepalive = {};
    readable.set();
    space.set();
    closed.set();
  }

  [[noreturn]] void throw_closed() const {
    if (is_ok_close(rcvd) && is_ok_close(sent))
      throw ConnectionClosedOK(rcvd, sent, rcvd_then_sent);
    throw ConnectionClosedError(rcvd, sent, rcvd_then_sent);
  }

  // Options (max_size is the frame parser's).
  std::size_t max_queue;
  std::chrono::milliseconds close_timeout;
  std::optional<std::chrono::milliseconds> ping_interval;
  std::optional<std::chrono::milliseconds> ping_timeout;

  wslay_event_context_ptr ctx = nullptr;
  std::unique_ptr<net::Transport> transport;
  std::string in;  // received bytes not parsed yet; in_pos of them parsed by parse_frames()
  std::size_t in_pos = 0;
  bool reading = true;  // false after a close frame was received or on failure
  detail::FrameParser frame_parser;
  std::string out;  // frames wslay produced, not yet written

  WebSocket::State state = WebSocket::State::connecting;
  std::optional<CloseFrame> own_close;
  std::optional<CloseFrame> rcvd;
  std::optional<CloseFrame> sent;
  bool rcvd_then_sent = false;
  bool aborted = false;

  std::deque<WebSocketMessage> messages;
  Event readable;   // set when messages arrived or the connection closed
  Event space;      // set when the reader may read on (room in `messages`, closing, aborted)
  Event closed;     // set once state is closed
  Lock write_lock;  // one flush() at a time: frames go out whole and in order
  std::vector<PingWaiter*> pings;  // in the order sent

  std::string subprotocol;
  Headers request_headers;
  Headers response_headers;
  net::SocketAddress remote_address;

  // The reader task (released by ~WebSocket) and the keepalive task (released by finish()).
  JoinHandle<void> reader;
  JoinHandle<void> keepalive;
};

}  // namespace detail

namespace {

using detail::WebSocketState;
using StatePtr = std::shared_ptr<WebSocketState>;

// Writes every frame wslay has queued. Never throws but CancelledError: a write failure
// aborts the connection (callers then see it closed).
Task<> flush(StatePtr state) {
  StatePtr self = std::move(state);
  auto guard = co_await self->write_lock.lock();
  while (!self->aborted) {
    if (wslay_event_send(self->ctx) != 0) {
      self->abort();
      break;
    }
    self->note_close_sent();
    if (self->out.empty()) break;
    std::string frames;
    frames.swap(self->out);
    bool failed = false;
    try {
      co_await self->transport->write_all(frames);
    } catch (const CancelledError&) {
      self->abort();  // a frame may be cut: the stream is unusable
      throw;
    } catch (...) {
      failed = true;
    }
    if (failed) self->abort();
  }
}

// Parses what the reader received (queuing pongs and close frames), then writes those.
Task<> process(const StatePtr& self) {
  self->parse_frames();
  self->in.erase(0, self->in_pos);  // keeps an incomplete frame
  self->in_pos = 0;
  if (!self->messages.empty()) self->readable.set();
  if (!self->aborted && wslay_event_want_write(self->ctx)) co_await flush(self);
}

// Reads until EOF, discarding (after the closing handshake: the server closes TCP first).
Task<> drain(net::Transport& transport) {
  std::vector<std::byte> buffer(4096);
  for (;;) {
    const std::size_t n = co_await transport.read_some(buffer);
    if (n == 0) break;
  }
}

// The reader task (websockets' transfer_data_task plus close_connection_task).
Task<> read_frames(StatePtr state) {
  StatePtr self = std::move(state);
  bool cancelled = false;
  try {
    std::vector<std::byte> buffer(kReadChunk);
    co_await process(self);  // frames that came with the handshake response
    bool eof = false;
    while (!self->aborted && self->reading) {
      while (self->messages.size() >= self->max_queue && self->state == WebSocket::State::open &&
             !self->aborted) {
        self->space.clear();
        co_await self->space.wait();
      }
      if (self->aborted) break;
      const std::size_t n = co_await self->transport->read_some(buffer);
      if (n == 0) {
        eof = true;
        break;
      }
      self->in.append(reinterpret_cast<const char*>(buffer.data()), n);
      co_await process(self);
    }
    if (!self->aborted && !eof) {
      // Closing handshake done, or wslay failed the connection (1002, 1007, 1009): wait for
      // the server to close TCP, as RFC 6455 7.1.1 asks of clients.
      bool timed_out = false;
      try {
        co_await timeout(self->close_timeout, [&]() { return drain(*self->transport); });
      } catch (const TimeoutError&) {
        timed_out = true;
      }
      if (!timed_out && self->rcvd && self->sent) co_await self->transport->aclose();
    }
  } catch (const CancelledError&) {
    cancelled = true;
  } catch (...) {
    // A transport failure (reset, TLS alert): the connection is closed without handshake.
  }
  self->finish();
  if (cancelled) throw CancelledError();
}

Task<std::chrono::nanoseconds> do_ping(StatePtr self, std::string payload);

// The keepalive task: a ping every ping_interval; no pong within ping_timeout fails the
// connection with 1011.
Task<> keep_alive(StatePtr state) {
  StatePtr self = std::move(state);
  const auto interval = *self->ping_interval;
  for (;;) {
    co_await sleep(interval);
    if (self->state != WebSocket::State::open) break;
    bool timed_out = false;
    try {
      if (self->ping_timeout) {
        co_await wait_for(do_ping(self, random_bytes(4)), *self->ping_timeout);
      } else {
        co_await do_ping(self, random_bytes(4));
      }
    } catch (const TimeoutError&) {
      timed_out = true;
    } catch (const std::exception&) {
      break;  // closed meanwhile
    }
    if (timed_out) {
      if (self->queue_close(1011, "keepalive ping timeout")) co_await flush(self);
      self->abort();
      break;
    }
  }
}

// Waits until the connection is closed; throws its ConnectionClosed.
Task<> raise_closed(StatePtr self) {
  if (self->state != WebSocket::State::closed) co_await self->closed.wait();
  self->throw_closed();
}

Task<std::chrono::nanoseconds> do_ping(StatePtr self, std::string payload) {
  if (payload.size() > 125) {
    throw std::invalid_argument("WebSocket ping: payload of " + std::to_string(payload.size()) +
                                " bytes, the limit is 125");
  }
  if (self->state != WebSocket::State::open) co_await raise_closed(self);
  const bool duplicate = std::any_of(self->pings.begin(), self->pings.end(),
                                     [&](const auto* w) { return w->payload == payload; });
  if (duplicate) {
    throw std::invalid_argument(
        "WebSocket ping: a ping with this payload already waits for its pong");
  }
  detail::PingWaiter waiter{std::move(payload), {}, false};
  struct Unlist {
    WebSocketState& state;
    detail::PingWaiter* waiter;
    ~Unlist() { std::erase(state.pings, waiter); }
  } unlist{*self, &waiter};
  const wslay_event_msg message{WSLAY_PING,
                                reinterpret_cast<const std::uint8_t*>(waiter.payload.data()),
                                waiter.payload.size()};
  if (wslay_event_queue_msg(self->ctx, &message) != 0) co_await raise_closed(self);
  self->pings.push_back(&waiter);
  const auto start = Loop::current().now();
  co_await shield(flush(self));
  co_await waiter.pong.wait();
  if (!waiter.acked) self->throw_closed();
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::nanoseconds>(Loop::current().now() - start);
  co_return elapsed;
}

struct Target {
  bool secure = false;
  std::string host;
  std::uint16_t port = 0;
  std::string host_header;
  std::string resource;
  std::string authorization;  // from userinfo
};

Target parse_target(const std::string& text) {
  std::optional<URL> url;
  try {
    url.emplace(URL::parse(text));
  } catch (const InvalidURL& error) {
    throw InvalidURI("invalid WebSocket URI '" + text + "': " + error.what());
  }
  Target target;
  if (url->scheme() == "wss") {
    target.secure = true;
  } else if (url->scheme() != "ws") {
    throw InvalidURI("invalid WebSocket URI '" + text + "': scheme isn't ws or wss");
  }
  if (url->host().empty()) throw InvalidURI("invalid WebSocket URI '" + text + "': missing host");
  const std::uint16_t default_port = target.secure ? 443 : 80;
  target.host = std::string(url->host());
  target.port = url->port().value_or(default_port);
  target.host_header = detail::host_header(*url);
  target.resource = std::string(url->raw_path());
  if (target.resource.empty()) target.resource = "/";
  if (url->has_userinfo()) {
    target.authorization = detail::basic_authorization(url->username(), url->password());
  }
  return target;
}

// Checks the server's 101 response (websockets' process_response / check_response).
void check_response(const Message& response, const std::string& key,
                    const std::vector<std::string>& offered, WebSocketState& state) {
  Headers headers(response.headers);
  if (response.status_code != 101) throw InvalidStatus(response.status_code, std::move(headers));
  const auto connection = header_tokens(headers, "Connection");
  if (std::find(connection.begin(), connection.end(), "upgrade") == connection.end()) {
    throw InvalidHandshake("invalid Connection header: " + headers.get("Connection").value_or(""));
  }
  const auto upgrade = header_tokens(headers, "Upgrade");
  if (upgrade.size() != 1 || upgrade[0] != "websocket") {
    throw InvalidHandshake("invalid Upgrade header: " + headers.get("Upgrade").value_or(""));
  }
  const auto accept = headers.get_list("Sec-WebSocket-Accept");
  if (accept.empty()) throw InvalidHandshake("missing Sec-WebSocket-Accept header");
  if (accept.size() > 1 || accept[0] != accept_for(key)) {
    throw InvalidHandshake("invalid Sec-WebSocket-Accept header: " +
                           *headers.get("Sec-WebSocket-Accept"));
  }
  if (auto extensions = headers.get("Sec-WebSocket-Extensions")) {
    throw InvalidHandshake("server sent Sec-WebSocket-Extensions '" + *extensions +
                           "' but no extension was offered");
  }
  if (auto protocol = headers.get("Sec-WebSocket-Protocol")) {
    if (offered.empty()) {
      throw InvalidHandshake("server chose subprotocol '" + *protocol + "' but none was offered");
    }
    if (std::find(offered.begin(), offered.end(), *protocol) == offered.end()) {
      throw InvalidHandshake("unsupported subprotocol '" + *protocol + "'");
    }
    state.subprotocol = *protocol;
  }
  state.response_headers = std::move(headers);
}

// Connects and runs the opening handshake; leaves the transport and any bytes after the
// response in `state`.
Task<> open_connection(WebSocketState& state, const Target& target,
                       const WebSocketOptions& options) {
  net::TcpStream tcp = co_await net::connect_tcp(target.host, target.port);
  if (target.secure) {
    auto context = options.ssl ? options.ssl : net::TlsContext::client();
    net::TlsConnectOptions tls_options;
    tls_options.server_hostname = target.host;
    tls_options.handshake_timeout = std::nullopt;  // open_timeout covers it
    net::TlsStream tls = co_await net::TlsStream::connect(std::move(tcp), std::move(context),
                                                          std::move(tls_options));
    state.transport = std::make_unique<net::TlsStream>(std::move(tls));
  } else {
    state.transport = std::make_unique<net::TcpStream>(std::move(tcp));
  }
  state.remote_address = state.transport->peer_address();

  const std::string key = detail::base64(random_bytes(16));
  Headers& request = state.request_headers;
  request.add("Host", target.host_header);
  request.add("Upgrade", "websocket");
  request.add("Connection", "Upgrade");
  request.add("Sec-WebSocket-Key", key);
  request.add("Sec-WebSocket-Version", "13");
  if (!options.subprotocols.empty()) {
    std::string offer;
    for (const std::string& protocol : options.subprotocols) {
      if (!offer.empty()) offer += ", ";
      offer += protocol;
    }
    request.add("Sec-WebSocket-Protocol", offer);
  }
  if (!target.authorization.empty() && !options.extra_headers.contains("Authorization")) {
    request.add("Authorization", target.authorization);
  }
  request.update(options.extra_headers);  // may replace Host
  std::string head = "GET " + target.resource + " HTTP/1.1\r\n";
  for (const auto& [name, value] : request) head += name + ": " + value + "\r\n";
  head += "\r\n";
  co_await state.transport->write_all(head);

  ParserOptions parser_options;
  parser_options.expect_no_body = true;  // the head is all we want, whatever the status
  ResponseParser parser(std::move(parser_options));
  std::string received;
  std::vector<std::byte> buffer(16 * 1024);
  for (;;) {
    const std::size_t n = co_await state.transport->read_some(buffer);
    if (n == 0) throw InvalidHandshake("connection closed while reading HTTP status line");
    received.append(reinterpret_cast<const char*>(buffer.data()), n);
    std::optional<Message> response;
    try {
      while (!received.empty()) {
        const FeedResult result = parser.feed(received);
        received.erase(0, result.consumed);
        if (!result.message_complete) break;
        Message message = parser.take_message();
        if (message.status_code >= 100 && message.status_code < 200 && message.status_code != 101) {
          continue;  // an interim response
        }
        response.emplace(std::move(message));
        break;
      }
    } catch (const ProtocolError& error) {
      throw InvalidHandshake(std::string("malformed HTTP response: ") + error.what());
    }
    if (response) {
      check_response(*response, key, options.subprotocols, state);
      state.in = std::move(received);  // frames sent right behind the 101
      co_return;
    }
  }
}

void check_options(const WebSocketOptions& options) {
  if (options.max_queue == 0)
    throw std::invalid_argument("WebSocketOptions: max_queue must be at least 1");
  for (std::string_view reserved :
       {"Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
        "Sec-WebSocket-Accept", "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions"}) {
    if (options.extra_headers.contains(reserved)) {
      throw std::invalid_argument("WebSocketOptions: extra_headers may not set " +
                                  std::string(reserved) + ", the handshake sets it");
    }
  }
  for (const std::string& protocol : options.subprotocols) {
    if (!is_token(protocol)) {
      throw std::invalid_argument("WebSocketOptions: subprotocol '" + protocol +
                                  "' is not a token");
    }
  }
}

}  // namespace

WebSocket::WebSocket() noexcept = default;
WebSocket::WebSocket(std::shared_ptr<detail::WebSocketState> state) noexcept
    : state_(std::move(state)) {}
WebSocket::WebSocket(WebSocket&&) noexcept = default;

WebSocket& WebSocket::operator=(WebSocket&& other) noexcept {
  if (this != &other) {
    WebSocket old(std::move(*this));
    state_ = std::move(other.state_);
  }
  return *this;
}

WebSocket::~WebSocket() {
  if (!state_) return;
  if (state_->state != State::closed) {
    state_->abort();
    state_->reader.cancel();
  }
  state_->reader = {};  // see WebSocketState::finish()
}

Task<WebSocket> WebSocket::connect(std::string url) {
  WebSocketOptions options;
  co_return co_await connect(std::move(url), std::move(options));
}

Task<WebSocket> WebSocket::connect(std::string url, WebSocketOptions options) {
  const Target target = parse_target(url);
  check_options(options);
  auto state = std::make_shared<WebSocketState>(options);
  if (options.open_timeout) {
    co_await timeout(*options.open_timeout,
                     [&]() { return open_connection(*state, target, options); });
  } else {
    co_await open_connection(*state, target, options);
  }
  state->state = State::open;
  state->reader = spawn(read_frames(state), "websocket reader");
  if (state->ping_interval) state->keepalive = spawn(keep_alive(state), "websocket keepalive");
  WebSocket ws(std::move(state));
  co_return ws;
}

namespace {

// Queues one data frame and writes it (shielded: a cancelled caller never cuts a frame).
Task<> send_frame(StatePtr state, std::uint8_t opcode, std::string_view payload) {
  if (!state) throw InvalidStateError("WebSocket: not connected");
  if (state->state != WebSocket::State::open) co_await raise_closed(state);
  const wslay_event_msg message{opcode, reinterpret_cast<const std::uint8_t*>(payload.data()),
                                payload.size()};
  const int rv = wslay_event_queue_msg(state->ctx, &message);
  if (rv == WSLAY_ERR_NOMEM) throw std::bad_alloc();
  if (rv != 0) co_await raise_closed(state);
  co_await shield(flush(state));
  if (state->aborted) co_await raise_closed(state);
}

}  // namespace

Task<> WebSocket::send(std::string_view text) {
  if (!detail::is_utf8(text))
    throw std::invalid_argument("WebSocket send: text is not valid UTF-8");
  co_await send_frame(state_, WSLAY_TEXT_FRAME, text);
}

Task<> WebSocket::send_binary(std::string_view data) {
  co_await send_frame(state_, WSLAY_BINARY_FRAME, data);
}

Task<> WebSocket::send_binary(std::span<const std::byte> data) {
  co_await send_frame(state_, WSLAY_BINARY_FRAME,
                      std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}

Task<WebSocketMessage> WebSocket::recv() {
  StatePtr state = state_;
  if (!state) throw InvalidStateError("WebSocket: not connected");
  while (state->messages.empty()) {
    if (state->state == State::closed) state->throw_closed();
    state->readable.clear();
    co_await state->readable.wait();
  }
  WebSocketMessage message = std::move(state->messages.front());
  state->messages.pop_front();
  if (state->messages.size() < state->max_queue) state->space.set();
  co_return message;
}

Task<std::chrono::nanoseconds> WebSocket::ping() {
  if (!state_) throw InvalidStateError("WebSocket: not connected");
  return do_ping(state_, random_bytes(4));
}

Task<std::chrono::nanoseconds> WebSocket::ping(std::string_view payload) {
  if (!state_) throw InvalidStateError("WebSocket: not connected");
  return do_ping(state_, std::string(payload));
}

Task<> WebSocket::close(int code, std::string_view reason) {
  if (!is_sendable_close_code(code)) {
    throw std::invalid_argument("WebSocket close: code " + std::to_string(code) +
                                " may not be sent (allowed: 1000-1003, 1007-1011, 3000-4999)");
  }
  if (reason.size() > 123 || !detail::is_utf8(reason)) {
    throw std::invalid_argument("WebSocket close: the reason must be UTF-8 of at most 123 bytes");
  }
  StatePtr state = state_;
  if (!state || state->state == State::closed) co_return;
  state->queue_close(code, reason);
  bool timed_out = false;
  try {
    co_await timeout(state->close_timeout, [&]() -> Task<> {
      co_await shield(flush(state));
      co_await state->closed.wait();
    });
  } catch (const TimeoutError&) {
    timed_out = true;
  }
  if (timed_out) {
    state->abort();
    co_await state->closed.wait();
  }
}

Task<> WebSocket::wait_closed() {
  StatePtr state = state_;
  if (state) co_await state->closed.wait();
}

WebSocket::State WebSocket::state() const noexcept {
  return state_ ? state_->state : State::closed;
}

std::optional<int> WebSocket::close_code() const noexcept {
  if (!state_ || state_->state != State::closed) return std::nullopt;
  return state_->rcvd ? state_->rcvd->code : 1006;
}

std::string WebSocket::close_reason() const {
  if (!state_ || state_->state != State::closed || !state_->rcvd) return {};
  return state_->rcvd->reason;
}

std::string WebSocket::subprotocol() const {
  return state_ ? state_->subprotocol : std::string();
}

const Headers& WebSocket::response_headers() const noexcept {
  static const Headers none;
  return state_ ? state_->response_headers : none;
}

const Headers& WebSocket::request_headers() const noexcept {
  static const Headers none;
  return state_ ? state_->request_headers : none;
}

const net::SocketAddress& WebSocket::remote_address() const noexcept {
  static const net::SocketAddress none;
  return state_ ? state_->remote_address : none;
}

}  // namespace corio::http
