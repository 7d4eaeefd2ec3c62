// src/net/tls.cpp — corio::net::TlsStream: OpenSSL driven over a non-blocking socket.
//
// Every SSL call follows the socket pattern: try it; on SSL_ERROR_WANT_READ/WRITE, clear the
// registration's readiness and wait for it, then try again. The error queue is emptied
// before every call (when it holds anything) and drained after every failure, so no stale
// error leaks between connections.
#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <cerrno>
#include <stdexcept>

#include <corio/detail/parking.hpp>
#include <corio/errors.hpp>
#include <corio/net/tls.hpp>
#include <corio/timeout.hpp>

#include "tls_internal.hpp"

namespace corio::net {

namespace detail {

namespace {

// TLS talks to the descriptor through this BIO rather than OpenSSL's socket BIO
// (SSL_set_fd), which writes with write(2): a peer that resets the connection would raise
// SIGPIPE and kill the process. Here writes use send(MSG_NOSIGNAL), as StreamSocket does.
// Reads follow StreamSocket's pattern: a short read means the receive queue is empty, so
// the next read waits for readiness instead of spending a recv(2) on EAGAIN. Read-ahead is
// on (TlsState), so OpenSSL asks for its whole buffer and a short read is the usual case:
// one recv(2) takes in every record that has arrived, not a 5-byte header and then a body.
struct SocketBio {
  int fd = -1;  // -1 once the stream is closed: a late call fails with EBADF
  corio::detail::IoRegistration* io = nullptr;  // the socket's; null once closed
};

int bio_write(BIO* bio, const char* data, std::size_t length, std::size_t* written) {
  const int fd = static_cast<SocketBio*>(BIO_get_data(bio))->fd;
  BIO_clear_retry_flags(bio);
  for (;;) {
    const ssize_t n = ::send(fd, data, length, MSG_NOSIGNAL);
    if (n >= 0) {
      *written = static_cast<std::size_t>(n);
      return 1;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_write(bio);
    return 0;
  }
}

int bio_read(BIO* bio, char* data, std::size_t length, std::size_t* read) {
  const SocketBio& endpoint = *static_cast<SocketBio*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (endpoint.io != nullptr && endpoint.io->drained()) {
    BIO_set_retry_read(bio);
    return 0;
  }
  for (;;) {
    const ssize_t n = ::recv(endpoint.fd, data, length, 0);
    if (n > 0) {
      if (static_cast<std::size_t>(n) < length && endpoint.io != nullptr)
        endpoint.io->note_drained();
      *read = static_cast<std::size_t>(n);
      return 1;
    }
    if (n == 0) {
      // OpenSSL asks BIO_eof() to tell a peer that vanished from a read that failed.
      BIO_set_flags(bio, BIO_FLAGS_IN_EOF);
      return 0;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_read(bio);
    return 0;
  }
}

long bio_ctrl(BIO* bio, int command, long, void*) {
  switch (command) {
    case BIO_CTRL_FLUSH:
      return 1;  // nothing is buffered here
    case BIO_CTRL_EOF:
      return BIO_test_flags(bio, BIO_FLAGS_IN_EOF) != 0 ? 1 : 0;
    default:
      return 0;
  }
}

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

int bio_destroy(BIO*) {
  return 1;
}

// Built once per process, never freed (OpenSSL keeps no reference we could leak).
const BIO_METHOD* socket_bio_method() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "corio socket");
    if (m != nullptr) {
      BIO_meth_set_write_ex(m, &bio_write);
      BIO_meth_set_read_ex(m, &bio_read);
      BIO_meth_set_ctrl(m, &bio_ctrl);
      BIO_meth_set_create(m, &bio_create);
      BIO_meth_set_destroy(m, &bio_destroy);
    }
    return m;
  }();
  return method;
}

struct SslFree {
  void operator()(SSL* ssl) const noexcept { SSL_free(ssl); }
};

// A fully qualified name without its trailing dot ("example.com." is example.com): how SNI
// carries it (RFC 6066 section 3) and what the certificate must name, as curl does.
std::string without_trailing_dot(const std::string& host) {
  if (host.size() > 1 && host.back() == '.') return host.substr(0, host.size() - 1);
  return host;
}

// An IPv6 address without its zone ("fe80::1%eth0" -> "fe80::1"): certificates name bare
// addresses, and OpenSSL refuses an address to check that carries a zone.
std::string without_zone(const std::string& ip) {
  if (ip.find(':') == std::string::npos) return ip;
  return ip.substr(0, ip.find('%'));
}

bool is_ip_literal(const std::string& host) {
  unsigned char buffer[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

}  // namespace

struct GateWait;

// Lets the reading and the writing task share one direction of the socket. OpenSSL may need
// to write while reading (an alert, a post-handshake message) or to read while writing; the
// socket's registration takes one waiter per direction, so whoever comes second waits here
// for the first one's wake-up and then retries its own call.
struct Gate {
  bool busy = false;  // a task is parked on the registration for this direction
  GateWait* followers = nullptr;

  void open() noexcept;
};

struct GateWait : corio::detail::Parking {
  Gate* gate;
  GateWait* next = nullptr;

  explicit GateWait(Gate& g) noexcept : gate(&g) {}
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> self) {
    if (!park(self, &GateWait::on_cancel)) return false;
    next = gate->followers;
    gate->followers = this;
    return true;
  }
  void await_resume() { resume_or_raise(); }

  void unlink() noexcept {
    for (GateWait** slot = &gate->followers; *slot != nullptr; slot = &(*slot)->next) {
      if (*slot == this) {
        *slot = next;
        return;
      }
    }
  }
  static bool on_cancel(corio::detail::Suspension* s) noexcept {
    auto* self = static_cast<GateWait*>(s);
    self->unlink();
    self->wake_cancelled();
    return true;
  }
};

void Gate::open() noexcept {
  busy = false;
  while (GateWait* waiter = followers) {
    followers = waiter->next;
    waiter->wake();
  }
}

struct GateHolder {
  Gate& gate;
  ~GateHolder() { gate.open(); }
};

struct TlsState {
  TlsState(std::unique_ptr<StreamSocket> sock, std::shared_ptr<TlsContext> ctx, bool is_server)
      : socket(std::move(sock)), context(std::move(ctx)), server(is_server) {
    ERR_clear_error();
    ssl.reset(SSL_new(context->native_handle()));
    if (!ssl) {
      throw TlsError(ENOMEM, "SSL_new: " + join_openssl_errors(take_openssl_errors()));
    }
    BIO* b = BIO_new(socket_bio_method());
    if (b == nullptr) {
      throw TlsError(ENOMEM, "BIO_new: " + join_openssl_errors(take_openssl_errors()));
    }
    bio.fd = socket->fd();
    bio.io = &socket->io();
    BIO_set_data(b, &bio);
    SSL_set_bio(ssl.get(), b, b);  // the SSL owns the BIO from here
    SSL_set_read_ahead(ssl.get(), 1);
    if (server) {
      SSL_set_accept_state(ssl.get());
    } else {
      SSL_set_connect_state(ssl.get());
    }
    peer = socket->peer_address().to_string();
  }

