// include/corio/net/errors.hpp — the exceptions corio::net raises.
//
// Python's OSError tree, in C++: every failure of a system call is a NetworkError (a
// std::system_error carrying errno) whose message names the operation and the peer, e.g.
// "connect to 127.0.0.1:9: Connection refused". The common cases have their own types so
// they can be caught by name, as in asyncio.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace corio::net {

class NetworkError : public std::system_error {
 public:
  NetworkError(int error, const std::string& what)
      : std::system_error(error, std::generic_category(), what) {}
};

class ConnectionError : public NetworkError {
 public:
  using NetworkError::NetworkError;
};
class ConnectionRefusedError : public ConnectionError {
 public:
  using ConnectionError::ConnectionError;
};
class ConnectionResetError : public ConnectionError {
 public:
  using ConnectionError::ConnectionError;
};
class BrokenPipeError : public ConnectionError {
 public:
  using ConnectionError::ConnectionError;
};
class ConnectionAbortedError : public ConnectionError {
 public:
  using ConnectionError::ConnectionError;
};

// Name resolution failed (socket.gaierror): names the host and c-ares' reason.
class DnsError : public std::runtime_error {
 public:
  DnsError(std::string host, const std::string& reason)
      : std::runtime_error("cannot resolve '" + host + "': " + reason), host_(std::move(host)) {}
  [[nodiscard]] const std::string& host() const noexcept { return host_; }

 private:
  std::string host_;
};

// StreamReader::readexactly reached EOF first; carries what was read (asyncio's
// IncompleteReadError.partial).
class IncompleteReadError : public std::runtime_error {
 public:
  IncompleteReadError(std::string partial, std::size_t expected);
  [[nodiscard]] const std::string& partial() const noexcept { return partial_; }
  [[nodiscard]] std::size_t expected() const noexcept { return expected_; }

 private:
  std::string partial_;
  std::size_t expected_;
};

// StreamReader::readuntil/readline found no separator within the buffer limit.
class LimitOverrunError : public std::runtime_error {
 public:
  LimitOverrunError(const std::string& message, std::size_t consumed)
      : std::runtime_error(message), consumed_(consumed) {}
  [[nodiscard]] std::size_t consumed() const noexcept { return consumed_; }

 private:
  std::size_t consumed_;
};

// Throws the NetworkError subclass that matches `error` (ECONNREFUSED → ConnectionRefusedError,
// ECONNRESET → ConnectionResetError, EPIPE → BrokenPipeError, ECONNABORTED →
// ConnectionAbortedError, ETIMEDOUT → ConnectionError, others → NetworkError), with the
// message "OPERATION PEER: strerror".
[[noreturn]] void throw_network_error(int error, const std::string& operation,
                                      const std::string& peer = {});

}  // namespace corio::net
