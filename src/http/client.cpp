// AsyncClient: request building, redirects, cookies and the connection life cycle.
#include <corio/http/client.hpp>

#include <algorithm>
#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

#include <corio/errors.hpp>
#include <corio/http/decoding.hpp>
#include <corio/http/errors.hpp>
#include <corio/http/proxy.hpp>
#include <corio/net/connect.hpp>
#include <corio/net/errors.hpp>
#include <corio/net/tcp.hpp>
#include <corio/net/tls.hpp>
#include <corio/sleep.hpp>

#include "base64.hpp"
#include "body_reader.hpp"
#include "connection.hpp"
#include "connection_pool.hpp"
#include "host_header.hpp"

namespace corio::http {

namespace detail {

struct ClientState {
  ClientOptions options;
  std::optional<URL> base_url;
  std::optional<Proxy> proxy;
  std::shared_ptr<ConnectionPool> pool;
  bool closed = false;

  // Made on the first https connection: loading the system's CA store takes tens of ms.
  const std::shared_ptr<net::TlsContext>& tls() {
    if (!tls_context_) tls_context_ = make_tls_context(options);
    return tls_context_;
  }

 private:
  static std::shared_ptr<net::TlsContext> make_tls_context(const ClientOptions& options) {
    if (options.ssl_context) return options.ssl_context;
    return net::TlsContext::client(net::TlsClientOptions{.verify = options.verify,
                                                         .ca_file = options.ca_file,
                                                         .cert_file = options.cert_file,
                                                         .key_file = options.key_file,
                                                         .alpn = {"http/1.1"}});
  }
  std::shared_ptr<net::TlsContext> tls_context_;
};

namespace {

constexpr std::string_view kUserAgent = "corio-http/0.1";

// What one call asks for beyond the Request itself.
struct SendSettings {
  Timeout timeout;
  bool follow_redirects = false;
  bool stream = false;
};

Origin origin_of(const URL& url) {
  return Origin{std::string(url.scheme()), std::string(url.host()), *url.effective_port()};
}

bool has_scheme(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  return std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '-' || c == '.';
  });
}

void check_scheme(const URL& url) {
  if (!url.is_http()) {
    throw UnsupportedProtocol("request URL '" + std::string(url.str()) +
                              "' has an unsupported protocol '" + std::string(url.scheme()) +
                              "://' (http:// and https:// are)");
  }
  if (url.host().empty()) {
    throw UnsupportedProtocol("request URL '" + std::string(url.str()) + "' has no host");
  }
}

std::string target_text(const Origin& origin) {
  const bool ipv6 = origin.host.find(':') != std::string::npos;
  return (ipv6 ? "[" + origin.host + "]" : origin.host) + ":" + std::to_string(origin.port);
}

// Connects directly (or to the HTTP proxy itself, for plain http through it).
Task<std::unique_ptr<net::StreamSocket>> connect_socket(const ClientState& state, std::string host,
                                                        std::uint16_t port,
                                                        Timeout::Limit connect_timeout) {
  net::ConnectOptions options;
  options.timeout = connect_timeout;
  options.tcp.local_address = state.options.local_address;
  if (state.options.resolver) {
    std::vector<net::SocketAddress> addresses = co_await state.options.resolver(host, port);
    net::TcpStream stream = co_await net::connect_tcp(std::move(addresses), std::move(options));
    co_return std::make_unique<net::TcpStream>(std::move(stream));
  }
  net::TcpStream stream = co_await net::connect_tcp(std::move(host), port, std::move(options));
  co_return std::make_unique<net::TcpStream>(std::move(stream));
}

Task<std::unique_ptr<Connection>> open_connection(ClientState& state, const Origin& origin,
                                                  Timeout::Limit connect_timeout) {
  const std::string target = target_text(origin);
  std::unique_ptr<net::Transport> transport;
  try {
    std::unique_ptr<net::StreamSocket> socket;
    if (state.proxy && (state.proxy->kind == Proxy::Kind::socks5 || origin.scheme == "https")) {
      net::TcpOptions tcp;  // named: g++ 12 and option temporaries in co_await
      tcp.local_address = state.options.local_address;
      socket = co_await open_tunnel(*state.proxy, origin.host, origin.port, connect_timeout, tcp);
    } else if (state.proxy) {
      socket =
          co_await connect_socket(state, state.proxy->host, state.proxy->port, connect_timeout);
    } else {
      socket = co_await connect_socket(state, origin.host, origin.port, connect_timeout);
    }
    if (origin.scheme == "https") {
      net::TlsConnectOptions tls_options;
      tls_options.server_hostname = origin.host;
      tls_options.handshake_timeout = connect_timeout;
      net::TlsStream tls =
          co_await net::TlsStream::connect(std::move(socket), state.tls(), std::move(tls_options));
      transport = std::make_unique<net::TlsStream>(std::move(tls));
    } else {
      transport = std::move(socket);
    }
  } catch (const ProxyError&) {
    throw;
  } catch (const corio::TimeoutError&) {
    throw ConnectTimeout("connecting to " + target + " timed out after " +
                         std::to_string(connect_timeout ? connect_timeout->count() : 0) + " ms");
  } catch (const net::DnsError& e) {
    throw ConnectError(std::string(e.what()));
  } catch (const net::NetworkError& e) {
    throw ConnectError(std::string(e.what()));
  } catch (const std::invalid_argument& e) {
    throw ConnectError("connecting to " + target + ": " + e.what());
  }
  co_return std::make_unique<Connection>(std::move(transport), origin);
}

Task<std::unique_ptr<Connection>> connect_with_retries(ClientState& state, const Origin& origin,
                                                       Timeout::Limit connect_timeout) {
  std::chrono::milliseconds delay{0};
  for (int attempt = 0;; ++attempt) {
    std::exception_ptr failure;
    try {
      co_return co_await open_connection(state, origin, connect_timeout);
    } catch (const ConnectError&) {
      failure = std::current_exception();
    } catch (const ConnectTimeout&) {
      failure = std::current_exception();
    }
    if (attempt >= state.options.retries) std::rethrow_exception(failure);
    co_await corio::sleep(delay);
    delay = delay.count() == 0 ? std::chrono::milliseconds(500) : delay * 2;
  }
}

// Sends one request (no redirects). On success `out` holds its response, body unread, which
// took `request` over; on failure `request` is as it was. The response is built in place
// (not returned through the coroutine's promise): it is big, and every move of it costs.
Task<> send_single(ClientState& state, Request& request, const Timeout& timeout,
                   std::optional<Response>& out) {
  const Origin origin = origin_of(request.url);
  const bool absolute_form =
      state.proxy && state.proxy->kind == Proxy::Kind::http && origin.scheme == "http";
  const std::string proxy_authorization =
      absolute_form ? state.proxy->authorization().value_or(std::string()) : std::string();
  // Compared as views: libstdc++ 12's string == "literal" is an out-of-line compare().
  const bool head_request = std::string_view(request.method) == "HEAD";
  const bool replayable = !request.stream;
  const Connector connector = [&state, &timeout](const Origin& o) {
    return connect_with_retries(state, o, timeout.connect);
  };

  for (;;) {
    std::unique_ptr<Connection> connection =
        co_await state.pool->acquire(origin, timeout.pool, connector);
    const bool reused = connection->requests() > 0;
    std::exception_ptr failure;
    bool stale = false;
    Message* head = nullptr;
    try {
      std::exception_ptr write_failure;
      try {
        co_await connection->send(request, absolute_form, proxy_authorization, timeout.write);
      } catch (const WriteError&) {
        // A server may answer early (413, 401) and close without reading the rest of the
        // body: its response is read anyway, as httpcore does. Nothing there: the WriteError.
        write_failure = std::current_exception();
      }
      try {
        head = co_await connection->read_head(head_request, timeout.read);
      } catch (const TransportError&) {
        if (write_failure && !connection->response_started()) std::rethrow_exception(write_failure);
        throw;
      }
    } catch (const TimeoutException&) {
      failure = std::current_exception();  // the server may be working on the request
    } catch (const LocalProtocolError&) {
      failure = std::current_exception();  // would fail the same way again
    } catch (const TransportError&) {
      // A keep-alive connection the server had closed while idle fails (EOF, reset, broken
      // pipe) before any response byte: the request never reached a live server, so it goes
      // out again. Each retry drops a reused connection and a fresh one is never retried, so
      // pooled connections that all died at once (a server restart) are skipped in turn.
      failure = std::current_exception();
      stale = reused && !connection->response_started() && replayable;
    } catch (...) {
      failure = std::current_exception();
    }
    if (failure) {
      connection->close();
      state.pool->release(std::move(connection));
      if (stale) continue;
      std::rethrow_exception(failure);
    }

    Response& response = out.emplace(head->status_code, std::move(request));
    response.reason_phrase = std::move(head->reason);
    if (head->http_major != 1 || head->http_minor != 1) {
      response.http_version =
          "HTTP/" + std::to_string(head->http_major) + "." + std::to_string(head->http_minor);
    }
    response.headers = Headers(std::move(head->headers), detail::valid_fields);
    const std::string_view coding =
        head_request ? std::string_view() : response.headers.first("content-encoding").value_or("");
    ContentDecoder decoder(coding, state.options.max_body_size);
    auto body = std::make_shared<BodyState>();
    body->reader.emplace(state.pool, std::move(connection), std::move(decoder), timeout.read,
                         state.options.max_body_size);
    response.set_body(std::move(body));
    co_return;
  }
}

// The request for following `response`'s Location (RFC 9110 15.4; httpx's rules).
Request redirect_request(const Request& previous, const Response& response) {
  const std::string_view location = *response.headers.first("location");
  URL next = previous.url.join(location);
  if (!next.has_fragment() && previous.url.has_fragment()) {
    // The old fragment as written, from the first '#' of str(). fragment() is decoded: "%2F"
    // would come back as "/".
    const std::string_view previous_text = previous.url.str();
    next = previous.url.join(std::string(location) +
                             std::string(previous_text.substr(previous_text.find('#'))));
  }
  check_scheme(next);
  // httpx's _redirect_method: 303 and 302 (what browsers do) turn every method but HEAD
  // into GET, 301 only POST; 307 and 308 keep the method and the body.
  std::string method = previous.method;
  const int status = response.status_code;
  if ((status == 302 || status == 303) && method != "HEAD") method = "GET";
  if (status == 301 && method == "POST") method = "GET";

  Request request(method, next);
  request.headers = previous.headers;
  request.headers.set("Host", host_header(next));
  if (next.origin() != previous.url.origin()) request.headers.remove("Authorization");
  request.headers.remove("Cookie");
  if (method != previous.method) {
    request.headers.remove("Content-Length");
    request.headers.remove("Content-Type");
    request.headers.remove("Transfer-Encoding");
  } else {
    if (previous.stream) {
      throw StreamConsumed("cannot follow the " + std::to_string(response.status_code) +
                           " redirect to " + std::string(next.str()) +
                           ": the streamed request body cannot be sent twice");
    }
    request.content = previous.content;
  }
  return request;
}

// Rethrows `failure`, a transport or decoding error of `request`, with the request named
// first ("GET http://host/path: ..."), keeping its type.
[[noreturn]] void rethrow_naming(std::exception_ptr failure, std::string_view method,
                                 const URL& url) {
  const std::string prefix = std::string(method) + " " + std::string(url.str()) + ": ";
  try {
    std::rethrow_exception(std::move(failure));
  } catch (const ConnectTimeout& e) {
    throw ConnectTimeout(prefix + e.what());
  } catch (const ReadTimeout& e) {
    throw ReadTimeout(prefix + e.what());
  } catch (const WriteTimeout& e) {
    throw WriteTimeout(prefix + e.what());
  } catch (const PoolTimeout& e) {
    throw PoolTimeout(prefix + e.what());
  } catch (const ConnectError& e) {
    throw ConnectError(prefix + e.what());
  } catch (const ReadError& e) {
    throw ReadError(prefix + e.what());
  } catch (const WriteError& e) {
    throw WriteError(prefix + e.what());
  } catch (const RemoteProtocolError& e) {
    throw RemoteProtocolError(prefix + e.what(), e.kind());
  } catch (const LocalProtocolError& e) {
    throw LocalProtocolError(prefix + e.what(), e.kind());
  } catch (const ProxyError& e) {
    throw ProxyError(prefix + e.what());
  } catch (const DecodingError& e) {
    throw DecodingError(prefix + e.what());
  }
}

// One hop: hooks, cookies, the exchange, and the body unless it is to be streamed; the
// response lands in `out` (as in send_single) and keeps the request (a redirect is built
// from response.request). Transport and decoding errors come out naming the request.
Task<> send_hop(ClientState& state, Request& request, const SendSettings& settings,
                std::optional<Response>& out) {
  std::exception_ptr failure;
  try {
    for (const auto& hook : state.options.event_hooks.request) co_await hook(request);
    // An empty jar with no Set-Cookie to take costs no clock reads.
    Cookies& jar = state.options.cookies;
    if (!jar.empty() && !request.headers.contains("cookie")) {
      const std::string cookie = jar.cookie_header(request.url);
      if (!cookie.empty()) request.headers.set("Cookie", cookie);
    }
    co_await send_single(state, request, settings.timeout, out);
    Response& response = *out;
    if (!jar.empty() || response.headers.contains("set-cookie")) {
      jar.extract_cookies(response.url(), response.headers);
    }
    for (const auto& hook : state.options.event_hooks.response) co_await hook(response);
    const bool redirecting = settings.follow_redirects && response.has_redirect_location();
    if (!settings.stream || redirecting) co_await response.read_all();
    co_return;
  } catch (const TransportError&) {
    failure = std::current_exception();
  } catch (const DecodingError&) {
    failure = std::current_exception();
  }
  const Request& failed = out ? out->request : request;  // the response took it over
  rethrow_naming(failure, failed.method, failed.url);
}

// The first hop's request, built when the send begins, so a call's errors come out of its
// co_await as httpx's do out of its await (AsyncClient::request and stream).
struct BuildFirst {
  const AsyncClient* client;
  std::string method;
  std::string url;
  RequestOptions options;
  Request operator()() { return client->build_request(std::move(method), std::move(url), options); }
};
// A request built by the caller (AsyncClient::send).
struct GivenFirst {
  Request request;
  Request operator()() { return std::move(request); }
};

// `first` is BuildFirst or GivenFirst; one coroutine from the call to the final response.
template <class First>
Task<Response> send_handling_redirects(std::shared_ptr<ClientState> state, First first,
                                       SendSettings settings) {
  Request request = first();
  if (state->closed) throw std::logic_error("the AsyncClient has been closed");
  const auto started = std::chrono::steady_clock::now();
  std::vector<Response> history;
  std::optional<Response> hop;  // each hop's response, built in place
  for (;;) {
    co_await send_hop(*state, request, settings, hop);
    Response& response = *hop;
    response.elapsed = std::chrono::steady_clock::now() - started;
    if (!settings.follow_redirects || !response.has_redirect_location()) {
      // Only the final response carries the history (copies of copies would nest).
      response.history = std::move(history);
      co_return std::move(response);
    }
    if (static_cast<int>(history.size()) >= state->options.max_redirects) {
      throw TooManyRedirects("exceeded the maximum of " +
                             std::to_string(state->options.max_redirects) +
                             " redirects, the last to " + std::string(response.url().str()));
    }
    request = redirect_request(response.request, response);
    history.push_back(std::move(response));
    hop.reset();
  }
}

}  // namespace
}  // namespace detail

