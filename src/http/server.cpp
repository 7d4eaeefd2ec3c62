// src/http/server.cpp — Server: one task per connection (on net::start_server) reading
// requests with RequestParser, calling the Router, writing responses; MulticoreServer.
//
// A connection's life:
//   idle  — waiting for the first byte of a request (keepalive_timeout; for the first
//           request header_timeout from accept). shutdown() cancels connections here.
//   busy  — the head is being read (header_timeout), the handler runs, the response is
//           written, an unread body is discarded. shutdown() lets this finish.
// Then back to idle, or closed: after an error answer (half-close, then discard what the
// client still sends for lingering_timeout), when either side asked for close, at
// max_keepalive_requests, or during shutdown.
//
// Coroutines here keep co_await results in named locals and build option structs before
// awaiting (the g++ 12 rules in HELPER_BRIEF / docs/asyncio.md).
#include <corio/http/server.hpp>

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <future>
#include <list>
#include <optional>
#include <span>
#include <stdexcept>
#include <thread>
#include <utility>

#include <corio/errors.hpp>
#include <corio/http/errors.hpp>
#include <corio/loop.hpp>
#include <corio/net/errors.hpp>
#include <corio/net/streams.hpp>
#include <corio/run.hpp>
#include <corio/spawn.hpp>
#include <corio/sync/event.hpp>
#include <corio/timeout.hpp>

#include "head_writer.hpp"

namespace corio::http {

class Connection;

struct Server::State {
  Router router;
  ServerOptions options;
  std::optional<net::Server> listener;
  std::list<Connection*> connections;
  bool started = false;
  bool shutting_down = false;
  Event shutdown_done;

  void report(std::string_view what) const {
    if (options.error_log) {
      options.error_log(what);
    } else {
      std::fprintf(stderr, "corio.http: %.*s\n", static_cast<int>(what.size()), what.data());
    }
  }
};

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::string_view_literals;

constexpr std::size_t kReadBuffer = 16 * 1024;

// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 IMF-fixdate), formatted once per second.
std::string_view http_date() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  thread_local std::time_t cached = -1;
  thread_local char text[32];
  const std::time_t now = std::time(nullptr);
  if (now != cached) {
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                  tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    cached = now;
  }
  return {text, 29};
}

void append_number(std::string& out, std::uint64_t value, int base = 10) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value, base).ptr;
  out.append(digits, end);
}

// The connection tokens of every Connection field.
struct ConnectionTokens {
  bool close = false;
  bool keep_alive = false;
};

// Adds the tokens of one Connection field's value.
void add_connection_tokens(std::string_view value, ConnectionTokens& tokens) {
  for_each_list_item(value, [&tokens](std::string_view token) {
    if (iequals(token, "close")) tokens.close = true;
    if (iequals(token, "keep-alive")) tokens.keep_alive = true;
  });
}

// What serve_request reads from a request's fields, in one pass.
struct RequestFields {
  ConnectionTokens tokens;
  unsigned hosts = 0;  // Host fields
};

// Whether a 4-byte field name is "Host" in any case: one load, no call. Each letter of
// "host" has bit 0x20 set, so only its upper and lower case map onto it.
bool is_host(std::string_view name) noexcept {
  std::uint32_t word = 0;
  std::memcpy(&word, name.data(), 4);
  std::uint32_t host = 0;
  std::memcpy(&host, "host", 4);
  return (word | 0x20202020u) == host;
}

RequestFields request_fields(const HeaderList& headers) {
  RequestFields fields;
  for (const auto& [name, value] : headers) {
    if (name.size() == 4) {
      fields.hosts += is_host(name) ? 1 : 0;
    } else if (name.size() == 10 && iequals(name, "connection")) {
      add_connection_tokens(value, fields.tokens);
    }
  }
  return fields;
}

// The response fields the server adds, replaces or looks at.
enum class Field : std::uint8_t {
  other,
  server,
  date,
  connection,
  content_length,
  transfer_encoding
};

Field classify(std::string_view name) noexcept {
  switch (name.size()) {  // one comparison at most
    case 4:
      return iequals(name, "date") ? Field::date : Field::other;
    case 6:
      return iequals(name, "server") ? Field::server : Field::other;
    case 10:
      return iequals(name, "connection") ? Field::connection : Field::other;
    case 14:
      return iequals(name, "content-length") ? Field::content_length : Field::other;
    case 17:
      return iequals(name, "transfer-encoding") ? Field::transfer_encoding : Field::other;
    default:
      return Field::other;
  }
}

}  // namespace

