// Response: status, headers and the body, read at once or streamed.
#include <corio/http/response.hpp>

#include <corio/http/errors.hpp>

#include "body_reader.hpp"
#include "charset.hpp"

namespace corio::http {

Response::Response(int status, Request origin_request)
    : status_code(status), request(std::move(origin_request)) {}

void Response::set_content(std::string content) {
  body_ = std::make_shared<detail::BodyState>();
  body_->content = std::move(content);
}

const std::string& Response::content() const {
  if (!body_ || !body_->content) {
    throw ResponseNotRead(
        "the body of this streamed response has not been read: co_await response.aread() first");
  }
  return *body_->content;
}

std::optional<std::string> Response::charset_encoding() const {
  const auto type = headers.first("content-type");
  if (!type) return std::nullopt;
  return detail::charset_parameter(*type);
}

std::string Response::text() const {
  const auto charset = charset_encoding();
  return detail::to_utf8(content(), charset ? *charset : std::string("utf-8"));
}

nlohmann::json Response::json() const {
  try {
    return nlohmann::json::parse(content());
  } catch (const nlohmann::json::parse_error& e) {
    throw DecodingError("the response from " + std::string(url().str()) +
                        " is not valid JSON: " + e.what());
  }
}

bool Response::has_redirect_location() const noexcept {
  switch (status_code) {
    case 301:
    case 302:
    case 303:
    case 307:
    case 308:
      return headers.contains("location");
    default:
      return false;
  }
}

const Response& Response::raise_for_status() const {
  if (is_success()) return *this;
  const char* kind = "Error response";
  switch (status_code / 100) {
    case 1:
      kind = "Informational response";
      break;
    case 3:
      kind = "Redirect response";
      break;
    case 4:
      kind = "Client error";
      break;
    case 5:
      kind = "Server error";
      break;
    default:
      break;
  }
  std::string message = std::string(kind) + " '" + std::to_string(status_code) + " " +
                        reason_phrase + "' for url '" + std::string(url().str()) + "'";
  if (has_redirect_location()) {
    message += "\nRedirect location: '" + std::string(*headers.first("location")) + "'";
  }
  throw HTTPStatusError(message, std::make_shared<const Response>(*this));
}

Task<std::optional<std::string>> Response::ByteIterator::next() {
  if (body_->content) {
    // Already read: one piece, then the end.
    if (body_->content->empty() || consumed_) co_return std::nullopt;
    consumed_ = true;
    co_return *body_->content;
  }
  co_return co_await body_->reader->next();
}

Task<std::optional<std::string>> Response::LineIterator::next() {
  for (;;) {
    const auto newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      co_return line;
    }
    if (done_) {
      if (buffer_.empty()) co_return std::nullopt;
      std::string last = std::move(buffer_);
      buffer_.clear();
      co_return last;
    }
    std::optional<std::string> piece = co_await bytes_.next();
    if (piece) {
      buffer_.append(*piece);
    } else {
      done_ = true;
    }
  }
}

Response::ByteIterator Response::aiter_bytes() {
  if (!body_) set_content({});
  if (body_->consumed) throw StreamConsumed("the body of this response was already consumed");
  body_->consumed = true;
  return ByteIterator(body_);
}

Response::LineIterator Response::aiter_lines() {
  return LineIterator(aiter_bytes());
}

Task<> Response::read_all() {
  if (!body_) set_content({});
  if (body_->content) co_return;
  if (body_->consumed) throw StreamConsumed("the body of this response was already consumed");
  body_->consumed = true;
  std::string all;
  detail::BodyReader& reader = *body_->reader;
  for (std::string piece;; piece.clear()) {
    // What already arrived is taken without a coroutine; next() receives the rest.
    const auto step = reader.next_now(piece);
    if (step == detail::BodyReader::Step::end) break;
    if (step == detail::BodyReader::Step::need_bytes) {
      std::optional<std::string> received = co_await reader.next();
      if (!received) break;
      piece = std::move(*received);
    }
    if (all.empty()) {
      all = std::move(piece);  // most bodies come in one piece
    } else {
      all.append(piece);
    }
  }
  body_->content = std::move(all);
  body_->reader.reset();
}

Task<std::string> Response::aread() {
  co_await read_all();
  co_return *body_->content;
}

Task<> Response::aclose() {
  if (body_ && body_->reader) body_->reader->close();
  co_return;
}

bool Response::is_stream_consumed() const noexcept {
  return body_ && body_->consumed;
}

bool Response::is_closed() const noexcept {
  return !body_ || !body_->reader || body_->reader->is_closed();
}

}  // namespace corio::http
