// src/net/stream_reader.cpp — corio::net::StreamReader.
#include <corio/net/stream_reader.hpp>

#include <algorithm>

#include <corio/net/errors.hpp>

namespace corio::net {

namespace {
constexpr std::size_t kReadChunk = 64 * 1024;
}

StreamReader::StreamReader(std::shared_ptr<Transport> transport, std::size_t limit)
    : transport_(std::move(transport)), limit_(limit) {
  if (limit_ == 0) throw std::invalid_argument("StreamReader limit must be positive");
}

Task<bool> StreamReader::fill() {
  if (eof_) co_return false;
  if (start_ > 0 && start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ > kReadChunk && start_ * 2 > buffer_.size()) {
    buffer_.erase(0, start_);  // keep the buffer from creeping forward forever
    start_ = 0;
  }
  const std::size_t old_size = buffer_.size();
  buffer_.resize(old_size + kReadChunk);
  std::size_t n = 0;
  try {
    n = co_await transport_->read_some(
        std::as_writable_bytes(std::span(buffer_.data() + old_size, kReadChunk)));
  } catch (...) {
    buffer_.resize(old_size);
    throw;
  }
  buffer_.resize(old_size + n);
  if (n == 0) eof_ = true;
  co_return n > 0;
}

std::string StreamReader::take(std::size_t n) {
  std::string out = buffer_.substr(start_, n);
  start_ += n;
  return out;
}

Task<std::string> StreamReader::read(std::ptrdiff_t n) {
  // One co_return and no co_await inside conditions: g++ 12 miscompiled the shorter form
  // of this function (it trapped at -O2).
  std::string out;
  if (n < 0) {
    for (;;) {
      const bool more = co_await fill();
      if (!more) break;
    }
    out = take(buffered());
  } else if (n > 0) {
    if (buffered() == 0) {
      const bool more = co_await fill();
      (void)more;
    }
    out = take(std::min(buffered(), static_cast<std::size_t>(n)));
  }
  co_return out;
}

Task<std::string> StreamReader::readexactly(std::size_t n) {
  while (buffered() < n) {
    const bool more = co_await fill();
    if (!more) {
      std::string partial = take(buffered());
      throw IncompleteReadError(std::move(partial), n);
    }
  }
  co_return take(n);
}

Task<std::string> StreamReader::readuntil(std::string_view separator) {
  if (separator.empty()) throw std::invalid_argument("readuntil: separator must not be empty");
  std::size_t searched = 0;  // offset into the unread bytes already known to hold no match
  for (;;) {
    const std::string_view unread(buffer_.data() + start_, buffered());
    const auto found = unread.find(separator, searched);
    if (found != std::string_view::npos) {
      if (found + separator.size() > limit_) {
        throw LimitOverrunError("separator is found, but chunk is longer than limit", found);
      }
      co_return take(found + separator.size());
    }
    if (unread.size() > limit_) {
      throw LimitOverrunError("separator is not found, and chunk exceeds the limit", unread.size());
    }
    searched = unread.size() >= separator.size() ? unread.size() - separator.size() + 1 : 0;
    if (!co_await fill()) {
      std::string partial = take(buffered());
      const std::size_t expected = partial.size() + separator.size();
      throw IncompleteReadError(std::move(partial), expected);
    }
  }
}

Task<std::string> StreamReader::readline() {
  try {
    co_return co_await readuntil("\n");
  } catch (const IncompleteReadError& e) {
    co_return e.partial();
  }
}

}  // namespace corio::net