// One accepted connection; lives in its task's frame.
class Connection final : public detail::BodySource {
 public:
  Connection(std::shared_ptr<Server::State> state, std::shared_ptr<net::Transport> transport)
      : state_(std::move(state)),
        transport_(std::move(transport)),
        remote_(transport_->peer_address()),
        parser_(parser_options()),
        in_(std::make_unique<char[]>(kReadBuffer)),
        task_(current_task()),
        loop_(&Loop::current()) {
    state_->connections.push_back(this);
    entry_ = std::prev(state_->connections.end());
    timer_.owner = this;
    timer_.fire = &Connection::on_timer;
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    loop_->cancel_timer(timer_);
    state_->connections.erase(entry_);
  }

  Task<> run();
  Task<std::optional<std::string>> read_chunk() override;

  [[nodiscard]] bool idle() const noexcept { return idle_; }
  void cancel() noexcept { task_.cancel(); }

 private:
  struct Answer {
    int status = 0;
    std::uint64_t body_bytes = 0;
  };

  ParserOptions parser_options() {
    ParserOptions options;
    options.limits = state_->options.limits;
    options.body_sink = [this](std::string_view piece) { body_.append(piece); };
    return options;
  }
  Loop::TimePoint deadline_in(std::chrono::milliseconds delay) const {
    return loop_->coarse_now() + std::chrono::duration_cast<Loop::Duration>(delay);
  }

  // Deadlines (header, body, keep-alive, write, lingering) work as a corio::timeout scope
  // around each read or write would: when one passes, the waiting task is cancelled and
  // the wait ends in TimeoutError, while a cancellation from elsewhere stays a
  // CancelledError. But one timer serves the connection, armed lazily: beginning a wait
  // only stores its deadline, and moves the timer only when it would fire too late; a timer
  // that fires before the stored deadline re-arms itself for it. A busy keep-alive
  // connection so touches the loop's timer heap about once per timeout period instead of
  // twice per request. One wait at a time: the connection reads and writes in turn.
  struct DeadlineTimer : corio::detail::TimerEntry {
    Connection* owner = nullptr;
  };
  // Begins a wait of the current task that must end by `deadline`.
  void begin_wait(Loop::TimePoint deadline);
  // Ends it. `failure` is what the awaited operation threw, if anything: true when that is
  // the CancelledError of the passed deadline, for the caller to raise as its timeout; any
  // other failure is rethrown.
  bool end_wait(const std::exception_ptr& failure);
  static void on_timer(corio::detail::TimerEntry* entry) noexcept;

  // co_await fill(deadline): reads more bytes into in_ by `deadline` (TimeoutError after);
  // false at the end of the stream. An awaitable, not a coroutine: the transport's read is
  // awaited directly and the deadline's bookkeeping runs around it, saving a frame per read.
  class Fill {
   public:
    Fill(Connection& connection, Task<std::size_t> read)
        : connection_(connection),
          read_(std::move(read)),
          inner_(std::move(read_).operator co_await()) {}
    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept {
      return inner_.await_suspend(caller);
    }
    bool await_resume();

   private:
    Connection& connection_;
    Task<std::size_t> read_;  // owns the read's frame while it is awaited
    Task<std::size_t>::Awaiter inner_;
  };
  Fill fill(Loop::TimePoint deadline);
  void feed();
  Task<bool> read_head(Loop::TimePoint deadline);
  Task<bool> serve_request();
  Task<> write(std::string_view data);
  // How a response's body goes out after its head.
  struct Framing {
    bool streamed = false;  // from the producer, after the head
    bool chunked = false;   // in chunks (HTTP/1.1); else raw, and the connection closes
  };
  // Puts the response's head, and a body sent inline, into out_; settles keep_alive (a
  // handler's "Connection: close", a streamed body on HTTP/1.0) and the answer's status.
  // Not a coroutine: most responses then go out through respond() with no frame.
  Framing frame_response(ServerResponse& response, bool head_request, int http_minor,
                         bool& keep_alive, Answer& answer);
  // Frames the response into out_, after the responses held there, and sends all of it that
  // the kernel takes at once: nullopt when that was all, else the Task, to be awaited, that
  // sends the rest and a streamed body. A sized response on a kept connection is held
  // instead while more bytes of a pipelined request wait in in_ (run() sends it before
  // anything could wait for the client): a burst of pipelined requests is answered with
  // one write, not one per response.
  std::optional<Task<>> respond(ServerResponse& response, bool head_request, int http_minor,
                                bool& keep_alive, Answer& answer) {
    const Framing framing = frame_response(response, head_request, http_minor, keep_alive, answer);
    if (!framing.streamed && keep_alive && in_start_ != in_end_ && parser_.message_complete() &&
        out_.size() < kMaxHeldOutput) {
      held_ = out_.size();
      return std::nullopt;
    }
    held_ = 0;
    std::string_view unsent = out_;
    if (transport_->try_write_all(unsent) && !framing.streamed) return std::nullopt;
    return finish_response(unsent, response, framing, keep_alive, answer);
  }
  // Sends the responses held in out_.
  Task<> send_held();
  // Sends `unsent` (the rest of out_), then a streamed body. Not a coroutine: a sized
  // response is just the write (on io_uring, every response), one frame fewer.
  Task<> finish_response(std::string_view unsent, ServerResponse& response, Framing framing,
                         bool& keep_alive, Answer& answer) {
    if (!framing.streamed) return write(unsent);
    return stream_response(unsent, response, framing, keep_alive, answer);
  }
  Task<> stream_response(std::string_view unsent, ServerResponse& response, Framing framing,
                         bool& keep_alive, Answer& answer);
  Task<bool> discard_body();
  // The answer to a failure of read_chunk() that escaped the handler: 400/413 for a bad
  // body, 408 for a stalled one. Rethrows a NetworkError (the client is gone).
  ServerResponse body_failure_response(std::exception_ptr failure);
  Task<> answer_error(int status, std::string detail);
  Task<> linger();
  // When a request began, for the access log (which alone reads the clock for it).
  Clock::time_point log_start() const {
    return state_->options.access_log ? Clock::now() : Clock::time_point{};
  }
  void log(const ServerRequest* request, const Answer& answer, Clock::time_point started);

