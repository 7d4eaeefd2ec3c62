// src/http/websocket_frames.cpp — FrameParser: server frames checked to RFC 6455.
#include "websocket_frames.hpp"

#include <utility>

#include "charset.hpp"

namespace corio::http::detail {

namespace {

// RFC 6455 5.2 opcodes.
constexpr unsigned kContinuation = 0x0;
constexpr unsigned kText = 0x1;
constexpr unsigned kBinary = 0x2;
constexpr unsigned kClose = 0x8;
constexpr unsigned kPing = 0x9;
constexpr unsigned kPong = 0xA;

}  // namespace

bool is_receivable_close_code(int code) noexcept {
  return (code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006) ||
         (code >= 3000 && code <= 4999);
}

std::optional<FrameError> FrameParser::fail(int code, std::string reason) {
  closed_ = true;
  partial_binary_.reset();
  partial_.clear();
  return FrameError{code, std::move(reason)};
}

std::optional<FrameError> FrameParser::parse(std::string_view in, std::size_t& pos,
                                             FrameSink& sink) {
  while (!closed_) {
    const std::string_view rest = in.substr(pos);
    if (rest.size() < 2) return std::nullopt;
    const auto byte0 = static_cast<unsigned char>(rest[0]);
    const auto byte1 = static_cast<unsigned char>(rest[1]);
    const bool fin = (byte0 & 0x80) != 0;
    const unsigned opcode = byte0 & 0x0f;
    const bool control = (opcode & 0x08) != 0;
    if ((byte0 & 0x70) != 0) return fail(1002, "reserved bits must be 0");
    if ((byte1 & 0x80) != 0) return fail(1002, "masked frame from the server");
    if (opcode > kBinary && (opcode < kClose || opcode > kPong)) {
      return fail(1002, "invalid opcode " + std::to_string(opcode));
    }
    if (control && !fin) return fail(1002, "fragmented control frame");
    if (control && (byte1 & 0x7f) > 125) return fail(1002, "control frame too long");
    if (opcode == kContinuation && !partial_binary_) {
      return fail(1002, "unexpected continuation frame");
    }
    if (!control && opcode != kContinuation && partial_binary_) {
      return fail(1002, "expected a continuation frame");
    }
    std::uint64_t length = byte1 & 0x7f;
    std::size_t header = 2;
    if (length >= 126) {
      const std::size_t extended = length == 126 ? 2 : 8;
      if (rest.size() < header + extended) return std::nullopt;
      length = 0;
      for (std::size_t i = 0; i < extended; ++i) {
        length = (length << 8) | static_cast<unsigned char>(rest[header + i]);
      }
      header += extended;
      // RFC 6455 5.2: the top bit is 0, and the shortest encoding is used.
      if ((length >> 63) != 0 || length < (extended == 2 ? 126u : 65536u)) {
        return fail(1002, "invalid frame length");
      }
    }
    if (!control && length > max_size_ - partial_.size()) {
      return fail(1009, "over max_size of " + std::to_string(max_size_) + " bytes");
    }
    if (rest.size() - header < length) return std::nullopt;
    const std::string_view payload = rest.substr(header, static_cast<std::size_t>(length));
    pos += header + payload.size();
    switch (opcode) {
      case kContinuation:
      case kText:
      case kBinary: {
        if (opcode != kContinuation) partial_binary_ = opcode == kBinary;
        partial_.append(payload);
        if (!fin) break;
        const bool binary = *partial_binary_;
        partial_binary_.reset();
        std::string data = std::exchange(partial_, std::string());
        if (!binary && !is_utf8(data)) return fail(1007, "invalid UTF-8 in a text message");
        sink.on_message(std::move(data), binary);
        break;
      }
      case kClose: {
        if (payload.size() == 1) return fail(1002, "close frame too short");
        int code = 1005;
        std::string_view reason;
        if (payload.size() >= 2) {
          code = (static_cast<unsigned char>(payload[0]) << 8) |
                 static_cast<unsigned char>(payload[1]);
          if (!is_receivable_close_code(code)) {
            return fail(1002, "invalid close code " + std::to_string(code));
          }
          reason = payload.substr(2);
          if (!is_utf8(reason)) return fail(1007, "invalid UTF-8 in the close reason");
        }
        closed_ = true;
        sink.on_close(code, reason);
        break;
      }
      case kPing:
        sink.on_ping(payload);
        break;
      default:
        sink.on_pong(payload);
    }
  }
  return std::nullopt;
}

}  // namespace corio::http::detail
