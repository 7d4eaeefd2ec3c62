// tests/fuzz/chunked_fuzz.cpp — ResponseParser on chunked bodies: a fixed
// "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" head, then the input after its
// first byte, fed whole and in pieces whose size the first byte picks (its top bit: bodies
// go to a sink). Besides http_parser_fuzz.hpp's checks (same messages either way, feed()
// never consumes more than given, errors are ProtocolError): the bodies together never
// hold more bytes than the input, and both feedings fail with the same text, up to where
// the parser noticed the fault ("(at byte N)" may depend on where the pieces were cut).
#include "http_parser_fuzz.hpp"

namespace {

constexpr std::string_view kHead = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

std::string_view without_position(std::string_view error) {
  return error.substr(0, error.rfind(" (at byte "));
}

std::size_t body_bytes(const corio_fuzz::Outcome& outcome) {
  std::size_t n = outcome.body_streamed.size();
  for (const auto& m : outcome.messages) n += m.body.size();
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using corio_fuzz::check;
  if (size == 0) return 0;
  const bool sink = (data[0] & 0x80) != 0;
  const std::size_t step = 1 + (data[0] & 0x7f);
  std::string stream(kHead);
  stream.append(reinterpret_cast<const char*>(data + 1), size - 1);

  using Parser = corio::http::ResponseParser;
  const auto whole = corio_fuzz::parse<Parser>(stream, 0, false, sink);
  const auto split = corio_fuzz::parse<Parser>(stream, step, false, sink);
  corio_fuzz::check_same(whole, split);
  check(without_position(whole.error) == without_position(split.error));
  check(body_bytes(whole) <= size - 1);
  check(body_bytes(split) <= size - 1);
  if (!whole.messages.empty()) check(whole.messages.front().chunked);
  return 0;
}
