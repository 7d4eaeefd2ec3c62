// include/corio/net/stream_reader.hpp — corio::net::StreamReader (asyncio.StreamReader).
//
//   auto [reader, writer] = co_await corio::net::open_connection("127.0.0.1", 8080);
//   std::string line = co_await reader.readline();
//
// Buffers what the transport delivers. `limit` bounds what a readline/readuntil may return
// before its separator (asyncio's default 64 KiB). One reading task at a time: a read that
// needs more bytes while another one waits for them throws corio::RuntimeError, as asyncio
// does. Every read: Suspends while more bytes are needed; Throws NetworkError subclasses
// from the transport and CancelledError; Cancellation: safe — bytes already received stay
// in the buffer for the next read.
//
// A transport error is kept (exception()): every later read throws it again, even with
// bytes still buffered, as asyncio's reader does once it holds an exception. Reading after
// EOF returns "" (read, readline) or throws IncompleteReadError (readexactly, readuntil).
#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include <corio/net/transport.hpp>
#include <corio/task.hpp>

namespace corio::net {

class StreamReader {
 public:
  static constexpr std::size_t kDefaultLimit = 64 * 1024;

  StreamReader() = default;
  explicit StreamReader(std::shared_ptr<Transport> transport, std::size_t limit = kDefaultLimit);

  // Up to n bytes (at least one unless at EOF, where it returns ""). n < 0 reads to EOF;
  // n == 0 returns "" at once. The limit does not apply.
  Task<std::string> read(std::ptrdiff_t n = -1);
  // Exactly n bytes (n == 0: "" at once); the limit does not apply. Throws
  // IncompleteReadError (partial: every byte that was left, now consumed; expected: n) at an
  // early EOF.
  Task<std::string> readexactly(std::size_t n);
  // Bytes up to and including `separator` (not empty: std::invalid_argument). Throws
  // IncompleteReadError at EOF (partial: every byte that was left, now consumed);
  // LimitOverrunError when more than `limit` bytes come before the separator (found, or not
  // found yet: consumed() says how many bytes were searched) — the bytes stay buffered.
  Task<std::string> readuntil(std::string_view separator = "\n");
  // readuntil("\n"), except that EOF returns the partial line (or ""), and that on
  // LimitOverrunError the overlong line is dropped first, as asyncio's readline does: through
  // its newline when that was found, else everything buffered (the rest of the line is then
  // what the next read sees).
  Task<std::string> readline();

  // True when the buffer is empty and the stream is over: the peer has closed, or the
  // transport has been closed on this side (StreamWriter::close).
  [[nodiscard]] bool at_eof() const noexcept {
    return (eof_ || (transport_ && !transport_->is_open())) && buffered() == 0;
  }
  // The transport error a read ran into (kept and thrown again by every later read), or null.
  [[nodiscard]] std::exception_ptr exception() const noexcept { return error_; }
  [[nodiscard]] std::size_t buffered() const noexcept { return buffer_.size() - start_; }
  [[nodiscard]] std::size_t limit() const noexcept { return limit_; }
  [[nodiscard]] const std::shared_ptr<Transport>& transport() const noexcept { return transport_; }

 private:
  // Reads once more from the transport into the buffer; false at EOF.
  Task<bool> fill();
  std::string take(std::size_t n);

  std::shared_ptr<Transport> transport_;
  std::string buffer_;
  std::size_t start_ = 0;  // consumed prefix of buffer_
  std::size_t limit_ = kDefaultLimit;
  std::exception_ptr error_;  // sticky: the first transport error
  bool eof_ = false;
  bool filling_ = false;  // a read is waiting in fill()
};

}  // namespace corio::net