using detail::ClientState;

AsyncClient::AsyncClient() : AsyncClient(ClientOptions{}) {}

AsyncClient::AsyncClient(ClientOptions options) : state_(std::make_shared<ClientState>()) {
  if (!options.base_url.empty()) {
    std::string base = options.base_url;
    if (base.back() != '/') base.push_back('/');
    state_->base_url = URL::parse(base);
    detail::check_scheme(*state_->base_url);
  }
  if (!options.proxy.empty()) state_->proxy = Proxy::parse(options.proxy);
  state_->pool = std::make_shared<detail::ConnectionPool>(detail::PoolLimits{
      .max_connections = std::max<std::size_t>(options.limits.max_connections, 1),
      .max_keepalive = options.limits.max_keepalive_connections,
      .keepalive_expiry = options.limits.keepalive_expiry});
  state_->options = std::move(options);
}

AsyncClient::AsyncClient(AsyncClient&&) noexcept = default;
AsyncClient& AsyncClient::operator=(AsyncClient&&) noexcept = default;

AsyncClient::~AsyncClient() {
  if (state_) {
    state_->closed = true;
    state_->pool->close();
  }
}

Request AsyncClient::build_request(std::string method, std::string url,
                                   const RequestOptions& options) const {
  const ClientOptions& defaults = state_->options;
  for (char& c : method) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  if (!is_token(method)) throw LocalProtocolError("invalid HTTP method '" + method + "'");
  URL target =
      (state_->base_url && !detail::has_scheme(url))
          ? URL::parse(std::string(state_->base_url->str()) +
                       std::string(std::string_view(url).substr(url.starts_with('/') ? 1 : 0)))
          : URL::parse(url);
  detail::check_scheme(target);
  if (!defaults.params.empty()) target = target.with_params(defaults.params);
  if (!options.params.empty()) target = target.with_params(options.params);

  std::optional<std::string> authorization;
  if (options.auth) {
    authorization = detail::basic_authorization(options.auth->username, options.auth->password);
  } else if (target.has_userinfo()) {
    authorization = detail::basic_authorization(target.username(), target.password());
  } else if (defaults.auth) {
    authorization = detail::basic_authorization(defaults.auth->username, defaults.auth->password);
  }
  if (target.has_userinfo()) target = target.without_userinfo();

  Request request(std::move(method), target);
  Headers& headers = request.headers;
  HeaderList room;  // the five fields below, the client's and the call's, auth and a body's
  room.reserve(8 + defaults.headers.size() + options.headers.size());
  headers = Headers(std::move(room), detail::valid_fields);
  // The URL parser admits no CR, LF or NUL in a host: these fields need no check.
  headers.add(detail::valid_fields, "Host", detail::host_header(target));
  headers.add(detail::valid_fields, "Accept", "*/*");
  headers.add(detail::valid_fields, "Accept-Encoding", kAcceptEncoding);
  headers.add(detail::valid_fields, "Connection", "keep-alive");
  headers.add(detail::valid_fields, "User-Agent", detail::kUserAgent);
  headers.update(defaults.headers);
  headers.update(options.headers);
  if (authorization && !options.headers.contains("authorization")) {
    headers.set("Authorization", *authorization);
  }

  const int bodies = int{options.content.has_value()} + int{static_cast<bool>(options.stream)} +
                     int{options.data.has_value()} + int{options.json.has_value()};
  if (bodies > 1) {
    throw std::invalid_argument("a request takes one body: content, stream, data or json");
  }
  const auto set_body = [&](std::string body, std::string_view content_type) {
    if (!content_type.empty()) headers.setdefault("Content-Type", content_type);
    headers.set("Content-Length", std::to_string(body.size()));
    request.content = std::move(body);
  };
  if (options.content) {
    set_body(*options.content, {});
  } else if (options.json) {
    set_body(options.json->dump(), "application/json");
  } else if (options.data) {
    set_body(urlencode(*options.data), "application/x-www-form-urlencoded");
  } else if (options.stream) {
    request.stream = options.stream;
    if (!headers.contains("content-length")) headers.set("Transfer-Encoding", "chunked");
  } else if (const std::string_view name = request.method;
             name == "POST" || name == "PUT" || name == "PATCH") {
    headers.setdefault("Content-Length", "0");
  }
  return request;
}

