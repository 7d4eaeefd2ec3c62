// tests/support/child_process.hpp — real peers as child processes: Child (spawn, log,
// wait, kill on destruction), free_port() and wait_for_port() for servers that take a port,
// and loopback(port), the 127.0.0.1 address both use.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;

namespace corio_test {

using namespace std::chrono_literals;

// A child process with stdout and stderr going to a log file, stdin from a pipe when asked.
// The destructor kills it (SIGTERM) and reaps it.
class Child {
 public:
  Child(const std::vector<std::string>& argv, std::string log, bool with_stdin = false)
      : log_(std::move(log)) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    int pipe_fds[2] = {-1, -1};
    if (with_stdin) {
      if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
      posix_spawn_file_actions_adddup2(&actions, pipe_fds[0], STDIN_FILENO);
      stdin_ = pipe_fds[1];
    } else {
      posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    }
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    const int rc = ::posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (pipe_fds[0] >= 0) ::close(pipe_fds[0]);
    if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  // SIGTERM, and SIGKILL if the peer has not exited 5 s later: under load tinyproxy was
  // seen to outlive SIGTERM, which hung the test in waitpid() until ctest's 300 s limit.
  ~Child() {
    close_stdin();
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (::waitpid(pid_, nullptr, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  void write_stdin(std::string_view text) {
    while (!text.empty()) {
      const ssize_t n = ::write(stdin_, text.data(), text.size());
      if (n <= 0) return;
      text.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  void close_stdin() {
    if (stdin_ >= 0) ::close(stdin_);
    stdin_ = -1;
  }

  // Waits up to `limit` for the child to exit; returns its wait status, or -1 if it runs on.
  int wait_exit(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (pid_ > 0) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return status;
      }
      if (std::chrono::steady_clock::now() > deadline) return -1;
      std::this_thread::sleep_for(5ms);
    }
    return -1;
  }

  [[nodiscard]] std::string log_text() const {
    std::ifstream in(log_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // For `openssl s_server -accept 127.0.0.1:0`: the port it reports ("ACCEPT 127.0.0.1:PORT"),
  // or 0 when it exits or says nothing within `limit`. The kernel picked the port, so no
  // other test can hold it.
  std::uint16_t accept_port(std::chrono::milliseconds limit = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string text = log_text();
      const auto at = text.find("ACCEPT 127.0.0.1:");
      if (at != std::string::npos && text.find('\n', at) != std::string::npos) {
        return static_cast<std::uint16_t>(std::stoi(text.substr(at + 17)));
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return 0;
      }
      std::this_thread::sleep_for(5ms);
    }
    return 0;
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  std::string log_;
};

// 127.0.0.1:port, for bind() and connect().
inline sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

// A port on 127.0.0.1 that nothing holds now, for a server the test starts that cannot
// report the port it bound (such as tinyproxy or gunicorn). It is taken from
// below the kernel's ephemeral range (ip_local_port_range), where connect() picks the local
// ports of outgoing connections: a port from inside it can be taken by any test's client
// between this call and the server's bind(), and the server then fails to listen.
inline std::uint16_t free_port() {
  int ephemeral_low = 32768;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> ephemeral_low;
  const int low = 10000;
  const int high = ephemeral_low > low + 1000 ? ephemeral_low - 1 : 29999;
  static std::uint32_t state =
      static_cast<std::uint32_t>(::getpid()) * 2654435761u ^
      static_cast<std::uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  for (int attempt = 0; attempt < 1000; ++attempt) {
    state = state * 1664525u + 1013904223u;
    const auto port = static_cast<std::uint16_t>(low + (state >> 8) % (high - low + 1));
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in address = loopback(port);
    const bool free = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    if (free) return port;
  }
  throw std::runtime_error("free_port: no free port on 127.0.0.1 below the ephemeral range");
}

// True once something accepts TCP connections on 127.0.0.1:port; false after `limit`.
inline bool wait_for_port(std::uint16_t port, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in address = loopback(port);
    const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

}  // namespace corio_test
