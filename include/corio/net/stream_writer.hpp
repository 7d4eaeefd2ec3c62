// include/corio/net/stream_writer.hpp — corio::net::StreamWriter (asyncio.StreamWriter).
//
//   writer.write("GET / HTTP/1.1\r\n\r\n");
//   co_await writer.drain();          // backpressure: waits while too much is buffered
//   writer.close();
//   co_await writer.wait_closed();
//
// write() never suspends: it queues the bytes, and a background task of the writer sends
// them. drain() suspends while more than the high-water mark (64 KiB) is queued, until the
// queue is down to the low-water mark (16 KiB) — so a fast producer facing a slow reader
// stays within bounded memory. A failure while sending is raised by the next drain(),
// write() or wait_closed(). Copies of a StreamWriter share one queue and one transport.
#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include <corio/net/transport.hpp>
#include <corio/task.hpp>

namespace corio::net {

class StreamWriter {
 public:
  static constexpr std::size_t kHighWater = 64 * 1024;
  static constexpr std::size_t kLowWater = 16 * 1024;

  StreamWriter() = default;
  explicit StreamWriter(std::shared_ptr<Transport> transport, std::size_t high_water = kHighWater,
                        std::size_t low_water = kLowWater);

  // Queues `data` and makes sure it is being sent. Throws the error that stopped an earlier
  // send; ConnectionResetError after close(); NetworkError after write_eof(). Must run on
  // the loop's thread. (asyncio drops such bytes silently and lets the next drain() raise.)
  void write(std::string_view data);
  // write() of each element in turn (std::string, std::string_view, const char*, ...).
  template <class Lines>
  void writelines(const Lines& lines) {
    for (const auto& line : lines) write(std::string_view(line));
  }
  // Suspends while the queue is above the high-water mark, until it drops to the low one.
  // Throws the sending error, if any; ConnectionResetError after close() (as asyncio's
  // drain() does once the connection is lost); CancelledError. Cancellation: safe, nothing
  // is lost (the bytes stay queued).
  Task<> drain();
  // Sends the queued bytes, then half-closes (Transport::can_write_eof must be true).
  void write_eof();
  [[nodiscard]] bool can_write_eof() const noexcept;
  // Sends the queued bytes, then closes the transport (TLS: close_notify). Idempotent.
  void close();
  // True after close(), or once sending failed (the connection is lost).
  [[nodiscard]] bool is_closing() const noexcept;
  // Suspends until close() has finished. Throws the sending error, if any.
  Task<> wait_closed();

  // Bytes queued and not yet accepted by the transport.
  [[nodiscard]] std::size_t buffered() const noexcept;
  [[nodiscard]] const std::shared_ptr<Transport>& transport() const noexcept;
  [[nodiscard]] const SocketAddress& peer_address() const noexcept {
    return transport()->peer_address();
  }
  [[nodiscard]] SocketAddress local_address() const { return transport()->local_address(); }

  struct State;  // shared with the sending task (src/net/stream_writer.cpp)

 private:
  std::shared_ptr<State> state_;
};

}  // namespace corio::net