  std::shared_ptr<Server::State> state_;
  std::shared_ptr<net::Transport> transport_;
  net::SocketAddress remote_;
  RequestParser parser_;
  std::unique_ptr<char[]> in_;  // bytes read and not yet parsed: [in_start_, in_end_)
  std::size_t in_start_ = 0;
  std::size_t in_end_ = 0;
  std::string body_;  // body bytes parsed and not yet handed to the handler
  std::string out_;   // the response being written (kept for its capacity)
  // out_'s first held_ bytes: answers to pipelined requests, not sent yet (see respond()).
  std::size_t held_ = 0;
  static constexpr std::size_t kMaxHeldOutput = 64 * 1024;
  TaskRef task_;
  Loop* loop_;
  DeadlineTimer timer_;  // armed at or before deadline_ while a wait is on
  Loop::TimePoint deadline_{};
  corio::detail::TaskHeader* waiter_ = nullptr;  // the task in the wait; nullptr: none
  std::uint32_t waiter_cancelling_ = 0;          // its cancel requests when the wait began
  bool deadline_passed_ = false;                 // the timer cancelled waiter_
  std::list<Connection*>::iterator entry_;
  std::size_t requests_ = 0;
  bool idle_ = true;
  bool continue_pending_ = false;  // Expect: 100-continue, and "100 Continue" not sent yet
  // What read_chunk() threw last. A handler may meet the same exception types in its own
  // work (an AsyncClient's RemoteProtocolError, a timeout, a backend refusing): those are
  // its failures (500), told apart from the body's by identity.
  std::exception_ptr body_failure_;
};

void Connection::begin_wait(Loop::TimePoint deadline) {
  deadline_ = deadline;
  waiter_ = corio::detail::current_task_header();
  waiter_cancelling_ = waiter_->cancelling();
  deadline_passed_ = false;
  if (timer_.armed()) {
    if (timer_.when <= deadline) return;  // fires early, then re-arms for deadline_
    loop_->cancel_timer(timer_);
  }
  timer_.when = deadline;  // a past deadline fires at the loop's next timer check
  loop_->add_timer(timer_);
}

bool Connection::end_wait(const std::exception_ptr& failure) {
  corio::detail::TaskHeader* waiter = std::exchange(waiter_, nullptr);
  bool expired = false;
  if (deadline_passed_) {
    deadline_passed_ = false;
    // Ours only if no other cancellation is pending beyond those present when the wait began.
    expired = waiter->uncancel() <= waiter_cancelling_ && is_cancelled_error(failure);
  }
  if (failure && !expired) std::rethrow_exception(failure);
  return expired;
}

void Connection::on_timer(corio::detail::TimerEntry* entry) noexcept {
  Connection* self = static_cast<DeadlineTimer*>(entry)->owner;
  if (self->waiter_ == nullptr || self->deadline_passed_) return;  // no wait: stay unarmed
  if (self->deadline_ > entry->when) {
    entry->when = self->deadline_;
    self->loop_->add_timer(*entry);
    return;
  }
  self->deadline_passed_ = true;
  self->waiter_->cancel();
}

