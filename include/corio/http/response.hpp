// include/corio/http/response.hpp — corio::http::Response (httpx.Response).
//
//   auto response = co_await client.get("https://api.example.com/items");
//   response.raise_for_status();
//   nlohmann::json items = response.json();
//
// What AsyncClient returns: status, headers, the decoded body (gzip, deflate and br undone),
// the final URL, the redirects that led there (history) and the time it took (elapsed).
// A response from AsyncClient::stream() holds its connection until the body is read or
// aclose() is called; its body arrives through aiter_bytes()/aiter_lines()/aread(), and
// content()/text()/json() throw ResponseNotRead before that. Copies share that stream.
// Belongs to the loop of the client that made it.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <corio/http/headers.hpp>
#include <corio/http/request.hpp>
#include <corio/http/url.hpp>
#include <corio/task.hpp>

namespace corio::http {

namespace detail {
struct BodyState;
}  // namespace detail

class Response {
 public:
  Response(int status_code, Request request);

  int status_code = 0;
  std::string reason_phrase;  // as the server sent it ("OK")
  std::string http_version = "HTTP/1.1";
  Headers headers;
  Request request;                     // the request that produced this response
  std::vector<Response> history;       // the redirects that led here, oldest first (their
                                       // own history is empty)
  std::chrono::nanoseconds elapsed{};  // from sending the request to the end of the body
                                       // (to the head for stream(): until then, the head)

  // The final URL (request.url).
  [[nodiscard]] const URL& url() const noexcept { return request.url; }

  // The body, decoded. Throws ResponseNotRead for a streamed response not read yet.
  [[nodiscard]] const std::string& content() const;
  // The body as UTF-8 text: decoded from the Content-Type charset (UTF-8 when absent;
  // ISO-8859-1, Windows-1252, US-ASCII and whatever glibc's iconv knows otherwise), with
  // invalid sequences replaced by U+FFFD as Python's errors="replace" does.
  [[nodiscard]] std::string text() const;
  // The body parsed as JSON. Throws DecodingError naming the position on invalid JSON.
  [[nodiscard]] nlohmann::json json() const;
  // The Content-Type charset, lower-cased, or nullopt (httpx's charset_encoding).
  [[nodiscard]] std::optional<std::string> charset_encoding() const;

  // Throws HTTPStatusError unless the status is 2xx, as httpx does ("Client error '404 Not
  // Found' for url 'http://…'"); returns *this otherwise, for chaining.
  const Response& raise_for_status() const;

  [[nodiscard]] bool is_informational() const noexcept { return status_code / 100 == 1; }
  [[nodiscard]] bool is_success() const noexcept { return status_code / 100 == 2; }
  // 301, 302, 303, 307 or 308 with a Location header.
  [[nodiscard]] bool has_redirect_location() const noexcept;
  [[nodiscard]] bool is_redirect() const noexcept { return status_code / 100 == 3; }
  [[nodiscard]] bool is_client_error() const noexcept { return status_code / 100 == 4; }
  [[nodiscard]] bool is_server_error() const noexcept { return status_code / 100 == 5; }
  [[nodiscard]] bool is_error() const noexcept { return status_code >= 400; }

  // Streaming (responses from AsyncClient::stream()). One consumer: aiter_bytes(),
  // aiter_lines() and aread() each take the rest of the body; a second one throws
  // StreamConsumed. Each next() Suspends until bytes arrive; Throws ReadTimeout,
  // ReadError, RemoteProtocolError, DecodingError, CancelledError (the connection is then
  // closed, not reused); Cancellation: the response becomes closed.
  class ByteIterator {
   public:
    // The next decoded piece of the body, or nullopt at its end.
    Task<std::optional<std::string>> next();

   private:
    friend class Response;
    explicit ByteIterator(std::shared_ptr<detail::BodyState> body) : body_(std::move(body)) {}
    std::shared_ptr<detail::BodyState> body_;
    bool consumed_ = false;  // the one piece of an already-read body was given
  };
  class LineIterator {
   public:
    // The next line without its "\n" / "\r\n" (httpx's aiter_lines), or nullopt at the end.
    Task<std::optional<std::string>> next();

   private:
    friend class Response;
    explicit LineIterator(ByteIterator bytes) : bytes_(std::move(bytes)) {}
    ByteIterator bytes_;
    std::string buffer_;
    bool done_ = false;
  };
  [[nodiscard]] ByteIterator aiter_bytes();
  [[nodiscard]] LineIterator aiter_lines();
  // Reads the rest of the body; content() works afterwards. Returns content().
  Task<std::string> aread();
  // Releases the connection: back to the pool when the body was read, closed otherwise.
  Task<> aclose();
  [[nodiscard]] bool is_stream_consumed() const noexcept;
  [[nodiscard]] bool is_closed() const noexcept;

  // Used by AsyncClient: a complete body, or the state of one still to be read.
  void set_content(std::string content);
  // Used by AsyncClient: aread() without handing back a copy of the body.
  Task<> read_all();
  void set_body(std::shared_ptr<detail::BodyState> body) noexcept { body_ = std::move(body); }

 private:
  std::shared_ptr<detail::BodyState> body_;  // shared by copies
};

}  // namespace corio::http
