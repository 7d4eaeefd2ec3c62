// tests/unit/net_tls_test.cpp — tests for include/corio/net/tls.hpp, against real peers on
// 127.0.0.1: `openssl s_server` and `openssl s_client` started as child processes, and corio
// talking to itself (both backends).
//
// Certificates are made once per run by the `openssl` command line tool in a temporary
// directory: a test CA, a server certificate for localhost / 127.0.0.1, one that expired in
// 2020, one for another host, one from a CA nobody trusts, and a client certificate.
// An expired certificate cannot come from `openssl req -x509 -days N` (N must be positive)
// nor from `openssl x509 -days` (3.0 has no -not_before/-not_after); `openssl ca` takes
// explicit -startdate/-enddate, so the expired one is signed with it.
#include <gtest/gtest.h>

#include <openssl/x509_vfy.h>
#include <corio/net.hpp>
#include "child_process.hpp"
#include "net_test_support.hpp"
#include "test_certificates.hpp"
#include "transport_reads.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

using corio_test::read_all;
using corio_test::read_exactly;
using namespace std::chrono_literals;
using corio::net::SocketAddress;
using corio::net::TcpListener;
using corio::net::TcpStream;
using corio::net::TlsContext;
using corio::net::TlsError;
using corio::net::TlsStream;

using corio_test::Child;
using corio_test::open_fd_count;
using corio_test::test_file;

namespace {

const auto* const g_environment =
    ::testing::AddGlobalTestEnvironment(new corio_test::CertificateEnvironment);

std::shared_ptr<TlsContext> client_context(std::vector<std::string> alpn = {}) {
  return TlsContext::client({.ca_file = test_file("ca.crt"), .alpn = std::move(alpn)});
}

std::shared_ptr<TlsContext> server_context(std::vector<std::string> alpn = {}) {
  return TlsContext::server({.cert_file = test_file("server.crt"),
                             .key_file = test_file("server.key"),
                             .alpn = std::move(alpn)});
}

// ipv6.crt / ipv6.key: a server certificate naming ::1 and nothing else, signed by the test
// CA; made on first use.
std::shared_ptr<TlsContext> ipv6_server_context() {
  static const bool made = [] {
    std::ofstream(test_file("ipv6.ext")) << "subjectAltName = IP:::1\n"
                                         << "extendedKeyUsage = serverAuth\n";
    const std::string command =
        "cd '" + corio_test::g_certificates_dir +
        "' && (openssl req -new -config openssl.cnf -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
        "-nodes -keyout ipv6.key -out ipv6.csr -subj /CN=ipv6 && openssl x509 -req -in ipv6.csr "
        "-CA ca.crt -CAkey ca.key -set_serial 6 -days 365 -extfile ipv6.ext -out ipv6.crt) "
        "> ipv6.log 2>&1";
    return std::system(command.c_str()) == 0;
  }();
  if (!made) throw std::runtime_error("cannot make ipv6.crt, see " + test_file("ipv6.log"));
  return TlsContext::server(
      {.cert_file = test_file("ipv6.crt"), .key_file = test_file("ipv6.key")});
}

std::string log_path(const char* what) {
  static int counter = 0;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return test_file(std::string(info->name()) + "-" + what + "-" + std::to_string(++counter) +
                   ".log");
}

// `openssl s_server -www` with this certificate (name.crt / name.key) and extra options.
struct OpensslServer {
  std::unique_ptr<Child> child;
  SocketAddress address;

