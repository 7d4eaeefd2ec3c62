// src/http/url.cpp — corio::http::URL on Boost.URL (grammar, IPv6, reference resolution)
// and libidn2 (IDNA). Here: the checks that give InvalidURL its messages, the encoding of
// characters Boost.URL's strict RFC 3986 grammar refuses, and the normal form.
#include <corio/http/url.hpp>

#include <idn2.h>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <string>

#include <corio/http/headers.hpp>

namespace corio::http {

struct URL::Parts {
  std::string scheme;
  bool has_authority = false;
  bool has_userinfo = false;
  std::string userinfo;  // percent-encoded, as in str()
  std::string username;  // decoded
  std::string password;  // decoded
  std::string host;      // A-labels, or an IPv6 address without brackets
  bool ipv6 = false;
  std::optional<std::uint16_t> port;  // never the scheme's default
  std::string encoded_path;
  std::string path;  // decoded
  bool has_query = false;
  std::string query;  // percent-encoded
  bool has_fragment = false;
  std::string encoded_fragment;
  std::string fragment;  // decoded
  std::string raw_path;  // encoded_path + '?' + query
  std::string str;
};

namespace {

constexpr std::size_t kMaxHostLength = 253;

[[noreturn]] void fail(std::string_view text, std::string_view why) {
  std::string message = "invalid URL '";
  message.append(text).append("': ").append(why);
  throw InvalidURL(message);
}

bool is_hex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
char to_upper(char c) noexcept {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}
bool is_unreserved(char c) noexcept {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
bool is_sub_delim(char c) noexcept {
  return std::string_view("!$&'()*+,;=").find(c) != std::string_view::npos;
}

void append_escape(std::string& out, unsigned char byte) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  out += '%';
  out += kHex[byte >> 4];
  out += kHex[byte & 0xF];
}

// Boost.URL guarantees well-formed escapes; this only uppercases their hex digits.
std::string upper_escapes(std::string_view s) {
  std::string out(s);
  for (std::size_t i = 0; i + 2 < out.size(); ++i) {
    if (out[i] == '%') {
      out[i + 1] = to_upper(out[i + 1]);
      out[i + 2] = to_upper(out[i + 2]);
      i += 2;
    }
  }
  return out;
}

std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

// WHATWG's default ports, as httpx takes them.
std::optional<std::uint16_t> default_port(std::string_view scheme) noexcept {
  if (scheme == "http" || scheme == "ws") return 80;
  if (scheme == "https" || scheme == "wss") return 443;
  if (scheme == "ftp") return 21;
  return std::nullopt;
}

// Where the scheme's ':' is, if `text` starts with a valid scheme; else npos.
std::size_t scheme_end(std::string_view text) noexcept {
  if (text.empty() || !is_alpha(text[0])) return std::string_view::npos;
  for (std::size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ':') return i;
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') break;
  }
  return std::string_view::npos;
}

// The authority's [begin, end) in `text` (a URI or a reference), or {npos, npos}.
std::pair<std::size_t, std::size_t> authority_range(std::string_view text) noexcept {
  const std::size_t colon = scheme_end(text);
  const std::size_t start = colon == std::string_view::npos ? 0 : colon + 1;
  if (text.substr(start, 2) != "//") return {std::string_view::npos, std::string_view::npos};
  const std::size_t begin = start + 2;
  const std::size_t end = std::min(text.find_first_of("/?#", begin), text.size());
  return {begin, end};
}

// Where the userinfo of the authority [begin, end) ends: at its last '@', as browsers and
// httpx read "http://a@b@host/"; `begin` when there is none.
std::size_t userinfo_end(std::string_view text, std::size_t begin, std::size_t end) noexcept {
  if (begin == std::string_view::npos) return begin;
  const std::size_t at = text.substr(begin, end - begin).rfind('@');
  return at == std::string_view::npos ? begin : begin + at;
}

// RFC 3986 userinfo: unreserved, sub-delims, ':' and escapes ('%' is judged on its own).
bool is_userinfo_char(char c) noexcept {
  return is_unreserved(c) || is_sub_delim(c) || c == ':' || c == '%';
}

// Encodes what RFC 3986 forbids but browsers and httpx accept: non-ASCII bytes, ' ', '"', '<',
// '>', '\', '^', '`', '{', '|', '}', a '%' not starting an escape, '[' and ']' outside the
// authority, in the userinfo every character it may not hold ('@' among them), and every
// '#' after the first.
std::string encode_lenient(std::string_view text) {
  const auto [auth_begin, auth_end] = authority_range(text);
  const std::size_t user_end = userinfo_end(text, auth_begin, auth_end);
  std::string out;
  out.reserve(text.size());
  bool in_fragment = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto byte = static_cast<unsigned char>(c);
    const bool in_authority = i >= auth_begin && i < auth_end;
    const bool in_userinfo = in_authority && i < user_end;
    bool escape =
        byte >= 0x80 || std::string_view(" \"<>\\^`{|}").find(c) != std::string_view::npos;
    if (in_userinfo && !is_userinfo_char(c)) escape = true;
    if (c == '%') escape = i + 2 >= text.size() || !is_hex(text[i + 1]) || !is_hex(text[i + 2]);
    if ((c == '[' || c == ']') && !in_authority) escape = true;
    if (c == '#') {
      escape = in_fragment;
      in_fragment = true;
    }
    if (escape) {
      append_escape(out, byte);
    } else {
      out += c;
    }
  }
  return out;
}

