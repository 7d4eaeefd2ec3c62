// src/http/body_reader.hpp — the body of a response still on its connection: reads it
// piece by piece, undoes the content coding, and gives the connection back to the pool at
// the end (or closes it when abandoned).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <corio/http/decoding.hpp>
#include <corio/task.hpp>

#include "connection.hpp"
#include "connection_pool.hpp"

namespace corio::http::detail {

class BodyReader {
 public:
  // max_body_size bounds the decoded body as a whole (identity bodies too).
  BodyReader(std::shared_ptr<ConnectionPool> pool, std::unique_ptr<Connection> connection,
             ContentDecoder decoder, OptionalDuration read_timeout, std::uint64_t max_body_size);
  BodyReader(const BodyReader&) = delete;
  BodyReader& operator=(const BodyReader&) = delete;
  // Closes a connection whose body was not read to its end.
  ~BodyReader();

  // The next decoded piece (never empty), or nullopt at the end, where the connection
  // goes back to the pool. Throws as Connection::read_body and receive, and DecodingError; the
  // connection is then closed. Throws StreamClosed after close().
  Task<std::optional<std::string>> next();
  // next() without receiving, for a body (or its rest) already here: piece (`out`, empty
  // on entry, holds it), end (the connection went back to the pool), or need_bytes (call
  // next()). Throws as next().
  using Step = Connection::BodyStep;
  Step next_now(std::string& out);

  // Gives the connection back: to the pool if the body was read, closed otherwise.
  void close() noexcept;
  [[nodiscard]] bool is_closed() const noexcept { return !connection_; }

 private:
  void fail() noexcept;
  // Takes what one read of the connection gave (in `decoded` for an identity body, else in
  // raw_): decodes it and checks the size. Throws DecodingError.
  void take_piece(std::string& decoded);
  // The body ended: the decoder's rest goes to `decoded`, the connection back to the pool.
  void finish_body(std::string& decoded);

  std::shared_ptr<ConnectionPool> pool_;
  std::unique_ptr<Connection> connection_;
  ContentDecoder decoder_;
  OptionalDuration read_timeout_;
  std::uint64_t max_body_size_;
  std::uint64_t body_size_ = 0;
  std::string raw_;  // coded bytes on their way to the decoder (identity bodies skip it)
  bool finished_ = false;
};

// What copies of one Response share: the body once read, and the reader until then.
struct BodyState {
  std::optional<std::string> content;
  std::optional<BodyReader> reader;  // in place: one allocation with the state
  bool consumed = false;             // an iterator or aread() took the body
};

}  // namespace corio::http::detail
