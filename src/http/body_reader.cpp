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

Task<std::optional<std::string>> BodyReader::next() {
  if (finished_) co_return std::nullopt;
  if (!connection_) throw StreamClosed("the response was closed before its body was read");
  try {
    std::string decoded;
    const bool identity = decoder_.is_identity();  // nothing to undo: no copy through raw_
    while (decoded.empty()) {
      raw_.clear();
      const bool more = co_await connection_->read_body(identity ? decoded : raw_, read_timeout_);
      if (more) {
        if (!identity) decoder_.feed(raw_, decoded);
        body_size_ += decoded.size();
        if (body_size_ > max_body_size_) {
          throw DecodingError("the response body exceeds max_body_size (" +
                              std::to_string(max_body_size_) + " bytes)");
        }
        continue;
      }
      decoder_.finish(decoded);
      finished_ = true;
      pool_->release(std::move(connection_));
      if (decoded.empty()) co_return std::nullopt;
    }
    co_return decoded;
  } catch (...) {
    fail();
    throw;
  }
}

}  // namespace corio::http::detail
