// tests/fuzz/websocket_frames_fuzz.cpp — the WebSocket client's FrameParser on arbitrary
// server bytes. The first input byte picks max_size (2^(bits 0-4) bytes) and the size of the
// pieces the rest arrives in (bits 5-7: 1, 2, 3, 7, 16, 61, 256 bytes or all at once), as
// the client's reader appends them and drops what was parsed. Each piece either yields
// frames or waits for more; the same events and the same violation must come out whatever
// the pieces. Checked besides: messages fit max_size and text is UTF-8; close codes are ones
// a server may send; a violation is 1002, 1007 or 1009; nothing comes after a close frame or
// a violation; the parser never takes more bytes than it was given.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "charset.hpp"
#include "websocket_frames.hpp"

namespace {

using corio::http::detail::FrameParser;

void check(bool ok) {
  if (!ok) std::abort();
}

// Every event, spelled out, so that two feedings can be compared.
struct Recorder final : corio::http::detail::FrameSink {
  std::uint64_t max_size = 0;
  bool ended = false;  // a close frame came
  std::vector<std::string> events;

  void on_message(std::string data, bool binary) override {
    check(!ended);
    check(data.size() <= max_size);
    check(binary || corio::http::detail::is_utf8(data));
    events.push_back((binary ? "binary " : "text ") + data);
  }
  void on_close(int code, std::string_view reason) override {
    check(!ended);
    check(code == 1005 || corio::http::detail::is_receivable_close_code(code));
    check(corio::http::detail::is_utf8(reason));
    ended = true;
    events.push_back("close " + std::to_string(code) + " " + std::string(reason));
  }
  void on_ping(std::string_view payload) override {
    check(!ended && payload.size() <= 125);
    events.push_back("ping " + std::string(payload));
  }
  void on_pong(std::string_view payload) override {
    check(!ended && payload.size() <= 125);
    events.push_back("pong " + std::string(payload));
  }
};

struct Outcome {
  std::vector<std::string> events;
  std::optional<int> error;
};

Outcome feed(std::string_view stream, std::size_t step, std::uint64_t max_size) {
  FrameParser parser(max_size);
  Recorder sink;
  sink.max_size = max_size;
  std::string in;
  std::size_t pos = 0;
  std::optional<int> error;
  for (std::size_t at = 0; at < stream.size() && !error;) {
    const std::size_t n = step == 0 ? stream.size() : std::min(step, stream.size() - at);
    in.append(stream.substr(at, n));
    at += n;
    if (auto failure = parser.parse(in, pos, sink)) {
      check(failure->code == 1002 || failure->code == 1007 || failure->code == 1009);
      check(!failure->reason.empty());
      error = failure->code;
    }
    check(pos <= in.size());
    in.erase(0, pos);
    pos = 0;
  }
  if (error || sink.ended) {  // nothing more is read once the stream ended
    const std::size_t events = sink.events.size();
    in.append("\x81\x01x");  // a whole text frame
    check(!parser.parse(in, pos, sink) && pos == 0 && sink.events.size() == events);
  }
  return {std::move(sink.events), error};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr std::size_t kSteps[] = {1, 2, 3, 7, 16, 61, 256, 0};
  const std::uint64_t max_size = std::uint64_t{1} << (data[0] & 0x1f);
  const std::size_t step = kSteps[data[0] >> 5];
  const std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);
  const Outcome whole = feed(stream, 0, max_size);
  const Outcome pieces = feed(stream, step, max_size);
  check(whole.events == pieces.events);
  check(whole.error == pieces.error);
  return 0;
}