  // Client side: SNI and the name or address the certificate must carry.
  void configure_client(const std::string& server_hostname) {
    if (server_hostname.starts_with('.')) {
      // OpenSSL would match any subdomain of the rest (X509_check_host's special case).
      throw std::invalid_argument("TLS server_hostname '" + server_hostname +
                                  "' must not start with a dot");
    }
    hostname = server_hostname;
    if (!hostname.empty()) peer += " (" + hostname + ")";
    std::string literal = hostname;
    if (literal.size() > 2 && literal.front() == '[' && literal.back() == ']') {
      literal = literal.substr(1, literal.size() - 2);
    }
    literal = without_zone(literal);
    const bool is_ip = !literal.empty() && is_ip_literal(literal);
    const std::string name = without_trailing_dot(hostname);
    ERR_clear_error();
    // SSL_set_tlsext_host_name, spelled out: the macro's C cast trips -Wold-style-cast.
    if (!name.empty() && !is_ip &&
        SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(name.c_str())) != 1) {
      throw TlsError(EINVAL, "TLS: cannot send server_hostname '" + hostname +
                                 "' as SNI: " + join_openssl_errors(take_openssl_errors()));
    }
    if (!context->verify()) return;
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
    if (!name.empty() && !is_ip) {
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      if (SSL_set1_host(ssl.get(), name.c_str()) != 1) {
        throw TlsError(EINVAL, "TLS: cannot check server_hostname '" + hostname +
                                   "': " + join_openssl_errors(take_openssl_errors()));
      }
      return;
    }
    const SocketAddress& address = socket->peer_address();
    if (!is_ip && !address.is_ipv4() && !address.is_ipv6()) {
      throw std::invalid_argument("TLS to " + address.to_string() +
                                  " needs server_hostname to check the certificate against "
                                  "(or a context with verify = false)");
    }
    const std::string ip = is_ip ? literal : without_zone(address.ip());
    if (X509_VERIFY_PARAM_set1_ip_asc(param, ip.c_str()) != 1) {
      throw TlsError(EINVAL, "TLS: cannot check IP address '" + ip +
                                 "': " + join_openssl_errors(take_openssl_errors()));
    }
  }

