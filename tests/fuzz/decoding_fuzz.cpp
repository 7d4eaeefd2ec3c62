// tests/fuzz/decoding_fuzz.cpp — ContentDecoder on arbitrary bodies. The first byte picks the
// Content-Encoding (low 4 bits), the piece size (next 2) and the cap (top 2); the rest is the
// body. Fed whole and in pieces, the body must decode to the same bytes or fail in both (with
// the same DecodingError for one zlib coding; nothing else may escape); decoded_size() counts
// exactly what was appended and, unless nothing is decoded, never exceeds the cap.
#include <corio/http/decoding.hpp>
#include <corio/http/errors.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

constexpr std::string_view kChains[16] = {
    "gzip",
    "deflate",
    "br",
    "x-gzip",
    "gzip, br",
    "br, gzip",
    "deflate, gzip",
    "gzip, gzip",
    "br, br",
    "deflate, br",
    "br, deflate",
    " GZIP ,deflate",
    "x-foo, gzip",
    "gzip, x-foo",
    "identity",
    "",
};
constexpr std::size_t kPieces[4] = {0, 1, 7, 4096};  // 0: whole
constexpr std::uint64_t kCaps[4] = {1 << 20, 64 << 10, 100, 0};

// Aborts, naming the line of the failed check (__builtin_LINE: the caller's line).
void check(bool ok, unsigned line = __builtin_LINE()) {
  if (ok) return;
  std::fprintf(stderr, "check failed at line %u\n", line);
  std::abort();
}

struct Outcome {
  std::string out;
  std::string error;
};

Outcome decode(std::string_view coding, std::string_view body, std::size_t piece,
               std::uint64_t cap) {
  Outcome result;
  corio::http::ContentDecoder decoder(coding, cap);
  try {
    while (!body.empty()) {
      const auto n = piece == 0 ? body.size() : std::min(piece, body.size());
      decoder.feed(body.substr(0, n), result.out);
      body.remove_prefix(n);
      check(decoder.decoded_size() == result.out.size());
    }
    decoder.finish(result.out);
  } catch (const corio::http::DecodingError& e) {
    result.error = e.what();
    check(!result.error.empty());
    // Sticky: the same error again.
    try {
      decoder.finish(result.out);
      check(false);
    } catch (const corio::http::DecodingError& again) {
      check(result.error == again.what());
    }
  }
  check(decoder.decoded_size() == result.out.size());
  if (!decoder.is_identity()) check(result.out.size() <= cap);
  return result;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto control = data[0];
  const auto coding = kChains[control & 0x0f];
  const auto piece = kPieces[(control >> 4) & 0x03];
  const auto cap = kCaps[control >> 6];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  const auto whole = decode(coding, body, 0, cap);
  if (corio::http::ContentDecoder(coding).is_identity()) {
    check(whole.error.empty() && whole.out == body);
  }
  if (piece != 0 && (piece > 1 || body.size() <= 4096)) {
    const auto split = decode(coding, body, piece, cap);
    // One zlib coding fails at the same byte whatever the split: inflate writes out every
    // byte decoded before the fault. Brotli may hold decoded bytes back across calls, so
    // with it, or with a chain, the cap or the next coding may fail first in one feeding.
    const bool one_zlib_coding =
        coding.find(',') == std::string_view::npos && coding.find("br") == std::string_view::npos;
    check(split.error.empty() == whole.error.empty());
    if (one_zlib_coding) check(split.error == whole.error);
    if (whole.error.empty()) {
      check(split.out == whole.out);
    } else {
      const auto n = std::min(split.out.size(), whole.out.size());
      check(split.out.compare(0, n, whole.out, 0, n) == 0);
    }
  }
  return 0;
}
