// Cookies: RFC 6265 parsing (section 5.2), storage (5.3) and retrieval (5.4), with the
// RFC 6265bis tightenings listed in include/corio/http/cookies.hpp. Public suffixes come
// from libpsl, IDNA for non-ASCII Domain attributes from libidn2.
#include <corio/http/cookies.hpp>

#include <arpa/inet.h>
#include <idn2.h>
#include <libpsl.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>

namespace corio::http {

namespace {

using std::chrono::seconds;

constexpr std::size_t max_name_value_size = 4096;
constexpr std::size_t max_attribute_value_size = 1024;
constexpr auto max_lifetime = std::chrono::days{400};

// RFC 6265bis 5.6 step 1: a CTL other than HTAB makes the whole string invalid.
bool is_ctl(char ch) noexcept {
  const auto c = static_cast<unsigned char>(ch);
  return c <= 0x08 || (c >= 0x0A && c <= 0x1F) || c == 0x7F;
}
bool has_ctl(std::string_view s) noexcept {
  return std::any_of(s.begin(), s.end(), is_ctl);
}

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// Removes leading and trailing WSP (space, HTAB).
// A cookie domain as stored: lower-case, one leading '.' dropped, A-labels. nullopt if a
// non-ASCII name is not valid IDNA.
std::optional<std::string> normalise_domain(std::string_view domain) {
  if (!domain.empty() && domain.front() == '.') domain.remove_prefix(1);
  std::string lower = ascii_lower(domain);
  if (std::all_of(lower.begin(), lower.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    return lower;
  }
  char* ascii = nullptr;
  if (idn2_to_ascii_8z(lower.c_str(), &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT) != IDN2_OK) {
    return std::nullopt;
  }
  std::string out(ascii);
  idn2_free(ascii);
  return out;
}

// URL hosts are normalised: IPv6 ones hold ':', IPv4 ones are dotted quads.
bool is_ip_address(std::string_view host) {
  if (host.find(':') != std::string_view::npos) return true;
  in_addr addr{};
  return inet_pton(AF_INET, std::string(host).c_str(), &addr) == 1;
}

// RFC 6265 5.1.3.
bool domain_match(std::string_view host, std::string_view domain, bool host_is_ip) noexcept {
  if (host == domain) return true;
  return !host_is_ip && !domain.empty() && host.size() > domain.size() && host.ends_with(domain) &&
         host[host.size() - domain.size() - 1] == '.';
}

// RFC 6265 5.1.4 path-match.
bool path_match(std::string_view request_path, std::string_view cookie_path) noexcept {
  if (request_path == cookie_path) return true;
  if (cookie_path.empty() || !request_path.starts_with(cookie_path)) return false;
  return cookie_path.back() == '/' || request_path[cookie_path.size()] == '/';
}

// The percent-encoded path of a request URL, as browsers compare it.
std::string_view request_path(const URL& url) noexcept {
  const auto target = url.raw_path();
  return target.substr(0, target.find('?'));
}

// RFC 6265 5.1.4 default-path.
std::string default_path(std::string_view uri_path) {
  if (uri_path.empty() || uri_path.front() != '/') return "/";
  const auto last = uri_path.rfind('/');
  if (last == 0) return "/";
  return std::string(uri_path.substr(0, last));
}

// libpsl's built-in list, private section included; an unlisted single label (the implicit
// "*" rule) counts as a public suffix too. libpsl answers "public" without a list.
bool is_public_suffix(const std::string& domain) noexcept {
  return psl_is_public_suffix2(psl_builtin(), domain.c_str(), PSL_TYPE_ANY) != 0;
}

// RFC 6265 5.1.1 date tokens.
bool is_date_delimiter(char ch) noexcept {
  const auto c = static_cast<unsigned char>(ch);
  return c == 0x09 || (c >= 0x20 && c <= 0x2F) || (c >= 0x3B && c <= 0x40) ||
         (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
}

// Reads min..max digits of `token` from `pos` (advanced past them).
std::optional<int> read_digits(std::string_view token, std::size_t& pos, std::size_t min,
                               std::size_t max) noexcept {
  const std::size_t start = pos;
  int value = 0;
  while (pos < token.size() && pos - start < max && is_digit(token[pos])) {
    value = value * 10 + (token[pos++] - '0');
  }
  if (pos - start < min) return std::nullopt;
  return value;
}

// The grammar's "( non-digit *OCTET )" tail: the number ends here.
bool number_ends(std::string_view token, std::size_t pos) noexcept {
  return pos == token.size() || !is_digit(token[pos]);
}

// One of 1*2DIGIT / 2*4DIGIT followed by a non-digit or the end of the token.
std::optional<int> number_token(std::string_view token, std::size_t min, std::size_t max) {
  std::size_t pos = 0;
  const auto value = read_digits(token, pos, min, max);
  if (!value || !number_ends(token, pos)) return std::nullopt;
  return value;
}

struct TimeOfDay {
  int hour, minute, second;
};

std::optional<TimeOfDay> time_token(std::string_view token) {
  std::size_t pos = 0;
  std::array<int, 3> fields{};
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) {
      if (pos >= token.size() || token[pos] != ':') return std::nullopt;
      ++pos;
    }
    const auto field = read_digits(token, pos, 1, 2);
    if (!field) return std::nullopt;
    fields[i] = *field;
  }
  if (!number_ends(token, pos)) return std::nullopt;
  return TimeOfDay{fields[0], fields[1], fields[2]};
}

std::optional<unsigned> month_token(std::string_view token) {
  static constexpr std::array<std::string_view, 12> months = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  if (token.size() < 3) return std::nullopt;
  for (std::size_t i = 0; i < months.size(); ++i) {
    if (iequals(token.substr(0, 3), months[i])) return static_cast<unsigned>(i + 1);
  }
  return std::nullopt;
}

// `t` capped at `cap`.
Clock::time_point earlier(Clock::time_point t, Clock::time_point cap) noexcept {
  return t < cap ? t : cap;
}

// `now` + `delta` seconds, capped at `cap` (which is >= now), without overflowing.
Clock::time_point after(Clock::time_point now, std::int64_t delta, Clock::time_point cap) {
  const auto room = std::chrono::floor<seconds>(cap - now).count();
  return delta >= room ? cap : now + seconds{delta};
}

// Max-Age: "-"? 1*DIGIT, else nullopt (the attribute is ignored). Saturates.
std::optional<std::int64_t> parse_max_age(std::string_view value) noexcept {
  const bool negative = !value.empty() && value.front() == '-';
  if (negative) value.remove_prefix(1);
  if (value.empty() || !std::all_of(value.begin(), value.end(), is_digit)) return std::nullopt;
  constexpr std::int64_t saturation = std::int64_t{1} << 40;
  std::int64_t delta = 0;
  for (const char c : value) delta = std::min(saturation, delta * 10 + (c - '0'));
  return negative ? -delta : delta;
}

}  // namespace

std::optional<Clock::time_point> parse_cookie_date(std::string_view text) {
  std::optional<TimeOfDay> time;
  std::optional<int> day;
  std::optional<unsigned> month;
  std::optional<int> year;
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && is_date_delimiter(text[pos])) ++pos;
    const std::size_t start = pos;
    while (pos < text.size() && !is_date_delimiter(text[pos])) ++pos;
    const auto token = text.substr(start, pos - start);
    if (token.empty()) continue;
    if (!time && (time = time_token(token))) continue;
    if (!day && (day = number_token(token, 1, 2))) continue;
    if (!month && (month = month_token(token))) continue;
    if (!year) year = number_token(token, 2, 4);
  }
  if (!time || !day || !month || !year) return std::nullopt;
  int y = *year;
  if (y >= 70 && y <= 99) y += 1900;
  if (y >= 0 && y <= 69) y += 2000;
  if (*day < 1 || *day > 31 || y < 1601 || time->hour > 23 || time->minute > 59 ||
      time->second > 59) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year{y}, std::chrono::month{*month},
                                         std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) return std::nullopt;  // e.g. 31 Feb
  const std::int64_t secs =
      std::int64_t{std::chrono::sys_days{date}.time_since_epoch().count()} * 86400 +
      time->hour * 3600 + time->minute * 60 + time->second;
  // Clock counts nanoseconds in 64 bits (years 1678-2261): clamp what lies outside.
  const auto lowest = std::chrono::ceil<seconds>(Clock::time_point::min());
  const auto highest = std::chrono::floor<seconds>(Clock::time_point::max());
  if (secs < lowest.time_since_epoch().count()) return Clock::time_point::min();
  if (secs > highest.time_since_epoch().count()) return Clock::time_point::max();
  return Clock::time_point{seconds{secs}};
}

