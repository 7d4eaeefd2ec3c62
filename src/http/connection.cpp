// Connection: one HTTP/1.1 exchange at a time over a transport.
#include "connection.hpp"

#include <algorithm>
#include <cstring>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>

#include <corio/errors.hpp>
#include <corio/http/errors.hpp>
#include <corio/http/headers.hpp>
#include <corio/loop.hpp>
#include <corio/net/errors.hpp>
#include <corio/timeout.hpp>

#include "head_writer.hpp"

namespace corio::http::detail {

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;  // the read buffer's first size
constexpr std::size_t kMinRead = 4 * 1024;     // less room than this: compact or grow

// co_await within<TimeoutType>(limit, task, what): runs `task` inline within `limit` (none:
// unbounded); expiry throws `TimeoutType` ("WHAT timed out after N ms"). The deadline is a
// corio::Timeout scope held in this awaiter, which lives in the awaiting frame: one timer
// per bounded read or write, and no coroutine frame of its own.
template <class TimeoutType, class T>
class Within {
 public:
  Within(OptionalDuration limit, Task<T> task, std::string_view what) noexcept
      : limit_(limit), task_(std::move(task)), what_(what) {}
  Within(const Within&) = delete;
  Within& operator=(const Within&) = delete;

  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) {
    inner_.emplace(std::move(task_).operator co_await());
    if (limit_) {
      scope_.emplace(Loop::current().coarse_now() +
                     std::chrono::duration_cast<Loop::Duration>(*limit_));
      scope_->enter();
    }
    return inner_->await_suspend(caller);
  }
  T await_resume() {
    try {
      if constexpr (std::is_void_v<T>) {
        inner_->await_resume();
        leave(false);
      } else {
        T value = inner_->await_resume();
        leave(false);
        return value;
      }
    } catch (const CancelledError&) {
      leave(true);
      throw;
    } catch (...) {
      leave(false);
      throw;
    }
  }

 private:
  // Leaves the scope (once the task is over, however it ended); a cancellation that was the
  // scope's own deadline becomes TimeoutType. Never throws when `cancelled` is false.
  void leave(bool cancelled) {
    if (scope_ && scope_->exit(cancelled)) {
      throw TimeoutType(std::string(what_) + " timed out after " + std::to_string(limit_->count()) +
                        " ms");
    }
  }

  OptionalDuration limit_;
  Task<T> task_;
  std::optional<typename Task<T>::Awaiter> inner_;
  std::optional<corio::Timeout> scope_;
  std::string_view what_;
};

template <class TimeoutType, class T>
Within<TimeoutType, T> within(OptionalDuration limit, Task<T> task, std::string_view what) {
  return Within<TimeoutType, T>(limit, std::move(task), what);
}

void append_chunk_size(std::string& out, std::size_t size) {
  constexpr char kHex[] = "0123456789abcdef";
  char digits[sizeof(std::size_t) * 2];
  std::size_t n = 0;
  do {
    digits[n++] = kHex[size & 0xf];
    size >>= 4;
  } while (size != 0);
  while (n > 0) out.push_back(digits[--n]);
  out.append("\r\n");
}

// The request carries "Connection: close" (among other options or not): the connection
// ends with this exchange whatever the response says (RFC 9112 9.6).
bool asks_to_close(const Headers& headers) {
  for (const auto& [name, value] : headers) {
    if (iequals(name, "connection") && list_has(value, "close")) return true;
  }
  return false;
}

[[noreturn]] void throw_write_error(const net::NetworkError& e) {
  throw WriteError(std::string("writing the request: ") + e.what());
}

}  // namespace

Connection::Connection(std::unique_ptr<net::Transport> transport, Origin origin)
    : transport_(std::move(transport)),
      origin_(std::move(origin)),
      parser_(ParserOptions{.body_sink = [this](std::string_view piece) {
        body_pending_.append(piece);
        body_received_ += piece.size();
      }}) {}

bool Connection::reusable() const noexcept {
  return done_ && keep_alive_ && !broken_ && !eof_ && start_ == end_ && is_open();
}

void Connection::close() noexcept {
  broken_ = true;
  if (transport_) transport_->close();
}

Task<> Connection::aclose() {
  broken_ = true;
  if (transport_) co_await transport_->aclose();
}

Task<> Connection::write(std::string_view bytes, OptionalDuration write_timeout) {
  try {
    // The limit is per send, as httpx's write timeout is: usually one send takes it all.
    while (!bytes.empty()) {
      const std::size_t n = co_await within<WriteTimeout>(
          write_timeout, transport_->write_some(std::as_bytes(std::span(bytes))),
          "writing the request");
      bytes.remove_prefix(n);
    }
  } catch (const net::NetworkError& e) {
    throw_write_error(e);
  }
}

bool Connection::write_now(std::string_view& bytes) {
  try {
    return transport_->try_write_all(bytes);
  } catch (const net::NetworkError& e) {
    throw_write_error(e);
  }
}