  OpensslServer(const std::string& cert, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {"openssl", "s_server",
                                     "-accept", "127.0.0.1:0",
                                     "-cert",   test_file(cert + ".crt"),
                                     "-key",    test_file(cert + ".key"),
                                     "-www"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    child = std::make_unique<Child>(argv, log_path("s_server"));
    const std::uint16_t port = child->accept_port();
    if (port == 0) throw std::runtime_error("s_server did not start:\n" + child->log_text());
    address = SocketAddress::parse("127.0.0.1", port);
  }
};

// ---------------------------------------------------------------------------------------
// Helpers that run on the loop
//
// g++ 12 mishandles two kinds of temporaries inside a co_await expression, so this file
// builds them beforehand: an aggregate with a destructor (an options struct with a string,
// braced or as a default argument) is destroyed twice, and an initializer list of strings
// does not compile ("array used as initializer").

std::span<std::byte> bytes(std::string& s) {
  return std::as_writable_bytes(std::span(s));
}

corio::Task<TlsStream> connect_tls(SocketAddress address, std::shared_ptr<TlsContext> context,
                                   std::string hostname = "localhost") {
  auto tcp = co_await TcpStream::connect(address);
  corio::net::TlsConnectOptions options{.server_hostname = std::move(hostname),
                                        .handshake_timeout = 5s};
  co_return co_await TlsStream::connect(std::move(tcp), std::move(context), std::move(options));
}

// s_server -www answers "GET /" with a status page and closes.
corio::Task<std::string> fetch_status_page(TlsStream& tls) {
  co_await tls.write_all("GET / HTTP/1.0\r\n\r\n");
  co_return co_await read_all(tls);
}

struct Failure {
  std::string message;
  long verify_result = -1;
};

// Connects and expects the handshake to fail with TlsError.
corio::Task<Failure> handshake_failure(SocketAddress address, std::shared_ptr<TlsContext> context,
                                       std::string hostname = "localhost") {
  try {
    TlsStream tls = co_await connect_tls(address, std::move(context), std::move(hostname));
    co_return Failure{"handshake succeeded, protocol " + tls.tls_version()};
  } catch (const TlsError& e) {
    co_return Failure{e.what(), e.verify_result()};
  }
}

// A connected corio client and corio server.
corio::Task<std::pair<TlsStream, TlsStream>> tls_pair(TcpListener& listener,
                                                      std::shared_ptr<TlsContext> client,
                                                      std::shared_ptr<TlsContext> server) {
  auto accepting = corio::spawn([&listener, server]() -> corio::Task<TlsStream> {
    auto tcp = co_await listener.accept();
    co_return co_await TlsStream::accept(std::move(tcp), server, {.handshake_timeout = 5s});
  });
  TlsStream client_side = co_await connect_tls(listener.local_address(), std::move(client));
  TlsStream server_side = co_await accepting;
  co_return std::pair{std::move(client_side), std::move(server_side)};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// corio client, openssl s_server

TEST(TlsClient, NegotiatesAlpnWithAnOpensslServerAndReadsItsPage) {
  OpensslServer server("server", {"-alpn", "h2,http/1.1"});
  corio::run([&]() -> corio::Task<> {
    auto context = client_context({"h2", "http/1.1"});
    TlsStream tls = co_await connect_tls(server.address, context);
    EXPECT_EQ(tls.alpn_protocol(), "h2");
    EXPECT_EQ(tls.tls_version(), "TLSv1.3");
    EXPECT_FALSE(tls.cipher().empty());
    EXPECT_EQ(tls.server_hostname(), "localhost");
    EXPECT_EQ(tls.peer_certificate_subject(), "CN=server");
    EXPECT_EQ(tls.peer_address(), server.address);
    EXPECT_FALSE(tls.is_server());
    const std::string page = co_await fetch_status_page(tls);
    EXPECT_TRUE(page.starts_with("HTTP/1.0 200 ok")) << page.substr(0, 200);
    EXPECT_TRUE(tls.eof_was_clean());  // s_server ends its page with close_notify
    co_await tls.aclose();             // ... and waits for ours before it serves anyone else
    EXPECT_FALSE(tls.is_open());
  });
}

// s_server shows its certificate for "localhost" only to clients that ask for that name by
// SNI; everyone else gets the wrong-host one and fails the name check.
TEST(TlsClient, SendsTheServerNameBySni) {
  OpensslServer server("wrong_host", {"-servername", "localhost", "-cert2", test_file("server.crt"),
                                      "-key2", test_file("server.key")});
  corio::run([&]() -> corio::Task<> {
    TlsStream tls = co_await connect_tls(server.address, client_context());
    EXPECT_EQ(tls.peer_certificate_subject(), "CN=server");
    co_await tls.aclose();
  });
}

TEST(TlsClient, RejectsAnExpiredCertificateAndSaysSo) {
  OpensslServer server("expired");
  corio::run([&]() -> corio::Task<> {
    const Failure failure = co_await handshake_failure(server.address, client_context());
    EXPECT_TRUE(contains(failure.message, "certificate verify failed: certificate has expired"))
        << failure.message;
    EXPECT_TRUE(contains(failure.message, "TLS handshake with " + server.address.to_string() +
                                              " (localhost) failed"))
        << failure.message;
    EXPECT_EQ(failure.verify_result, X509_V_ERR_CERT_HAS_EXPIRED);
  });
}

TEST(TlsClient, RejectsACertificateForAnotherHostAndSaysSo) {
  OpensslServer server("wrong_host");
  corio::run([&]() -> corio::Task<> {
    const Failure failure = co_await handshake_failure(server.address, client_context());
    EXPECT_TRUE(contains(failure.message, "certificate verify failed: hostname mismatch"))
        << failure.message;
    EXPECT_EQ(failure.verify_result, X509_V_ERR_HOSTNAME_MISMATCH);
  });
}

// OpenSSL reads a name with a leading dot as "any subdomain of": ".example" would accept
// wrong.example's certificate. Python's ssl refuses such a server_hostname (ValueError).
TEST(TlsClient, RefusesAServerHostnameWithALeadingDot) {
  OpensslServer server("wrong_host");
  corio::run([&]() -> corio::Task<> {
    EXPECT_THROW(co_await connect_tls(server.address, client_context(), ".example"),
                 std::invalid_argument);
  });
}

TEST(TlsClient, RejectsACertificateFromAnUnknownCaAndSaysSo) {
  OpensslServer server("unknown_ca");
  corio::run([&]() -> corio::Task<> {
    const Failure failure = co_await handshake_failure(server.address, client_context());
    EXPECT_TRUE(contains(failure.message,
                         "certificate verify failed: unable to get local issuer certificate"))
        << failure.message;
    EXPECT_EQ(failure.verify_result, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  });
}

// Without ca_file the system bundle is used, and it does not know the test CA: the custom CA
// file is what made the other tests pass.
TEST(TlsClient, TrustsTheSystemBundleByDefaultAndTheCaFileWhenGiven) {
  OpensslServer server("server");
  corio::run([&]() -> corio::Task<> {
    const Failure failure = co_await handshake_failure(server.address, TlsContext::client());
    EXPECT_TRUE(contains(failure.message, "unable to get local issuer certificate"))
        << failure.message;
    TlsStream tls = co_await connect_tls(server.address, client_context());
    EXPECT_TRUE(tls.is_open());
    co_await tls.aclose();
  });
}

TEST(TlsClient, AcceptsAnyCertificateWithVerificationOff) {
  OpensslServer server("expired");
  corio::run([&]() -> corio::Task<> {
    auto unverified = TlsContext::client({.verify = false});
    TlsStream tls = co_await connect_tls(server.address, unverified, "");
    EXPECT_EQ(tls.peer_certificate_subject(), "CN=expired");
    EXPECT_TRUE((co_await fetch_status_page(tls)).starts_with("HTTP/1.0 200 ok"));
  });
}

// No server_hostname: the certificate must name the peer's IP address instead.
TEST(TlsClient, ChecksThePeerIpAddressWhenNoHostnameIsGiven) {
  OpensslServer good("server");
  OpensslServer wrong("wrong_host");
  corio::run([&]() -> corio::Task<> {
    TlsStream tls = co_await connect_tls(good.address, client_context(), "");
    EXPECT_EQ(tls.server_hostname(), "");
    co_await tls.aclose();  // s_server serves one connection at a time
    TlsStream by_literal = co_await connect_tls(good.address, client_context(), "127.0.0.1");
    EXPECT_TRUE(by_literal.is_open());
    const Failure failure = co_await handshake_failure(wrong.address, client_context(), "");
    EXPECT_TRUE(contains(failure.message, "IP address mismatch")) << failure.message;
  });
}

// A scoped IPv6 peer, as every link-local one is (fe80::1%eth0); here ::1%lo, which the
// kernel connects whatever the zone. The certificate names the address without its zone,
// and OpenSSL refuses the zone in the address to check.
TEST(TlsClient, ChecksAScopedIpv6PeerAgainstItsAddressWithoutTheZone) {
  auto ipv6_server = ipv6_server_context();
  corio::run([&]() -> corio::Task<> {
    auto listener = TcpListener::bind(SocketAddress::parse("::1", 0));
    const SocketAddress scoped = SocketAddress::parse("::1%lo", listener.local_address().port());
    // Accepts one connection with `context`; false if its handshake fails.
    auto serve_one = [&listener](std::shared_ptr<TlsContext> context) -> corio::Task<bool> {
      auto tcp = co_await listener.accept();
      try {
        (void)co_await TlsStream::accept(std::move(tcp), context, {.handshake_timeout = 5s});
        co_return true;
      } catch (const TlsError&) {
        co_return false;
      }
    };
    for (const std::string hostname : {"", "::1%lo", "[::1%lo]"}) {
      auto serving = corio::spawn(serve_one(ipv6_server));
      TlsStream client = co_await connect_tls(scoped, client_context(), hostname);
      EXPECT_EQ(client.peer_certificate_subject(), "CN=ipv6") << hostname;
      EXPECT_TRUE(co_await serving) << hostname;
    }
    // Checked, not skipped: the localhost certificate does not name ::1.
    auto serving = corio::spawn(serve_one(server_context()));
    const Failure failure = co_await handshake_failure(scoped, client_context(), "");
    EXPECT_TRUE(contains(failure.message, "IP address mismatch")) << failure.message;
    EXPECT_FALSE(co_await serving);
  });
}

TEST(TlsClient, PresentsAClientCertificateWhenTheServerRequiresOne) {
  OpensslServer server("server", {"-Verify", "1", "-CAfile", test_file("ca.crt")});
  corio::run([&]() -> corio::Task<> {
    auto with_certificate = TlsContext::client({.ca_file = test_file("ca.crt"),
                                                .cert_file = test_file("client.crt"),
                                                .key_file = test_file("client.key")});
    TlsStream tls = co_await connect_tls(server.address, with_certificate);
    EXPECT_TRUE((co_await fetch_status_page(tls)).starts_with("HTTP/1.0 200 ok"));
    co_await tls.aclose();  // s_server serves one connection at a time

    // Without one, TLS 1.3 finishes the client's handshake first; the server's alert arrives
    // with the first read.
    std::string message;
    try {
      TlsStream anonymous = co_await connect_tls(server.address, client_context());
      co_await fetch_status_page(anonymous);
    } catch (const TlsError& e) {
      message = e.what();
    }
    EXPECT_TRUE(contains(message, "certificate required")) << message;
  });
}

// OpenSSL 3 still speaks TLS 1.1 at security level 0; the check proves the server really
// offers it before proving that corio refuses it.
TEST(TlsClient, RefusesAServerLimitedToTls11) {
  OpensslServer server("server", {"-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"});
  Child probe({"openssl", "s_client", "-connect", server.address.to_string(), "-tls1_1", "-cipher",
               "DEFAULT@SECLEVEL=0"},
              log_path("s_client"));
  probe.wait_exit(5s);
  if (!contains(probe.log_text(), "Protocol  : TLSv1.1")) {
    GTEST_SKIP() << "the local OpenSSL does not speak TLS 1.1 at all:\n" << probe.log_text();
  }
  corio::run([&]() -> corio::Task<> {
    const Failure failure = co_await handshake_failure(server.address, client_context());
    EXPECT_TRUE(contains(failure.message, "protocol version") ||
                contains(failure.message, "unsupported protocol"))
        << failure.message;
  });
}

// ---------------------------------------------------------------------------------------
// corio server, openssl s_client

TEST(TlsServer, EchoesToAnOpensslClientAndClosesCleanly) {
  Child* client = nullptr;
  std::unique_ptr<Child> owner;
  corio::run([&]() -> corio::Task<> {
    auto listener = TcpListener::bind(SocketAddress::parse("127.0.0.1", 0));
    owner = std::make_unique<Child>(
        std::vector<std::string>{
            "openssl", "s_client", "-connect", listener.local_address().to_string(), "-CAfile",
            test_file("ca.crt"), "-verify_return_error", "-verify_hostname", "localhost",
            "-servername", "localhost", "-alpn", "http/1.1,h2", "-quiet"},
        log_path("s_client"), true);
    client = owner.get();
    client->write_stdin("hello corio\n");
    client->close_stdin();
    auto context = server_context({"h2", "http/1.1"});
    TlsStream tls =
        co_await TlsStream::accept(co_await listener.accept(), context, {.handshake_timeout = 5s});
    EXPECT_TRUE(tls.is_server());
    EXPECT_EQ(tls.alpn_protocol(), "h2");
    EXPECT_EQ(tls.server_hostname(), "localhost");
    EXPECT_EQ(tls.peer_certificate_subject(), "");
    const std::string line = co_await read_exactly(tls, 12);
    EXPECT_EQ(line, "hello corio\n");
    co_await tls.write_all("echo: " + line);
    co_await tls.aclose();
  });
  // s_client leaves when it reads our close_notify.
  EXPECT_NE(client->wait_exit(5s), -1) << "s_client did not see the end of the stream";
  EXPECT_TRUE(contains(client->log_text(), "echo: hello corio")) << client->log_text();
}

// ---------------------------------------------------------------------------------------
// corio client, corio server

// "localhost." is the fully qualified spelling of localhost: SNI carries it without the dot
// (RFC 6066 section 3) and the certificate is checked against that, as curl does.
TEST(TlsStream, AFullyQualifiedNameIsSentAndCheckedWithoutItsTrailingDot) {
  corio::run([]() -> corio::Task<> {
    auto listener = TcpListener::bind(SocketAddress::parse("127.0.0.1", 0));
    auto accepting = corio::spawn([&listener]() -> corio::Task<TlsStream> {
      auto tcp = co_await listener.accept();
      co_return co_await TlsStream::accept(std::move(tcp), server_context(),
                                           {.handshake_timeout = 5s});
    });
    TlsStream client =
        co_await connect_tls(listener.local_address(), client_context(), "localhost.");
    TlsStream server = co_await accepting;
    EXPECT_EQ(client.server_hostname(), "localhost.");
    EXPECT_EQ(server.server_hostname(), "localhost");
  });
}

TEST(TlsStream, ServerPicksItsPreferredAlpnProtocol) {
  corio::run([]() -> corio::Task<> {
    auto listener = TcpListener::bind(SocketAddress::parse("127.0.0.1", 0));
    auto client_prefers_h2 = client_context({"h2", "http/1.1"});
    auto server_prefers_http1 = server_context({"http/1.1", "h2"});
    auto [client, server] = co_await tls_pair(listener, client_prefers_h2, server_prefers_http1);
    EXPECT_EQ(client.alpn_protocol(), "http/1.1");
    EXPECT_EQ(server.alpn_protocol(), "http/1.1");
    EXPECT_EQ(server.server_hostname(), "localhost");
    co_await client.write_all("ping");
    EXPECT_EQ(co_await read_exactly(server, 4), "ping");

    auto only_spdy = client_context({"spdy/1"});
    auto only_h2 = server_context({"h2"});
    auto [plain_client, plain_server] = co_await tls_pair(listener, only_spdy, only_h2);
    EXPECT_EQ(plain_client.alpn_protocol(), "");
    EXPECT_EQ(plain_server.alpn_protocol(), "");
  });
}

TEST(TlsStream, ServerChecksAClientCertificate) {
  corio::run([]() -> corio::Task<> {
    auto listener = TcpListener::bind(SocketAddress::parse("127.0.0.1", 0));
    auto strict = TlsContext::server({.cert_file = test_file("server.crt"),
                                      .key_file = test_file("server.key"),
                                      .ca_file = test_file("ca.crt"),
                                      .require_client_cert = true});
    auto with_certificate = TlsContext::client({.ca_file = test_file("ca.crt"),
                                                .cert_file = test_file("client.crt"),
                                                .key_file = test_file("client.key")});
    auto [client, server] = co_await tls_pair(listener, with_certificate, strict);
    EXPECT_EQ(server.peer_certificate_subject(), "CN=client");
    EXPECT_EQ(client.peer_certificate_subject(), "CN=server");
  });
}

TEST(TlsStream, AcloseSendsCloseNotifyAndCloseDoesNot) {
  corio::run([]() -> corio::Task<> {
    auto listener = TcpListener::bind(SocketAddress::parse("127.0.0.1", 0));
    {
      auto [client, server] = co_await tls_pair(listener, client_context(), server_context());
      // Reading drains the server's session tickets too: a socket closed with unread input
      // sends RST instead of FIN.
      co_await server.write_all("hi");
      EXPECT_EQ(co_await read_exactly(client, 2), "hi");
      co_await client.write_all("bye");
      co_await client.aclose();
      EXPECT_FALSE(client.is_open());
      co_await client.aclose();  // idempotent
      EXPECT_EQ(co_await read_all(server), "bye");
      EXPECT_TRUE(server.eof_was_clean());
      std::string buffer(8, '\0');
      EXPECT_EQ(co_await server.read_some(bytes(buffer)), 0u);  // EOF stays EOF
    }
    {
      auto [client, server] = co_await tls_pair(listener, client_context(), server_context());
      co_await server.write_all("hi");
      EXPECT_EQ(co_await read_exactly(client, 2), "hi");
      co_await client.write_all("cut");
      client.close();
      // Bounded: if the backend kept the closed socket alive, the FIN would never come.
      EXPECT_EQ(co_await corio::wait_for(read_all(server), 5s), "cut");
      EXPECT_FALSE(server.eof_was_clean());
      std::string buffer(4, '\0');
      EXPECT_EQ(co_await client.read_some(bytes(buffer)), 0u);  // closed here: over
      EXPECT_THROW(co_await client.write_all("more"), corio::net::BrokenPipeError);
    }
  });
}

// write_now() sends whole records at once; when the socket fills, the bytes OpenSSL kept are
// offered again by the write that follows, and every byte arrives once, in order.
TEST(TlsStream, WriteNowSendsRecordsAtOnceAndAFullSocketLosesNothing) {
  corio::run([]() -> corio::Task<> {
    auto listener = TcpListener::bind(SocketAddress::parse("127.0.0.1", 0));
    auto [client, server] = co_await tls_pair(listener, client_context(), server_context());
    co_await server.write_all("hi");
    EXPECT_EQ(co_await read_exactly(client, 2), "hi");  // takes in the session tickets
    const std::string_view small = "sent at once";
    EXPECT_EQ(client.write_now(std::as_bytes(std::span(small))), small.size());
    EXPECT_EQ(co_await read_exactly(server, small.size()), small);
    std::string all;
    for (int i = 0; all.size() < (64u << 20); ++i)
      all.append(std::string(4000, char('a' + i % 26)));
    std::string_view rest = all;
    bool full = false;
    while (!rest.empty() && !full) {  // the server reads nothing: the socket fills up
      const std::size_t n = client.write_now(std::as_bytes(std::span(rest)));
      full = n == 0;
      rest.remove_prefix(n);
    }
    EXPECT_TRUE(full) << "64 MiB went out without the socket filling";
    auto reader = corio::spawn(read_exactly(server, all.size()));
    co_await client.write_all(rest);  // the same bytes again first
    EXPECT_TRUE((co_await reader) == all);
    client.close();
    EXPECT_EQ(client.write_now(std::as_bytes(std::span(small))), 0u);
  });
}

// Records OpenSSL read ahead count as unread input, as bytes still in the socket do.
TEST(TlsStream, IsReadableSeesRecordsOpensslHoldsAndTheClosingAlert) {
  corio::run([]() -> corio::Task<> {
    auto listener = TcpListener::bind(SocketAddress::parse("127.0.0.1", 0));
    auto [client, server] = co_await tls_pair(listener, client_context(), server_context());
    co_await server.write_all("hi");
    EXPECT_EQ(co_await read_exactly(client, 2), "hi");  // takes in the session tickets too
    EXPECT_FALSE(client.is_readable());
    co_await server.write_all("ab");  // two records
    co_await server.write_all("cd");
    co_await corio::sleep(20ms);
    EXPECT_TRUE(client.is_readable());
    EXPECT_EQ(co_await read_exactly(client, 2), "ab");  // "cd" is read ahead, in OpenSSL
    EXPECT_TRUE(client.is_readable());
    EXPECT_EQ(co_await read_exactly(client, 2), "cd");
    EXPECT_FALSE(client.is_readable());
    co_await server.aclose();  // close_notify, then FIN
    co_await corio::sleep(20ms);
    EXPECT_TRUE(client.is_readable());
    client.close();
    EXPECT_TRUE(client.is_readable());
  });
}

TEST(TlsStream, LargeTransferKeepsEveryByteWhileReadingAndWritingConcurrently) {
  corio::run([]() -> corio::Task<> {
    auto listener = TcpListener::bind(SocketAddress::parse("127.0.0.1", 0));
    auto streams = co_await tls_pair(listener, client_context(), server_context());
    TlsStream& client = streams.first;
    TlsStream& server = streams.second;
    std::string payload(4 << 20, '\0');
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 31 % 251);
    auto echo = corio::spawn([&server, size = payload.size()]() -> corio::Task<> {
      std::string buffer(65536, '\0');
      for (std::size_t done = 0; done < size;) {
        const std::size_t n = co_await server.read_some(bytes(buffer));
        if (n == 0) break;
        co_await server.write_all(std::string_view(buffer.data(), n));
        done += n;
      }
    });
    auto writer = corio::spawn(
        [&client, &payload]() -> corio::Task<> { co_await client.write_all(payload); });
    const std::string echoed = co_await read_exactly(client, payload.size());
    co_await writer;
    co_await echo;
    EXPECT_TRUE(echoed == payload) << "echoed " << echoed.size() << " bytes";
  });
}

// asyncio's start_tls: the connection speaks in clear first, then both ends upgrade it.
TEST(TlsStream, StartTlsUpgradesAConnectionAlreadyInUse) {
  corio::run([]() -> corio::Task<> {
    auto listener = TcpListener::bind(SocketAddress::parse("127.0.0.1", 0));
    auto server = corio::spawn([&listener]() -> corio::Task<std::string> {
      TcpStream tcp = co_await listener.accept();
      const std::string request = co_await read_exactly(tcp, 9);
      co_await tcp.write_all("GO\n");
      TlsStream tls = co_await TlsStream::accept(std::move(tcp), server_context());
      const std::string secret = co_await read_exactly(tls, 6);
      co_await tls.write_all("got " + secret);
      co_await tls.aclose();
      co_return request;
    });
    TcpStream tcp = co_await TcpStream::connect(listener.local_address());
    co_await tcp.write_all("STARTTLS\n");
    EXPECT_EQ(co_await read_exactly(tcp, 3), "GO\n");
    const corio::net::TlsConnectOptions options{.server_hostname = "localhost"};
    TlsStream tls = co_await TlsStream::connect(std::move(tcp), client_context(), options);
    co_await tls.write_all("secret");
    EXPECT_EQ(co_await read_all(tls), "got secret");
    EXPECT_TRUE(tls.eof_was_clean());
    EXPECT_EQ(co_await server, "STARTTLS\n");
  });
}

TEST(TlsStream, RunsOverAUnixSocketPair) {
  corio::run([]() -> corio::Task<> {
    auto sockets = corio::net::UnixStream::pair();
    auto server = corio::spawn([&sockets]() -> corio::Task<> {
      TlsStream tls = co_await TlsStream::accept(std::move(sockets.second), server_context());
      co_await tls.write_all(co_await read_exactly(tls, 5));
    });
    const corio::net::TlsConnectOptions options{.server_hostname = "localhost"};
    TlsStream tls =
        co_await TlsStream::connect(std::move(sockets.first), client_context(), options);
    co_await tls.write_all("unix!");
    EXPECT_EQ(co_await read_exactly(tls, 5), "unix!");
    co_await server;

    // A Unix peer has no IP address: a verifying client needs a name to check.
    auto more = corio::net::UnixStream::pair();
    EXPECT_THROW(co_await TlsStream::connect(std::move(more.first), client_context()),
                 std::invalid_argument);
  });
}

TEST(TlsStream, HasNoHalfCloseAndMovesCleanly) {
  corio::run([]() -> corio::Task<> {
    auto listener = TcpListener::bind(SocketAddress::parse("127.0.0.1", 0));
    auto [client, server] = co_await tls_pair(listener, client_context(), server_context());
    EXPECT_FALSE(client.can_write_eof());
    try {
      client.write_eof();
      ADD_FAILURE() << "write_eof did not throw";
    } catch (const corio::net::NetworkError& e) {
      EXPECT_EQ(e.code().value(), ENOTSUP);
    }
    TlsStream moved = std::move(client);
    EXPECT_FALSE(client.is_open());  // NOLINT(bugprone-use-after-move): documented state
    EXPECT_TRUE(client.peer_address().empty());
    EXPECT_TRUE(moved.is_open());
    EXPECT_EQ(moved.local_address(), server.peer_address());
    co_await moved.write_all("moved");
    EXPECT_EQ(co_await read_exactly(server, 5), "moved");
  });
}

TEST(TlsContext, ReportsUnusableFilesAndOptions) {
  try {
    TlsContext::client({.ca_file = test_file("missing.pem")});
    ADD_FAILURE() << "a missing CA file was accepted";
  } catch (const TlsError& e) {
    EXPECT_TRUE(contains(e.what(), "missing.pem")) << e.what();
  }
  try {
    TlsContext::server({.cert_file = test_file("server.crt"), .key_file = test_file("client.key")});
    ADD_FAILURE() << "a key for another certificate was accepted";
  } catch (const TlsError& e) {
    EXPECT_TRUE(contains(e.what(), "client.key") && contains(e.what(), "mismatch")) << e.what();
  }
  EXPECT_THROW(TlsContext::server({}), std::invalid_argument);
  EXPECT_THROW(TlsContext::server({.cert_file = test_file("server.crt"),
                                   .key_file = test_file("server.key"),
                                   .require_client_cert = true}),
               std::invalid_argument);
  EXPECT_THROW(TlsContext::client({.alpn = {""}}), std::invalid_argument);
  EXPECT_THROW(TlsContext::client({.alpn = {std::string(256, 'x')}}), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------
// Timeouts and cancellation

// The kernel completes the TCP handshake for a listener that never accepts; nobody answers
// the ClientHello.
TEST(TlsStream, HandshakeTimesOutAgainstAPeerThatNeverAnswers) {
  const int before = open_fd_count();
  corio::run([]() -> corio::Task<> {
    auto listener = TcpListener::bind(SocketAddress::parse("127.0.0.1", 0));
    TcpStream tcp = co_await TcpStream::connect(listener.local_address());
    const corio::net::TlsConnectOptions options{.server_hostname = "localhost",
                                                .handshake_timeout = 200ms};
    try {
      co_await TlsStream::connect(std::move(tcp), client_context(), options);
      ADD_FAILURE() << "the handshake finished";
    } catch (const corio::TimeoutError& e) {
      EXPECT_TRUE(contains(e.what(), "TLS handshake with " + listener.local_address().to_string() +
                                         " (localhost) timed out after 200 ms"))
          << e.what();
    }
  });
  EXPECT_EQ(open_fd_count(), before);
}

TEST(TlsStream, CancellingAHandshakeOrAReadLeaksNothing) {
  const int before = open_fd_count();
  corio::run([]() -> corio::Task<> {
    auto listener = TcpListener::bind(SocketAddress::parse("127.0.0.1", 0));

    // Client handshake: cancelled once its ClientHello is out.
    auto connecting = corio::spawn([&listener]() -> corio::Task<> {
      co_await connect_tls(listener.local_address(), client_context());
    });
    TcpStream silent = co_await listener.accept();
    std::string hello(4096, '\0');
    EXPECT_GT(co_await silent.read_some(bytes(hello)), 0u);
    connecting.cancel();
    EXPECT_THROW(co_await connecting, corio::CancelledError);

    // Server handshake: cancelled while it waits for a ClientHello that never comes.
    bool accepted = false;
    auto accepting = corio::spawn([&listener, &accepted]() -> corio::Task<> {
      TcpStream tcp = co_await listener.accept();
      accepted = true;
      co_await TlsStream::accept(std::move(tcp), server_context());
    });
    TcpStream quiet = co_await TcpStream::connect(listener.local_address());
    for (int i = 0; i < 100000 && !accepted; ++i) co_await corio::yield_now();
    EXPECT_TRUE(accepted);
    accepting.cancel();
    EXPECT_THROW(co_await accepting, corio::CancelledError);

    // A read: cancelled while parked; the stream goes on and loses nothing.
    auto [client, server] = co_await tls_pair(listener, client_context(), server_context());
    std::string buffer(64, '\0');
    auto reading = corio::spawn(client.read_some(bytes(buffer)));
    co_await corio::yield_now();
    EXPECT_FALSE(reading.done());
    reading.cancel();
    EXPECT_THROW(co_await reading, corio::CancelledError);
    co_await server.write_all("still here");
    EXPECT_EQ(co_await read_exactly(client, 10), "still here");
  });
  EXPECT_EQ(open_fd_count(), before);
}

TEST(TlsStream, DestroyingAStreamEndsTheReadParkedOnIt) {
  corio::run([]() -> corio::Task<> {
    auto listener = TcpListener::bind(SocketAddress::parse("127.0.0.1", 0));
    auto streams = co_await tls_pair(listener, client_context(), server_context());
    auto client = std::make_unique<TlsStream>(std::move(streams.first));
    // Take in the session tickets first, so that nothing wakes the reader below.
    co_await streams.second.write_all("hi");
    EXPECT_EQ(co_await read_exactly(*client, 2), "hi");
    std::string buffer(16, '\0');
    auto reading = corio::spawn(client->read_some(bytes(buffer)));
    co_await corio::yield_now();
    EXPECT_FALSE(reading.done());
    client.reset();
    EXPECT_EQ(co_await reading, 0u);
  });
}

// OpenSSL may have to read while writing or write while reading (a TLS 1.3 KeyUpdate, an
// alert); the task that needs a direction someone else already waits on queues behind it.
// Two readers reach that queue the ordinary way.
TEST(TlsStream, ATaskWaitingBehindAnotherForTheSocketIsWokenWithIt) {
  corio::run([]() -> corio::Task<> {
    auto listener = TcpListener::bind(SocketAddress::parse("127.0.0.1", 0));
    auto streams = co_await tls_pair(listener, client_context(), server_context());
    TlsStream& client = streams.first;
    TlsStream& server = streams.second;
    co_await server.write_all("-");  // the session tickets come in with it
    EXPECT_EQ(co_await read_exactly(client, 1), "-");
    auto reader = [&client]() -> corio::Task<std::string> {
      std::string buffer(16, '\0');
      const std::size_t n = co_await client.read_some(bytes(buffer));
      co_return buffer.substr(0, n);
    };
    auto first = corio::spawn(reader);
    auto second = corio::spawn(reader);
    auto third = corio::spawn(reader);
    co_await corio::yield_now();
    third.cancel();  // leaves the queue without disturbing the others
    EXPECT_THROW(co_await third, corio::CancelledError);
    co_await server.write_all("x");
    while (!first.done() && !second.done()) co_await corio::yield_now();
    co_await server.write_all("y");
    std::string got = co_await first;
    got += co_await second;
    EXPECT_TRUE(got == "xy" || got == "yx") << got;
  });
}
