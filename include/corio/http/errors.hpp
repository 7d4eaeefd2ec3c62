// include/corio/http/errors.hpp — corio::http's exceptions: httpx's hierarchy, by name.
//
//   HTTPError                        anything a request can raise
//   ├── RequestError                 the request could not get a response
//   │   ├── TransportError
//   │   │   ├── TimeoutException     ConnectTimeout, ReadTimeout, WriteTimeout, PoolTimeout
//   │   │   ├── NetworkError         ConnectError, ReadError, WriteError, CloseError
//   │   │   ├── ProtocolError        LocalProtocolError (we would send invalid HTTP),
//   │   │   │                        RemoteProtocolError (the peer sent invalid HTTP)
//   │   │   ├── ProxyError           the proxy refused or broke the tunnel
//   │   │   └── UnsupportedProtocol  a scheme other than http/https
//   │   ├── DecodingError            a body that does not decode (or exceeds the cap)
//   │   └── TooManyRedirects
//   └── HTTPStatusError              raise_for_status() on a 4xx/5xx
//   InvalidURL                       text that is not a URL (not an HTTPError, as in httpx)
//   StreamError                      a streamed body used the wrong way (StreamConsumed, ...)
//   CookieConflict                   Cookies::get found several cookies of that name
//
// Every message names what was wrong and, where there is one, the request ("GET
// http://host/path: ..."). corio::net's own errors (DNS, refused, TLS) never escape the
// client: they arrive wrapped in the matching class above, their text kept.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

namespace corio::http {

class Response;

class HTTPError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RequestError : public HTTPError {
 public:
  using HTTPError::HTTPError;
};

class TransportError : public RequestError {
 public:
  using RequestError::RequestError;
};

class TimeoutException : public TransportError {
 public:
  using TransportError::TransportError;
};
class ConnectTimeout : public TimeoutException {
 public:
  using TimeoutException::TimeoutException;
};
class ReadTimeout : public TimeoutException {
 public:
  using TimeoutException::TimeoutException;
};
class WriteTimeout : public TimeoutException {
 public:
  using TimeoutException::TimeoutException;
};
// No connection became free in the pool within Timeout::pool.
class PoolTimeout : public TimeoutException {
 public:
  using TimeoutException::TimeoutException;
};

class NetworkError : public TransportError {
 public:
  using TransportError::TransportError;
};
class ConnectError : public NetworkError {
 public:
  using NetworkError::NetworkError;
};
class ReadError : public NetworkError {
 public:
  using NetworkError::NetworkError;
};
class WriteError : public NetworkError {
 public:
  using NetworkError::NetworkError;
};
class CloseError : public NetworkError {
 public:
  using NetworkError::NetworkError;
};

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

// HTTP/1.1 was broken. what() names the problem, e.g. "invalid HTTP response:
// HPE_UNEXPECTED_CONTENT_LENGTH: Content-Length can't be present with Transfer-Encoding
// (at byte 57)".
class ProtocolError : public TransportError {
 public:
  explicit ProtocolError(const std::string& what,
                         ProtocolErrorKind kind = ProtocolErrorKind::bad_request)
      : TransportError(what), kind_(kind) {}

  [[nodiscard]] ProtocolErrorKind kind() const noexcept { return kind_; }

 private:
  ProtocolErrorKind kind_;
};
// We were about to send something that is not valid HTTP (a CR or LF in a header value, ...).
class LocalProtocolError : public ProtocolError {
 public:
  using ProtocolError::ProtocolError;
};
// The peer sent bytes that are not valid HTTP/1.1 or exceed a limit (the parsers throw this).
class RemoteProtocolError : public ProtocolError {
 public:
  using ProtocolError::ProtocolError;
};

class ProxyError : public TransportError {
 public:
  using TransportError::TransportError;
};
class UnsupportedProtocol : public TransportError {
 public:
  using TransportError::TransportError;
};

class DecodingError : public RequestError {
 public:
  using RequestError::RequestError;
};
class TooManyRedirects : public RequestError {
 public:
  using RequestError::RequestError;
};

// raise_for_status() found a 4xx or 5xx. Carries the response (shared: the exception may
// outlive the caller's copy).
class HTTPStatusError : public HTTPError {
 public:
  HTTPStatusError(const std::string& what, std::shared_ptr<const Response> response)
      : HTTPError(what), response_(std::move(response)) {}
  [[nodiscard]] const Response& response() const noexcept { return *response_; }

 private:
  std::shared_ptr<const Response> response_;
};

// httpx.InvalidURL: text that is not a valid URL (include/corio/http/url.hpp). what()
// quotes the text and names the fault: "invalid URL 'http://[::1': unterminated IPv6
// literal".
class InvalidURL : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// A streamed body used the wrong way.
class StreamError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// The body was already read (aiter_bytes twice, or after read()).
class StreamConsumed : public StreamError {
 public:
  using StreamError::StreamError;
};
// The response was closed before its body was read.
class StreamClosed : public StreamError {
 public:
  using StreamError::StreamError;
};
// content()/text()/json() on a streamed response whose body has not been read yet.
class ResponseNotRead : public StreamError {
 public:
  using StreamError::StreamError;
};

// httpx.CookieConflict: Cookies::get(name) matched more than one cookie (include/corio/http/
// cookies.hpp). Not an HTTPError, as in httpx. what(): "multiple cookies exist with name=NAME".
class CookieConflict : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace corio::http
