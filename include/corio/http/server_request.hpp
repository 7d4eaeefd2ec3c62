// include/corio/http/server_request.hpp — corio::http::ServerRequest, what a server handler
// receives (aiohttp's web.Request).
//
//   router.post("/users/{id}/notes", [](ServerRequest& request) -> Task<ServerResponse> {
//     const std::string& id = request.path_param("id");
//     auto limit = request.param("limit");              // ?limit=10, decoded
//     nlohmann::json note = co_await request.json();    // 400 if the body is not JSON
//     co_return ServerResponse::json({{"user", id}, {"note", note}}, 201);
//   });
//
//   // Streaming: the body arrives piece by piece, never all in memory.
//   while (auto piece = co_await request.read_chunk()) sink.write(*piece);
//
// The request lives on the connection's task for the duration of the handler call; keep
// no reference to it after the handler returns. The body is read from the socket only when
// the handler asks for it (so a client sending `Expect: 100-continue` gets "100 Continue"
// then, and not before). A body the handler leaves unread is read and discarded by the
// server after the response, or the connection is closed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <corio/http/headers.hpp>
#include <corio/net/address.hpp>
#include <corio/task.hpp>

namespace corio::http {

namespace detail {
// Where a request's body comes from (the connection). Implemented in src/http/.
class BodySource {
 public:
  virtual Task<std::optional<std::string>> read_chunk() = 0;

 protected:
  ~BodySource() = default;
};
}  // namespace detail

// Path parameters by name ("/users/{id}" matched against "/users/7" gives id → "7").
using PathParams = std::map<std::string, std::string, std::less<>>;
// Query parameters in order, decoded ('+' reads as a space); a name may repeat.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

class ServerRequest {
 public:
  // Builds a request from a parsed head (the server does this). A target that is neither
  // origin-form ("/p?q"), absolute-form ("http://h/p"), "*" nor CONNECT's authority-form
  // leaves target_valid() false, and the server answers 400 without calling a handler.
  ServerRequest(std::string method, std::string target, int http_major, int http_minor,
                Headers headers, const net::SocketAddress& remote_address, bool keep_alive,
                detail::BodySource* body);
  ServerRequest(const ServerRequest&) = delete;
  ServerRequest& operator=(const ServerRequest&) = delete;

  [[nodiscard]] bool target_valid() const noexcept { return target_valid_; }
  [[nodiscard]] const std::string& method() const noexcept { return method_; }
  // The request target as sent: "/a%20b?x=1".
  [[nodiscard]] const std::string& target() const noexcept { return target_; }
  // The path, percent-decoded: "/a b". "*" for "OPTIONS *". Dot segments are resolved before
  // anything sees the path ("/a/./b/../c" is "/a/c", "%2e" counting as a dot); a target
  // whose ".." would climb above "/" is not valid (the server answers 400).
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  // The path as sent, still percent-encoded: "/a%20b". What routes match segment by segment.
  [[nodiscard]] const std::string& raw_path() const noexcept { return raw_path_; }
  // The query as sent, without '?' ("" when there is none).
  [[nodiscard]] const std::string& query() const noexcept { return query_; }
  // Decoded on the first call (a handler that never asks pays nothing). Throws only
  // std::bad_alloc.
  [[nodiscard]] const QueryParams& params() const;
  // The first value of query parameter `name`, or nullopt. Throws as params().
  [[nodiscard]] std::optional<std::string_view> param(std::string_view name) const;
  [[nodiscard]] const PathParams& path_params() const noexcept { return path_params_; }
  // A path parameter of the matched route. Throws std::out_of_range naming an unknown one.
  [[nodiscard]] const std::string& path_param(std::string_view name) const;
  [[nodiscard]] const Headers& headers() const noexcept { return headers_; }
  [[nodiscard]] int http_major() const noexcept { return http_major_; }
  [[nodiscard]] int http_minor() const noexcept { return http_minor_; }
  // "HTTP/1.1" or "HTTP/1.0".
  [[nodiscard]] std::string_view http_version() const noexcept;
  [[nodiscard]] const net::SocketAddress& remote_address() const noexcept { return remote_; }
  // Whether the connection stays open after this request (the client's wish; the server
  // may still close, e.g. at max_keepalive_requests or during shutdown).
  [[nodiscard]] bool keep_alive() const noexcept { return keep_alive_; }

  // The next piece of the body as it arrives, or nullopt at its end (at once for a request
  // without a body).
  // Suspends: while no body bytes are buffered, until some arrive (at most
  //           ServerOptions::body_timeout between two reads).
  // Throws:   RemoteProtocolError for a malformed body or one over the body limit (its
  //           kind() says 400 or 413; the server answers with that status if the handler
  //           lets it escape, and closes the connection either way); corio::TimeoutError
  //           when the client stalls (answered with 408); net::NetworkError subclasses when
  //           the client goes away; CancelledError.
  // Cancellation: safe; bytes already received stay for the next call.
  // Owns:     the returned piece is the caller's.
  Task<std::optional<std::string>> read_chunk();
  // The whole (rest of the) body. Suspends and throws as read_chunk().
  Task<std::string> body();
  // body() parsed as JSON. Throws HTTPException(400, "invalid JSON body: ...") for text
  // that is not JSON, and what body() throws.
  Task<nlohmann::json> json();

  // Used by the router once a route matched. A route without parameters (the usual case)
  // leaves an empty map alone.
  void set_path_params(PathParams&& params) noexcept {
    if (!params.empty() || !path_params_.empty()) path_params_ = std::move(params);
  }
  // Used by the server once the response is sent, to reuse the fields' storage for the next
  // request; headers() is empty afterwards.
  [[nodiscard]] HeaderList take_header_fields() noexcept { return std::move(headers_).fields(); }

 private:
  std::string method_;
  std::string target_;
  std::string path_;
  std::string raw_path_;
  std::string query_;
  mutable QueryParams params_;
  mutable bool params_pending_ = false;  // query_ not yet decoded into params_
  PathParams path_params_;
  Headers headers_;
  net::SocketAddress remote_;
  detail::BodySource* body_;
  int http_major_;
  int http_minor_;
  bool keep_alive_;
  bool target_valid_ = true;
};

}  // namespace corio::http