Connection::Fill Connection::fill(Loop::TimePoint deadline) {
  if (in_start_ == in_end_) {
    in_start_ = in_end_ = 0;
  } else if (in_end_ == kReadBuffer) {
    std::memmove(in_.get(), in_.get() + in_start_, in_end_ - in_start_);
    in_end_ -= in_start_;
    in_start_ = 0;
  }
  if (in_end_ == kReadBuffer) throw std::logic_error("corio.http: read buffer full");
  const std::span<std::byte> space(reinterpret_cast<std::byte*>(in_.get()) + in_end_,
                                   kReadBuffer - in_end_);
  Fill awaitable(*this, transport_->read_some(space));
  begin_wait(deadline);
  return awaitable;
}

bool Connection::Fill::await_resume() {
  std::size_t n = 0;
  std::exception_ptr failure;
  try {
    n = inner_.await_resume();
  } catch (...) {
    failure = std::current_exception();
  }
  if (connection_.end_wait(failure)) throw TimeoutError();
  connection_.in_end_ += n;
  return n != 0;
}

void Connection::feed() {
  const FeedResult result =
      parser_.feed(std::span<const char>(in_.get() + in_start_, in_end_ - in_start_));
  in_start_ += result.consumed;
}

Task<bool> Connection::read_head(Loop::TimePoint deadline) {
  bool complete = false;
  while (true) {
    if (in_start_ != in_end_) {
      feed();
      if (parser_.headers_complete()) {
        complete = true;
        break;
      }
    }
    const bool more = co_await fill(deadline);
    if (!more) break;
  }
  co_return complete;
}

Task<std::optional<std::string>> Connection::read_chunk() {
  std::optional<std::string> piece;
  try {
    while (true) {
      if (!body_.empty()) {
        piece.emplace(std::move(body_));
        body_.clear();
        break;
      }
      if (parser_.message_complete()) break;
      if (in_start_ != in_end_) {
        feed();
        continue;
      }
      if (continue_pending_) {
        continue_pending_ = false;
        co_await write("HTTP/1.1 100 Continue\r\n\r\n");
      }
      const bool more = co_await fill(deadline_in(state_->options.body_timeout));
      if (!more) {
        parser_.finish();  // throws: the stream ended inside the body
        break;
      }
    }
  } catch (...) {
    body_failure_ = std::current_exception();
    throw;
  }
  co_return piece;
}

ServerResponse Connection::body_failure_response(std::exception_ptr failure) {
  body_failure_ = nullptr;
  try {
    std::rethrow_exception(std::move(failure));
  } catch (const RemoteProtocolError& e) {
    return ServerResponse::text(e.what(), status_code(e.kind()));
  } catch (const TimeoutError&) {
    return HTTPException(408, "request body timed out").response();
  } catch (const net::NetworkError&) {
    throw;  // the client went away: nobody to answer
  } catch (...) {
    state_->report("reading a request body failed: " + describe(std::current_exception()));
    return HTTPException(500).response();
  }
}

Task<> Connection::send_held() {
  std::string_view unsent(out_.data(), std::exchange(held_, 0));
  if (!transport_->try_write_all(unsent)) co_await write(unsent);
}

// A write that makes no progress for write_timeout fails as a NetworkError: the client is
// not reading, so the connection closes without another answer (which would stall too).
Task<> Connection::write(std::string_view data) {
  begin_wait(deadline_in(state_->options.write_timeout));
  std::exception_ptr failure;
  try {
    co_await transport_->write_all(data);
  } catch (...) {
    failure = std::current_exception();
  }
  if (end_wait(failure)) throw net::NetworkError(ETIMEDOUT, "writing to " + remote_.to_string());
}