// Throws InvalidURL for a control character anywhere, and for a space where no escape can
// carry it: leading the text, in the scheme, or in the host and port.
void check_whitespace(std::string_view text) {
  const std::size_t colon = scheme_end(text);
  const std::size_t scheme_size = colon == std::string_view::npos ? 1 : colon;
  const auto [auth_begin, auth_end] = authority_range(text);
  std::size_t host_begin = userinfo_end(text, auth_begin, auth_end);
  if (host_begin < auth_end && text[host_begin] == '@') ++host_begin;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool control = static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
    const bool unencodable_space =
        c == ' ' && (i < scheme_size || (host_begin <= i && i < auth_end));
    if (control || unencodable_space) fail(text, "contains whitespace or a control character");
  }
}

// RFC 3986 section 5.2.4 on an absolute, encoded path; "%2E" counts as '.'.
std::string remove_dot_segments(std::string_view path) {
  auto is_dot = [](std::string_view s) { return s == "." || s == "%2e" || s == "%2E"; };
  auto is_dot_dot = [&](std::string_view s) {
    return s == ".." || ascii_lower(s) == ".%2e" || ascii_lower(s) == "%2e." ||
           ascii_lower(s) == "%2e%2e";
  };
  std::vector<std::string_view> kept;
  std::size_t start = 1;
  while (true) {
    const std::size_t slash = std::min(path.find('/', start), path.size());
    const std::string_view segment = path.substr(start, slash - start);
    const bool last = slash == path.size();
    if (is_dot(segment) || is_dot_dot(segment)) {
      if (is_dot_dot(segment) && !kept.empty()) kept.pop_back();
      if (last) kept.emplace_back();
    } else {
      kept.push_back(segment);
    }
    if (last) break;
    start = slash + 1;
  }
  std::string out;
  for (const auto segment : kept) out.append("/").append(segment);
  return out.empty() ? "/" : out;
}

// Checks the authority's port and IPv6 brackets on the raw text, so that InvalidURL can
// say what is wrong; returns the port's digits ("" for none).
std::string_view check_authority(std::string_view text, std::string_view authority) {
  const std::size_t at = authority.rfind('@');
  const std::string_view host_port =
      at == std::string_view::npos ? authority : authority.substr(at + 1);
  std::string_view port;
  if (!host_port.empty() && host_port[0] == '[') {
    const std::size_t close = host_port.find(']');
    if (close == std::string_view::npos) fail(text, "unterminated IPv6 literal");
    const std::string_view after = host_port.substr(close + 1);
    if (!after.empty() && after[0] != ':') fail(text, "unexpected text after IPv6 literal");
    if (!after.empty()) port = after.substr(1);
  } else if (const std::size_t colon = host_port.find(':'); colon != std::string_view::npos) {
    port = host_port.substr(colon + 1);
  }
  if (!std::all_of(port.begin(), port.end(), is_digit)) {
    fail(text, "invalid port '" + std::string(port) + "'");
  }
  const std::size_t digits = port.find_first_not_of('0');
  if (digits != std::string_view::npos &&
      (port.size() - digits > 5 || std::stol(std::string(port.substr(digits))) > 65535)) {
    fail(text, "port " + std::string(port) + " out of range 0-65535");
  }
  return port;
}

