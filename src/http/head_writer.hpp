// src/http/head_writer.hpp — copies the pieces of a message head into a buffer sized
// beforehand: one memcpy per piece, no capacity check or growth between them. The client's
// request heads and the server's response heads are written this way.
#pragma once

#include <cassert>
#include <cstring>
#include <string>
#include <string_view>

namespace corio::http::detail {

class HeadWriter {
 public:
  // Writes after the first `keep` bytes of `out` (the rest of what it held is overwritten);
  // finish() trims it to what was put. The pieces put must not add up to more than `bound`.
  HeadWriter(std::string& out, std::size_t keep, std::size_t bound) : out_(out) {
    out_.resize(keep + bound);
    cursor_ = out_.data() + keep;
  }
  HeadWriter(std::string& out, std::size_t bound) : HeadWriter(out, 0, bound) {}
  HeadWriter(const HeadWriter&) = delete;
  HeadWriter& operator=(const HeadWriter&) = delete;

  HeadWriter& put(std::string_view piece) noexcept {
    if (piece.empty()) return *this;  // its data() may be null
    assert(piece.size() <= out_.size() - written());
    std::memcpy(cursor_, piece.data(), piece.size());
    cursor_ += piece.size();
    return *this;
  }
  void finish() { out_.resize(written()); }

 private:
  [[nodiscard]] std::size_t written() const noexcept {
    return static_cast<std::size_t>(cursor_ - out_.data());
  }

  std::string& out_;
  char* cursor_;
};

}  // namespace corio::http::detail
