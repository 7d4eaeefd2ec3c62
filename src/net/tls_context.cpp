// src/net/tls_context.cpp — corio::net::TlsContext and OpenSSL's error queue as text.
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <corio/net/tls.hpp>

#include "tls_internal.hpp"

namespace corio::net {

namespace detail {

std::vector<OpensslError> take_openssl_errors() {
  std::vector<OpensslError> errors;
  const char* data = nullptr;
  int flags = 0;
  while (const unsigned long code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
    OpensslError error{code, ERR_GET_LIB(code), ERR_GET_REASON(code), {}};
    if (const char* reason = ERR_reason_error_string(code)) {
      error.text = reason;
    } else {
      char buffer[256];
      ERR_error_string_n(code, buffer, sizeof buffer);
      error.text = buffer;
    }
    if ((flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0') {
      error.text += " (";
      error.text += data;
      error.text += ")";
    }
    errors.push_back(std::move(error));
  }
  return errors;
}

std::string join_openssl_errors(const std::vector<OpensslError>& errors, const char* fallback) {
  std::string out;
  for (std::size_t i = 0; i < errors.size(); ++i) {
    bool seen = false;
    for (std::size_t j = 0; j < i && !seen; ++j) seen = errors[j].text == errors[i].text;
    if (seen) continue;
    if (!out.empty()) out += "; ";
    out += errors[i].text;
  }
  return out.empty() ? fallback : out;
}

}  // namespace detail

namespace {

[[noreturn]] void throw_context_error(const std::string& what) {
  throw TlsError(EINVAL, what + ": " + detail::join_openssl_errors(detail::take_openssl_errors()));
}

// {"h2", "http/1.1"} → "\x02h2\x08http/1.1" (RFC 7301's ProtocolNameList).
std::vector<unsigned char> alpn_wire_format(const std::vector<std::string>& protocols) {
  std::vector<unsigned char> wire;
  for (const std::string& protocol : protocols) {
    if (protocol.empty() || protocol.size() > 255) {
      throw std::invalid_argument("ALPN protocol name '" + protocol +
                                  "' must be 1 to 255 bytes long");
    }
    wire.push_back(static_cast<unsigned char>(protocol.size()));
    wire.insert(wire.end(), protocol.begin(), protocol.end());
  }
  return wire;
}

// The server's choice: its own first protocol that the client offers too.
int select_alpn(SSL*, const unsigned char** out, unsigned char* out_length,
                const unsigned char* offered, unsigned int offered_length, void* arg) {
  const auto& ours = *static_cast<const std::vector<unsigned char>*>(arg);
  for (std::size_t i = 0; i < ours.size(); i += 1u + ours[i]) {
    const unsigned char length = ours[i];
    for (unsigned int j = 0; j < offered_length; j += 1u + offered[j]) {
      if (j + 1u + offered[j] > offered_length) break;  // malformed list: stop there
      if (offered[j] == length && std::memcmp(offered + j + 1, &ours[i + 1], length) == 0) {
        *out = offered + j + 1;
        *out_length = length;
        return SSL_TLSEXT_ERR_OK;
      }
    }
  }
  return SSL_TLSEXT_ERR_NOACK;
}

// What both sides share: TLS 1.2 at least, no renegotiation, writes that may be partial and
// retried from a different address (TlsStream's write_some works record by record).
SSL_CTX* new_context(const SSL_METHOD* method, const char* side) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(method);
  if (ctx == nullptr) throw_context_error(std::string("creating a TLS ") + side + " context");
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  return ctx;
}

void load_certificate(SSL_CTX* ctx, const std::string& cert_file, const std::string& key_file,
                      const char* side) {
  const std::string& key = key_file.empty() ? cert_file : key_file;
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    throw_context_error(std::string("TLS ") + side + " context: loading certificate '" + cert_file +
                        "'");
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
    throw_context_error(std::string("TLS ") + side + " context: loading private key '" + key + "'");
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    throw_context_error(std::string("TLS ") + side + " context: private key '" + key +
                        "' does not match certificate '" + cert_file + "'");
  }
}

}  // namespace

TlsContext::~TlsContext() {
  SSL_CTX_free(ctx_);
}

std::shared_ptr<TlsContext> TlsContext::client(TlsClientOptions options) {
  std::shared_ptr<TlsContext> context(new TlsContext());
  context->ctx_ = new_context(TLS_client_method(), "client");
  context->verify_ = options.verify;
  SSL_CTX* ctx = context->ctx_;
  SSL_CTX_set_verify(ctx, options.verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
  if (!options.ca_file.empty() || !options.ca_path.empty()) {
    const char* file = options.ca_file.empty() ? nullptr : options.ca_file.c_str();
    const char* path = options.ca_path.empty() ? nullptr : options.ca_path.c_str();
    if (SSL_CTX_load_verify_locations(ctx, file, path) != 1) {
      throw_context_error("TLS client context: loading CA certificates from '" +
                          (file ? options.ca_file : options.ca_path) + "'");
    }
  } else if (options.verify && SSL_CTX_set_default_verify_paths(ctx) != 1) {
    throw_context_error("TLS client context: loading the system CA certificates");
  }
  if (!options.cert_file.empty()) {
    load_certificate(ctx, options.cert_file, options.key_file, "client");
  } else if (!options.key_file.empty()) {
    throw std::invalid_argument("TlsClientOptions: key_file without cert_file");
  }
  if (!options.alpn.empty()) {
    const auto wire = alpn_wire_format(options.alpn);
    // Returns 0 on success, unlike the rest of OpenSSL.
    if (SSL_CTX_set_alpn_protos(ctx, wire.data(), static_cast<unsigned int>(wire.size())) != 0) {
      throw_context_error("TLS client context: setting ALPN protocols");
    }
  }
  return context;
}

std::shared_ptr<TlsContext> TlsContext::server(TlsServerOptions options) {
  if (options.cert_file.empty()) {
    throw std::invalid_argument("TlsContext::server needs TlsServerOptions::cert_file");
  }
  if (options.require_client_cert && options.ca_file.empty()) {
    throw std::invalid_argument(
        "TlsServerOptions: require_client_cert needs ca_file to check client certificates");
  }
  std::shared_ptr<TlsContext> context(new TlsContext());
  context->ctx_ = new_context(TLS_server_method(), "server");
  context->server_ = true;
  context->verify_ = !options.ca_file.empty();
  SSL_CTX* ctx = context->ctx_;
  load_certificate(ctx, options.cert_file, options.key_file, "server");
  // Sessions resumed on a context that checks client certificates need an id context.
  static constexpr unsigned char kSessionContext[] = "corio";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
  int mode = SSL_VERIFY_NONE;
  if (!options.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr) != 1) {
      throw_context_error("TLS server context: loading client CA certificates from '" +
                          options.ca_file + "'");
    }
    // The names sent in the CertificateRequest, so clients pick a matching certificate.
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options.ca_file.c_str());
    if (names == nullptr) {
      throw_context_error("TLS server context: reading CA names from '" + options.ca_file + "'");
    }
    SSL_CTX_set_client_CA_list(ctx, names);
    mode = SSL_VERIFY_PEER;
    if (options.require_client_cert) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  }
  SSL_CTX_set_verify(ctx, mode, nullptr);
  if (!options.alpn.empty()) {
    context->alpn_ = alpn_wire_format(options.alpn);
    SSL_CTX_set_alpn_select_cb(ctx, &select_alpn, &context->alpn_);
  }
  return context;
}

}  // namespace corio::net
