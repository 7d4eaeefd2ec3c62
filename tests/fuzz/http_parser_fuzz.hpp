// tests/fuzz/http_parser_fuzz.hpp — the invariants both HTTP parser fuzzers check, for a
// request or a response parser: the input is a stream of messages fed (1) whole, (2) in
// pieces cut where the input's first byte says, (3) byte by byte when short. All three must
// give the same messages and the same error, or lack of one; feed() never consumes more
// than it was given; a Content-Length body has exactly that length; nothing follows a
// message without keep-alive or an upgrade; errors are ProtocolError naming the stream.
#pragma once

#include <corio/http/parser.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace corio_fuzz {

struct Outcome {
  std::vector<corio::http::Message> messages;
  std::string error;
  std::string body_streamed;
};

inline void check(bool ok) {
  if (!ok) std::abort();
}

template <typename Parser>
Outcome parse(std::string_view stream, std::size_t step, bool no_body, bool sink) {
  Outcome out;
  corio::http::ParserOptions options{.expect_no_body = no_body};
  if (sink) options.body_sink = [&out](std::string_view piece) { out.body_streamed.append(piece); };
  Parser parser(std::move(options));
  std::string pending;
  std::size_t from = 0;
  try {
    while (from < stream.size()) {
      const auto take = step == 0 ? stream.size() - from : std::min(step, stream.size() - from);
      pending.append(stream.substr(from, take));
      from += take;
      for (;;) {
        const auto r = parser.feed(pending);
        check(r.consumed <= pending.size());
        pending.erase(0, r.consumed);
        if (!r.message_complete) break;
        check(!out.messages.empty() ? out.messages.back().keep_alive : true);
        out.messages.push_back(parser.take_message());
        if (parser.upgraded()) return out;
      }
      if (parser.upgraded()) return out;
      check(pending.empty());
    }
    if (parser.finish()) out.messages.push_back(parser.take_message());
  } catch (const corio::http::ProtocolError& e) {
    out.error = e.what();
    check(out.error.rfind("invalid HTTP ", 0) == 0);
    check(out.error.find("(at byte ") != std::string::npos);
  }
  return out;
}

inline bool same(const corio::http::Message& a, const corio::http::Message& b) {
  return a.http_major == b.http_major && a.http_minor == b.http_minor &&
         a.status_code == b.status_code && a.reason == b.reason && a.method == b.method &&
         a.target == b.target && a.headers == b.headers && a.trailers == b.trailers &&
         a.body == b.body && a.keep_alive == b.keep_alive && a.chunked == b.chunked &&
         a.upgrade == b.upgrade && a.content_length == b.content_length;
}

inline void check_same(const Outcome& a, const Outcome& b) {
  check(a.error.empty() == b.error.empty());
  check(a.messages.size() == b.messages.size());
  for (std::size_t i = 0; i < a.messages.size(); ++i) check(same(a.messages[i], b.messages[i]));
  // Body pieces parsed before an error in the same feed() are not handed out, so after an
  // error one stream is a prefix of the other.
  if (a.error.empty()) {
    check(a.body_streamed == b.body_streamed);
  } else {
    const auto n = std::min(a.body_streamed.size(), b.body_streamed.size());
    check(a.body_streamed.compare(0, n, b.body_streamed, 0, n) == 0);
  }
}

template <typename Parser>
int run(const std::uint8_t* data, std::size_t size, bool response) {
  if (size == 0) return 0;
  const std::uint8_t control = data[0];
  const std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);
  const bool no_body = response && (control & 0x80) != 0;
  const bool sink = (control & 0x40) != 0;
  const std::size_t step = 1 + (control & 0x3f);

  const auto whole = parse<Parser>(stream, 0, no_body, sink);
  for (const auto& m : whole.messages) {
    const bool bodiless_status = response && ((m.status_code >= 100 && m.status_code < 200) ||
                                              m.status_code == 204 || m.status_code == 304);
    if (m.content_length && !m.chunked && !no_body && !bodiless_status && !m.upgrade && !sink) {
      check(m.body.size() == *m.content_length);
    }
    if (sink) check(m.body.empty());
    if (!response) check(!m.method.empty() && !m.target.empty());
  }
  check_same(whole, parse<Parser>(stream, step, no_body, sink));
  if (stream.size() <= 512) check_same(whole, parse<Parser>(stream, 1, no_body, sink));
  return 0;
}

}  // namespace corio_fuzz
