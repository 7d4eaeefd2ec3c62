// tests/support/transport_reads.hpp — reading a corio::net::Transport in tests: everything
// up to EOF, or exactly n bytes (fewer only if the stream ends first).
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>

#include <corio/net/transport.hpp>
#include <corio/task.hpp>

namespace corio_test {

inline corio::Task<std::string> read_all(corio::net::Transport& stream) {
  std::string out;
  std::string buffer(16384, '\0');
  for (;;) {
    const std::size_t n = co_await stream.read_some(std::as_writable_bytes(std::span(buffer)));
    if (n == 0) co_return out;
    out.append(buffer, 0, n);
  }
}

inline corio::Task<std::string> read_exactly(corio::net::Transport& stream, std::size_t size) {
  std::string out;
  std::string buffer(16384, '\0');
  while (out.size() < size) {
    const std::size_t n = co_await stream.read_some(std::as_writable_bytes(
        std::span(buffer.data(), std::min(buffer.size(), size - out.size()))));
    if (n == 0) break;
    out.append(buffer, 0, n);
  }
  co_return out;
}

}  // namespace corio_test
