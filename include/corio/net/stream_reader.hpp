// include/corio/net/stream_reader.hpp — corio::net::StreamReader (asyncio.StreamReader).
//
//   auto [reader, writer] = co_await corio::net::open_connection("127.0.0.1", 8080);
//   std::string line = co_await reader.readline();
//
// Buffers what the transport delivers. `limit` bounds how much a readline/readuntil may
// buffer while looking for its separator (asyncio's default 64 KiB). One reading task at a
// time. Every read: Suspends while more bytes are needed; Throws NetworkError subclasses
// from the transport and CancelledError; Cancellation: safe — bytes already received stay
// in the buffer for the next read.
#pragma once

#include <cstddef>
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

  // Up to n bytes (at least one unless at EOF, where it returns ""). n < 0 reads to EOF.
  Task<std::string> read(std::ptrdiff_t n = -1);
  // Exactly n bytes. Throws IncompleteReadError (with the partial bytes) at an early EOF.
  Task<std::string> readexactly(std::size_t n);
  // Bytes up to and including `separator`. Throws IncompleteReadError at EOF (partial =
  // what was left), LimitOverrunError when `limit` bytes pass without a separator (the
  // bytes stay buffered).
  Task<std::string> readuntil(std::string_view separator = "\n");
  // readuntil("\n"), except that EOF returns the partial line (or "").
  Task<std::string> readline();

  // True when the buffer is empty and the peer has closed.
  [[nodiscard]] bool at_eof() const noexcept { return eof_ && buffered() == 0; }
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
  bool eof_ = false;
};

}  // namespace corio::net