std::optional<Cookie> parse_set_cookie(std::string_view header, const URL& request_url,
                                       Clock::time_point now) {
  const std::string_view host = request_url.host();
  if (host.empty() || has_ctl(header)) return std::nullopt;

  auto semicolon = header.find(';');
  const auto pair = header.substr(0, semicolon);
  auto attributes =
      semicolon == std::string_view::npos ? std::string_view{} : header.substr(semicolon + 1);
  const auto equals = pair.find('=');
  if (equals == std::string_view::npos) return std::nullopt;
  const auto name = trim_ows(pair.substr(0, equals));
  const auto value = trim_ows(pair.substr(equals + 1));
  if (name.empty() || name.size() + value.size() > max_name_value_size) return std::nullopt;

  Cookie cookie;
  cookie.name = name;
  cookie.value = value;
  cookie.created = now;
  const std::string fallback_path = default_path(request_path(request_url));
  cookie.path = fallback_path;
  std::optional<std::string> domain_attribute;
  bool has_path_attribute = false;
  std::optional<Clock::time_point> max_age_expiry;
  std::optional<Clock::time_point> expires_expiry;
  const auto cap =
      now > Clock::time_point::max() - max_lifetime ? Clock::time_point::max() : now + max_lifetime;

  while (!attributes.empty()) {
    semicolon = attributes.find(';');
    const auto av = attributes.substr(0, semicolon);
    attributes =
        semicolon == std::string_view::npos ? std::string_view{} : attributes.substr(semicolon + 1);
    const auto av_equals = av.find('=');
    const auto av_name = trim_ows(av.substr(0, av_equals));
    const auto av_value = av_equals == std::string_view::npos ? std::string_view{}
                                                              : trim_ows(av.substr(av_equals + 1));
    if (av_value.size() > max_attribute_value_size) continue;

    if (iequals(av_name, "expires")) {
      if (const auto when = parse_cookie_date(av_value)) expires_expiry = earlier(*when, cap);
    } else if (iequals(av_name, "max-age")) {
      if (const auto delta = parse_max_age(av_value)) {
        max_age_expiry = *delta <= 0 ? Clock::time_point::min() : after(now, *delta, cap);
      }
    } else if (iequals(av_name, "domain")) {
      if (av_value.empty()) continue;
      const auto domain = normalise_domain(av_value);
      if (!domain) return std::nullopt;  // a Domain that is no name matches no host
      domain_attribute = *domain;
    } else if (iequals(av_name, "path")) {
      has_path_attribute = true;
      cookie.path =
          !av_value.empty() && av_value.front() == '/' ? std::string(av_value) : fallback_path;
    } else if (iequals(av_name, "secure")) {
      cookie.secure = true;
    } else if (iequals(av_name, "httponly")) {
      cookie.http_only = true;
    } else if (iequals(av_name, "samesite")) {
      cookie.same_site.clear();
      for (const std::string_view known : {"Strict", "Lax", "None"}) {
        if (iequals(av_value, known)) cookie.same_site = known;
      }
    }
  }
  cookie.expires = max_age_expiry ? max_age_expiry : expires_expiry;

  // Storage model, RFC 6265 5.3 steps 5-6 (a Domain of "." reads as none).
  const bool host_is_ip = is_ip_address(host);
  if (domain_attribute && !domain_attribute->empty()) {
    std::string_view domain = *domain_attribute;
    if (host_is_ip) {
      if (domain.size() > 2 && domain.front() == '[' && domain.back() == ']') {
        domain = domain.substr(1, domain.size() - 2);
      }
      if (domain != host) return std::nullopt;
      cookie.host_only = true;
    } else if (is_public_suffix(*domain_attribute)) {
      if (domain != host) return std::nullopt;
      cookie.host_only = true;
    } else {
      if (!domain_match(host, domain, false)) return std::nullopt;
      cookie.host_only = false;
    }
    cookie.domain = domain;
  } else {
    cookie.host_only = true;
    cookie.domain = host;
  }

  if (cookie.secure && !request_url.is_https()) return std::nullopt;
  if (istarts_with(cookie.name, "__Secure-") && !cookie.secure) return std::nullopt;
  if (istarts_with(cookie.name, "__Host-") &&
      (!cookie.secure || (domain_attribute && !domain_attribute->empty()) || !has_path_attribute ||
       cookie.path != "/")) {
    return std::nullopt;
  }
  return cookie;
}

