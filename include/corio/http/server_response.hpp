// include/corio/http/server_response.hpp — corio::http::ServerResponse, what a server
// handler returns (aiohttp's web.Response / web.StreamResponse), and HTTPException, what a
// handler may throw instead (aiohttp's web.HTTPException, Starlette's HTTPException).
//
//   co_return ServerResponse::text("hello");
//   co_return ServerResponse::json({{"id", 7}}, 201);
//   co_return ServerResponse::content(page_html, "text/html; charset=utf-8");
//   int left = 3;
//   co_return ServerResponse::stream([left]() mutable -> Task<std::optional<std::string>> {
//     if (left == 0) co_return std::nullopt;     // the end of the body
//     co_return std::to_string(left--) + "\n";  // one piece, sent as one chunk
//   });
//   throw HTTPException(403, "no access to this bucket");
//
// The server owns framing: it adds Content-Length for a sized body, Transfer-Encoding:
// chunked for a streamed one (HTTP/1.1; an HTTP/1.0 client gets the raw pieces and the
// connection closes after them), Date, Server: corio (unless set) and Connection. A
// Content-Length or Transfer-Encoding the handler sets is replaced by the server's own;
// "Connection: close" set by the handler is honoured (the connection closes after this
// response). Bodies of answers to HEAD and of 1xx, 204 and 304 responses are not sent.
//
// The names differ from the brief's plain Request/Response because corio::http::Response
// is the client's response (httpx.Response), as errors.hpp already declares.
#pragma once

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <corio/http/headers.hpp>
#include <corio/task.hpp>

namespace corio::http {

// The next piece of a streamed body, or nullopt at its end. Called by the server, one call
// at a time, on the connection's task; an empty piece is skipped. An exception it throws
// ends the response early: the connection is closed (the client sees a truncated body).
using BodyProducer = std::function<Task<std::optional<std::string>>()>;

struct ServerResponse {
  int status = 200;
  Headers headers;
  std::string body;
  BodyProducer producer;  // set: the body comes from here, streamed; `body` is ignored

  // text/plain; charset=utf-8.
  static ServerResponse text(std::string text, int status = 200);
  // application/json, serialised by nlohmann::json::dump().
  static ServerResponse json(const nlohmann::json& value, int status = 200);
  // A body that is ready as it is (already encoded JSON, a rendered page, a file's bytes),
  // with this Content-Type, like aiohttp's web.Response(body=..., content_type=...).
  // Throws LocalProtocolError for a Content-Type that is not a valid field value.
  static ServerResponse content(std::string body, std::string_view content_type, int status = 200);
  // A streamed body (chunked transfer coding), with this Content-Type.
  static ServerResponse stream(BodyProducer producer, int status = 200,
                               std::string_view content_type = "application/octet-stream");
};

// Thrown by a handler (or by ServerRequest::json() for a body that is not JSON) to answer
// with `status_code` and `detail` as a text/plain body (the reason phrase when empty).
// Only 4xx and 5xx codes; the constructor throws std::invalid_argument for others.
class HTTPException : public std::runtime_error {
 public:
  explicit HTTPException(int status_code, std::string detail = {});
  [[nodiscard]] int status_code() const noexcept { return status_; }
  [[nodiscard]] const std::string& detail() const noexcept { return detail_; }
  // The response the server sends for it.
  [[nodiscard]] ServerResponse response() const;

 private:
  int status_;
  std::string detail_;
};

// The reason phrase of a status code ("Not Found"), or "" for codes it does not know.
[[nodiscard]] std::string_view reason_phrase(int status) noexcept;

}  // namespace corio::http
