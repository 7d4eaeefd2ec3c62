// src/net/stream_reader.cpp — corio::net::StreamReader.
#include <corio/net/stream_reader.hpp>

#include <algorithm>

#include <corio/errors.hpp>
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
  if (filling_) {
    throw RuntimeError("StreamReader: a read while another task is already waiting for data");
  }
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
  filling_ = true;
  try {
    n = co_await transport_->read_some(
        std::as_writable_bytes(std::span(buffer_.data() + old_size, kReadChunk)));
  } catch (const CancelledError&) {
    filling_ = false;
    buffer_.resize(old_size);
    throw;
  } catch (...) {
    filling_ = false;
    buffer_.resize(old_size);
    error_ = std::current_exception();
    throw;
  }
  filling_ = false;
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
  if (error_) std::rethrow_exception(error_);
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
  if (error_) std::rethrow_exception(error_);
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
  if (error_) std::rethrow_exception(error_);
  // The limit counts the bytes before the separator, as asyncio's does: a separator may
  // still end up to separator.size() - 1 bytes past it.
  std::size_t searched = 0;  // offset into the unread bytes known to start no match
  for (;;) {
    const std::string_view unread(buffer_.data() + start_, buffered());
    if (unread.size() >= searched + separator.size()) {
      const auto found = unread.find(separator, searched);
      if (found != std::string_view::npos) {
        if (found > limit_) {
          throw LimitOverrunError("separator is found, but chunk is longer than limit", found);
        }
        co_return take(found + separator.size());
      }
      searched = unread.size() + 1 - separator.size();
      if (searched > limit_) {
        throw LimitOverrunError("separator is not found, and chunk exceeds the limit", searched);
      }
    }
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
  } catch (const LimitOverrunError& e) {
    const std::string_view unread(buffer_.data() + start_, buffered());
    const bool newline_found = e.consumed() < unread.size() && unread[e.consumed()] == '\n';
    start_ = newline_found ? start_ + e.consumed() + 1 : buffer_.size();
    throw;
  }
}

}  // namespace corio::net
