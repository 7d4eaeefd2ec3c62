// include/corio/http/errors.hpp — corio::http's exceptions, named after httpx's.
//
// Defines ProtocolError (httpx.ProtocolError: the peer broke HTTP/1.1) and
// ProtocolErrorKind, which says which status code a server answers such a request with.
// More of httpx's hierarchy (HTTPError, RequestError, ...) joins this file later.
#pragma once

#include <stdexcept>
#include <string>

namespace corio::http {

// What a server answers a request it cannot parse with (client side: always bad_request
// except for the limits, which keep their kind).
enum class ProtocolErrorKind {
  bad_request,              // 400: malformed message, strictness rejection
  payload_too_large,        // 413: body larger than the body limit
  uri_too_long,             // 414: request target longer than the URI limit
  header_fields_too_large,  // 431: a header line, the header section or the header count
  not_implemented,          // 501: a transfer coding the parser does not implement
  version_not_supported,    // 505: an HTTP version other than 1.x
};

// The status code a server answers with for `kind` (400, 413, 414, 431, 501, 505).
[[nodiscard]] int status_code(ProtocolErrorKind kind) noexcept;

// The peer sent bytes that are not valid HTTP/1.1 or exceed a limit. what() names the
// problem and the byte offset in the connection's stream, e.g.
// "invalid HTTP response: HPE_UNEXPECTED_CONTENT_LENGTH: Content-Length can't be present
// with Transfer-Encoding (at byte 57)".
class ProtocolError : public std::runtime_error {
 public:
  explicit ProtocolError(const std::string& what,
                         ProtocolErrorKind kind = ProtocolErrorKind::bad_request)
      : std::runtime_error(what), kind_(kind) {}

  [[nodiscard]] ProtocolErrorKind kind() const noexcept { return kind_; }

 private:
  ProtocolErrorKind kind_;
};

}  // namespace corio::http

namespace corio::http {

// httpx.InvalidURL: text that is not a valid URL (include/corio/http/url.hpp). what()
// quotes the text and names the fault: "invalid URL 'http://[::1': unterminated IPv6
// literal".
class InvalidURL : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

}  // namespace corio::http
