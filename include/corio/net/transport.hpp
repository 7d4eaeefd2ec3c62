// include/corio/net/transport.hpp — corio::net::Transport, a connected byte stream of any
// kind: plain sockets (StreamSocket: TCP, Unix) and TLS (TlsStream). StreamReader and
// StreamWriter work on any Transport.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include <corio/net/address.hpp>
#include <corio/task.hpp>

namespace corio::net {

class Transport {
 public:
  virtual ~Transport() = default;

  // Reads what is available (at least one byte); 0 means end of stream. Suspends while
  // nothing is available. Cancellation: safe, nothing is lost (bytes already read are
  // returned, and the task raises CancelledError at its next suspension).
  virtual Task<std::size_t> read_some(std::span<std::byte> buffer) = 0;
  // Writes at least one byte. Suspends while the peer is not taking data. Cancellation:
  // safe: nothing was written, or what was is counted in the result and the task raises
  // CancelledError at its next suspension.
  virtual Task<std::size_t> write_some(std::span<const std::byte> data) = 0;
  // Writes what the transport takes at once, without suspending, and returns how many bytes
  // that was: 0 when none fit now, or when the transport has no such path (sockets on
  // io_uring, which batches its writes). write_all's fast path for callers that want to skip
  // a coroutine frame when the kernel takes everything. After a short count the caller
  // goes on with the rest of the same bytes (TLS needs it). Throws as write_some does.
  virtual std::size_t write_now(std::span<const std::byte>) { return 0; }
  // write_now() over `text`: true when it took everything, else `text` keeps what is left
  // (for write_all). Throws as write_some does.
  bool try_write_all(std::string_view& text) {
    text.remove_prefix(write_now(std::as_bytes(std::span(text))));
    return text.empty();
  }
  // Writes everything. Cancellation: a prefix may have been written.
  Task<> write_all(std::span<const std::byte> data);
  Task<> write_all(std::string_view text) { return write_all(std::as_bytes(std::span(text))); }

  // Whether write_eof() is possible (plain sockets yes, TLS no: asyncio's can_write_eof).
  [[nodiscard]] virtual bool can_write_eof() const noexcept = 0;
  // Half-close: the peer reads EOF, reading goes on. Throws NetworkError when unsupported.
  virtual void write_eof() = 0;
  // Graceful close (TLS sends close_notify first). Never throws for the peer's failures.
  virtual Task<> aclose() = 0;
  // Immediate close; idempotent.
  virtual void close() noexcept = 0;
  [[nodiscard]] virtual bool is_open() const noexcept = 0;
  // True when a read would not wait: the peer sent bytes or ended the stream (or the
  // connection broke, or it is closed here) and nothing has read that yet. Does not
  // suspend; costs a system call on sockets. httpcore's is_readable(): a pooled connection
  // that is readable while idle is dead or out of step. This default cannot tell: false.
  [[nodiscard]] virtual bool is_readable() noexcept { return false; }

  [[nodiscard]] virtual SocketAddress local_address() const = 0;
  [[nodiscard]] virtual const SocketAddress& peer_address() const noexcept = 0;
};

}  // namespace corio::net