Task<> Connection::send(const Request& request, bool absolute_form,
                        std::string_view proxy_authorization, OptionalDuration write_timeout) {
  broken_ = true;  // until the whole request is out
  ++requests_;
  done_ = false;
  response_started_ = false;
  body_received_ = 0;
  keep_alive_ = false;  // until the whole request is out
  if (!is_token(request.method)) {
    throw LocalProtocolError("invalid HTTP method '" + request.method + "'");
  }
  std::string& head = head_;
  std::string absolute_target;
  std::string_view target;
  if (absolute_form) {
    absolute_target = request.url.without_fragment().without_userinfo().str();
    target = absolute_target;
  } else {
    target = request.url.raw_path();
    if (target.empty()) target = "/";
  }
  constexpr std::string_view kProxyAuthorization = "Proxy-Authorization: ";
  const std::string_view body = request.stream ? std::string_view() : request.content;
  // " HTTP/1.1\r\n" and the blank line: 13 bytes; each field 4 besides its name and value.
  std::size_t bound = request.method.size() + 1 + target.size() + 13 + body.size();
  for (const auto& [name, value] : request.headers) bound += name.size() + value.size() + 4;
  if (!proxy_authorization.empty()) {
    bound += kProxyAuthorization.size() + proxy_authorization.size() + 2;
  }
  HeadWriter writer(head, bound);
  writer.put(request.method).put(" ").put(target).put(" HTTP/1.1\r\n");
  for (const auto& [name, value] : request.headers) {  // a Headers holds valid fields only
    writer.put(name).put(": ").put(value).put("\r\n");
  }
  if (!proxy_authorization.empty()) {
    writer.put(kProxyAuthorization).put(proxy_authorization).put("\r\n");
  }
  writer.put("\r\n").put(body);
  writer.finish();

  if (!request.stream) {
    std::string_view rest(head);
    if (!write_now(rest)) co_await write(rest, write_timeout);
    if (head.capacity() > kReadChunk) std::string().swap(head);  // a large body's copy
  } else {
    co_await write(head, write_timeout);
    const bool chunked = !request.headers.contains("content-length");
    std::string frame;
    for (;;) {
      std::optional<std::string> piece = co_await request.stream();
      if (!piece) break;
      if (piece->empty()) continue;
      frame.clear();
      if (chunked) append_chunk_size(frame, piece->size());
      frame.append(*piece);
      if (chunked) frame.append("\r\n");
      co_await write(frame, write_timeout);
    }
    if (chunked) co_await write("0\r\n\r\n", write_timeout);
  }
  broken_ = false;
  keep_alive_ = !asks_to_close(request.headers);
}

void Connection::parse_buffered() {
  if (start_ == end_) return;
  const auto result = parser_.feed(std::span<const char>(buffer_.get() + start_, end_ - start_));
  start_ += result.consumed;
  if (start_ == end_) start_ = end_ = 0;
}

Task<bool> Connection::fill(OptionalDuration read_timeout) {
  if (start_ == end_) start_ = end_ = 0;
  if (capacity_ - end_ < kMinRead && start_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + start_, end_ - start_);
    end_ -= start_;
    start_ = 0;
  }
  if (capacity_ - end_ < kMinRead) {
    const std::size_t capacity = std::max(kReadChunk, 2 * capacity_);
    auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
    if (end_ > 0) std::memcpy(bigger.get(), buffer_.get(), end_);
    buffer_ = std::move(bigger);
    capacity_ = capacity;
  }
  std::size_t n = 0;
  try {
    auto span = std::as_writable_bytes(std::span(buffer_.get() + end_, capacity_ - end_));
    n = co_await within<ReadTimeout>(read_timeout, transport_->read_some(span),
                                     "reading the response");
  } catch (const net::NetworkError& e) {
    throw ReadError(std::string("reading the response: ") + e.what());
  }
  end_ += n;
  if (n == 0) eof_ = true;
  if (n > 0) response_started_ = true;  // even bytes the parser then rejects
  co_return n > 0;
}

Task<Message*> Connection::read_head(bool no_body, OptionalDuration read_timeout) {
  broken_ = true;
  parser_.set_expect_no_body(no_body);
  for (;;) {
    parse_buffered();
    if (parser_.headers_complete()) {
      const int status = parser_.current().status_code;
      if (status >= 200) {
        broken_ = false;
        co_return &parser_.current();
      }
      if (status == 101) {
        // What follows is another protocol; the client has no way to speak it, and llhttp
        // would parse nothing more.
        throw RemoteProtocolError(
            "the server switched protocols (101 Switching Protocols), which the client does "
            "not support");
      }
      if (parser_.message_complete()) {
        parser_.next_message();  // an interim 1xx response: the real one follows
        continue;
      }
    }
    if (eof_) {
      throw RemoteProtocolError(
          response_started_ ? "the server closed the connection inside the response head"
                            : "the server closed the connection without sending a response");
    }
    const bool got_bytes = co_await fill(read_timeout);
    (void)got_bytes;
  }
}

Connection::BodyStep Connection::read_body(std::string& out) {
  broken_ = true;
  for (;;) {
    if (!body_pending_.empty()) {
      out.append(body_pending_);
      body_pending_.clear();
      broken_ = false;
      return BodyStep::piece;
    }
    if (parser_.message_complete()) {
      keep_alive_ = keep_alive_ && parser_.current().keep_alive;
      parser_.next_message();  // the head's fields were moved into the Response
      done_ = true;
      broken_ = false;
      return BodyStep::end;
    }
    parse_buffered();
    if (!body_pending_.empty() || parser_.message_complete()) continue;
    if (!eof_) return BodyStep::need_bytes;
    const Message& message = parser_.current();
    if (!message.chunked && !message.content_length && parser_.finish()) continue;  // at close
    std::string what = message.chunked
                           ? "the server closed the connection inside the chunked body ("
                           : "the server closed the connection before the body ended (";
    what += std::to_string(body_received_);
    if (message.content_length) what += " of " + std::to_string(*message.content_length);
    throw RemoteProtocolError(what + " bytes received)");
  }
}

Task<> Connection::receive(OptionalDuration read_timeout) {
  broken_ = true;  // read_body(), which follows, clears it; a failed read leaves it set
  (void)co_await fill(read_timeout);  // at EOF read_body() decides whether the body ended
}

}  // namespace corio::http::detail