Task<Response> AsyncClient::send(Request request, bool stream) {
  detail::SendSettings settings{.timeout = state_->options.timeout,
                                .follow_redirects = state_->options.follow_redirects,
                                .stream = stream};
  return detail::send_handling_redirects(state_, detail::GivenFirst{std::move(request)}, settings);
}

Task<Response> AsyncClient::send_new(std::string method, std::string url, RequestOptions options,
                                     bool stream) {
  detail::SendSettings settings{
      .timeout = options.timeout.value_or(state_->options.timeout),
      .follow_redirects = options.follow_redirects.value_or(state_->options.follow_redirects),
      .stream = stream};
  return detail::send_handling_redirects(
      state_, detail::BuildFirst{this, std::move(method), std::move(url), std::move(options)},
      settings);
}

Task<Response> AsyncClient::request(std::string method, std::string url, RequestOptions options) {
  return send_new(std::move(method), std::move(url), std::move(options), false);
}

Task<Response> AsyncClient::stream(std::string method, std::string url, RequestOptions options) {
  return send_new(std::move(method), std::move(url), std::move(options), true);
}

Task<Response> AsyncClient::request(std::string method, std::string url) {
  return request(std::move(method), std::move(url), RequestOptions{});
}
Task<Response> AsyncClient::stream(std::string method, std::string url) {
  return stream(std::move(method), std::move(url), RequestOptions{});
}

