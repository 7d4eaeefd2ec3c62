// src/http/websocket_frames.hpp — the WebSocket client's reading of server frames (RFC 6455
// 5.2-5.7): checks each frame, reassembles fragmented messages, and hands on what the
// connection must act on. Sending stays wslay's; websocket.cpp says why receiving is not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace corio::http::detail {

// What the frames ask of the connection, in arrival order.
class FrameSink {
 public:
  // A whole message (text is valid UTF-8).
  virtual void on_message(std::string data, bool binary) = 0;
  // A valid close frame: its code (1005 when it carries none) and UTF-8 reason.
  virtual void on_close(int code, std::string_view reason) = 0;
  virtual void on_ping(std::string_view payload) = 0;
  virtual void on_pong(std::string_view payload) = 0;

 protected:
  ~FrameSink() = default;
};

// A violation: the close code to fail the connection with (1002 protocol error, 1007 invalid
// UTF-8, 1009 too big) and a reason naming it.
struct FrameError {
  int code = 1002;
  std::string reason;
};

// Codes a received close frame may carry (RFC 6455 7.4, IANA registry).
[[nodiscard]] bool is_receivable_close_code(int code) noexcept;

class FrameParser {
 public:
  // Messages (all fragments together) may hold at most max_size bytes.
  explicit FrameParser(std::uint64_t max_size) noexcept : max_size_(max_size) {}

  // Parses the whole frames of `in` from `pos` on, advancing `pos` past each, and hands
  // them to `sink`. Stops at an incomplete frame (more bytes will come), after a close frame
  // (nothing after it is read), or at a violation, which it returns; nothing is parsed after
  // one. A length is checked against max_size from the header alone, before its payload is
  // buffered. Throws what `sink` throws, and std::bad_alloc.
  std::optional<FrameError> parse(std::string_view in, std::size_t& pos, FrameSink& sink);

 private:
  std::optional<FrameError> fail(int code, std::string reason);

  std::uint64_t max_size_;
  bool closed_ = false;                 // a close frame or a violation ended the stream
  std::optional<bool> partial_binary_;  // a fragmented message is unfinished: whether binary
  std::string partial_;                 // its fragments so far
};

}  // namespace corio::http::detail
