// src/http/base64.hpp — base64 (RFC 4648, OpenSSL's encoder) and the Basic credentials built
// on it, shared by the client, the proxies and the WebSocket handshake.
#pragma once

#include <string>
#include <string_view>

namespace corio::http::detail {

[[nodiscard]] std::string base64(std::string_view bytes);

// "Basic base64(username:password)" (RFC 7617), for Authorization and Proxy-Authorization.
[[nodiscard]] std::string basic_authorization(std::string_view username, std::string_view password);

}  // namespace corio::http::detail