Cookies::Cookies(std::initializer_list<std::pair<std::string_view, std::string_view>> cookies) {
  for (const auto& [name, value] : cookies) set(name, value);
}

void Cookies::set(std::string_view name, std::string_view value, std::string_view domain,
                  std::string_view path) {
  if (name.empty() || name.find_first_of("=;") != std::string_view::npos || has_ctl(name)) {
    throw std::invalid_argument("invalid cookie name '" + std::string(name) +
                                "': it must be non-empty, without '=', ';' or control characters");
  }
  if (value.find(';') != std::string_view::npos || has_ctl(value)) {
    throw std::invalid_argument("invalid value for cookie '" + std::string(name) +
                                "': it contains ';' or a control character");
  }
  if (path.empty() || path.front() != '/') {
    throw std::invalid_argument("invalid path '" + std::string(path) + "' for cookie '" +
                                std::string(name) + "': a cookie path starts with '/'");
  }
  auto normal = normalise_domain(domain);
  if (!normal) {
    throw std::invalid_argument("invalid domain '" + std::string(domain) + "' for cookie '" +
                                std::string(name) + "': not a valid international name");
  }
  Cookie cookie;
  cookie.name = name;
  cookie.value = value;
  cookie.domain = std::move(*normal);
  cookie.path = path;
  cookie.host_only = false;
  const auto now = Clock::now();
  cookie.created = now;
  store(std::move(cookie), now);
}

