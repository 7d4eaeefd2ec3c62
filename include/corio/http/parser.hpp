// include/corio/http/parser.hpp — corio::http::RequestParser and ResponseParser: HTTP/1.1
// messages parsed incrementally on llhttp.
//
// Defines Message (one parsed request or response), ParserOptions (limits, body sink),
// FeedResult, and the two parsers. Bytes go in through feed() in whatever pieces the
// socket delivers; the parser stops at the end of each message, so bytes of a next
// pipelined message stay unconsumed and are fed again after take_message(). At EOF call
// finish(): a response whose body ends at close completes only there.
//
// Strict: llhttp's strict build with its lenient flags off, so Content-Length with
// Transfer-Encoding, repeated or invalid Content-Length, invalid chunk sizes, bad tokens,
// bare LFs, CRs without their LF and obsolete line folding are all rejected. Every rejection
// and exceeded limit throws RemoteProtocolError (a ProtocolError); errors stick: each later
// feed()/finish() throws the same error until reset(). One exception to the strictness: a
// 2xx answer to CONNECT may carry both framing headers (set_answers_connect()).
//
// Interim (1xx) responses come out as messages of their own; the caller skips them.
// Responses 1xx, 204 and 304 never have a body. Known llhttp 8.1 limitation: a chunk with
// more than one extension ("5;a=1;b=2") is rejected as an invalid chunk size.
//
// A parser is single-threaded, movable and not copyable. It owns no I/O.
#pragma once

#include <corio/http/errors.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corio::http {

// Header fields in the order received, names as sent (case kept), values without the
// surrounding whitespace. Repeated names stay separate entries.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

// The first value of `name` (ASCII case-insensitive), or nullopt. The view points into `headers`.
[[nodiscard]] std::optional<std::string_view> find_header(const HeaderList& headers,
                                                          std::string_view name) noexcept;

// One parsed message. Request fields are empty for responses and vice versa.
struct Message {
  int http_major = 1;
  int http_minor = 1;
  // Responses.
  int status_code = 0;
  std::string reason;
  // Requests.
  std::string method;  // "GET", "POST", ... as llhttp names it
  std::string target;  // the request target as sent: "/a?b", "host:443", "*", absolute URL
  HeaderList headers;
  HeaderList trailers;  // trailer fields of a chunked body
  // The body, unless ParserOptions::body_sink took it chunk by chunk.
  std::string body;
  bool keep_alive = false;  // the connection may carry another message after this one
  bool chunked = false;     // Transfer-Encoding: chunked
  bool upgrade = false;     // CONNECT or an accepted Upgrade: the stream leaves HTTP after it
  std::optional<std::uint64_t> content_length;

  // find_header(headers, name).
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const noexcept {
    return find_header(headers, name);
  }
};

// Limits default to nginx's (large_client_header_buffers 4 8k, ...). Each exceeded limit
// throws ProtocolError naming it, with the kind a server answers with.
struct ParserLimits {
  std::size_t max_header_line = 8 * 1024;      // a header's name + value; a status line
  std::size_t max_header_section = 64 * 1024;  // start line + all headers (trailers: separately)
  std::size_t max_header_count = 100;          // header fields; trailer fields counted apart
  std::optional<std::uint64_t> max_body;       // nullopt: unlimited
  std::size_t max_uri = 8 * 1024;              // request target (requests only)
};

struct ParserOptions {
  ParserLimits limits;
  // Responses: the next messages have no body whatever their headers say (answers to
  // HEAD). Per message: set_expect_no_body().
  bool expect_no_body = false;
  // If set, body bytes go here, one call per contiguous piece, from inside feed(), instead
  // of into Message::body. The view is valid only during the call; the sink must not feed
  // this parser. An exception thrown by the sink propagates out of feed(); the parser is
  // then in error until reset().
  std::function<void(std::string_view)> body_sink;
};