Connection::Framing Connection::frame_response(ServerResponse& response, bool head_request,
                                               int http_minor, bool& keep_alive, Answer& answer) {
  if (response.status < 200 || response.status > 999) {
    state_->report("handler returned status " + std::to_string(response.status) +
                   "; answering 500");
    response = HTTPException(500).response();
  }
  const int status = response.status;
  answer.status = status;
  const bool bodiless_status = status == 204 || status == 304;
  const bool send_body = !head_request && !bodiless_status;
  const bool streamed = static_cast<bool>(response.producer);
  Framing framing;
  framing.streamed = send_body && streamed;
  bool& chunked = framing.chunked;
  bool has_server = false;
  bool has_date = false;
  bool has_length = false;
  ConnectionTokens tokens;
  for (const auto& [name, value] : response.headers) {
    switch (classify(name)) {
      case Field::server:
        has_server = true;
        break;
      case Field::date:
        has_date = true;
        break;
      case Field::content_length:
        has_length = true;
        break;
      case Field::connection:
        add_connection_tokens(value, tokens);
        break;
      default:
        break;
    }
  }
  if (tokens.close) keep_alive = false;
  // An explicit Content-Length on a body-less answer to HEAD is the handler's to give.
  const bool own_length = !(head_request && !streamed && response.body.empty() && has_length);
  if (!bodiless_status && streamed) {
    if (http_minor >= 1) {
      chunked = true;
    } else if (!head_request) {
      keep_alive = false;  // HTTP/1.0: the body ends where the connection does
    }
  }
  const bool body_inline = send_body && !streamed;
  char status_digits[24];
  const std::string_view status_text(
      status_digits,
      std::to_chars(status_digits, status_digits + sizeof status_digits, status).ptr);
  char length_digits[24];
  const std::string_view length_text(
      length_digits,
      std::to_chars(length_digits, length_digits + sizeof length_digits, response.body.size()).ptr);
  // The head (and a sized body) is copied into out_ in one pass, sized first by a bound: the
  // status line and the server's own fields (at most 131 bytes besides the reason phrase),
  // the handler's fields and the body.
  const std::string_view reason = reason_phrase(status);
  std::size_t bound = 131 + reason.size() + (body_inline ? response.body.size() : 0);
  for (const auto& [name, value] : response.headers) bound += name.size() + value.size() + 4;
  detail::HeadWriter head(out_, held_, bound);
  head.put("HTTP/1.1 "sv);
  head.put(status_text);
  head.put(" "sv);
  head.put(reason);
  head.put("\r\n"sv);
  if (!has_server) head.put("Server: corio\r\n"sv);
  if (!has_date) {
    head.put("Date: "sv);
    head.put(http_date());
    head.put("\r\n"sv);
  }
  for (const auto& [name, value] : response.headers) {
    const Field field = classify(name);
    const bool framing_field = field == Field::content_length ||
                               field == Field::transfer_encoding || field == Field::connection;
    if (framing_field && (own_length || field != Field::content_length)) continue;
    head.put(name);
    head.put(": "sv);
    head.put(value);
    head.put("\r\n"sv);
  }
  if (chunked) {
    head.put("Transfer-Encoding: chunked\r\n"sv);
  } else if (!bodiless_status && !streamed && own_length) {
    head.put("Content-Length: "sv);
    head.put(length_text);
    head.put("\r\n"sv);
  }
  if (!keep_alive) {
    head.put("Connection: close\r\n"sv);
  } else if (http_minor == 0) {
    head.put("Connection: keep-alive\r\n"sv);
  }
  head.put("\r\n"sv);
  if (body_inline) head.put(std::string_view(response.body));
  head.finish();
  if (body_inline) answer.body_bytes = response.body.size();
  return framing;
}

Task<> Connection::stream_response(std::string_view unsent, ServerResponse& response,
                                   Framing framing, bool& keep_alive, Answer& answer) {
  if (!unsent.empty()) co_await write(unsent);
  std::exception_ptr failure;
  while (true) {
    std::optional<std::string> piece;
    try {
      piece = co_await response.producer();
    } catch (const CancelledError&) {
      throw;
    } catch (...) {
      failure = std::current_exception();
    }
    if (failure || !piece) break;
    if (piece->empty()) continue;
    answer.body_bytes += piece->size();
    if (framing.chunked) {
      out_.clear();
      append_number(out_, piece->size(), 16);
      out_ += "\r\n";
      out_ += *piece;
      out_ += "\r\n";
      co_await write(out_);
    } else {
      co_await write(*piece);
    }
  }
  if (failure) {
    keep_alive = false;  // the client sees the body end without its last chunk
    state_->report("streamed body failed: " + describe(failure));
  } else if (framing.chunked) {
    co_await write("0\r\n\r\n");
  }
}

Task<bool> Connection::discard_body() {
  bool complete = false;
  try {
    while (true) {
      body_.clear();
      if (parser_.message_complete()) {
        complete = true;
        break;
      }
      if (in_start_ != in_end_) {
        feed();
        continue;
      }
      const bool more = co_await fill(deadline_in(state_->options.body_timeout));
      if (!more) break;
    }
  } catch (const CancelledError&) {
    throw;
  } catch (...) {
    complete = false;  // a bad or stalled body: the connection closes
  }
  body_.clear();
  co_return complete;
}

