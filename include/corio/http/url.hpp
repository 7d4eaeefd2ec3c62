// include/corio/http/url.hpp — corio::http::URL (httpx.URL).
//
//   auto url = corio::http::URL::parse("HTTPS://Bücher.example:443/a b?q=1#top");
//   url.str();          // "https://xn--bcher-kva.example/a%20b?q=1#top"
//   url.raw_path();     // "/a%20b?q=1": the request target
//   url.origin();       // "https://xn--bcher-kva.example"
//   url.join("../x");   // RFC 3986 reference resolution, as for a Location header
//   url.with_params({{"k", "a&b"}}).str();   // "...?q=1&k=a%26b#top"
//
// A URL is an immutable value holding its normalised form; copies share it (a reference
// count). parse() accepts absolute URLs of any scheme; http and https ones must have a host
// (is_http() tells them apart; the client rejects the rest). Normalisation, as httpx and
// WHATWG do it: scheme and host lowercased; Unicode hosts converted to A-labels (IDNA 2008,
// UTS #46 non-transitional, by libidn2); IPv6 hosts in canonical form, a zone kept as
// written ("[fe80::1%25eth0]"; a lone '%' is read as "%25", as curl does); the default port
// (80 for http and ws, 443 for https and wss, 21 for ftp) dropped; "." and ".." path
// segments removed; an empty path with a host becomes "/"; characters that may not appear
// raw (spaces, non-ASCII bytes, '"', '<', '>', '`', '{', '}', '|', '\', '^', a lone '%')
// percent-encoded, valid escapes kept with uppercase hex. The authority's last '@' ends the
// userinfo (as browsers and httpx read "http://a@b@host/"); an earlier '@', '[', ']' or
// other character the userinfo may not hold is percent-encoded. A space is encoded (as httpx
// does) in the userinfo, path, query and fragment; leading the text, in the scheme, host or
// port it is an error, as is a control character anywhere. So parse(url.str()) == url for
// every URL parse() returns.
//
// Errors: InvalidURL (include/corio/http/errors.hpp), whose message quotes the input and names the
// fault ("invalid URL 'http://[::1': unterminated IPv6 literal", "missing host", "port 99999 out of
// range 0-65535", "empty URL", "contains whitespace or a control character", an IDNA error).
#pragma once

#include <corio/http/errors.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corio::http {

class URL {
 public:
  using Params = std::vector<std::pair<std::string, std::string>>;

  // Same as parse(text). Throws InvalidURL.
  explicit URL(std::string_view text) : URL(parse(text)) {}
  static URL parse(std::string_view text);

  // The lowercase scheme, without ':'.
  [[nodiscard]] std::string_view scheme() const noexcept;
  [[nodiscard]] bool is_http() const noexcept;   // http or https
  [[nodiscard]] bool is_https() const noexcept;  // https
  // The host in A-label form, IPv6 without brackets; empty when the URL has none. An IPv6
  // zone (RFC 6874: "[fe80::1%25eth0]") follows the address decoded, as "fe80::1%eth0",
  // the form connect_tcp and resolve take; the client leaves it out of the Host header.
  [[nodiscard]] std::string_view host() const noexcept;
  [[nodiscard]] bool is_ipv6_host() const noexcept;
  // The port written in the URL, unless it is the scheme's default.
  [[nodiscard]] std::optional<std::uint16_t> port() const noexcept;
  // port(), else the scheme's default (above); nullopt for other schemes without a port.
  [[nodiscard]] std::optional<std::uint16_t> effective_port() const noexcept;
  // "user:pass" as written (percent-encoded), and its decoded parts.
  [[nodiscard]] bool has_userinfo() const noexcept;
  [[nodiscard]] std::string_view userinfo() const noexcept;
  [[nodiscard]] std::string_view username() const noexcept;
  [[nodiscard]] std::string_view password() const noexcept;
  // The decoded path (httpx's url.path), e.g. "/a b".
  [[nodiscard]] std::string_view path() const noexcept;
  // The query, still percent-encoded, without '?'; has_query() tells "" from absent.
  [[nodiscard]] bool has_query() const noexcept;
  [[nodiscard]] std::string_view query() const noexcept;
  // The decoded fragment, without '#'.
  [[nodiscard]] bool has_fragment() const noexcept;
  [[nodiscard]] std::string_view fragment() const noexcept;
  // The request target: encoded path, then '?' and the query if there is one.
  [[nodiscard]] std::string_view raw_path() const noexcept;
  // "scheme://host[:port]", the port only when not the default.
  [[nodiscard]] std::string origin() const;
  // The normalised URL.
  [[nodiscard]] std::string_view str() const noexcept;

  // The query decoded into pairs, in order ('+' reads as a space; "k" alone gives "").
  [[nodiscard]] Params params() const;
  // A copy with the pairs merged into the query, as httpx's params= (QueryParams.merge)
  // does: a name already in the query loses its values and takes the new ones, where it first
  // stood; other names are appended in order. The pairs' names and values are percent-encoded
  // (everything but unreserved characters); the query's other items keep their encoding,
  // empty ones are dropped. Names are compared decoded ('+' as a space). No pairs: no change.
  [[nodiscard]] URL with_params(const Params& params) const;

  // RFC 3986 section 5 resolution of `reference` (absolute or relative) against this URL.
  // Throws InvalidURL if the reference or the result is invalid.
  [[nodiscard]] URL join(std::string_view reference) const;

  // Copies with one part replaced; each throws InvalidURL if the result is invalid, or if
  // the part is not just that part: with_scheme takes a scheme (letter, then letters, digits,
  // '+', '-', '.'), with_host a name or an address (IPv6 without brackets), never a '/', '?',
  // '#', '@', '[', ']' or '\' that would reach into the userinfo, port or path.
  [[nodiscard]] URL with_scheme(std::string_view scheme) const;
  [[nodiscard]] URL with_host(std::string_view host) const;
  [[nodiscard]] URL with_port(std::optional<std::uint16_t> port) const;
  [[nodiscard]] URL without_userinfo() const;
  [[nodiscard]] URL without_fragment() const;

  friend bool operator==(const URL& a, const URL& b) noexcept { return a.str() == b.str(); }

  struct Parts;  // the normalised components (src/http/url.cpp)

 private:
  explicit URL(std::shared_ptr<const Parts> parts) noexcept : parts_(std::move(parts)) {}
  static URL compose(Parts parts);

  std::shared_ptr<const Parts> parts_;  // never null
};

// "name=value&..." with every name and value percent-encoded (all but unreserved
// characters): a query string, or an application/x-www-form-urlencoded body.
[[nodiscard]] std::string urlencode(const URL::Params& params);

}  // namespace corio::http

template <>
struct std::hash<corio::http::URL> {
  std::size_t operator()(const corio::http::URL& url) const noexcept {
    return std::hash<std::string_view>{}(url.str());
  }
};
