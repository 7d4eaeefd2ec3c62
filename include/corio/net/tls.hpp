// include/corio/net/tls.hpp — TLS on OpenSSL 3: corio::net::TlsContext, TlsStream, TlsError
// (Python's ssl.SSLContext and asyncio's SSL transport / loop.start_tls).
//
//   auto context = TlsContext::client({.alpn = {"h2", "http/1.1"}});
//   auto tcp = co_await TcpStream::connect(SocketAddress::parse("93.184.216.34", 443));
//   TlsConnectOptions options{.server_hostname = "example.com"};
//   TlsStream tls = co_await TlsStream::connect(std::move(tcp), context, options);
//   co_await tls.write_all("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
//   ...
//   co_await tls.aclose();   // close_notify, then close
//
// A TlsStream is a Transport, so everything that speaks to a Transport (StreamReader,
// StreamWriter, the HTTP client) runs over TLS unchanged. TlsStream::connect/accept take an
// already connected stream (TCP or Unix), which makes them asyncio's start_tls too: a
// protocol may talk in clear first and upgrade the same socket.
//
// Defaults are Python's ssl.create_default_context(): TLS 1.2 or newer, certificates checked
// against the system CA bundle, host names checked, no renegotiation, no compression.
//
// Defines TlsClientOptions, TlsServerOptions, TlsContext, TlsConnectOptions,
// TlsAcceptOptions, TlsStream and TlsError.
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <corio/net/address.hpp>
#include <corio/net/errors.hpp>
#include <corio/net/socket.hpp>
#include <corio/net/transport.hpp>
#include <corio/task.hpp>

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace corio::net {

// A TLS failure: the handshake (certificate rejected, no common protocol version, alert from
// the peer) or a protocol error on an established stream. The message says why, e.g.
//   "TLS handshake with 127.0.0.1:4433 (example.test) failed: certificate verify failed:
//    certificate has expired"
// code() holds EPROTO, or EINVAL for a context that cannot be built (unreadable certificate
// or key file, malformed ALPN name). Timeouts are corio::TimeoutError, connection resets
// ConnectionResetError and the rest of the NetworkError family, as for plain sockets.
class TlsError : public NetworkError {
 public:
  TlsError(int error, std::string message, long verify_result = 0)
      : NetworkError(error, message), message_(std::move(message)), verify_result_(verify_result) {}
  [[nodiscard]] const char* what() const noexcept override { return message_.c_str(); }
  // OpenSSL's X509_V_ERR_* code when the peer's certificate was rejected (e.g. 10, expired;
  // 62, hostname mismatch; 20, unknown issuer); 0 otherwise.
  [[nodiscard]] long verify_result() const noexcept { return verify_result_; }

 private:
  std::string message_;
  long verify_result_;
};

struct TlsClientOptions {
  // Check the server's certificate chain and name. Off: anything is accepted (testing only).
  bool verify = true;
  // Trusted CAs: a PEM file and/or an OpenSSL hashed directory. Both empty: the system's
  // default bundle (SSL_CTX_set_default_verify_paths). Either one set replaces the default.
  std::string ca_file;
  std::string ca_path;
  // A client certificate (PEM, may hold the chain) and its private key, for servers that ask.
  // An empty key_file means the key is in cert_file.
  std::string cert_file;
  std::string key_file;
  // Application protocols to offer, in order of preference, e.g. {"h2", "http/1.1"}.
  std::vector<std::string> alpn;
};

struct TlsServerOptions {
  // The server's certificate chain and private key (PEM). cert_file is required; an empty
  // key_file means the key is in cert_file.
  std::string cert_file;
  std::string key_file;
  // Application protocols the server speaks, in its order of preference; the first one the
  // client also offers is chosen. No overlap: the handshake goes on without ALPN.
  std::vector<std::string> alpn;
  // Client certificates: with ca_file set, clients are asked for a certificate and one that
  // is sent is checked against these CAs; require_client_cert makes one mandatory (it needs
  // ca_file).
  std::string ca_file;
  bool require_client_cert = false;
};

// A configured OpenSSL context (SSL_CTX), shared by any number of connections. Immutable once
// built, so one context may serve the loops of several threads. Connections keep their
// context alive (they hold the shared_ptr).
class TlsContext {
 public:
  // Builds a client context. Throws TlsError (EINVAL) naming the file and OpenSSL's reason
  // when a CA, certificate or key cannot be loaded or the key does not match the
  // certificate; std::invalid_argument for an ALPN name that is empty or over 255 bytes, or
  // a key_file without cert_file.
  static std::shared_ptr<TlsContext> client(TlsClientOptions options);
  static std::shared_ptr<TlsContext> client() { return client(TlsClientOptions{}); }
  // Builds a server context. Throws as client() does, and std::invalid_argument without
  // cert_file, or for require_client_cert without ca_file.
  static std::shared_ptr<TlsContext> server(TlsServerOptions options);

  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  [[nodiscard]] bool is_server() const noexcept { return server_; }
  // Client: the server's certificate is checked. Server: client certificates are checked.
  [[nodiscard]] bool verify() const noexcept { return verify_; }
  // The SSL_CTX, for tuning beyond these options (cipher lists, session caching). Change it
  // before the first connection only.
  [[nodiscard]] ssl_ctx_st* native_handle() const noexcept { return ctx_; }

 private:
  TlsContext() = default;

  ssl_ctx_st* ctx_ = nullptr;
  bool server_ = false;
  bool verify_ = false;
  std::vector<unsigned char> alpn_;  // the server's list in ALPN wire format (its callback's)
};

struct TlsConnectOptions {
  // The server's name: sent as SNI and checked against the certificate. An IP literal is
  // checked against the certificate's IP addresses and not sent as SNI (RFC 6066). Empty:
  // no SNI, and with verification on the certificate must name the peer's IP address (a
  // Unix socket peer then has nothing to check and connect() throws std::invalid_argument).
  // A fully qualified name's trailing dot is dropped for both ("example.com." is sent and
  // checked as example.com, as curl does). An IPv6 address's zone ("fe80::1%eth0", given
  // here or the peer's) is left out of the check: certificates name bare addresses. A name
  // starting with a dot is refused (std::invalid_argument), as Python's ssl does: OpenSSL
  // would take ".example.com" to match any subdomain.
  std::string server_hostname;
  // The whole handshake must finish within this; nullopt: no limit. asyncio's
  // ssl_handshake_timeout, with the same 60 s default.
  std::optional<std::chrono::milliseconds> handshake_timeout = std::chrono::seconds(60);
  // aclose()'s wait to get close_notify out (asyncio's ssl_shutdown_timeout).
  std::chrono::milliseconds shutdown_timeout = std::chrono::seconds(30);
};

struct TlsAcceptOptions {
  std::optional<std::chrono::milliseconds> handshake_timeout = std::chrono::seconds(60);
  std::chrono::milliseconds shutdown_timeout = std::chrono::seconds(30);
};

namespace detail {
struct TlsState;
}

// A TLS connection over a connected stream socket it owns.
//
// One task may read while another writes, as with plain sockets. The object may be moved
// only while no operation is in flight. Destroying it (or close()) closes the socket at once
// without close_notify: the peer sees a truncated stream; aclose() is the polite way. A task
// in the middle of a read then gets end of stream (0), one in a write BrokenPipeError, as
// with StreamSocket (its operation keeps the connection's state alive until it is done).
//
//   state     handshaking (inside connect/accept) → open → closed
//             open: reads end at EOF (read_some returns 0, eof_was_clean() tells how)
class TlsStream : public Transport {
 public:
  TlsStream() noexcept;
  TlsStream(TlsStream&& other) noexcept;
  TlsStream& operator=(TlsStream&& other) noexcept;
  ~TlsStream() override;

  // Runs the client handshake over `socket` (asyncio's start_tls on the client side).
  // Suspends: until the handshake is done. Throws TlsError (certificate rejected — with the
  // reason —, no common version or cipher, alert from the server), corio::TimeoutError after
  // options.handshake_timeout, ConnectionResetError and other NetworkErrors,
  // std::invalid_argument for a server context, a closed socket, a server_hostname starting
  // with a dot or a verified Unix-socket peer without server_hostname; CancelledError.
  // Cancellation: safe; the socket and the SSL object are freed, nothing leaks.
  // Owns: the socket and a reference to the context, from the call on.
  //
  // Overloads stand in for a default `options = {}`: g++ 12 destroys an options temporary
  // twice when it is made inside a co_await expression (TlsClientOptions likewise). With
  // g++ 12, build an options struct holding strings before the co_await, not inside it.
  static Task<TlsStream> connect(std::unique_ptr<StreamSocket> socket,
                                 std::shared_ptr<TlsContext> context, TlsConnectOptions options);
  static Task<TlsStream> connect(std::unique_ptr<StreamSocket> socket,
                                 std::shared_ptr<TlsContext> context) {
    return connect(std::move(socket), std::move(context), TlsConnectOptions{});
  }
  template <std::derived_from<StreamSocket> S>
  static Task<TlsStream> connect(S socket, std::shared_ptr<TlsContext> context,
                                 TlsConnectOptions options) {
    return connect(std::make_unique<S>(std::move(socket)), std::move(context), std::move(options));
  }
  template <std::derived_from<StreamSocket> S>
  static Task<TlsStream> connect(S socket, std::shared_ptr<TlsContext> context) {
    return connect(std::make_unique<S>(std::move(socket)), std::move(context), TlsConnectOptions{});
  }

  // Runs the server handshake over an accepted `socket`. Suspends, throws and cancels as
  // connect() does (TlsError e.g. when a required client certificate is missing or rejected;
  // std::invalid_argument for a client context).
  static Task<TlsStream> accept(std::unique_ptr<StreamSocket> socket,
                                std::shared_ptr<TlsContext> context, TlsAcceptOptions options = {});
  template <std::derived_from<StreamSocket> S>
  static Task<TlsStream> accept(S socket, std::shared_ptr<TlsContext> context,
                                TlsAcceptOptions options = {}) {
    return accept(std::make_unique<S>(std::move(socket)), std::move(context), options);
  }

  // Reads decrypted bytes, up to buffer.size() (at most one TLS record's worth); 0 means end
  // of stream: the peer's close_notify (eof_was_clean() is then true) or the connection
  // closed without one (a truncation attack is possible there; eof_was_clean() is false —
  // asyncio reads both as EOF). Further reads keep returning 0.
  // Suspends: while no complete record is available. Throws TlsError (bad record, alert from
  // the peer), ConnectionResetError and other NetworkErrors, CancelledError. Returns 0 once
  // closed on this side. Cancellation: safe; bytes already received stay buffered for the
  // next read.
  Task<std::size_t> read_some(std::span<std::byte> buffer) override;

  // Encrypts and sends at least one byte of `data` (at most one record, 16 KiB), returning
  // how many. Suspends: while the socket's send buffer is full. Throws TlsError,
  // BrokenPipeError (also once closed on this side), ConnectionResetError and other
  // NetworkErrors, CancelledError.
  // Cancellation: safe if the call had not suspended. Once it has, OpenSSL holds a
  // half-sent record made of `data`; a cancelled write therefore leaves the stream unable to
  // write (later writes throw TlsError, aclose() skips close_notify) — close it. This is the
  // one place where TLS differs from the Transport contract; reads are unaffected.
  Task<std::size_t> write_some(std::span<const std::byte> data) override;
  // One record's worth of `data` encrypted and sent without suspending, as write_some would
  // (its count), or 0 when the socket would block, the stream is closed or failed (write_some
  // then raises it), or another task's write is waiting. After a 0, OpenSSL may hold a record
  // made of `data`: the next write must offer the same bytes again, as write_all's callers
  // do (if none comes, aclose() skips close_notify).
  std::size_t write_now(std::span<const std::byte> data) override;
  using Transport::write_all;

  // TLS has no half-close (asyncio's can_write_eof() is False for SSL transports).
  [[nodiscard]] bool can_write_eof() const noexcept override { return false; }
  // Always throws NetworkError(ENOTSUP).
  void write_eof() override;

  // Sends close_notify (waiting at most shutdown_timeout for the socket to take it; the
  // peer's own close_notify is not awaited), then closes. Skips close_notify when the stream
  // failed, a write was cancelled or left mid-record, or the handshake never finished.
  // Idempotent.
  // Suspends: only while the send buffer is full. Throws only CancelledError (the stream is
  // closed then too); the peer's failures and the timeout are swallowed.
  Task<> aclose() override;
  // Closes the socket now, without close_notify; idempotent. A read in progress returns 0, a
  // write in progress throws BrokenPipeError (as with StreamSocket). Accessors keep working.
  void close() noexcept override;
  [[nodiscard]] bool is_open() const noexcept override;
  // Records OpenSSL already holds count (a close_notify too), then the socket's own check.
  [[nodiscard]] bool is_readable() noexcept override;

  // Throws NetworkError(EBADF) when closed.
  [[nodiscard]] SocketAddress local_address() const override;
  // The peer's address (empty for a moved-from stream).
  [[nodiscard]] const SocketAddress& peer_address() const noexcept override;

  // The socket underneath (to set TCP options); null for a moved-from stream. Reading or
  // writing it directly corrupts the TLS stream.
  [[nodiscard]] StreamSocket* socket() noexcept;

  // Negotiated by the handshake:
  // The ALPN protocol chosen ("h2"), or "" when none was.
  [[nodiscard]] std::string alpn_protocol() const;
  // "TLSv1.3", "TLSv1.2".
  [[nodiscard]] std::string tls_version() const;
  // OpenSSL's cipher suite name, e.g. "TLS_AES_256_GCM_SHA384".
  [[nodiscard]] std::string cipher() const;
  // Client: the name given to connect(). Server: the SNI name the client sent, or "".
  [[nodiscard]] std::string server_hostname() const;
  // The peer certificate's subject in RFC 2253 form ("CN=localhost"), or "" when the peer
  // sent none.
  [[nodiscard]] std::string peer_certificate_subject() const;
  [[nodiscard]] bool is_server() const noexcept;

  // After read_some returned 0: true if the peer sent close_notify, false if the connection
  // just ended. False before EOF.
  [[nodiscard]] bool eof_was_clean() const noexcept;

 private:
  explicit TlsStream(std::shared_ptr<detail::TlsState> state) noexcept;

  // Shared with the operations in flight: OpenSSL and parked waits point into it.
  std::shared_ptr<detail::TlsState> state_;
};

}  // namespace corio::net
