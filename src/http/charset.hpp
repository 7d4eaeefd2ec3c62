// src/http/charset.hpp — text decoding for Response::text(): the charset parameter of a
// Content-Type, and bytes in a charset to UTF-8.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace corio::http::detail {

// The charset parameter of a Content-Type value, lower-cased and unquoted, or nullopt.
[[nodiscard]] std::optional<std::string> charset_parameter(std::string_view content_type);

// `bytes` in `charset` (a lower-case name) as UTF-8. Invalid sequences become U+FFFD, one
// per maximal invalid subpart for UTF-8 (Python's errors="replace"), one per byte
// otherwise. A charset glibc's iconv does not know is read as UTF-8.
[[nodiscard]] std::string to_utf8(std::string_view bytes, std::string_view charset);

// Whether `text` is valid UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above
// U+10FFFF).
[[nodiscard]] bool is_utf8(std::string_view text) noexcept;

// UTF-8 with every invalid sequence replaced by U+FFFD.
[[nodiscard]] std::string sanitize_utf8(std::string_view bytes);

}  // namespace corio::http::detail
