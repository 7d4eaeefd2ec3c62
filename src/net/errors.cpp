// src/net/errors.cpp — mapping errno to corio::net exceptions.
#include <corio/net/errors.hpp>

#include <cerrno>
#include <cstring>

namespace corio::net {

IncompleteReadError::IncompleteReadError(std::string partial, std::size_t expected)
    : std::runtime_error(std::to_string(partial.size()) + " bytes read on a total of " +
                         std::to_string(expected) + " expected bytes"),
      partial_(std::move(partial)),
      expected_(expected) {}

void throw_network_error(int error, const std::string& operation, const std::string& peer) {
  std::string what = operation;
  if (!peer.empty()) what += " " + peer;
  switch (error) {
    case ECONNREFUSED:
      throw ConnectionRefusedError(error, what);
    case ECONNRESET:
      throw ConnectionResetError(error, what);
    case EPIPE:
      throw BrokenPipeError(error, what);
    case ECONNABORTED:
      throw ConnectionAbortedError(error, what);
    case ETIMEDOUT:
    case EHOSTUNREACH:
    case ENETUNREACH:
      throw ConnectionError(error, what);
    default:
      throw NetworkError(error, what);
  }
}

}  // namespace corio::net
