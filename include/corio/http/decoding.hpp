// include/corio/http/decoding.hpp — corio::http::ContentDecoder: undoes a response's
// Content-Encoding (gzip, deflate, br) as the body arrives, with a cap on the decoded size.
//
//   corio::http::ContentDecoder decoder(response_headers.get("Content-Encoding").value_or(""));
//   std::string body;
//   for (auto piece : pieces_from_the_socket) decoder.feed(piece, body);
//   decoder.finish(body);  // throws if the compressed stream was cut short
//
// The Content-Encoding value is a comma-separated list of codings, applied by the sender in
// order, so undone in reverse. Names are ASCII case-insensitive, whitespace around them and
// empty list items are ignored. Known codings:
//
//   gzip, x-gzip   RFC 1952. Concatenated members are all decoded (as `gzip -d` does); bytes
//                  after the last member that do not start another one are an error.
//   deflate        RFC 9110 says zlib-wrapped (RFC 1950); raw deflate (RFC 1951) is accepted
//                  too, as browsers and httpx do. The first two bytes decide: a valid zlib
//                  header means zlib, anything else raw.
//   br             Brotli (RFC 7932).
//   identity       nothing to undo.
//
// An unknown coding (compress, zstd, a typo) is not an error, as in httpx: the body is passed
// on unchanged from that coding inwards. Codings listed after it — applied by the sender
// after it — are still undone, so "x-custom, gzip" yields the x-custom bytes; "gzip,
// x-custom" yields the body as received. (httpx instead skips the unknown name and tries to
// undo the codings beneath it anyway.)
//
// An empty body decodes to an empty body whatever the codings (servers send
// Content-Encoding: gzip on HEAD answers and 204s). A non-empty body must be complete: every
// coding's stream must end exactly where its input ends.
//
// Cap: no coding of the chain may produce more than max_decoded_size bytes (the last one's
// output is the body; capping the inner ones too stops a bomb hidden one layer down). The
// first byte beyond it throws DecodingError; decoding stops there, having appended at most
// the cap to `out` and grown its capacity no further than that needs. Other memory: a 16 KiB
// working buffer per coding and the decompressor's window (32 KiB for zlib, at most 16 MiB
// for brotli, as the stream asks). A body with nothing to undo (is_identity()) is
// not capped here: ParserLimits::max_body limits what the peer may send.
//
// Errors stick: after feed() or finish() threw, every later call throws the same error.
// Bytes decoded before an error may already have been appended to `out`.
//
// Nothing here suspends; a decoder is single-threaded, movable and not copyable.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace corio::http {

// The Accept-Encoding value the client sends by default.
inline constexpr std::string_view kAcceptEncoding = "gzip, deflate, br";

namespace detail {
class DecoderStage;
}

class ContentDecoder {
 public:
  // `content_encoding` is the header's value (repeated headers joined with ", "); empty
  // means identity. Never throws for an unknown or malformed list (see above); throws
  // DecodingError only if zlib or brotli cannot allocate their state.
  explicit ContentDecoder(std::string_view content_encoding,
                          std::uint64_t max_decoded_size = 64ull << 20);
  ContentDecoder(ContentDecoder&&) noexcept;
  ContentDecoder& operator=(ContentDecoder&&) noexcept;
  ~ContentDecoder();

  // No coding to undo: feed() appends its input unchanged.
  [[nodiscard]] bool is_identity() const noexcept { return stages_.empty(); }

  // Decodes the next piece of the body (any size, including 1 byte or none) and appends the
  // decoded bytes to `out`. Throws DecodingError naming the coding and the decompressor's
  // reason ("gzip: incorrect header check", "br: invalid data (ERROR_FORMAT_PADDING_1)"),
  // trailing data ("deflate: data after the end of the compressed stream") or the cap
  // ("decompressed body exceeds the limit of 1048576 bytes"). Precondition: finish() was not
  // called (std::logic_error otherwise).
  void feed(std::string_view encoded, std::string& out);

  // The body ended. Throws DecodingError if a non-empty compressed stream is incomplete ("gzip:
  // truncated compressed data: the body ended before the end of the stream"). Calling it again does
  // nothing (or rethrows the error). feed() flushes the decompressors on every call, so nothing is
  // left to append to `out` here; it is taken so that a decoder which must hold bytes back can be
  // added unchanged.
  void finish(std::string& out);

  // Bytes appended to the callers' strings so far.
  [[nodiscard]] std::uint64_t decoded_size() const noexcept { return decoded_; }

 private:
  void push(std::size_t stage, std::string_view data, std::string& out);
  void append(std::string_view piece, std::string& out);
  [[noreturn]] void fail_again() const;

  std::vector<std::unique_ptr<detail::DecoderStage>> stages_;  // in decoding order
  std::uint64_t max_decoded_size_;
  std::uint64_t decoded_ = 0;
  std::string error_;  // non-empty once an error was thrown
  bool finished_ = false;
};

}  // namespace corio::http