void Connection::log(const ServerRequest* request, const Answer& answer,
                     Clock::time_point started) {
  if (!state_->options.access_log) return;
  AccessLogEntry entry;
  entry.remote_address = remote_;
  entry.status = answer.status;
  entry.body_bytes = answer.body_bytes;
  entry.duration = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
  if (request != nullptr) {
    entry.method = request->method();
    entry.target = request->target();
    entry.http_version = request->http_version();
    entry.user_agent = request->headers().first("user-agent").value_or("");
    entry.referer = request->headers().first("referer").value_or("");
  } else {
    const Message& head = parser_.current();
    entry.method = head.method;
    entry.target = head.target;
    entry.http_version = head.http_minor == 0 ? "HTTP/1.0" : "HTTP/1.1";
  }
  try {
    state_->options.access_log(entry);
  } catch (...) {
    state_->report("access log hook failed: " + describe(std::current_exception()));
  }
}

Task<> Connection::answer_error(int status, std::string detail) {
  const auto started = log_start();
  ServerResponse response = ServerResponse::text(std::move(detail), status);
  bool keep_alive = false;
  Answer answer;
  try {
    if (auto rest = respond(response, false, 1, keep_alive, answer)) co_await std::move(*rest);
  } catch (const CancelledError&) {
    throw;
  } catch (...) {
    co_return;  // the client is gone or not reading
  }
  log(nullptr, answer, started);
}

Task<> Connection::linger() {
  if (!transport_->can_write_eof()) co_return;
  try {
    transport_->write_eof();
    const auto deadline = deadline_in(state_->options.lingering_timeout);
    while (true) {
      in_start_ = in_end_ = 0;
      const bool more = co_await fill(deadline);
      if (!more) break;
    }
  } catch (const CancelledError&) {
    throw;
  } catch (...) {
    // Timed out or reset: done either way.
  }
}

Task<bool> Connection::serve_request() {
  const auto started = log_start();
  const ServerOptions& options = state_->options;
  Message& head = parser_.current();
  const int http_minor = head.http_minor;
  const RequestFields fields = request_fields(head.headers);
  const ConnectionTokens& tokens = fields.tokens;
  // RFC 9112 3.2: exactly one Host field in HTTP/1.1, never more than one (nginx: 400).
  const bool bad_host = fields.hosts > 1 || (fields.hosts == 0 && http_minor >= 1);
  bool keep_alive = http_minor >= 1 ? !tokens.close : tokens.keep_alive;
  const bool client_keep_alive = keep_alive;
  ++requests_;
  if (requests_ >= options.max_keepalive_requests) keep_alive = false;

  bool expectation_failed = false;
  continue_pending_ = false;
  if (auto expect = head.header("expect"); expect && http_minor >= 1) {
    if (iequals(*expect, "100-continue")) {
      continue_pending_ = !parser_.message_complete() && body_.empty();
    } else {
      expectation_failed = true;
    }
  }
  const bool head_request = std::string_view(head.method) == "HEAD";
  ServerRequest request(std::move(head.method), std::move(head.target), head.http_major, http_minor,
                        Headers(std::move(head.headers), detail::valid_fields), remote_,
                        client_keep_alive, this);
  ServerResponse response;
  bool must_close = false;  // the request cannot be read further
  if (expectation_failed) {
    response = HTTPException(417).response();
    must_close = true;
  } else if (bad_host) {
    response = HTTPException(400, "a request needs exactly one Host field").response();
    must_close = true;
  } else if (!request.target_valid()) {
    response = HTTPException(400, "invalid request target").response();
    must_close = true;
  } else {
    std::exception_ptr failure;
    try {
      response = co_await state_->router.dispatch(request);
    } catch (const HTTPException& e) {
      response = e.response();
    } catch (const CancelledError&) {
      throw;
    } catch (...) {
      failure = std::current_exception();
    }
    if (failure && failure == body_failure_) {
      response = body_failure_response(std::move(failure));
      must_close = true;
    } else if (failure) {
      state_->report(request.method() + " " + request.target() +
                     ": handler failed: " + describe(failure));
      response = HTTPException(500).response();
      must_close = true;  // as aiohttp: nothing vouches for what the failed handler left
    }
  }
  const bool body_done = parser_.message_complete();
  // The client waits for "100 Continue" before it sends the body: none will come.
  if (!body_done && continue_pending_) must_close = true;
  if (must_close || state_->shutting_down) keep_alive = false;
  Answer answer;
  if (auto rest = respond(response, head_request, http_minor, keep_alive, answer))
    co_await std::move(*rest);
  log(&request, answer, started);
  // Body bytes that came with the head and the handler left unread are this request's:
  // the next handler must never get them.
  body_.clear();
  if (keep_alive && !body_done) {
    const bool drained = co_await discard_body();
    keep_alive = drained;
  }
  if (keep_alive) {
    parser_.next_message();
    keep_alive = !parser_.upgraded();  // no protocol switch here: answered, then closed
    // The next head's fields reuse this one's strings and vector: no allocation per field.
    parser_.recycle_headers(request.take_header_fields());
  }
  co_return keep_alive;
}