  [[nodiscard]] bool open() const noexcept { return socket && socket->is_open(); }

  // Closes the socket now. Parked tasks resume and find it closed, as with StreamSocket: a
  // read ends (0), a write throws BrokenPipeError. The SSL object stays for the accessors,
  // cut off from the descriptor number (which may be reused).
  void close() noexcept {
    bio.fd = -1;
    bio.io = nullptr;
    if (socket) socket->close();
    read_gate.open();
    write_gate.open();
  }

  void require_open(const char* operation) const {
    if (!open()) throw NetworkError(EBADF, std::string(operation) + " a closed TLS stream");
  }

  // Before every SSL call: no stale error may be taken for this call's. The queue is
  // nearly always empty (every failure drains it), and peeking is cheap where clearing walks
  // all of OpenSSL 3's slots: about a thousand instructions per HTTPS request.
  static void prepare() noexcept {
    if (ERR_peek_error() != 0) ERR_clear_error();
    errno = 0;
  }

  // SSL_read saw the connection end without close_notify.
  [[nodiscard]] static bool unexpected_eof(int ssl_error) noexcept {
    const unsigned long first = ERR_peek_error();
    if (ssl_error == SSL_ERROR_SYSCALL) return first == 0 && errno == 0;
    return ssl_error == SSL_ERROR_SSL && ERR_GET_LIB(first) == ERR_LIB_SSL &&
           ERR_GET_REASON(first) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
  }

  // Turns a failed SSL call into the exception that says why; the stream is dead afterwards
  // (OpenSSL forbids further calls, SSL_shutdown included, after a fatal error).
  [[noreturn]] void fail(const char* operation, int ssl_error) {
    const int system_error = errno;
    failed = true;
    auto errors = take_openssl_errors();
    if (ssl_error == SSL_ERROR_SYSCALL && errors.empty() && system_error != 0) {
      throw_network_error(system_error, operation, peer);
    }
    long verify_result = X509_V_OK;
    for (OpensslError& error : errors) {
      if (error.library == ERR_LIB_SSL && error.reason == SSL_R_CERTIFICATE_VERIFY_FAILED) {
        verify_result = SSL_get_verify_result(ssl.get());
        if (verify_result != X509_V_OK) {
          error.text = std::string("certificate verify failed: ") +
                       X509_verify_cert_error_string(verify_result);
        }
      } else if (error.library == ERR_LIB_SSL &&
                 error.reason == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        error.text = "the peer closed the connection (unexpected eof while reading)";
      }
    }
    const char* fallback = ssl_error == SSL_ERROR_SYSCALL
                               ? "the peer closed the connection (unexpected eof)"
                               : "unknown TLS error";
    throw TlsError(
        EPROTO,
        std::string(operation) + " " + peer + " failed: " + join_openssl_errors(errors, fallback),
        verify_result);
  }

