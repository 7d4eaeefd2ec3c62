// tests/fuzz/cookies_fuzz.cpp — parse_set_cookie, Cookies::extract_cookies and
// cookie_header on arbitrary Set-Cookie bytes. Input: byte 0 picks the request URL, byte 1
// the clock, the rest is Set-Cookie values separated by '\n'. Each value is also stored
// under a few renamed copies so the per-domain limit is reached. Checks every parsed
// cookie's invariants and the jar's: bounds, unique keys, no expired or domain-less cookie
// kept, Cookie headers without CR, LF or NUL.
#include <corio/http/cookies.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>

namespace {

using corio::http::Clock;
using corio::http::Cookie;
using corio::http::Cookies;
using corio::http::URL;

constexpr std::array<std::string_view, 7> urls = {"http://example.com/a/b",
                                                  "https://www.example.co.uk/x/",
                                                  "http://127.0.0.1:8080/",
                                                  "https://[::1]/p/q",
                                                  "http://localhost/",
                                                  "https://a.b.c.example.com/d/e?q=/f",
                                                  "https://xn--bcher-kva.de/%20/"};

bool ends_in_label(std::string_view host, std::string_view domain) {
  return host.size() > domain.size() && host.ends_with(domain) &&
         host[host.size() - domain.size() - 1] == '.';
}

bool has_ctl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return (c < 0x20 && c != '\t') || c == 0x7F;
  });
}

void check_parsed(const Cookie& c, const URL& url, Clock::time_point now) {
  const bool ok = !c.name.empty() && c.name.size() + c.value.size() <= 4096 && !has_ctl(c.name) &&
                  !has_ctl(c.value) && c.name.find_first_of("=;") == std::string::npos &&
                  c.value.find(';') == std::string::npos && !c.domain.empty() && !c.path.empty() &&
                  c.path.front() == '/' && c.created == now && (!c.secure || url.is_https()) &&
                  (c.host_only ? c.domain == url.host()
                               : ends_in_label(url.host(), c.domain) || c.domain == url.host()) &&
                  (!c.expires || *c.expires <= now + std::chrono::days{400});
  if (!ok) std::abort();
  const auto prefixed = [&](std::string_view prefix) {
    return c.name.size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), c.name.begin(),
                      [](char a, char b) { return a == (b >= 'A' && b <= 'Z' ? b + 32 : b); });
  };
  if (prefixed("__secure-") && !c.secure) std::abort();
  if (prefixed("__host-") && (!c.secure || !c.host_only || c.path != "/")) std::abort();
}

void check_jar(const Cookies& jar, Clock::time_point now) {
  if (jar.size() > Cookies::max_cookies) std::abort();
  std::map<std::string, std::size_t> per_domain;
  std::set<std::tuple<std::string, std::string, std::string>> keys;
  for (const Cookie& c : jar) {
    if (c.domain.empty() || c.expired(now)) std::abort();
    if (++per_domain[c.domain] > Cookies::max_cookies_per_domain) std::abort();
    if (!keys.emplace(c.name, c.domain, c.path).second) std::abort();
    try {
      if (!jar.get(c.name, c.domain, c.path)) std::abort();
    } catch (const corio::http::CookieConflict&) {
      std::abort();  // (name, domain, path) is unique
    }
  }
  for (const auto text : urls) {
    const auto header = jar.cookie_header(URL(text), now);
    if (header.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const URL url(urls[data[0] % urls.size()]);
  const URL other(urls[(data[0] / urls.size()) % urls.size()]);
  const Clock::time_point now{std::chrono::seconds{1'700'000'000 + data[1] * 3600}};
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);

  corio::http::HeaderList fields;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find('\n', start), text.size());
    const auto line = text.substr(start, end - start);
    start = end + 1;
    if (const auto cookie = corio::http::parse_set_cookie(line, url, now)) {
      check_parsed(*cookie, url, now);
    }
    for (const char copy : {'\0', 'a', 'b', 'c'}) {
      fields.emplace_back("Set-Cookie", copy ? copy + std::string(line) : std::string(line));
    }
  }
  // Past the Headers checks on purpose: the jar must cope with any bytes in a value, even
  // those the parser never lets through (CR, LF, NUL).
  const corio::http::Headers headers(std::move(fields), corio::http::detail::valid_fields);

  Cookies jar;
  jar.extract_cookies(url, headers, now);
  check_jar(jar, now);
  const auto later = now + std::chrono::hours{data[1] % 7};
  jar.extract_cookies(other, headers, later);
  check_jar(jar, later);
  Cookies copy{{"hand", "set"}};
  copy.update(jar);
  if (copy.size() > Cookies::max_cookies) std::abort();
  return 0;
}
