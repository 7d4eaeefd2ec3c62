// Charset handling for Response::text().
#include "charset.hpp"

#include <iconv.h>

#include <cerrno>
#include <cstdint>

#include <corio/http/headers.hpp>

namespace corio::http::detail {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

void append_code_point(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Length of the valid UTF-8 sequence at the start of `s`, or 0 with `subpart` set to the
// length of the maximal invalid subpart (Unicode 3.9, table 3-7).
std::size_t valid_sequence(std::string_view s, std::size_t& subpart) noexcept {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    subpart = 1;
    return 0;
  }
  for (std::size_t i = 1; i < length; ++i) {
    const bool in_range =
        i < s.size() && byte(i) >= (i == 1 ? low : 0x80) && byte(i) <= (i == 1 ? high : 0xBF);
    if (!in_range) {
      subpart = i;
      return 0;
    }
  }
  return length;
}

std::string single_byte(std::string_view bytes, bool latin1) {
  std::string out;
  out.reserve(bytes.size());
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x80) {
      out.push_back(c);
    } else if (latin1) {
      append_code_point(out, b);
    } else {
      out.append(kReplacement);
    }
  }
  return out;
}

std::string with_iconv(iconv_t converter, std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  char* in = const_cast<char*>(bytes.data());
  std::size_t in_left = bytes.size();
  char buffer[4096];
  while (in_left > 0) {
    char* out_ptr = buffer;
    std::size_t out_left = sizeof buffer;
    const std::size_t rc = ::iconv(converter, &in, &in_left, &out_ptr, &out_left);
    out.append(buffer, static_cast<std::size_t>(out_ptr - buffer));
    if (rc == static_cast<std::size_t>(-1) && errno != E2BIG) {
      out.append(kReplacement);  // EILSEQ or EINVAL (truncated): skip one byte
      ++in;
      --in_left;
      ::iconv(converter, nullptr, nullptr, nullptr, nullptr);
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> charset_parameter(std::string_view content_type) {
  std::size_t semicolon = content_type.find(';');
  while (semicolon != std::string_view::npos) {
    content_type.remove_prefix(semicolon + 1);
    semicolon = content_type.find(';');
    const std::string_view parameter = trim_ows(content_type.substr(0, semicolon));
    const auto equals = parameter.find('=');
    if (equals == std::string_view::npos) continue;
    if (!iequals(trim_ows(parameter.substr(0, equals)), "charset")) continue;
    std::string_view value = trim_ows(parameter.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (value.empty()) return std::nullopt;
    return ascii_lower(value);
  }
  return std::nullopt;
}

bool is_utf8(std::string_view text) noexcept {
  while (!text.empty()) {
    std::size_t subpart = 0;
    const std::size_t length = valid_sequence(text, subpart);
    if (length == 0) return false;
    text.remove_prefix(length);
  }
  return true;
}

std::string sanitize_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  while (!bytes.empty()) {
    std::size_t subpart = 0;
    const std::size_t length = valid_sequence(bytes, subpart);
    if (length > 0) {
      out.append(bytes.substr(0, length));
      bytes.remove_prefix(length);
    } else {
      out.append(kReplacement);
      bytes.remove_prefix(subpart);
    }
  }
  return out;
}

std::string to_utf8(std::string_view bytes, std::string_view charset) {
  if (charset == "utf-8" || charset == "utf8") return sanitize_utf8(bytes);
  if (charset == "iso-8859-1" || charset == "latin-1" || charset == "latin1") {
    return single_byte(bytes, true);
  }
  if (charset == "us-ascii" || charset == "ascii") return single_byte(bytes, false);
  const std::string name(charset);
  iconv_t converter = ::iconv_open("UTF-8", name.c_str());
  if (converter == reinterpret_cast<iconv_t>(-1)) return sanitize_utf8(bytes);
  std::string out = with_iconv(converter, bytes);
  ::iconv_close(converter);
  return out;
}

}  // namespace corio::http::detail