std::string idna_host(std::string_view text, const std::string& decoded) {
  char* ascii = nullptr;
  const int rc = idn2_to_ascii_8z(decoded.c_str(), &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
  if (rc != IDN2_OK)
    fail(text, std::string("invalid international host name: ") + idn2_strerror(rc));
  std::string out(ascii);
  idn2_free(ascii);
  return out;
}

// RFC 6874: an IPv6 literal may name its zone ("[fe80::1%25eth0]"), which Boost.URL 1.81
// does not parse. Cuts "%25zone" out of the IP literal of `encoded` (encode_lenient's output:
// a lone '%' there is already "%25", as curl reads "[fe80::1%eth0]") and returns the zone,
// decoded; nullopt when there is none. check_authority has seen the brackets close.
std::optional<std::string> take_zone(std::string_view text, std::string& encoded) {
  const auto [auth_begin, auth_end] = authority_range(encoded);
  if (auth_begin == std::string_view::npos) return std::nullopt;
  std::size_t host_begin = userinfo_end(encoded, auth_begin, auth_end);
  if (host_begin < auth_end && encoded[host_begin] == '@') ++host_begin;
  if (host_begin >= auth_end || encoded[host_begin] != '[') return std::nullopt;
  const std::size_t close = encoded.find(']', host_begin);
  const std::size_t percent = encoded.find('%', host_begin);
  if (close >= auth_end || percent > close) return std::nullopt;
  if (encoded.compare(percent, 3, "%25") != 0) fail(text, "IPv6 zone not introduced by %25");
  const std::string_view zone = std::string_view(encoded).substr(percent + 3, close - percent - 3);
  if (zone.empty()) fail(text, "empty IPv6 zone");
  if (!std::all_of(zone.begin(), zone.end(), [](char c) { return is_unreserved(c) || c == '%'; })) {
    fail(text, "invalid character in IPv6 zone");
  }
  std::string decoded = percent_decode(zone, false);
  if (!std::all_of(decoded.begin(), decoded.end(), [](char c) {
        return static_cast<unsigned char>(c) > 0x20 && c != 0x7F && c != '%';
      })) {
    fail(text, "invalid character in IPv6 zone");
  }
  encoded.erase(percent, close - percent);
  return decoded;
}

std::string normal_host(std::string_view text, boost::urls::url_view view, bool& ipv6) {
  switch (view.host_type()) {
    case boost::urls::host_type::ipv6:
      ipv6 = true;
      return view.host_ipv6_address().to_string();
    case boost::urls::host_type::ipvfuture:
      fail(text, "unsupported IP literal");
    case boost::urls::host_type::ipv4:
      return std::string(view.encoded_host());
    default:
      break;
  }
  const std::string decoded = view.host();
  const bool ascii = std::all_of(decoded.begin(), decoded.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  std::string host = ascii ? ascii_lower(decoded) : idna_host(text, decoded);
  if (!std::all_of(host.begin(), host.end(),
                   [](char c) { return is_unreserved(c) || is_sub_delim(c); })) {
    fail(text, "invalid character in host '" + decoded + "'");
  }
  if (host.size() > kMaxHostLength) fail(text, "host longer than 253 characters");
  return host;
}

std::string encode_component(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (is_unreserved(c)) {
      out += c;
    } else {
      append_escape(out, static_cast<unsigned char>(c));
    }
  }
  return out;
}

// The host as an authority holds it: an IPv6 address in brackets, its zone (the text after
// '%') written as "%25" and the zone percent-encoded.
std::string authority_host(const std::string& host, bool ipv6) {
  if (!ipv6) return host;
  const std::size_t percent = host.find('%');
  std::string out = "[";
  out.append(host, 0, percent);
  if (percent != std::string::npos)
    out.append("%25").append(encode_component(host.substr(percent + 1)));
  out += ']';
  return out;
}

// Calls fn(item) for each non-empty '&'-separated item of an encoded query, in order.
template <class F>
void for_each_query_item(std::string_view query, F&& fn) {
  std::size_t start = 0;
  while (start <= query.size()) {
    const std::size_t amp = std::min(query.find('&', start), query.size());
    if (amp > start) fn(query.substr(start, amp - start));
    start = amp + 1;
  }
}

// The decoded name of an encoded query item ("a+b=1" gives "a b").
std::string query_item_name(std::string_view item) {
  return percent_decode(item.substr(0, item.find('=')), true);
}

std::string encoded_pair(std::string_view name, std::string_view value) {
  return encode_component(name) + "=" + encode_component(value);
}

void append_query_item(std::string& query, std::string_view item) {
  if (!query.empty()) query += '&';
  query += item;
}

}  // namespace