std::optional<std::string> Cookies::get(std::string_view name, std::string_view domain,
                                        std::string_view path) const {
  const auto normal = normalise_domain(domain);
  if (!normal) return std::nullopt;
  std::optional<std::string> found;
  for (const Cookie& c : cookies_) {
    if (c.name != name || (!normal->empty() && c.domain != *normal) ||
        (!path.empty() && c.path != path)) {
      continue;
    }
    if (found) throw CookieConflict("multiple cookies exist with name=" + std::string(name));
    found = c.value;
  }
  return found;
}

void Cookies::remove(std::string_view name, std::string_view domain, std::string_view path) {
  const auto normal = normalise_domain(domain);
  if (!normal) return;
  std::erase_if(cookies_, [&](const Cookie& c) {
    return c.name == name && (normal->empty() || c.domain == *normal) &&
           (path.empty() || c.path == path);
  });
}

void Cookies::clear() noexcept {
  cookies_.clear();
}

void Cookies::clear(std::string_view domain) {
  const auto normal = normalise_domain(domain);
  if (!normal) return;
  std::erase_if(cookies_, [&](const Cookie& c) { return c.domain == *normal; });
}

void Cookies::clear_expired(Clock::time_point now) {
  std::erase_if(cookies_, [&](const Cookie& c) { return c.expired(now); });
}