Task<> Connection::run() {
  const ServerOptions& options = state_->options;
  auto head_deadline = deadline_in(options.header_timeout);  // the first request: from accept
  int error_status = 0;
  std::string error_detail;
  bool lingering = false;
  try {
    while (!state_->shutting_down) {
      idle_ = true;
      if (in_start_ == in_end_) {
        const auto idle_deadline =
            requests_ == 0 ? head_deadline : deadline_in(options.keepalive_timeout);
        bool more = false;
        try {
          more = co_await fill(idle_deadline);
        } catch (const TimeoutError&) {
          more = false;  // idle too long: close without a word, as nginx does
        }
        if (!more) break;
      }
      idle_ = false;
      if (requests_ != 0) head_deadline = deadline_in(options.header_timeout);
      // A head that arrived whole is parsed here, without read_head()'s frame.
      feed();
      bool head = parser_.headers_complete();
      // Held answers stay held only while the next request is here whole: its handler
      // then never waits for the client (no body to read, no 100 Continue to send).
      if (held_ != 0 && !(head && parser_.message_complete())) co_await send_held();
      if (!head) head = co_await read_head(head_deadline);
      if (!head) break;  // the client closed within a head
      const bool keep_alive = co_await serve_request();
      if (!keep_alive) {
        lingering = !parser_.message_complete() || in_start_ != in_end_;
        break;
      }
    }
    // Answers held for a request that then ended the connection (an upgrade) or a shutdown.
    if (held_ != 0) co_await send_held();
  } catch (const RemoteProtocolError& e) {
    error_status = status_code(e.kind());
    error_detail = e.what();
  } catch (const TimeoutError&) {
    error_status = 408;
    error_detail = "request head not received in time";
  } catch (const net::NetworkError&) {
    // Reset by the client, or a write that failed: nothing more to say.
  }
  if (error_status != 0) {
    idle_ = false;
    co_await answer_error(error_status, std::move(error_detail));
    lingering = true;
  }
  if (lingering) co_await linger();
}

namespace {

Task<> serve_connection(std::shared_ptr<Server::State> state,
                        std::shared_ptr<net::Transport> transport) {
  if (!state) co_return;  // the Server is gone
  Connection connection(std::move(state), std::move(transport));
  co_await connection.run();
}

Task<> close_and_drain(std::shared_ptr<Server::State> state);

// Closes the listener, cancels idle connections, waits for the rest (up to the deadline).
Task<> shut_down(std::shared_ptr<Server::State> state) {
  if (!state->started) co_return;
  if (state->shutting_down) {
    co_await state->shutdown_done.wait();
  } else {
    co_await close_and_drain(state);
  }
}

Task<> close_and_drain(std::shared_ptr<Server::State> state) {
  state->shutting_down = true;
  state->listener->close();
  const std::vector<Connection*> idle(state->connections.begin(), state->connections.end());
  for (Connection* connection : idle) {
    if (connection->idle()) connection->cancel();
  }
  bool timed_out = false;
  std::exception_ptr cancelled;
  net::Server* listener = &*state->listener;
  try {
    co_await timeout(state->options.shutdown_timeout,
                     [listener]() { return listener->wait_closed(); });
  } catch (const TimeoutError&) {
    timed_out = true;
  } catch (const CancelledError&) {
    cancelled = std::current_exception();
  }
  if (timed_out || cancelled) {
    const std::vector<Connection*> left(state->connections.begin(), state->connections.end());
    for (Connection* connection : left) connection->cancel();
  }
  if (timed_out) co_await listener->wait_closed();
  state->shutdown_done.set();
  if (cancelled) std::rethrow_exception(cancelled);
}

}  // namespace

Server::Server(Router router) : Server(std::move(router), ServerOptions{}) {}

Server::Server(Router router, ServerOptions options) : state_(std::make_shared<State>()) {
  state_->router = std::move(router);
  state_->options = std::move(options);
}

Server::~Server() {
  if (!state_ || !state_->started || state_->shutting_down) return;
  // Destroyed while serving: stop at once, as cancelling everything would.
  state_->shutting_down = true;
  state_->listener->close();
  const std::vector<Connection*> left(state_->connections.begin(), state_->connections.end());
  for (Connection* connection : left) connection->cancel();
  state_->shutdown_done.set();
}