  // Waits until the socket may be readable (SSL_ERROR_WANT_READ) or writable.
  Task<> wait(int ssl_error) {
    const bool reading = ssl_error == SSL_ERROR_WANT_READ;
    Gate& gate = reading ? read_gate : write_gate;
    if (gate.busy) {
      co_await GateWait(gate);
      co_return;
    }
    corio::detail::IoRegistration& io = socket->io();
    gate.busy = true;
    GateHolder holder{gate};
    if (reading) {
      io.clear_readable();
      co_await io.readable();
    } else {
      io.clear_writable();
      co_await io.writable();
    }
  }

  Task<> run_handshake() {
    for (;;) {
      require_open("TLS handshake on");
      prepare();
      const int rc = SSL_do_handshake(ssl.get());
      if (rc == 1) {
        established = true;
        co_return;
      }
      const int error = SSL_get_error(ssl.get(), rc);
      if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
        fail("TLS handshake with", error);
      }
      co_await wait(error);
    }
  }

  Task<> handshake(std::optional<std::chrono::milliseconds> limit) {
    if (!limit) {
      co_await run_handshake();
      co_return;
    }
    try {
      co_await corio::timeout(*limit, [this]() -> Task<> { co_await run_handshake(); });
    } catch (const TimeoutError&) {
      throw TimeoutError("TLS handshake with " + peer + " timed out after " +
                         std::to_string(limit->count()) + " ms");
    }
  }

  // Sends close_notify; does not wait for the peer's.
  Task<> send_close_notify() {
    for (;;) {
      if (!open()) co_return;
      prepare();
      const int rc = SSL_shutdown(ssl.get());
      if (rc >= 0) co_return;  // 0: ours is out; 1: both sides are done
      const int error = SSL_get_error(ssl.get(), rc);
      if (error != SSL_ERROR_WANT_WRITE) {
        ERR_clear_error();
        co_return;
      }
      co_await wait(error);
    }
  }

  std::unique_ptr<StreamSocket> socket;
  std::shared_ptr<TlsContext> context;  // the SSL's SSL_CTX and its ALPN list live here
  SocketBio bio;
  std::unique_ptr<SSL, SslFree> ssl;
  std::string hostname;  // client: the server_hostname asked for
  std::string peer;      // for messages: "127.0.0.1:4433 (example.test)"
  std::chrono::milliseconds shutdown_timeout{};
  Gate read_gate;
  Gate write_gate;
  bool server = false;
  bool established = false;   // the handshake finished
  bool failed = false;        // a fatal error happened: no SSL call but accessors any more
  bool eof = false;           // read_some returned 0
  bool eof_clean = false;     // ... after close_notify
  bool write_broken = false;  // a write was cancelled with its record half-sent
  // The last SSL_write would block: OpenSSL holds a record made of its bytes, and the next
  // write must offer the same bytes again (write_all's callers do).
  bool record_pending = false;

  // Checks the stream can write, then one SSL_write of `data`: the bytes it took (at most a
  // record), or 0 with the SSL_ERROR_WANT_* to wait for in `want` (record_pending then).
  // Throws BrokenPipeError once closed, TlsError when the stream failed or fails now.
  std::size_t write_once(std::span<const std::byte> data, int& want) {
    if (!open()) throw BrokenPipeError(EPIPE, "TLS write to a closed TLS stream");
    if (failed) throw TlsError(EPROTO, "TLS write to " + peer + ": the stream failed before");
    if (write_broken) {
      throw TlsError(EPROTO, "TLS write to " + peer +
                                 ": an earlier write was cancelled with its record half-sent");
    }
    prepare();
    std::size_t n = 0;
    const int rc = SSL_write_ex(ssl.get(), data.data(), data.size(), &n);
    if (rc == 1) {
      record_pending = false;
      return n;
    }
    want = SSL_get_error(ssl.get(), rc);
    if (want != SSL_ERROR_WANT_READ && want != SSL_ERROR_WANT_WRITE) fail("TLS write to", want);
    record_pending = true;
    return 0;
  }
};

}  // namespace detail

