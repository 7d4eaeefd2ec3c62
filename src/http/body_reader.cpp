// BodyReader: a response body read from its connection on demand.
#include "body_reader.hpp"

#include <corio/http/errors.hpp>

namespace corio::http::detail {

BodyReader::BodyReader(std::shared_ptr<ConnectionPool> pool, std::unique_ptr<Connection> connection,
                       ContentDecoder decoder, OptionalDuration read_timeout,
                       std::uint64_t max_body_size)
    : pool_(std::move(pool)),
      connection_(std::move(connection)),
      decoder_(std::move(decoder)),
      read_timeout_(read_timeout),
      max_body_size_(max_body_size) {}

BodyReader::~BodyReader() {
  close();
}

void BodyReader::close() noexcept {
  if (!connection_) return;
  if (!finished_) connection_->close();
  pool_->release(std::move(connection_));
}

void BodyReader::fail() noexcept {
  if (!connection_) return;
  connection_->close();
  pool_->release(std::move(connection_));
}

void BodyReader::take_piece(std::string& decoded) {
  if (!decoder_.is_identity()) decoder_.feed(raw_, decoded);
  body_size_ += decoded.size();
  if (body_size_ > max_body_size_) {
    throw DecodingError("the response body exceeds max_body_size (" +
                        std::to_string(max_body_size_) + " bytes)");
  }
}

void BodyReader::finish_body(std::string& decoded) {
  decoder_.finish(decoded);
  finished_ = true;
  pool_->release(std::move(connection_));
}

BodyReader::Step BodyReader::next_now(std::string& out) {
  if (finished_) return Step::end;
  if (!connection_) throw StreamClosed("the response was closed before its body was read");
  try {
    const bool identity = decoder_.is_identity();  // nothing to undo: no copy through raw_
    while (out.empty()) {
      raw_.clear();
      const Step step = connection_->read_body(identity ? out : raw_);
      if (step == Step::need_bytes) return step;
      if (step == Step::piece) {
        take_piece(out);
        continue;
      }
      finish_body(out);
      if (out.empty()) return Step::end;
    }
    return Step::piece;
  } catch (...) {
    fail();
    throw;
  }
}

Task<std::optional<std::string>> BodyReader::next() {
  std::string decoded;
  for (;;) {
    const Step step = next_now(decoded);
    if (step == Step::piece) co_return std::move(decoded);
    if (step == Step::end) co_return std::nullopt;
    try {
      co_await connection_->receive(read_timeout_);
    } catch (...) {
      fail();
      throw;
    }
  }
}

}  // namespace corio::http::detail