#define CORIO_HTTP_VERB(name, verb)                                                   \
  Task<Response> AsyncClient::name(std::string url) {                                 \
    return request(verb, std::move(url), RequestOptions{});                           \
  }                                                                                   \
  Task<Response> AsyncClient::name(std::string url, RequestOptions request_options) { \
    return request(verb, std::move(url), std::move(request_options));                 \
  }
CORIO_HTTP_VERB(get, "GET")
CORIO_HTTP_VERB(head, "HEAD")
CORIO_HTTP_VERB(options, "OPTIONS")
CORIO_HTTP_VERB(delete_, "DELETE")
CORIO_HTTP_VERB(post, "POST")
CORIO_HTTP_VERB(put, "PUT")
CORIO_HTTP_VERB(patch, "PATCH")
#undef CORIO_HTTP_VERB

Task<> AsyncClient::aclose() {
  state_->closed = true;
  co_await state_->pool->aclose();
}

bool AsyncClient::is_closed() const noexcept {
  return state_->closed;
}

Cookies& AsyncClient::cookies() noexcept {
  return state_->options.cookies;
}
Headers& AsyncClient::headers() noexcept {
  return state_->options.headers;
}
const Timeout& AsyncClient::timeout() const noexcept {
  return state_->options.timeout;
}

}  // namespace corio::http