namespace {

// The state of a live stream, shared by the operation that asks for it: a task parked in a
// read may outlive the TlsStream (destroyed by its owner) and must unwind safely.
std::shared_ptr<detail::TlsState> live(const std::shared_ptr<detail::TlsState>& state) {
  if (!state) throw NetworkError(EBADF, "using an empty (moved-from) TlsStream");
  return state;
}

// Marks the write side broken if a write unwinds while OpenSSL holds part of its record.
struct HalfSentRecord {
  detail::TlsState& state;
  bool pending = false;
  ~HalfSentRecord() {
    if (pending) state.write_broken = true;
  }
};

void check_socket(const std::unique_ptr<StreamSocket>& socket,
                  const std::shared_ptr<TlsContext>& context, bool server) {
  if (!socket || !socket->is_open()) {
    throw std::invalid_argument("TLS needs an open, connected socket");
  }
  if (!context) throw std::invalid_argument("TLS needs a TlsContext");
  if (context->is_server() != server) {
    throw std::invalid_argument(server ? "TlsStream::accept needs a server TlsContext"
                                       : "TlsStream::connect needs a client TlsContext");
  }
}

}  // namespace

TlsStream::TlsStream() noexcept = default;
TlsStream::TlsStream(std::shared_ptr<detail::TlsState> state) noexcept : state_(std::move(state)) {}
TlsStream::TlsStream(TlsStream&& other) noexcept = default;
TlsStream& TlsStream::operator=(TlsStream&& other) noexcept {
  if (this != &other) {
    close();
    state_ = std::move(other.state_);
  }
  return *this;
}
TlsStream::~TlsStream() {
  close();
}

Task<TlsStream> TlsStream::connect(std::unique_ptr<StreamSocket> socket,
                                   std::shared_ptr<TlsContext> context, TlsConnectOptions options) {
  check_socket(socket, context, false);
  auto state = std::make_shared<detail::TlsState>(std::move(socket), std::move(context), false);
  state->configure_client(options.server_hostname);
  state->shutdown_timeout = options.shutdown_timeout;
  co_await state->handshake(options.handshake_timeout);
  co_return TlsStream(std::move(state));
}

Task<TlsStream> TlsStream::accept(std::unique_ptr<StreamSocket> socket,
                                  std::shared_ptr<TlsContext> context, TlsAcceptOptions options) {
  check_socket(socket, context, true);
  auto state = std::make_shared<detail::TlsState>(std::move(socket), std::move(context), true);
  state->shutdown_timeout = options.shutdown_timeout;
  co_await state->handshake(options.handshake_timeout);
  co_return TlsStream(std::move(state));
}

Task<std::size_t> TlsStream::read_some(std::span<std::byte> buffer) {
  const auto keep = live(state_);
  detail::TlsState& s = *keep;
  for (;;) {
    if (!s.open() || s.eof || buffer.empty()) co_return 0;  // closed here: the stream is over
    if (s.failed) throw TlsError(EPROTO, "TLS read from " + s.peer + ": the stream failed before");
    s.prepare();
    std::size_t n = 0;
    const int rc = SSL_read_ex(s.ssl.get(), buffer.data(), buffer.size(), &n);
    if (rc == 1) co_return n;
    const int error = SSL_get_error(s.ssl.get(), rc);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
      co_await s.wait(error);
      continue;
    }
    if (error == SSL_ERROR_ZERO_RETURN) {
      s.eof = s.eof_clean = true;
      co_return 0;
    }
    if (detail::TlsState::unexpected_eof(error)) {
      ERR_clear_error();
      s.eof = true;
      s.failed = true;  // OpenSSL treats it as fatal: no close_notify can follow
      co_return 0;
    }
    s.fail("TLS read from", error);
  }
}