URL URL::parse(std::string_view text) {
  // A client parses the same URL over and over: the last one parsed on this thread is kept.
  // A URL is immutable and shares its parts, so handing it out again costs a reference count.
  thread_local std::string last_text;
  thread_local std::shared_ptr<const Parts> last_parts;
  if (last_parts && text == last_text) return URL(last_parts);
  if (text.empty()) fail(text, "empty URL");
  check_whitespace(text);
  const std::size_t colon = scheme_end(text);
  if (colon == std::string_view::npos) fail(text, "missing scheme");

  Parts parts;
  parts.scheme = ascii_lower(text.substr(0, colon));
  const bool http = parts.scheme == "http" || parts.scheme == "https";
  const auto [auth_begin, auth_end] = authority_range(text);
  parts.has_authority = auth_begin != std::string_view::npos;
  std::string_view port_text;
  if (parts.has_authority) {
    port_text = check_authority(text, text.substr(auth_begin, auth_end - auth_begin));
  } else if (http) {
    fail(text, "missing host");
  }

  std::string encoded = encode_lenient(text);
  const std::optional<std::string> zone = take_zone(text, encoded);
  const auto parsed = boost::urls::parse_uri(encoded);
  if (!parsed) fail(text, "malformed URL (" + parsed.error().message() + ")");
  const boost::urls::url_view view = *parsed;

  if (parts.has_authority) {
    parts.host = normal_host(text, view, parts.ipv6);
    if (parts.host.empty() && http) fail(text, "missing host");
    if (zone) parts.host.append("%").append(*zone);
    if (view.has_userinfo()) {
      parts.has_userinfo = true;
      parts.userinfo = upper_escapes(view.encoded_userinfo());
      parts.username = view.user();
      parts.password = view.password();
    }
    if (!port_text.empty()) {
      const auto port = static_cast<std::uint16_t>(std::stol(std::string(port_text)));
      if (port != default_port(parts.scheme)) parts.port = port;
    }
  }
  std::string path = upper_escapes(view.encoded_path());
  if (parts.has_authority) path = path.empty() ? "/" : remove_dot_segments(path);
  parts.encoded_path = path;
  parts.path = percent_decode(path, false);
  parts.has_query = view.has_query();
  parts.query = upper_escapes(view.encoded_query());
  parts.has_fragment = view.has_fragment();
  parts.encoded_fragment = upper_escapes(view.encoded_fragment());
  parts.fragment = percent_decode(parts.encoded_fragment, false);

  parts.raw_path = parts.encoded_path;
  if (parts.has_query) parts.raw_path.append("?").append(parts.query);
  std::string& out = parts.str;
  out = parts.scheme + ":";
  if (parts.has_authority) {
    out += "//";
    if (parts.has_userinfo) out.append(parts.userinfo).append("@");
    out += authority_host(parts.host, parts.ipv6);
    if (parts.port) out.append(":").append(std::to_string(*parts.port));
  }
  out += parts.raw_path;
  if (parts.has_fragment) out.append("#").append(parts.encoded_fragment);
  auto shared = std::make_shared<const Parts>(std::move(parts));
  last_text.assign(text);
  last_parts = shared;
  return URL(std::move(shared));
}

URL URL::compose(Parts parts) {
  std::string text = parts.scheme + ":";
  if (parts.has_authority) {
    text += "//";
    if (parts.has_userinfo) text.append(parts.userinfo).append("@");
    text += authority_host(parts.host, parts.ipv6);
    if (parts.port) text.append(":").append(std::to_string(*parts.port));
  }
  text += parts.encoded_path;
  if (parts.has_query) text.append("?").append(parts.query);
  if (parts.has_fragment) text.append("#").append(parts.encoded_fragment);
  return parse(text);
}

std::string_view URL::scheme() const noexcept {
  return parts_->scheme;
}
bool URL::is_http() const noexcept {
  return scheme() == "http" || scheme() == "https";
}
bool URL::is_https() const noexcept {
  return scheme() == "https";
}
std::string_view URL::host() const noexcept {
  return parts_->host;
}
bool URL::is_ipv6_host() const noexcept {
  return parts_->ipv6;
}
std::optional<std::uint16_t> URL::port() const noexcept {
  return parts_->port;
}
std::optional<std::uint16_t> URL::effective_port() const noexcept {
  return parts_->port ? parts_->port : default_port(scheme());
}
bool URL::has_userinfo() const noexcept {
  return parts_->has_userinfo;
}
std::string_view URL::userinfo() const noexcept {
  return parts_->userinfo;
}
std::string_view URL::username() const noexcept {
  return parts_->username;
}
std::string_view URL::password() const noexcept {
  return parts_->password;
}
std::string_view URL::path() const noexcept {
  return parts_->path;
}
bool URL::has_query() const noexcept {
  return parts_->has_query;
}
std::string_view URL::query() const noexcept {
  return parts_->query;
}
bool URL::has_fragment() const noexcept {
  return parts_->has_fragment;
}
std::string_view URL::fragment() const noexcept {
  return parts_->fragment;
}
std::string_view URL::raw_path() const noexcept {
  return parts_->raw_path;
}
std::string_view URL::str() const noexcept {
  return parts_->str;
}

