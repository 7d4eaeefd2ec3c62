// Connection: one HTTP/1.1 exchange at a time over a transport.
#include "connection.hpp"

#include <exception>
#include <span>
#include <utility>

#include <corio/errors.hpp>
#include <corio/http/errors.hpp>
#include <corio/net/errors.hpp>
#include <corio/timeout.hpp>

namespace corio::http::detail {

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;

std::string milliseconds_text(std::chrono::milliseconds limit) {
  return std::to_string(limit.count()) + " ms";
}

// Runs `task` within `limit` (none: unbounded); corio::TimeoutError becomes `Timeout`.
template <class TimeoutType, class T>
Task<T> within(OptionalDuration limit, Task<T> task, std::string what) {
  if (!limit) co_return co_await std::move(task);
  try {
    co_return co_await corio::wait_for(std::move(task), *limit);
  } catch (const corio::TimeoutError&) {
    throw TimeoutType(what + " timed out after " + milliseconds_text(*limit));
  }
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

}  // namespace

Connection::Connection(std::unique_ptr<net::Transport> transport, Origin origin)
    : transport_(std::move(transport)),
      origin_(std::move(origin)),
      parser_(ParserOptions{
          .body_sink = [this](std::string_view piece) { body_pending_.append(piece); }}) {}

bool Connection::reusable() const noexcept {
  return done_ && keep_alive_ && !broken_ && !eof_ && start_ == buffer_.size() && is_open();
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
    co_await within<WriteTimeout>(write_timeout, transport_->write_all(bytes),
                                  "writing the request");
  } catch (const net::NetworkError& e) {
    throw WriteError(std::string("writing the request: ") + e.what());
  }
}

Task<> Connection::send(const Request& request, bool absolute_form,
                        std::string_view proxy_authorization, OptionalDuration write_timeout) {
  broken_ = true;  // until the whole request is out
  ++requests_;
  done_ = false;
  response_started_ = false;
  keep_alive_ = true;
  if (!is_token(request.method)) {
    throw LocalProtocolError("invalid HTTP method '" + request.method + "'");
  }
  std::string head;
  head.reserve(256 + request.content.size());
  head.append(request.method).push_back(' ');
  if (absolute_form) {
    head.append(request.url.without_fragment().without_userinfo().str());
  } else {
    const std::string_view target = request.url.raw_path();
    head.append(target.empty() ? std::string_view("/") : target);
  }
  head.append(" HTTP/1.1\r\n");
  for (const auto& [name, value] : request.headers) {
    validate_header(name, value);
    head.append(name).append(": ").append(value).append("\r\n");
  }
  if (!proxy_authorization.empty()) {
    head.append("Proxy-Authorization: ").append(proxy_authorization).append("\r\n");
  }
  head.append("\r\n");

  if (!request.stream) {
    head.append(request.content);
    co_await write(head, write_timeout);
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
}

void Connection::parse_buffered() {
  if (start_ == buffer_.size()) return;
  const auto result =
      parser_.feed(std::span<const char>(buffer_.data() + start_, buffer_.size() - start_));
  start_ += result.consumed;
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  }
  if (result.consumed > 0) response_started_ = true;
}

Task<bool> Connection::fill(OptionalDuration read_timeout) {
  if (start_ > 0 && start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  }
  const std::size_t old_size = buffer_.size();
  buffer_.resize(old_size + kReadChunk);
  std::size_t n = 0;
  try {
    auto span = std::as_writable_bytes(std::span(buffer_.data() + old_size, kReadChunk));
    n = co_await within<ReadTimeout>(read_timeout, transport_->read_some(span),
                                     "reading the response");
  } catch (const net::NetworkError& e) {
    buffer_.resize(old_size);
    throw ReadError(std::string("reading the response: ") + e.what());
  } catch (...) {
    buffer_.resize(old_size);
    throw;
  }
  buffer_.resize(old_size + n);
  if (n == 0) eof_ = true;
  co_return n > 0;
}

Task<const Message*> Connection::read_head(bool no_body, OptionalDuration read_timeout) {
  broken_ = true;
  parser_.set_expect_no_body(no_body);
  for (;;) {
    parse_buffered();
    if (parser_.headers_complete()) {
      if (parser_.current().status_code >= 200) {
        broken_ = false;
        co_return &parser_.current();
      }
      if (parser_.message_complete()) {
        (void)parser_.take_message();  // an interim 1xx response: the real one follows
        continue;
      }
    }
    if (eof_) {
      if (parser_.finish()) continue;
      throw RemoteProtocolError(
          response_started_ ? "the server closed the connection inside the response head"
                            : "the server closed the connection without sending a response");
    }
    const bool got_bytes = co_await fill(read_timeout);
    (void)got_bytes;
  }
}

Task<bool> Connection::read_body(std::string& out, OptionalDuration read_timeout) {
  broken_ = true;
  for (;;) {
    if (!body_pending_.empty()) {
      out.append(body_pending_);
      body_pending_.clear();
      broken_ = false;
      co_return true;
    }
    if (parser_.message_complete()) {
      const Message message = parser_.take_message();
      keep_alive_ = message.keep_alive;
      done_ = true;
      broken_ = false;
      co_return false;
    }
    parse_buffered();
    if (!body_pending_.empty() || parser_.message_complete()) continue;
    if (eof_) {
      if (parser_.finish()) continue;
      throw RemoteProtocolError("the server closed the connection before the body ended");
    }
    const bool got_bytes = co_await fill(read_timeout);
    (void)got_bytes;
  }
}

}  // namespace corio::http::detail