Task<std::size_t> TlsStream::write_some(std::span<const std::byte> data) {
  const auto keep = live(state_);
  detail::TlsState& s = *keep;
  if (data.empty()) co_return 0;
  HalfSentRecord record{s};
  for (;;) {
    int want = 0;
    record.pending = false;
    const std::size_t n = s.write_once(data, want);
    if (n > 0) co_return n;
    record.pending = true;
    co_await s.wait(want);
  }
}

std::size_t TlsStream::write_now(std::span<const std::byte> data) {
  // Closed or failed: write_some raises it. A writer parked mid-record goes first.
  if (!state_ || !state_->open() || data.empty() || state_->write_gate.busy) return 0;
  int want = 0;
  return state_->write_once(data, want);
}

void TlsStream::write_eof() {
  throw NetworkError(ENOTSUP, "write_eof on a TLS stream (TLS has no half-close)");
}

Task<> TlsStream::aclose() {
  if (!state_ || !state_->open()) co_return;
  const auto keep = state_;
  detail::TlsState& s = *keep;
  if (s.established && !s.failed && !s.write_broken && !s.record_pending) {
    try {
      co_await corio::timeout(s.shutdown_timeout,
                              [&s]() -> Task<> { co_await s.send_close_notify(); });
    } catch (const CancelledError&) {
      s.close();
      throw;
    } catch (const std::exception&) {
      // The peer is gone or not reading: closing is all that is left to do.
    }
  }
  s.close();
}

void TlsStream::close() noexcept {
  if (state_) state_->close();
}

bool TlsStream::is_open() const noexcept {
  return state_ && state_->open();
}

bool TlsStream::is_readable() noexcept {
  if (!is_open()) return true;
  return SSL_has_pending(state_->ssl.get()) == 1 || state_->socket->is_readable();
}

SocketAddress TlsStream::local_address() const {
  const detail::TlsState& s = *live(state_);
  if (!s.open()) throw NetworkError(EBADF, "local_address of a closed TLS stream");
  return s.socket->local_address();
}

const SocketAddress& TlsStream::peer_address() const noexcept {
  static const SocketAddress none;
  return state_ && state_->socket ? state_->socket->peer_address() : none;
}

StreamSocket* TlsStream::socket() noexcept {
  return state_ ? state_->socket.get() : nullptr;
}

std::string TlsStream::alpn_protocol() const {
  if (!state_) return {};
  const unsigned char* data = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(state_->ssl.get(), &data, &length);
  return data ? std::string(reinterpret_cast<const char*>(data), length) : std::string();
}

std::string TlsStream::tls_version() const {
  return state_ ? SSL_get_version(state_->ssl.get()) : "";
}

std::string TlsStream::cipher() const {
  if (!state_) return {};
  const SSL_CIPHER* current = SSL_get_current_cipher(state_->ssl.get());
  return current ? SSL_CIPHER_get_name(current) : "";
}

std::string TlsStream::server_hostname() const {
  if (!state_) return {};
  if (!state_->server) return state_->hostname;
  const char* name = SSL_get_servername(state_->ssl.get(), TLSEXT_NAMETYPE_host_name);
  return name ? name : "";
}

std::string TlsStream::peer_certificate_subject() const {
  if (!state_) return {};
  X509* certificate = SSL_get0_peer_certificate(state_->ssl.get());
  if (certificate == nullptr) return {};
  std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), &BIO_free);
  if (!out) throw std::bad_alloc();
  X509_NAME_print_ex(out.get(), X509_get_subject_name(certificate), 0, XN_FLAG_RFC2253);
  char* text = nullptr;
  const long length = BIO_get_mem_data(out.get(), &text);
  return std::string(text, static_cast<std::size_t>(length));
}

bool TlsStream::is_server() const noexcept {
  return state_ && state_->server;
}

bool TlsStream::eof_was_clean() const noexcept {
  return state_ && state_->eof_clean;
}

}  // namespace corio::net