Task<> Server::start(std::string host, std::uint16_t port) {
  auto state = state_;
  if (state->started) throw RuntimeError("corio.http: Server::start called twice");
  net::ServerOptions options;
  options.ssl = state->options.ssl;
  options.ssl_handshake_timeout = state->options.header_timeout;
  options.listen.backlog = state->options.backlog;
  options.listen.reuse_port = state->options.reuse_port;
  // Weak: the state owns the listener, whose state owns this handler.
  std::weak_ptr<State> weak = state;
  net::ConnectionHandler handler = [weak](net::StreamReader reader, net::StreamWriter) {
    return serve_connection(weak.lock(), reader.transport());
  };
  net::Server listener =
      co_await net::start_server(std::move(handler), std::move(host), port, std::move(options));
  state->listener.emplace(std::move(listener));
  state->started = true;
}

std::vector<net::SocketAddress> Server::sockets() const {
  if (!state_->listener) return {};
  return state_->listener->sockets();
}

std::uint16_t Server::port() const {
  const auto addresses = sockets();
  return addresses.empty() ? 0 : addresses.front().port();
}

bool Server::is_serving() const noexcept {
  return state_->started && !state_->shutting_down;
}

std::size_t Server::connection_count() const noexcept {
  return state_->connections.size();
}

Task<> Server::serve_forever() {
  auto state = state_;
  std::exception_ptr cancelled;
  try {
    co_await state->shutdown_done.wait();
  } catch (const CancelledError&) {
    cancelled = std::current_exception();
  }
  if (cancelled) {
    co_await shut_down(state);
    std::rethrow_exception(cancelled);
  }
}

Task<> Server::shutdown() {
  return shut_down(state_);
}

// --- MulticoreServer ---

struct MulticoreServer::Worker {
  std::thread thread;
  std::promise<std::uint16_t> ready;
  Loop* loop = nullptr;  // set, with stop, before ready is fulfilled
  Event* stop = nullptr;
  bool running = false;  // ready was fulfilled with a port
};

namespace {

Task<> run_worker(MulticoreServer::Worker* worker, Router router, ServerOptions options,
                  std::string host, std::uint16_t port) {
  Server server(std::move(router), std::move(options));
  co_await server.start(std::move(host), port);
  Event stop;
  worker->loop = &Loop::current();
  worker->stop = &stop;
  worker->ready.set_value(server.port());
  co_await stop.wait();
  co_await server.shutdown();
}

}  // namespace

MulticoreServer::MulticoreServer(std::function<Router()> make_router, ServerOptions options)
    : make_router_(std::move(make_router)), options_(std::move(options)) {
  options_.reuse_port = true;
}

MulticoreServer::~MulticoreServer() {
  stop();
}

void MulticoreServer::start(std::string host, std::uint16_t port, std::size_t threads) {
  if (threads == 0) throw std::invalid_argument("MulticoreServer::start: 0 threads");
  if (!workers_.empty()) throw RuntimeError("corio.http: MulticoreServer::start called twice");
  for (std::size_t i = 0; i < threads; ++i) {
    auto worker = std::make_unique<Worker>();
    Worker* w = worker.get();
    std::future<std::uint16_t> ready = w->ready.get_future();
    w->thread = std::thread([this, w, host, port] {
      try {
        Router router = make_router_();
        corio::run(run_worker(w, std::move(router), options_, host, port));
      } catch (...) {
        try {
          w->ready.set_exception(std::current_exception());
        } catch (const std::future_error&) {
          std::fprintf(stderr, "corio.http: server thread failed: %s\n",
                       describe(std::current_exception()).c_str());
        }
      }
    });
    workers_.push_back(std::move(worker));
    try {
      port = ready.get();  // port 0: the first worker's choice, for the others too
      w->running = true;
    } catch (...) {
      stop();
      workers_.clear();
      throw;
    }
  }
  port_ = port;
}

void MulticoreServer::stop() {
  for (auto& worker : workers_) {
    if (worker->running) {
      Event* stop = worker->stop;
      worker->loop->call_soon_threadsafe([stop] { stop->set(); });
      worker->running = false;
    }
  }
  for (auto& worker : workers_) {
    if (worker->thread.joinable()) worker->thread.join();
  }
}

void run_multicore(std::size_t threads, std::function<Router()> make_router, ServerOptions options,
                   std::string host, std::uint16_t port) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &signals, &previous);
  try {
    MulticoreServer server(std::move(make_router), std::move(options));
    server.start(std::move(host), port, threads);
    int received = 0;
    sigwait(&signals, &received);
    server.stop();
  } catch (...) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    throw;
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

}  // namespace corio::http