void Cookies::update(const Cookies& other) {
  const auto now = Clock::now();
  for (const Cookie& c : other.cookies_) store(c, now);
}

void Cookies::extract_cookies(const URL& request_url, const Headers& response_headers,
                              Clock::time_point now) {
  if (request_url.host().empty()) return;
  clear_expired(now);
  for (const std::string_view field : response_headers.get_list("set-cookie")) {
    auto cookie = parse_set_cookie(field, request_url, now);
    if (!cookie) continue;
    // RFC 6265bis 5.7 step 16: over http://, never shadow a stored Secure cookie.
    if (!cookie->secure && !request_url.is_https() &&
        std::any_of(cookies_.begin(), cookies_.end(), [&](const Cookie& old) {
          return old.secure && old.name == cookie->name &&
                 (domain_match(old.domain, cookie->domain, false) ||
                  domain_match(cookie->domain, old.domain, false)) &&
                 path_match(cookie->path, old.path);
        })) {
      continue;
    }
    store(std::move(*cookie), now);
  }
}

std::string Cookies::cookie_header(const URL& url, Clock::time_point now) const {
  const std::string_view host = url.host();
  if (host.empty() || cookies_.empty()) return {};
  const bool host_is_ip = is_ip_address(host);
  const bool https = url.is_https();
  const auto path = request_path(url);
  std::vector<const Cookie*> chosen;
  for (const Cookie& c : cookies_) {
    if (c.expired(now) || (c.secure && !https) || !path_match(path, c.path)) continue;
    const bool domain_ok =
        c.domain.empty() ||
        (c.host_only ? host == c.domain : domain_match(host, c.domain, host_is_ip));
    if (domain_ok) chosen.push_back(&c);
  }
  std::stable_sort(chosen.begin(), chosen.end(), [](const Cookie* a, const Cookie* b) {
    if (a->path.size() != b->path.size()) return a->path.size() > b->path.size();
    return a->created < b->created;
  });
  std::string header;
  for (const Cookie* c : chosen) {
    if (!header.empty()) header += "; ";
    header += c->name;
    header += '=';
    header += c->value;
  }
  return header;
}

void Cookies::store(Cookie cookie, Clock::time_point now) {
  const auto old = std::find_if(cookies_.begin(), cookies_.end(), [&](const Cookie& c) {
    return c.name == cookie.name && c.domain == cookie.domain && c.path == cookie.path;
  });
  if (cookie.expired(now)) {
    if (old != cookies_.end()) cookies_.erase(old);
    return;
  }
  if (old != cookies_.end()) {
    cookie.created = old->created;  // RFC 6265 5.3 step 11.3
    *old = std::move(cookie);
    return;
  }
  evict_for(cookie.domain, now);
  cookies_.push_back(std::move(cookie));
}

void Cookies::evict_for(std::string_view domain, Clock::time_point now) {
  // Drops the expired cookies among those `in` selects, then the oldest while `count` of
  // them are at the limit.
  const auto make_room = [&](auto in, std::size_t limit) {
    const auto count = [&] {
      return static_cast<std::size_t>(std::count_if(cookies_.begin(), cookies_.end(), in));
    };
    if (count() < limit) return;
    std::erase_if(cookies_, [&](const Cookie& c) { return in(c) && c.expired(now); });
    for (auto n = count(); n >= limit; --n) {
      auto oldest = cookies_.end();
      for (auto it = cookies_.begin(); it != cookies_.end(); ++it) {
        if (in(*it) && (oldest == cookies_.end() || it->created < oldest->created)) oldest = it;
      }
      cookies_.erase(oldest);
    }
  };
  if (!domain.empty()) {
    make_room([&](const Cookie& c) { return c.domain == domain; }, max_cookies_per_domain);
  }
  make_room([](const Cookie&) { return true; }, max_cookies);
}

}  // namespace corio::http
