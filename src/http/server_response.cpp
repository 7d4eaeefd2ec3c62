// src/http/server_response.cpp — ServerResponse factories, HTTPException, reason phrases.
#include <corio/http/server_response.hpp>

#include <utility>

namespace corio::http {

namespace {

// A response with `status` and this Content-Type, a value that is constant or was checked
// (so that the constant ones skip Headers::add's check on every response).
ServerResponse with_type(int status, std::string_view content_type) {
  ServerResponse response;
  response.status = status;
  response.headers.add(detail::valid_fields, "Content-Type", content_type);
  return response;
}

std::string exception_text(int status, const std::string& detail) {
  if (status < 400 || status > 599) {
    throw std::invalid_argument("HTTPException: status " + std::to_string(status) +
                                " is not a 4xx or 5xx code");
  }
  return std::to_string(status) + " " +
         (detail.empty() ? std::string(reason_phrase(status)) : detail);
}

}  // namespace

ServerResponse ServerResponse::text(std::string text, int status) {
  ServerResponse response = with_type(status, "text/plain; charset=utf-8");
  response.body = std::move(text);
  return response;
}

ServerResponse ServerResponse::json(const nlohmann::json& value, int status) {
  ServerResponse response = with_type(status, "application/json");
  response.body = value.dump();
  return response;
}

ServerResponse ServerResponse::content(std::string body, std::string_view content_type,
                                       int status) {
  validate_header_value("Content-Type", content_type);
  ServerResponse response = with_type(status, content_type);
  response.body = std::move(body);
  return response;
}

ServerResponse ServerResponse::stream(BodyProducer producer, int status,
                                      std::string_view content_type) {
  validate_header_value("Content-Type", content_type);
  ServerResponse response = with_type(status, content_type);
  response.producer = std::move(producer);
  return response;
}

HTTPException::HTTPException(int status_code, std::string detail)
    : std::runtime_error(exception_text(status_code, detail)),
      status_(status_code),
      detail_(std::move(detail)) {}

ServerResponse HTTPException::response() const {
  return ServerResponse::text(detail_.empty() ? std::string(reason_phrase(status_)) : detail_,
                              status_);
}

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 203:
      return "Non-Authoritative Information";
    case 204:
      return "No Content";
    case 205:
      return "Reset Content";
    case 206:
      return "Partial Content";
    case 300:
      return "Multiple Choices";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 407:
      return "Proxy Authentication Required";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 421:
      return "Misdirected Request";
    case 422:
      return "Unprocessable Content";
    case 426:
      return "Upgrade Required";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 451:
      return "Unavailable For Legal Reasons";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "";
  }
}

}  // namespace corio::http