std::string URL::origin() const {
  std::string out = parts_->scheme + "://";
  out += authority_host(parts_->host, parts_->ipv6);
  if (parts_->port) out.append(":").append(std::to_string(*parts_->port));
  return out;
}

URL::Params URL::params() const {
  Params out;
  for_each_query_item(parts_->query, [&](std::string_view item) {
    const std::size_t eq = std::min(item.find('='), item.size());
    out.emplace_back(query_item_name(item),
                     eq == item.size() ? std::string() : percent_decode(item.substr(eq + 1), true));
  });
  return out;
}

std::string urlencode(const URL::Params& params) {
  std::string out;
  for (const auto& [name, value] : params) append_query_item(out, encoded_pair(name, value));
  return out;
}

URL URL::with_params(const Params& params) const {
  if (params.empty()) return *this;
  const auto is_new = [&](std::string_view name) {
    return std::any_of(params.begin(), params.end(),
                       [&](const auto& p) { return p.first == name; });
  };
  const auto append_new = [&](std::string& query, std::string_view name) {
    for (const auto& [n, value] : params) {
      if (n == name) append_query_item(query, encoded_pair(n, value));
    }
  };
  std::vector<std::string> replaced;  // names of the query that params replace
  std::string query;
  for_each_query_item(parts_->query, [&](std::string_view item) {
    std::string name = query_item_name(item);
    if (!is_new(name)) {
      append_query_item(query, item);
    } else if (std::find(replaced.begin(), replaced.end(), name) == replaced.end()) {
      append_new(query, name);
      replaced.push_back(std::move(name));
    }
  });
  for (const auto& [name, value] : params) {
    if (std::find(replaced.begin(), replaced.end(), name) == replaced.end()) {
      append_query_item(query, encoded_pair(name, value));
    }
  }
  Parts parts = *parts_;
  parts.has_query = true;
  parts.query = std::move(query);
  return compose(std::move(parts));
}

URL URL::join(std::string_view reference) const {
  if (scheme_end(reference) != std::string_view::npos) return parse(reference);
  // A network-path reference takes only the scheme (RFC 3986 section 5.2.2); parse() also
  // reads an IPv6 zone in it, which Boost.URL does not.
  if (reference.substr(0, 2) == "//") return parse(parts_->scheme + ":" + std::string(reference));
  check_whitespace(reference);
  const std::string encoded = encode_lenient(reference);
  const auto ref = boost::urls::parse_relative_ref(encoded);
  if (!ref) fail(reference, "malformed URL reference (" + ref.error().message() + ")");
  // The base's IPv6 zone is left out for Boost.URL and put back in the result.
  const std::size_t zone = parts_->ipv6 ? parts_->host.find('%') : std::string::npos;
  const URL base = zone == std::string::npos ? *this : with_host(parts_->host.substr(0, zone));
  boost::urls::url resolved;
  const auto result =
      boost::urls::resolve(boost::urls::parse_uri(base.str()).value(), *ref, resolved);
  if (!result) fail(reference, "cannot resolve (" + result.error().message() + ")");
  const URL out = parse(resolved.buffer());
  return zone == std::string::npos ? out : out.with_host(parts_->host);
}

URL URL::with_scheme(std::string_view scheme) const {
  if (scheme_end(std::string(scheme) + ":") != scheme.size()) {
    fail(str(), "invalid scheme '" + std::string(scheme) + "'");
  }
  Parts parts = *parts_;
  parts.scheme = scheme;
  return compose(std::move(parts));
}

URL URL::with_host(std::string_view host) const {
  // What would end the authority, or add a userinfo, a port or brackets to it.
  if (host.find_first_of("/?#@[]\\") != std::string_view::npos) {
    fail(str(), "invalid host '" + std::string(host) + "'");
  }
  Parts parts = *parts_;
  parts.has_authority = true;
  parts.ipv6 = host.find(':') != std::string_view::npos;
  parts.host = host;
  return compose(std::move(parts));
}

URL URL::with_port(std::optional<std::uint16_t> port) const {
  Parts parts = *parts_;
  parts.port = port;
  return compose(std::move(parts));
}

URL URL::without_userinfo() const {
  Parts parts = *parts_;
  parts.has_userinfo = false;
  return compose(std::move(parts));
}

URL URL::without_fragment() const {
  Parts parts = *parts_;
  parts.has_fragment = false;
  return compose(std::move(parts));
}

}  // namespace corio::http
