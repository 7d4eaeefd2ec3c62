// include/corio/http/cookies.hpp — corio::http::Cookies (httpx.Cookies), the cookie jar of
// AsyncClient, and parse_set_cookie (RFC 6265 section 5.2).
//
//   corio::http::Cookies jar{{"session", "abc"}};           // sent to every host, like httpx
//   jar.extract_cookies(url, response.headers);              // every Set-Cookie of a response
//   request_headers.set("Cookie", jar.cookie_header(next));  // when non-empty
//   if (auto id = jar.get("id", "example.com")) ...          // throws CookieConflict if ambiguous
//
// Defines Cookie, parse_set_cookie and Cookies. Not a blocking or suspending API: every call
// runs to completion on the caller's thread. A Cookies is a plain value (copyable, movable)
// with no internal locking: share one between threads only behind your own lock.
//
// What a server can store (RFC 6265 section 5.3, with RFC 6265bis where it tightens it):
//   - Set-Cookie strings holding a control character (%x00-08, %x0A-1F, %x7F), without '='
//     in the name-value pair, with an empty name, or whose name+value exceed 4096 bytes are
//     ignored. Name and value lose surrounding spaces and tabs; quotes are kept as sent.
//   - Attribute names are case-insensitive; the last of each kind wins; an attribute value
//     over 1024 bytes, an empty Domain, an unparsable Expires or Max-Age are ignored.
//   - Domain: lower-cased, a leading '.' dropped, converted to A-labels if non-ASCII; the
//     request host must domain-match it (equal, or end in "." + domain and not be an IP
//     address), else the cookie is ignored. A Domain that is a public suffix (libpsl's
//     built-in list with its private section, e.g. "com", "co.uk", "github.io", and any
//     single unlisted label such as "localhost") is ignored unless it equals the host, in
//     which case the cookie becomes host-only. Without Domain a cookie is host-only: sent
//     back to that exact host only.
//   - Path: one not starting with '/' (or none) gives the default path of the request URL
//     (RFC 6265 5.1.4: its path up to, not including, the last '/'; "/" if that is empty).
//   - Expiry: Max-Age wins over Expires; Max-Age <= 0 and an Expires in the past mean
//     "delete the stored cookie of that name, domain and path". Expires is read with the
//     RFC 6265 5.1.1 algorithm (RFC 1123, RFC 850, asctime and sloppier forms; years 70-99
//     are 19xx, 00-69 20xx). Expiry times are capped at 400 days after receipt (RFC
//     6265bis, as browsers do); a cookie with neither attribute is a session cookie, kept
//     as long as the jar.
//   - Secure cookies are ignored when set by an http:// response, and a Secure cookie in the
//     jar cannot be shadowed over http:// by a non-Secure one of the same name on an
//     overlapping domain and path (RFC 6265bis "leave secure cookies alone").
//   - Name prefixes (compared ASCII case-insensitively): "__Secure-" requires Secure;
//     "__Host-" requires Secure, no Domain attribute and a Path attribute of "/". Cookies
//     breaking them are ignored.
//   - SameSite is stored ("Strict", "Lax", "None", or "" when absent or unrecognised), as is
//     HttpOnly; neither changes what the jar sends (a client has no sites or scripts).
//   - A replaced cookie (same name, domain and path) keeps its creation time and its place.
//   - Bounds, so a hostile server cannot grow the jar without limit: at most 50 cookies per
//     domain (hand-set ones with domain "" are exempt) and 3000 in all. Storing one more
//     first drops expired cookies, then the oldest by creation time of that domain (or of
//     the whole jar).
//
// What the jar sends (cookie_header, RFC 6265 section 5.4): cookies whose domain matches
// the request host (exactly if host-only, else the host or any subdomain; domain "" matches
// every host), whose path path-matches the request path (equal, or a prefix ending in '/'
// or followed by '/'), that are not expired, and, for Secure ones, only over https.
// Ordered by longer path first, then earlier creation; joined as "a=1; b=2". Ports and
// schemes other than for Secure play no part (as in browsers); paths are compared in their
// percent-encoded form, the query left out. cookie_header is const: it skips expired
// cookies, while extract_cookies and clear_expired remove them.
#pragma once