struct FeedResult {
  std::size_t consumed = 0;       // bytes of the input that were parsed (never more than given)
  bool message_complete = false;  // take_message() now; the rest of the input is for later
};

namespace detail {
class ParserImpl;
}

// The shared engine. Use RequestParser or ResponseParser.
class MessageParser {
 public:
  enum class Mode { request, response };

  MessageParser(Mode mode, ParserOptions options);
  MessageParser(MessageParser&&) noexcept;
  MessageParser& operator=(MessageParser&&) noexcept;
  ~MessageParser();

  // Parses a prefix of `data`. Stops after a complete message (message_complete is then
  // true and the bytes after it are not consumed) or when `data` is used up. While a
  // complete message waits for take_message(), feed() consumes nothing. After an upgrade
  // message (see upgraded()) feed() consumes nothing: the rest is another protocol.
  // Throws: ProtocolError (sticky), or what the body sink throws.
  FeedResult feed(std::span<const char> data);
  FeedResult feed(std::string_view data) { return feed(std::span<const char>(data)); }
  FeedResult feed(const std::string& data) { return feed(std::string_view(data)); }

  // The peer closed its side. Returns true if that completed a message (a response body
  // delimited by close), which take_message() then returns; false if the stream ended
  // cleanly between messages. Throws ProtocolError if it ended inside a message.
  bool finish();

  [[nodiscard]] bool message_complete() const noexcept;
  // The header section of the current message has been parsed; its body may still be on
  // its way (true as well once the message is complete). A server uses it to call a
  // handler before the body arrives and to answer Expect: 100-continue.
  [[nodiscard]] bool headers_complete() const noexcept;
  // The message being parsed: method, target, version and headers once headers_complete()
  // (content_length and chunked too; keep_alive and trailers only once complete). The
  // caller may move fields out of it; take_message() returns what is left.
  [[nodiscard]] Message& current() noexcept;
  [[nodiscard]] const Message& current() const noexcept;
  // A message has begun and is not complete yet: EOF now would be an error.
  [[nodiscard]] bool in_message() const noexcept;
  // An upgrade message was taken: the parser is done, the remaining bytes are not HTTP.
  [[nodiscard]] bool upgraded() const noexcept;

  // Returns the complete message and lets the parser go on with the next one.
  // Precondition: message_complete().
  Message take_message();

  // Like take_message(), for a caller that moved out of current() what it needed: the rest
  // is dropped and its memory kept for the next message (the strings, the header list,
  // a small body). Precondition: message_complete().
  void next_message();

  // Applies to messages not yet begun (responses only: the answer to HEAD has no body).
  void set_expect_no_body(bool value) noexcept;

  // The next responses answer CONNECT: a 2xx one ends at its head, its Content-Length and
  // Transfer-Encoding ignored even together (RFC 9110 9.3.6: the tunnel follows the head).
  // Every other response is checked as usual. Responses only.
  void set_answers_connect(bool value) noexcept;

  // Back to the start state: forgets the error, any partial message and the byte count.
  void reset();

  // Gives back the header fields of a message taken earlier (a server: once its request is
  // answered, ServerRequest::take_header_fields()) so that the next messages reuse their
  // memory: the vector, and the strings that hold at most a few hundred bytes. What they
  // hold is never seen again (until the next header section is complete, current().headers
  // may show stale entries). Call it between messages, while current().headers is empty;
  // otherwise it only destroys `used`.
  void recycle_headers(HeaderList&& used) noexcept;

 private:
  std::unique_ptr<detail::ParserImpl> impl_;
};

class RequestParser : public MessageParser {
 public:
  explicit RequestParser(ParserOptions options = {})
      : MessageParser(Mode::request, std::move(options)) {}
};

class ResponseParser : public MessageParser {
 public:
  explicit ResponseParser(ParserOptions options = {})
      : MessageParser(Mode::response, std::move(options)) {}
};

}  // namespace corio::http
