// tests/unit/http_parser_test.cpp — tests for include/corio/http/parser.hpp.
#include <corio/http/parser.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using corio::http::Message;
using corio::http::ParserOptions;
using corio::http::ProtocolError;
using corio::http::ProtocolErrorKind;
using corio::http::RequestParser;
using corio::http::ResponseParser;

// What a stream parsed to: every message in order, plus whether EOF completed the last one.
struct Parsed {
  std::vector<Message> messages;
  std::string error;  // ProtocolError::what(), empty if none
};

// Feeds `stream` in pieces cut at `cuts` (sorted offsets), re-feeding unconsumed bytes as a
// socket reader would, then finishes. Throws what the parser throws.
std::vector<Message> parse_or_throw(corio::http::MessageParser& parser, std::string_view stream,
                                    const std::vector<std::size_t>& cuts) {
  std::vector<Message> out;
  std::string pending;
  std::size_t from = 0;
  std::vector<std::size_t> ends = cuts;
  ends.push_back(stream.size());
  for (auto end : ends) {
    pending.append(stream.substr(from, end - from));
    from = end;
    for (;;) {
      const auto r = parser.feed(pending);
      EXPECT_LE(r.consumed, pending.size());
      pending.erase(0, r.consumed);
      if (!r.message_complete) break;
      out.push_back(parser.take_message());
      if (parser.upgraded()) return out;
    }
    if (parser.upgraded()) return out;
    EXPECT_EQ(pending.size(), 0u);
  }
  if (parser.finish()) out.push_back(parser.take_message());
  return out;
}

Parsed parse_stream(corio::http::MessageParser& parser, std::string_view stream,
                    const std::vector<std::size_t>& cuts) {
  Parsed out;
  try {
    out.messages = parse_or_throw(parser, stream, cuts);
  } catch (const ProtocolError& e) {
    out.error = e.what();
  }
  return out;
}

Parsed parse_whole(corio::http::MessageParser& parser, std::string_view stream) {
  return parse_stream(parser, stream, {});
}

Message one_response(std::string_view text, ParserOptions options = {}) {
  ResponseParser parser(std::move(options));
  auto parsed = parse_whole(parser, text);
  EXPECT_EQ(parsed.error, "");
  EXPECT_EQ(parsed.messages.size(), 1u);
  return parsed.messages.empty() ? Message{} : std::move(parsed.messages.front());
}