#include <corio/http/errors.hpp>
#include <corio/http/headers.hpp>
#include <corio/http/url.hpp>

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corio::http {

using Clock = std::chrono::system_clock;

struct Cookie {
  std::string name, value;
  std::string domain;  // lower-case A-labels, no leading dot; "" = any host (set by hand)
  std::string path = "/";
  std::optional<Clock::time_point> expires;  // nullopt: a session cookie
  bool secure = false;
  bool http_only = false;
  bool host_only = true;      // set without a Domain attribute: only that exact host
  std::string same_site;      // "Strict", "Lax", "None" or ""
  Clock::time_point created;  // orders cookies of equal path length in cookie_header

  // True when the cookie has an expiry time at or before `now`.
  [[nodiscard]] bool expired(Clock::time_point now) const noexcept {
    return expires && *expires <= now;
  }
};

// Parses one Set-Cookie header value received in the response to `request_url` at `now`,
// applying the rules above. Returns nullopt when a user agent must ignore it (and when
// `request_url` has no host). A returned cookie with expired(now) true is a deletion
// request: Cookies::extract_cookies removes the stored cookie it names. Never throws
// anything but std::bad_alloc.
[[nodiscard]] std::optional<Cookie> parse_set_cookie(std::string_view header,
                                                     const URL& request_url, Clock::time_point now);

// RFC 6265 5.1.1: a cookie-date (Expires value) as a time, or nullopt if it is not one.
// Accepts what browsers accept: "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94
// 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", and any order or punctuation of the parts.
[[nodiscard]] std::optional<Clock::time_point> parse_cookie_date(std::string_view text);

// httpx.Cookies: a jar of cookies keyed by (name, domain, path).
class Cookies {
 public:
  using const_iterator = std::vector<Cookie>::const_iterator;

  Cookies() = default;
  // set(name, value) for each pair: domain "" (every host), path "/".
  // Throws std::invalid_argument as set() does.
  Cookies(std::initializer_list<std::pair<std::string_view, std::string_view>> cookies);

  // Stores a session cookie by hand, replacing one of the same name, domain and path.
  // `domain` "" sends it to every host; otherwise it is normalised as a Domain attribute
  // (lower-case, leading '.' dropped) and sent to that host and its subdomains.
  // Throws std::invalid_argument for an empty name, a name holding '=', ';' or a control
  // character, a value holding ';' or a control character (they could not be sent in a
  // Cookie header), a path not starting with '/', or a non-ASCII domain that is not IDNA.
  void set(std::string_view name, std::string_view value, std::string_view domain = "",
           std::string_view path = "/");

  // The value of the cookie `name`; "" for domain or path matches any. nullopt if there is
  // none; throws CookieConflict when several match (narrow with domain and path).
  [[nodiscard]] std::optional<std::string> get(std::string_view name, std::string_view domain = "",
                                               std::string_view path = "") const;

  // Removes every cookie named `name` ("" for domain or path matches any). No-op if none.
  void remove(std::string_view name, std::string_view domain = "", std::string_view path = "");

  // Removes every cookie / every cookie whose domain is `domain` (normalised as in set()).
  void clear() noexcept;
  void clear(std::string_view domain);
  // Removes cookies that are expired at `now` (cookie_header skips them anyway).
  void clear_expired(Clock::time_point now = Clock::now());

  [[nodiscard]] std::size_t size() const noexcept { return cookies_.size(); }
  [[nodiscard]] bool empty() const noexcept { return cookies_.empty(); }
  // In storage order: first stored first (a replaced cookie keeps its place).
  [[nodiscard]] const_iterator begin() const noexcept { return cookies_.begin(); }
  [[nodiscard]] const_iterator end() const noexcept { return cookies_.end(); }

  // Stores each of other's cookies, replacing same (name, domain, path) ones.
  void update(const Cookies& other);

  // Applies every Set-Cookie field of a response to `request_url` received at `now`:
  // stores, replaces or deletes per the rules above; ignores fields a user agent must
  // ignore; purges cookies expired at `now`. No-op when `request_url` has no host.
  void extract_cookies(const URL& request_url, const Headers& response_headers,
                       Clock::time_point now = Clock::now());

  // The Cookie header value for a request to `url` at `now` ("" when no cookie applies).
  [[nodiscard]] std::string cookie_header(const URL& url,
                                          Clock::time_point now = Clock::now()) const;

  static constexpr std::size_t max_cookies_per_domain = 50;
  static constexpr std::size_t max_cookies = 3000;

 private:
  // Stores, replaces or deletes `cookie` (deletes if expired at `now`).
  void store(Cookie cookie, Clock::time_point now);
  // Makes room for one more cookie of `domain`.
  void evict_for(std::string_view domain, Clock::time_point now);

  std::vector<Cookie> cookies_;
};

}  // namespace corio::http
