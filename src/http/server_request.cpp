// src/http/server_request.cpp — ServerRequest: the request target taken apart (by hand for
// plain origin-form targets, else Boost.URL), and body reading through the connection.
#include <corio/http/server_request.hpp>

#include <corio/http/server_response.hpp>

#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/url_view.hpp>

#include <array>
#include <stdexcept>
#include <utility>

namespace corio::http {

namespace {

// Whether `target` is origin-form made only of bytes that stand for themselves: RFC 3986
// pchars other than '%', '/' and, after the first '?', '?'. Such a target is valid, its
// path needs no decoding, and splitting it at '?' gives what Boost.URL would. `dotted`: a
// "/." somewhere, so the path may hold dot segments.
bool plain_origin_form(std::string_view target, bool& dotted) noexcept {
  static constexpr auto kPlain = [] {
    std::array<bool, 256> table{};
    for (int c = '0'; c <= '9'; ++c) table[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
    for (const char c : std::string_view("-._~!$&'()*+,;=:@/")) {
      table[static_cast<unsigned char>(c)] = true;
    }
    return table;
  }();
  if (!target.starts_with('/')) return false;
  char previous = 0;
  for (const char c : target) {
    if (!kPlain[static_cast<unsigned char>(c)] && c != '?') return false;
    dotted = dotted || (previous == '/' && c == '.');
    previous = c;
  }
  return true;
}

// How many dots a path segment stands for when it is "." or ".." (either written as "%2e"
// too, as nginx reads them), else 0.
int dot_segment(std::string_view segment) noexcept {
  int dots = 0;
  while (!segment.empty() && dots < 3) {
    if (segment.front() == '.') {
      segment.remove_prefix(1);
    } else if (segment.size() >= 3 && segment[0] == '%' && segment[1] == '2' &&
               (segment[2] == 'e' || segment[2] == 'E')) {
      segment.remove_prefix(3);
    } else {
      return 0;
    }
    ++dots;
  }
  return dots <= 2 ? dots : 0;
}

// RFC 3986 5.2.4 on an encoded absolute path: "." segments go, ".." takes the one before
// it with it; a path that ends in a dot segment keeps its trailing "/". False when a ".."
// would climb above the root ("/../etc"), which nginx answers with 400 too, and for a path
// that does not start at the root.
bool remove_dot_segments(std::string& path) {
  if (!path.starts_with('/')) return false;
  std::string out;
  std::size_t start = 1;  // after the leading '/'
  for (;;) {
    const std::size_t slash = path.find('/', start);
    const std::string_view segment =
        std::string_view(path).substr(start, slash == std::string::npos ? slash : slash - start);
    const bool last = slash == std::string::npos;
    switch (dot_segment(segment)) {
      case 1:
        if (last) out.push_back('/');
        break;
      case 2: {
        const std::size_t cut = out.rfind('/');
        if (cut == std::string::npos) return false;
        out.resize(cut);
        if (last) out.push_back('/');
        break;
      }
      default:
        out.push_back('/');
        out.append(segment);
    }
    if (last) break;
    start = slash + 1;
  }
  path = out.empty() ? std::string("/") : std::move(out);
  return true;
}

QueryParams decoded_params(const boost::urls::url_view& view) {
  QueryParams params;
  for (const auto& param : view.params(boost::urls::encoding_opts(true))) {
    params.emplace_back(param.key, param.value);
  }
  return params;
}

}  // namespace

ServerRequest::ServerRequest(std::string method, std::string target, int http_major, int http_minor,
                             Headers headers, const net::SocketAddress& remote_address,
                             bool keep_alive, detail::BodySource* body)
    : method_(std::move(method)),
      target_(std::move(target)),
      headers_(std::move(headers)),
      remote_(remote_address),
      body_(body),
      http_major_(http_major),
      http_minor_(http_minor),
      keep_alive_(keep_alive) {
  if (target_ == "*" || method_ == "CONNECT") {  // asterisk-form, authority-form
    path_ = raw_path_ = target_;
    return;
  }
  bool dotted = false;
  if (plain_origin_form(target_, dotted)) {  // the common case: no Boost.URL parse until params()
    const auto question = target_.find('?');
    raw_path_.assign(target_, 0, question);
    if (dotted && !remove_dot_segments(raw_path_)) {
      target_valid_ = false;
      return;
    }
    path_ = raw_path_;
    if (question != std::string::npos) {
      query_.assign(target_, question + 1);
      params_pending_ = true;
    }
    return;
  }
  const auto parsed = target_.starts_with('/') ? boost::urls::parse_origin_form(target_)
                                               : boost::urls::parse_absolute_uri(target_);
  if (!parsed) {
    target_valid_ = false;
    return;
  }
  const boost::urls::url_view& view = *parsed;
  raw_path_ = view.encoded_path();
  if (raw_path_.empty()) raw_path_ = "/";  // "http://host" asks for "/"
  if (!remove_dot_segments(raw_path_)) {
    target_valid_ = false;
    return;
  }
  path_ = boost::urls::pct_string_view(raw_path_).decode();
  query_ = view.encoded_query();
  params_ = decoded_params(view);
}

const QueryParams& ServerRequest::params() const {
  if (params_pending_) {
    const auto parsed = boost::urls::parse_origin_form(target_);  // valid: plain_origin_form
    params_ = decoded_params(*parsed);
    params_pending_ = false;
  }
  return params_;
}

std::optional<std::string_view> ServerRequest::param(std::string_view name) const {
  for (const auto& [key, value] : params()) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

const std::string& ServerRequest::path_param(std::string_view name) const {
  const auto it = path_params_.find(name);
  if (it == path_params_.end()) {
    throw std::out_of_range("no path parameter '" + std::string(name) + "' in this route");
  }
  return it->second;
}

std::string_view ServerRequest::http_version() const noexcept {
  return http_minor_ == 0 ? "HTTP/1.0" : "HTTP/1.1";
}

Task<std::optional<std::string>> ServerRequest::read_chunk() {
  return body_->read_chunk();
}

Task<std::string> ServerRequest::body() {
  std::string all;
  while (true) {
    std::optional<std::string> piece = co_await body_->read_chunk();
    if (!piece) break;
    if (all.empty()) {
      all = std::move(*piece);
    } else {
      all += *piece;
    }
  }
  co_return all;
}

Task<nlohmann::json> ServerRequest::json() {
  const std::string text = co_await body();
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw HTTPException(400, std::string("invalid JSON body: ") + e.what());
  }
  co_return value;
}

}  // namespace corio::http