// The ProtocolError parsing `text` raises (fails the test if none).
template <typename Parser>
ProtocolError error_of(std::string_view text, ParserOptions options) {
  Parser parser(std::move(options));
  try {
    parse_or_throw(parser, text, {});
  } catch (const ProtocolError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for: " << text;
  return ProtocolError("none");
}

ProtocolError response_error(std::string_view text, ParserOptions options = {}) {
  return error_of<ResponseParser>(text, std::move(options));
}

ProtocolError request_error(std::string_view text, ParserOptions options = {}) {
  return error_of<RequestParser>(text, std::move(options));
}

bool same(const Message& a, const Message& b) {
  return a.http_major == b.http_major && a.http_minor == b.http_minor &&
         a.status_code == b.status_code && a.reason == b.reason && a.method == b.method &&
         a.target == b.target && a.headers == b.headers && a.trailers == b.trailers &&
         a.body == b.body && a.keep_alive == b.keep_alive && a.chunked == b.chunked &&
         a.upgrade == b.upgrade && a.content_length == b.content_length;
}

void expect_same(const Parsed& a, const Parsed& b) {
  EXPECT_EQ(a.error.empty(), b.error.empty()) << a.error << " vs " << b.error;
  ASSERT_EQ(a.messages.size(), b.messages.size());
  for (std::size_t i = 0; i < a.messages.size(); ++i) {
    EXPECT_TRUE(same(a.messages[i], b.messages[i])) << "message " << i;
  }
}

constexpr std::string_view kPipelined =
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello"
    "HTTP/1.1 100 Continue\r\n\r\n"
    "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
    "3;ext=1\r\nabc\r\n2;flag\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n"
    "HTTP/1.1 204 No Content\r\n\r\n"
    "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"
    "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end";

TEST(ResponseParser, ParsesASimpleResponse) {
  const auto m =
      one_response("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_EQ(m.status_code, 200);
  EXPECT_EQ(m.reason, "OK");
  EXPECT_EQ(m.http_major, 1);
  EXPECT_EQ(m.http_minor, 1);
  EXPECT_EQ(m.body, "hello");
  EXPECT_EQ(m.content_length, 5u);
  EXPECT_FALSE(m.chunked);
  EXPECT_TRUE(m.keep_alive);
  ASSERT_EQ(m.headers.size(), 2u);
  EXPECT_EQ(m.headers[0].first, "Content-Type");
  EXPECT_EQ(m.headers[0].second, "text/plain");
}

TEST(ResponseParser, KeepsHeaderOrderAndCaseAndLooksUpIgnoringCase) {
  const auto m = one_response(
      "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nx-lower: v\r\nSet-Cookie: b=2\r\n"
      "Content-Length: 0\r\n\r\n");
  ASSERT_EQ(m.headers.size(), 4u);
  EXPECT_EQ(m.headers[0], (std::pair<std::string, std::string>{"Set-Cookie", "a=1"}));
  EXPECT_EQ(m.headers[1].first, "x-lower");
  EXPECT_EQ(m.headers[2].second, "b=2");
  EXPECT_EQ(m.header("SET-COOKIE"), "a=1");
  EXPECT_EQ(m.header("X-Lower"), "v");
  EXPECT_EQ(m.header("missing"), std::nullopt);
}

TEST(ResponseParser, ParsesAChunkedBodyWithExtensionsAndTrailers) {
  const auto m = one_response(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n6;flag\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n");
  EXPECT_TRUE(m.chunked);
  EXPECT_EQ(m.content_length, std::nullopt);
  EXPECT_EQ(m.body, "hello world");
  ASSERT_EQ(m.trailers.size(), 1u);
  EXPECT_EQ(m.trailers[0], (std::pair<std::string, std::string>{"X-Checksum", "abc"}));
  EXPECT_EQ(m.headers.size(), 1u);
}

TEST(ResponseParser, BodyDelimitedByCloseEndsAtFinish) {
  ResponseParser parser;
  const std::string_view text = "HTTP/1.1 200 OK\r\n\r\nsome bytes";
  auto r = parser.feed(text);
  EXPECT_EQ(r.consumed, text.size());
  EXPECT_FALSE(r.message_complete);
  EXPECT_TRUE(parser.in_message());
  ASSERT_TRUE(parser.finish());
  const auto m = parser.take_message();
  EXPECT_EQ(m.body, "some bytes");
  EXPECT_FALSE(m.keep_alive);
}

TEST(ResponseParser, FinishBetweenMessagesIsClean) {
  ResponseParser parser;
  EXPECT_FALSE(parser.finish());
  auto r = parser.feed(std::string_view("HTTP/1.1 204 No Content\r\n\r\n"));
  ASSERT_TRUE(r.message_complete);
  parser.take_message();
  EXPECT_FALSE(parser.finish());
}

TEST(ResponseParser, FinishInsideAMessageIsAnError) {
  ResponseParser parser;
  parser.feed(std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"));
  EXPECT_THROW(parser.finish(), ProtocolError);
}

TEST(ResponseParser, ExpectNoBodyReadsNoBodyWhateverTheHeadersSay) {
  ResponseParser parser({.expect_no_body = true});
  auto parsed = parse_whole(parser,
                            "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"
                            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(parsed.error, "");
  ASSERT_EQ(parsed.messages.size(), 2u);
  EXPECT_EQ(parsed.messages[0].content_length, 1234u);
  EXPECT_EQ(parsed.messages[0].body, "");
  EXPECT_TRUE(parsed.messages[0].keep_alive);
}

TEST(ResponseParser, ExpectNoBodyCanBeSetPerMessage) {
  ResponseParser parser;
  parser.set_expect_no_body(true);
  auto r = parser.feed(std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"));
  ASSERT_TRUE(r.message_complete);
  EXPECT_EQ(parser.take_message().body, "");
  parser.set_expect_no_body(false);
  r = parser.feed(std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"));
  ASSERT_TRUE(r.message_complete);
  EXPECT_EQ(parser.take_message().body, "abc");
}

TEST(ResponseParser, InformationalNoContentAndNotModifiedHaveNoBody) {
  ResponseParser parser;
  auto parsed = parse_whole(parser,
                            "HTTP/1.1 100 Continue\r\n\r\n"
                            "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"
                            "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n"
                            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  EXPECT_EQ(parsed.error, "");
  ASSERT_EQ(parsed.messages.size(), 4u);
  EXPECT_EQ(parsed.messages[0].status_code, 100);
  EXPECT_EQ(parsed.messages[1].status_code, 204);
  EXPECT_EQ(parsed.messages[2].status_code, 304);
  EXPECT_EQ(parsed.messages[2].body, "");
  EXPECT_EQ(parsed.messages[3].body, "ok");
}

TEST(ResponseParser, StopsAtTheEndOfEachPipelinedMessage) {
  ResponseParser parser;
  const std::string text =
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nc";
  auto r = parser.feed(text);
  EXPECT_TRUE(r.message_complete);
  EXPECT_EQ(r.consumed, text.find("HTTP", 1));
  // Untaken: nothing more is consumed.
  EXPECT_EQ(parser.feed(std::string_view(text).substr(r.consumed)).consumed, 0u);
  EXPECT_EQ(parser.take_message().body, "ab");
  auto r2 = parser.feed(std::string_view(text).substr(r.consumed));
  EXPECT_TRUE(r2.message_complete);
  EXPECT_EQ(r.consumed + r2.consumed, text.size());
  EXPECT_EQ(parser.take_message().body, "c");
}

TEST(ResponseParser, OneByteAtATimeGivesTheSameResult) {
  ResponseParser whole_parser;
  const auto whole = parse_whole(whole_parser, kPipelined);
  EXPECT_EQ(whole.error, "");
  ASSERT_EQ(whole.messages.size(), 6u);
  EXPECT_EQ(whole.messages[2].body, "abcde");
  EXPECT_EQ(whole.messages[5].body, "until the end");
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < kPipelined.size(); ++i) cuts.push_back(i);
  ResponseParser bytewise;
  expect_same(whole, parse_stream(bytewise, kPipelined, cuts));
}

TEST(ResponseParser, EverySingleSplitGivesTheSameResult) {
  ResponseParser whole_parser;
  const auto whole = parse_whole(whole_parser, kPipelined);
  for (std::size_t cut = 1; cut < kPipelined.size(); ++cut) {
    ResponseParser parser;
    expect_same(whole, parse_stream(parser, kPipelined, {cut}));
  }
}

TEST(ResponseParser, RandomSplitsGiveTheSameResult) {
  ResponseParser whole_parser;
  const auto whole = parse_whole(whole_parser, kPipelined);
  std::mt19937 rng(12345);
  for (int round = 0; round < 200; ++round) {
    std::uniform_int_distribution<std::size_t> pick(1, kPipelined.size() - 1);
    std::vector<std::size_t> cuts(1 + round % 10);
    for (auto& c : cuts) c = pick(rng);
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    ResponseParser parser;
    expect_same(whole, parse_stream(parser, kPipelined, cuts));
  }
}

TEST(ResponseParser, BodySinkReceivesTheBodyInsteadOfTheMessage) {
  std::string streamed;
  int calls = 0;
  ResponseParser parser({.body_sink = [&](std::string_view piece) {
    streamed.append(piece);
    ++calls;
  }});
  std::vector<std::size_t> cuts;
  for (std::size_t i = 40; i < 60; i += 3) cuts.push_back(i);
  auto parsed = parse_stream(parser,
                             "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
                             cuts);
  ASSERT_EQ(parsed.messages.size(), 1u);
  EXPECT_EQ(parsed.messages[0].body, "");
  EXPECT_EQ(streamed, "hello world");
  EXPECT_GE(calls, 2);
}

TEST(ResponseParser, AnExceptionFromTheBodySinkPropagatesAndSticks) {
  ResponseParser parser({.body_sink = [](std::string_view) { throw std::runtime_error("disk"); }});
  const std::string_view text = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nab";
  EXPECT_THROW(parser.feed(text), std::runtime_error);
  EXPECT_THROW(parser.feed(text), ProtocolError);
}

TEST(ResponseParser, KeepAliveFollowsConnectionHeaderAndVersion) {
  EXPECT_TRUE(one_response("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").keep_alive);
  EXPECT_FALSE(
      one_response("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").keep_alive);
  const auto old = one_response("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(old.http_minor, 0);
  EXPECT_FALSE(old.keep_alive);
  EXPECT_TRUE(one_response("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n")
                  .keep_alive);
}

TEST(ResponseParser, DataAfterConnectionCloseIsRejected) {
  const auto e = response_error(
      "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n");
  EXPECT_NE(std::string(e.what()).find("invalid HTTP response"), std::string::npos);
}

TEST(ResponseParser, SwitchingProtocolsStopsParsing) {
  ResponseParser parser;
  const std::string_view text =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
      "\x81\x05hello";
  auto r = parser.feed(text);
  ASSERT_TRUE(r.message_complete);
  EXPECT_EQ(r.consumed, text.find('\x81'));
  EXPECT_TRUE(parser.take_message().upgrade);
  EXPECT_TRUE(parser.upgraded());
  EXPECT_EQ(parser.feed(text.substr(r.consumed)).consumed, 0u);
}

TEST(ResponseParser, RejectsContentLengthWithTransferEncoding) {
  const auto e = response_error(
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  const std::string what = e.what();
  EXPECT_NE(what.find("invalid HTTP response: HPE_UNEXPECTED_CONTENT_LENGTH"), std::string::npos)
      << what;
  EXPECT_NE(what.find("(at byte "), std::string::npos) << what;
}

TEST(ResponseParser, RejectsConflictingContentLengths) {
  const auto e =
      response_error("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
  EXPECT_NE(std::string(e.what()).find("Content-Length"), std::string::npos) << e.what();
}

TEST(ResponseParser, RejectsInvalidContentLength) {
  response_error("HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello");
  response_error("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n");
  response_error("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n");
}

TEST(ResponseParser, RejectsInvalidChunkSizes) {
  const auto e = response_error(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
  EXPECT_NE(std::string(e.what()).find("HPE_INVALID_CHUNK_SIZE"), std::string::npos) << e.what();
  response_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n");
}

TEST(ResponseParser, RejectsAChunkedBodyEndingEarly) {
  response_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
}

TEST(ResponseParser, RejectsGarbage) {
  response_error("garbage\r\n\r\n");
  response_error(std::string_view("\0\1\2\3", 4));
  response_error("HTTP/1.1 2000 OK\r\n\r\n");
  response_error("HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n");
  response_error("HTTP/1.1 200 OK\nContent-Length: 0\n\n");
}

TEST(ResponseParser, RejectsObsoleteLineFolding) {
  const auto e = response_error("HTTP/1.1 200 OK\r\nX-A: one\r\n two\r\nContent-Length: 0\r\n\r\n");
  EXPECT_NE(std::string(e.what()).find("obsolete line folding"), std::string::npos) << e.what();
}

TEST(ResponseParser, RejectsWhitespaceInAHeaderName) {
  const auto e = response_error("HTTP/1.1 200 OK\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n");
  EXPECT_NE(std::string(e.what()).find("header"), std::string::npos) << e.what();
  const auto inner = response_error("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n");
  EXPECT_NE(std::string(inner.what()).find("Invalid header token"), std::string::npos)
      << inner.what();
}

// llhttp rejects a repeated Content-Length even with an equal value (RFC 9110 8.6 allows
// accepting that; rejecting is the stricter choice and closes a smuggling vector).
TEST(ResponseParser, RejectsARepeatedContentLengthEvenWhenEqual) {
  response_error("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok");
  response_error("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok");
}

TEST(ResponseParser, ErrorsStickUntilReset) {
  ResponseParser parser;
  const std::string_view bad = "nonsense\r\n\r\n";
  std::string first;
  try {
    parser.feed(bad);
  } catch (const ProtocolError& e) {
    first = e.what();
  }
  ASSERT_FALSE(first.empty());
  try {
    parser.feed(std::string_view("HTTP/1.1 200 OK\r\n\r\n"));
    ADD_FAILURE();
  } catch (const ProtocolError& e) {
    EXPECT_EQ(e.what(), first);
  }
  parser.reset();
  auto r = parser.feed(std::string_view("HTTP/1.1 204 No Content\r\n\r\n"));
  EXPECT_TRUE(r.message_complete);
}

TEST(ResponseParser, ErrorNamesTheByteOffsetInTheStream) {
  ResponseParser parser;
  const std::string_view good = "HTTP/1.1 204 No Content\r\n\r\n";
  ASSERT_TRUE(parser.feed(good).message_complete);
  parser.take_message();
  try {
    parser.feed(std::string_view("HTTP/1.1 200 OK\r\nContent-Length: zz\r\n\r\n"));
    ADD_FAILURE();
  } catch (const ProtocolError& e) {
    const std::string what = e.what();
    const auto at = what.find("(at byte ");
    ASSERT_NE(at, std::string::npos) << what;
    EXPECT_GT(std::stoul(what.substr(at + 9)), good.size()) << what;
  }
}

TEST(ResponseParser, LimitsTheHeaderLine) {
  const auto e = response_error("HTTP/1.1 200 OK\r\nX-Big: " + std::string(9000, 'a') +
                                "\r\nContent-Length: 0\r\n\r\n");
  EXPECT_NE(std::string(e.what()).find("header field larger than 8192 bytes"), std::string::npos)
      << e.what();
  EXPECT_EQ(e.kind(), ProtocolErrorKind::header_fields_too_large);
  const auto reason = response_error("HTTP/1.1 200 " + std::string(9000, 'r') + "\r\n\r\n");
  EXPECT_NE(std::string(reason.what()).find("status line"), std::string::npos) << reason.what();
}

TEST(ResponseParser, LimitsTheHeaderSection) {
  std::string text = "HTTP/1.1 200 OK\r\n";
  for (int i = 0; i < 20; ++i)
    text += "X-H" + std::to_string(i) + ": " + std::string(4000, 'v') + "\r\n";
  text += "\r\n";
  const auto e = response_error(text);
  EXPECT_NE(std::string(e.what()).find("header section larger than 65536 bytes"), std::string::npos)
      << e.what();
}

TEST(ResponseParser, LimitsTheHeaderSectionEvenInWhitespace) {
  const auto e = response_error("HTTP/1.1 200 OK\r\nX-A:" + std::string(70000, ' '));
  EXPECT_NE(std::string(e.what()).find("header section larger"), std::string::npos) << e.what();
}

TEST(ResponseParser, LimitsTheHeaderCount) {
  std::string text = "HTTP/1.1 200 OK\r\n";
  for (int i = 0; i < 101; ++i) text += "X-H" + std::to_string(i) + ": v\r\n";
  text += "\r\n";
  const auto e = response_error(text);
  EXPECT_NE(std::string(e.what()).find("more than 100 header fields"), std::string::npos)
      << e.what();
  ResponseParser ok;
  std::string hundred = "HTTP/1.1 200 OK\r\n";
  for (int i = 0; i < 99; ++i) hundred += "X-H" + std::to_string(i) + ": v\r\n";
  hundred += "Content-Length: 0\r\n\r\n";
  EXPECT_EQ(parse_whole(ok, hundred).messages.size(), 1u);
}

TEST(ResponseParser, LimitsTheBody) {
  ParserOptions options;
  options.limits.max_body = 4;
  const auto declared =
      response_error("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", options);
  EXPECT_NE(std::string(declared.what()).find("body larger than 4 bytes"), std::string::npos)
      << declared.what();
  EXPECT_EQ(declared.kind(), ProtocolErrorKind::payload_too_large);
  response_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                 options);
  response_error("HTTP/1.1 200 OK\r\n\r\nhello", options);
  EXPECT_EQ(one_response("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nhell", options).body, "hell");
}

TEST(RequestParser, ParsesMethodTargetAndVersion) {
  RequestParser parser;
  auto parsed =
      parse_whole(parser,
                  "GET /path?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n"
                  "POST /submit HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabc"
                  "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
  EXPECT_EQ(parsed.error, "");
  ASSERT_EQ(parsed.messages.size(), 3u);
  EXPECT_EQ(parsed.messages[0].method, "GET");
  EXPECT_EQ(parsed.messages[0].target, "/path?q=1");
  EXPECT_EQ(parsed.messages[0].http_minor, 1);
  EXPECT_TRUE(parsed.messages[0].keep_alive);
  EXPECT_EQ(parsed.messages[0].header("host"), "example.com");
  EXPECT_EQ(parsed.messages[1].method, "POST");
  EXPECT_EQ(parsed.messages[1].http_minor, 0);
  EXPECT_EQ(parsed.messages[1].body, "abc");
  EXPECT_EQ(parsed.messages[2].method, "CONNECT");
  EXPECT_EQ(parsed.messages[2].target, "example.com:443");
  EXPECT_TRUE(parsed.messages[2].upgrade);
}

TEST(RequestParser, ARequestWithoutLengthHasNoBody) {
  RequestParser parser;
  auto r = parser.feed(std::string_view("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
  EXPECT_TRUE(r.message_complete);
  EXPECT_EQ(parser.take_message().body, "");
}

TEST(RequestParser, LimitsTheUri) {
  const auto e = request_error("GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n\r\n");
  EXPECT_EQ(e.kind(), ProtocolErrorKind::uri_too_long);
  EXPECT_EQ(corio::http::status_code(e.kind()), 414);
  EXPECT_NE(std::string(e.what()).find("invalid HTTP request: request target larger than 8192"),
            std::string::npos)
      << e.what();
}

TEST(RequestParser, MapsErrorsToStatusCodes) {
  EXPECT_EQ(
      request_error("GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")
          .kind(),
      ProtocolErrorKind::bad_request);
  EXPECT_EQ(
      request_error("POST / HTTP/1.1\r\nTransfer-Encoding: frobnicate, chunked\r\n\r\n0\r\n\r\n")
          .kind(),
      ProtocolErrorKind::not_implemented);
  EXPECT_EQ(request_error("GET / HTTP/2.0\r\n\r\n").kind(),
            ProtocolErrorKind::version_not_supported);
  EXPECT_EQ(request_error("GET / HTTP/3.1\r\n\r\n").kind(),
            ProtocolErrorKind::version_not_supported);
  ParserOptions small;
  small.limits.max_body = 2;
  EXPECT_EQ(request_error("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", small).kind(),
            ProtocolErrorKind::payload_too_large);
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 101; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(request_error(many + "\r\n").kind(), ProtocolErrorKind::header_fields_too_large);
  EXPECT_EQ(corio::http::status_code(ProtocolErrorKind::header_fields_too_large), 431);
  EXPECT_EQ(corio::http::status_code(ProtocolErrorKind::not_implemented), 501);
  EXPECT_EQ(corio::http::status_code(ProtocolErrorKind::version_not_supported), 505);
  EXPECT_EQ(corio::http::status_code(ProtocolErrorKind::payload_too_large), 413);
}

TEST(RequestParser, LimitsTheHeaderLineAndCount) {
  const auto line =
      request_error("GET / HTTP/1.1\r\nCookie: " + std::string(8200, 'c') + "\r\n\r\n");
  EXPECT_EQ(line.kind(), ProtocolErrorKind::header_fields_too_large);
  ParserOptions few;
  few.limits.max_header_count = 2;
  const auto count = request_error("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", few);
  EXPECT_NE(std::string(count.what()).find("more than 2 header fields"), std::string::npos)
      << count.what();
}

TEST(RequestParser, RejectsTransferEncodingNotEndingInChunked) {
  EXPECT_EQ(request_error("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n").kind(),
            ProtocolErrorKind::bad_request);
}

TEST(RequestParser, RejectsGarbage) {
  request_error("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03");
  request_error("GET\r\n\r\n");
  request_error("GET / HTTP/1.1\r\nHost: a\r\n x: folded\r\n\r\n");
}

TEST(ResponseParser, TrimsHeaderValuesInPlace) {
  const auto m = one_response(
      "HTTP/1.1 200 OK\r\nX-Empty:   \r\nX-Inner: \t v  w \t\r\nX-None:\r\nContent-Length: "
      "0\r\n\r\n");
  ASSERT_EQ(m.headers.size(), 4u);
  EXPECT_EQ(m.headers[0], (std::pair<std::string, std::string>("X-Empty", "")));
  EXPECT_EQ(m.headers[1], (std::pair<std::string, std::string>("X-Inner", "v  w")));
  EXPECT_EQ(m.headers[2], (std::pair<std::string, std::string>("X-None", "")));
  EXPECT_EQ(m.header("content-length"), "0");
}

TEST(ResponseParser, NextMessageLeavesNothingOfThePreviousOne) {
  ResponseParser parser;
  constexpr std::string_view first =
      "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-Long: "
      "a value long enough not to fit in a string's own buffer\r\n\r\n"
      "3\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n";
  auto r = parser.feed(first);
  ASSERT_TRUE(r.message_complete);
  EXPECT_EQ(r.consumed, first.size());
  EXPECT_EQ(parser.current().trailers.size(), 1u);
  parser.next_message();
  EXPECT_FALSE(parser.message_complete());
  EXPECT_FALSE(parser.in_message());
  r = parser.feed(std::string_view("HTTP/1.0 404 Gone\r\nA: b\r\n\r\n"));
  EXPECT_FALSE(r.message_complete);  // HTTP/1.0 without a length: the body ends at close
  ASSERT_TRUE(parser.finish());
  const Message m = parser.take_message();
  EXPECT_EQ(m.status_code, 404);
  EXPECT_EQ(m.reason, "Gone");
  EXPECT_EQ(m.http_minor, 0);
  EXPECT_EQ(m.headers, (corio::http::HeaderList{{"A", "b"}}));
  EXPECT_TRUE(m.trailers.empty());
  EXPECT_EQ(m.body, "");
  EXPECT_FALSE(m.chunked);
  EXPECT_FALSE(m.keep_alive);
  EXPECT_EQ(m.content_length, std::nullopt);
}

TEST(RequestParser, NextMessageResetsEveryField) {
  RequestParser parser;
  auto r = parser.feed(
      std::string_view("POST /first?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nxyz"));
  ASSERT_TRUE(r.message_complete);
  parser.next_message();
  r = parser.feed(std::string_view("GET / HTTP/1.1\r\nHost: b\r\n\r\n"));
  ASSERT_TRUE(r.message_complete);
  const Message m = parser.take_message();
  EXPECT_EQ(m.method, "GET");
  EXPECT_EQ(m.target, "/");
  EXPECT_EQ(m.headers, (corio::http::HeaderList{{"Host", "b"}}));
  EXPECT_EQ(m.body, "");
  EXPECT_EQ(m.content_length, std::nullopt);
  EXPECT_THROW(parser.next_message(), std::logic_error);
}

TEST(RequestParser, RecycledHeadersKeepTheirMemoryButNoneOfTheirFields) {
  RequestParser parser;
  const std::string big(1000, 'b');  // too large to be kept
  const std::string first = "GET /1 HTTP/1.1\r\nHost: first.example\r\nX-Big: " + big +
                            "\r\nX-Medium: a value longer than fifteen bytes\r\n\r\n";
  auto r = parser.feed(first);
  ASSERT_TRUE(r.message_complete);
  corio::http::HeaderList used = std::move(parser.current().headers);
  ASSERT_EQ(used.size(), 3u);
  parser.next_message();
  parser.recycle_headers(std::move(used));
  EXPECT_TRUE(parser.current().headers.empty());  // nothing shows between messages

  // Fewer fields than recycled, fed byte by byte: exactly this message's fields.
  const std::string second = "GET /2 HTTP/1.1\r\nX-Medium: m\r\n\r\n";
  for (std::size_t i = 0; i < second.size(); ++i) {
    r = parser.feed(std::string_view(second).substr(i, 1));
    EXPECT_EQ(r.consumed, 1u);
  }
  ASSERT_TRUE(r.message_complete);
  EXPECT_EQ(parser.current().headers, (corio::http::HeaderList{{"X-Medium", "m"}}));
  used = std::move(parser.current().headers);
  parser.next_message();
  parser.recycle_headers(std::move(used));

  // More fields than recycled.
  r = parser.feed(std::string_view("GET /3 HTTP/1.1\r\nA: 1\r\nB:  2 \r\nC: 3\r\n\r\n"));
  ASSERT_TRUE(r.message_complete);
  EXPECT_EQ(parser.current().headers,
            (corio::http::HeaderList{{"A", "1"}, {"B", "2"}, {"C", "3"}}));
  // Not between messages: the list is only destroyed, the message keeps its own.
  parser.recycle_headers(corio::http::HeaderList{{"X", "y"}});
  const Message m = parser.take_message();
  EXPECT_EQ(m.headers.size(), 3u);
  EXPECT_EQ(m.target, "/3");
}

TEST(RequestParser, RecycledHeadersDoNotEscapeAFailedMessage) {
  RequestParser parser;
  auto r = parser.feed(std::string_view("GET /1 HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n"));
  ASSERT_TRUE(r.message_complete);
  corio::http::HeaderList used = std::move(parser.current().headers);
  parser.next_message();
  parser.recycle_headers(std::move(used));
  EXPECT_THROW(parser.feed(std::string_view("GET /2 HTTP/1.1\r\nBad Name: x\r\n\r\n")),
               ProtocolError);
  parser.reset();
  r = parser.feed(std::string_view("GET /3 HTTP/1.1\r\nC: 3\r\n\r\n"));
  ASSERT_TRUE(r.message_complete);
  EXPECT_EQ(parser.take_message().headers, (corio::http::HeaderList{{"C", "3"}}));
}

TEST(RequestParser, SplitsGiveTheSameResult) {
  constexpr std::string_view text =
      "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4\r\nwiki\r\n0\r\n\r\nGET /b?c=d HTTP/1.1\r\nHost: h\r\n\r\n"
      "PUT /e HTTP/1.1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nxyz";
  RequestParser whole_parser;
  const auto whole = parse_whole(whole_parser, text);
  EXPECT_EQ(whole.error, "");
  ASSERT_EQ(whole.messages.size(), 3u);
  EXPECT_FALSE(whole.messages[2].keep_alive);
  for (std::size_t cut = 1; cut < text.size(); ++cut) {
    RequestParser parser;
    expect_same(whole, parse_stream(parser, text, {cut}));
  }
}

}  // namespace
