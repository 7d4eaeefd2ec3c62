// bench/echo_server.cpp — corio's server in the TCP echo benchmark (bench/peers/README.md,
// "TCP echo"; the load generator is bench/peers/go-echo-client, the runner run_echo.py).
//
// Usage: corio_echo_server [--port] PORT
//
// Listens on 127.0.0.1:PORT and echoes every byte back: one task per connection, reading
// with read_some into a 64 KiB buffer and writing back with write_all. Prints "ready" once
// listening; SIGTERM cancels the main task and the server exits 0 once the loop has
// cancelled the connections. The backend comes from CORIO_BACKEND=epoll|io_uring.
#include <corio/corio.hpp>
#include <corio/net/errors.hpp>
#include <corio/net/tcp.hpp>

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <span>
#include <string_view>

namespace {

using corio::net::SocketAddress;
using corio::net::TcpListener;
using corio::net::TcpStream;

constexpr std::size_t kBufferSize = 64 * 1024;

corio::Task<> echo(TcpStream stream) {
  auto buffer = std::make_unique_for_overwrite<std::byte[]>(kBufferSize);
  const std::span<std::byte> whole(buffer.get(), kBufferSize);
  try {
    for (;;) {
      const std::size_t n = co_await stream.read_some(whole);
      if (n == 0) break;
      co_await stream.write_all(whole.first(n));
    }
  } catch (const corio::net::ConnectionError&) {
    // The client went away mid-message (reset, broken pipe): the end of this connection.
  }
}

// Runs until SIGTERM cancels it; then run() cancels the connection tasks and rethrows the
// CancelledError, which main() takes as the normal way out.
corio::Task<> serve(std::uint16_t port) {
  auto listener = TcpListener::bind(SocketAddress::parse("127.0.0.1", port));
  auto main_task = corio::current_task();
  corio::Loop::current().add_signal_handler(SIGTERM, [main_task]() mutable { main_task.cancel(); });
  std::puts("ready");
  std::fflush(stdout);
  for (;;) corio::spawn(echo(co_await listener.accept()));
}

int usage() {
  std::fputs("usage: corio_echo_server [--port] PORT\n", stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const char* port_text = nullptr;
  if (argc == 2) {
    port_text = argv[1];
  } else if (argc == 3 && std::string_view(argv[1]) == "--port") {
    port_text = argv[2];
  } else {
    return usage();
  }
  char* end = nullptr;
  const long long port = std::strtoll(port_text, &end, 10);
  if (end == port_text || *end != '\0') return usage();
  try {
    corio::run(serve(SocketAddress::checked_port(port)));
  } catch (const corio::CancelledError&) {
    return 0;  // SIGTERM
  } catch (const std::exception& e) {
    std::fprintf(stderr, "corio_echo_server: %s\n", e.what());
    return 1;
  }
  return 0;
}
