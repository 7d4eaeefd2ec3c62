// tests/integration/proxy_tunnels_test.cpp — corio::http's proxy tunnels (proxy.hpp) through
// real proxies on 127.0.0.1: microsocks (SOCKS5, with and without RFC 1929 authentication)
// and tinyproxy (HTTP CONNECT, with Basic authentication and a CONNECT port allow-list).
// Behind them: a corio echo server, and `openssl s_server -rev` (which answers each line
// reversed) for TLS run over the tunnel. Neither proxy can report the port it bound, so
// they get a port that was just free (corio_test::free_port) and the test waits for it.
// The scripted, misbehaving proxies are in tests/unit/http_proxy_test.cpp.
#include <gtest/gtest.h>
#include <unistd.h>

#include <corio/corio.hpp>
#include <corio/http/proxy.hpp>
#include <corio/net.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "proxy_peers.hpp"
#include "test_certificates.hpp"
#include "transport_reads.hpp"

using corio::http::Proxy;
using corio::http::ProxyError;
using corio::net::StreamReader;
using corio::net::StreamWriter;
using corio_test::Child;
using corio_test::Microsocks;
using corio_test::read_exactly;
using corio_test::test_file;
using corio_test::Tinyproxy;
using namespace std::chrono_literals;

namespace {

const auto* const g_certificates =
    ::testing::AddGlobalTestEnvironment(new corio_test::CertificateEnvironment);

// ---------------------------------------------------------------------------------------
// Peers

// `openssl s_server -rev` with the test CA's certificate for localhost / 127.0.0.1.
struct ReversingTlsServer {
  std::unique_ptr<Child> child;
  std::uint16_t port = 0;

  ReversingTlsServer() {
    const std::vector<std::string> argv = {"openssl", "s_server",
                                           "-accept", "127.0.0.1:0",
                                           "-cert",   test_file("server.crt"),
                                           "-key",    test_file("server.key"),
                                           "-rev"};
    child = std::make_unique<Child>(argv, test_file("s_server.log"));
    port = child->accept_port();
    if (port == 0) throw std::runtime_error("s_server did not start:\n" + child->log_text());
  }
};

// ---------------------------------------------------------------------------------------
// Helpers that run on the loop

corio::Task<> echo(StreamReader reader, StreamWriter writer) {
  for (std::string data = co_await reader.read(4096); !data.empty();
       data = co_await reader.read(4096)) {
    writer.write(data);
    co_await writer.drain();
  }
}

// An echo server on 127.0.0.1 for the length of body(port).
template <class F>
corio::Task<> with_echo_server(F body) {
  auto server = co_await corio::net::start_server(echo, "127.0.0.1", 0);
  co_await body(server.sockets().at(0).port());
  server.close_clients();
  co_await server.wait_closed();
}

// Sends `text` through a fresh tunnel to the echo server and returns what came back.
corio::Task<std::string> echo_through(const Proxy& proxy, std::string host, std::uint16_t port,
                                      std::string text) {
  auto stream = co_await corio::http::open_tunnel(proxy, std::move(host), port, 5s);
  co_await stream->write_all(text);
  std::string back = co_await read_exactly(*stream, text.size());
  co_await stream->aclose();
  co_return back;
}

// The ProxyError message open_tunnel throws, or "no exception".
corio::Task<std::string> tunnel_error(const Proxy& proxy, std::string host, std::uint16_t port) {
  std::string message = "no exception";
  try {
    (void)co_await corio::http::open_tunnel(proxy, std::move(host), port, 5s);
  } catch (const ProxyError& error) {
    message = error.what();
  }
  co_return message;
}

// Opens a tunnel to s_server, runs TLS over it (verifying the server as "localhost" against
// the test CA) and returns s_server's answer to `line`.
corio::Task<std::string> reverse_over_tls(const Proxy& proxy, std::uint16_t port,
                                          std::string line) {
  auto tunnel = co_await corio::http::open_tunnel(proxy, "127.0.0.1", port, 5s);
  corio::net::TlsClientOptions client_options;
  client_options.ca_file = test_file("ca.crt");
  auto context = corio::net::TlsContext::client(std::move(client_options));
  corio::net::TlsConnectOptions options;
  options.server_hostname = "localhost";
  auto tls =
      co_await corio::net::TlsStream::connect(std::move(tunnel), context, std::move(options));
  co_await tls.write_all(line);
  std::string back = co_await read_exactly(tls, line.size());
  co_await tls.aclose();
  co_return back;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string socks_url(const Microsocks& socks, const std::string& userinfo = "") {
  return "socks5://" + userinfo + "127.0.0.1:" + std::to_string(socks.port);
}

}  // namespace

// ---------------------------------------------------------------------------------------
// microsocks

TEST(ProxyTunnelsMicrosocks, ReachesATargetByAddress) {
  Microsocks socks;
  const Proxy proxy = Proxy::parse(socks_url(socks));
  corio::run([&]() -> corio::Task<> {
    co_await with_echo_server([&](std::uint16_t port) -> corio::Task<> {
      EXPECT_EQ(co_await echo_through(proxy, "127.0.0.1", port, "by address"), "by address");
    });
  });
}

TEST(ProxyTunnelsMicrosocks, LetsTheProxyResolveTheName) {
  Microsocks socks;
  const Proxy proxy = Proxy::parse("socks5h://127.0.0.1:" + std::to_string(socks.port));
  corio::run([&]() -> corio::Task<> {
    co_await with_echo_server([&](std::uint16_t port) -> corio::Task<> {
      EXPECT_EQ(co_await echo_through(proxy, "localhost", port, "by name"), "by name");
    });
  });
  EXPECT_TRUE(contains(socks.child->log_text(), "connected to localhost:"))
      << socks.child->log_text();
}

TEST(ProxyTunnelsMicrosocks, CarriesManyTunnelsAtOnce) {
  Microsocks socks;
  const Proxy proxy = Proxy::parse(socks_url(socks));
  corio::run([&]() -> corio::Task<> {
    co_await with_echo_server([&](std::uint16_t port) -> corio::Task<> {
      std::vector<corio::JoinHandle<std::string>> tunnels;
      for (int i = 0; i < 8; ++i) {
        tunnels.push_back(
            corio::spawn(echo_through(proxy, "127.0.0.1", port, "tunnel " + std::to_string(i))));
      }
      for (int i = 0; i < 8; ++i) {
        EXPECT_EQ(co_await tunnels[static_cast<std::size_t>(i)], "tunnel " + std::to_string(i));
      }
    });
  });
}

TEST(ProxyTunnelsMicrosocks, AuthenticatesWithPercentEncodedCredentials) {
  Microsocks socks({"-u", "alice", "-P", "p@ss word"});
  const Proxy proxy = Proxy::parse(socks_url(socks, "alice:p%40ss%20word@"));
  corio::run([&]() -> corio::Task<> {
    co_await with_echo_server([&](std::uint16_t port) -> corio::Task<> {
      EXPECT_EQ(co_await echo_through(proxy, "127.0.0.1", port, "authenticated"), "authenticated");
    });
  });
}

TEST(ProxyTunnelsMicrosocks, AWrongPasswordIsAProxyError) {
  Microsocks socks({"-u", "alice", "-P", "right"});
  const Proxy proxy = Proxy::parse(socks_url(socks, "alice:wrong@"));
  corio::run([&]() -> corio::Task<> {
    const std::string message = co_await tunnel_error(proxy, "127.0.0.1", 9);
    EXPECT_TRUE(contains(message, "rejected the username and password")) << message;
    EXPECT_FALSE(contains(message, "wrong")) << message;
  });
}

TEST(ProxyTunnelsMicrosocks, NoCredentialsForAnAuthenticatingProxyIsAProxyError) {
  Microsocks socks({"-u", "alice", "-P", "right"});
  const Proxy proxy = Proxy::parse(socks_url(socks));
  corio::run([&]() -> corio::Task<> {
    const std::string message = co_await tunnel_error(proxy, "127.0.0.1", 9);
    EXPECT_TRUE(contains(message, "accepts none of the authentication methods")) << message;
  });
}

TEST(ProxyTunnelsMicrosocks, AClosedTargetPortIsConnectionRefused) {
  Microsocks socks;
  const Proxy proxy = Proxy::parse(socks_url(socks));
  corio::run([&]() -> corio::Task<> {
    auto listener = corio::net::TcpListener::bind(corio::net::SocketAddress::parse("127.0.0.1", 0));
    const std::uint16_t closed = listener.local_address().port();
    listener.close();
    const std::string message = co_await tunnel_error(proxy, "127.0.0.1", closed);
    EXPECT_EQ(message, "SOCKS5 proxy 127.0.0.1:" + std::to_string(socks.port) +
                           " could not reach 127.0.0.1:" + std::to_string(closed) +
                           ": connection refused (reply 5)");
  });
}

TEST(ProxyTunnelsMicrosocks, RunsTlsOverTheTunnel) {
  ReversingTlsServer tls_server;
  Microsocks socks;
  const Proxy proxy = Proxy::parse(socks_url(socks));
  corio::run([&]() -> corio::Task<> {
    EXPECT_EQ(co_await reverse_over_tls(proxy, tls_server.port, "through socks\n"),
              "skcos hguorht\n");
  });
}

// ---------------------------------------------------------------------------------------
// tinyproxy

TEST(ProxyTunnelsTinyproxy, RunsTlsOverAConnectTunnel) {
  ReversingTlsServer tls_server;
  Tinyproxy tinyproxy(tls_server.port);
  const Proxy proxy = Proxy::parse("http://user:pass@127.0.0.1:" + std::to_string(tinyproxy.port));
  corio::run([&]() -> corio::Task<> {
    EXPECT_EQ(co_await reverse_over_tls(proxy, tls_server.port, "hello proxy\n"), "yxorp olleh\n");
    EXPECT_EQ(co_await reverse_over_tls(proxy, tls_server.port, "again\n"), "niaga\n");
  });
}

TEST(ProxyTunnelsTinyproxy, WithoutCredentialsTheAnswerIs407) {
  ReversingTlsServer tls_server;
  Tinyproxy tinyproxy(tls_server.port);
  const Proxy proxy = Proxy::parse("http://127.0.0.1:" + std::to_string(tinyproxy.port));
  corio::run([&]() -> corio::Task<> {
    const std::string message = co_await tunnel_error(proxy, "127.0.0.1", tls_server.port);
    EXPECT_EQ(message, "HTTP proxy 127.0.0.1:" + std::to_string(tinyproxy.port) +
                           " answered CONNECT 127.0.0.1:" + std::to_string(tls_server.port) +
                           " with 407 Proxy Authentication Required");
  });
}

TEST(ProxyTunnelsTinyproxy, APortOutsideTheAllowListIsAnswered403) {
  ReversingTlsServer tls_server;
  Tinyproxy tinyproxy(tls_server.port);
  const Proxy proxy = Proxy::parse("http://user:pass@127.0.0.1:" + std::to_string(tinyproxy.port));
  const auto other_port =
      static_cast<std::uint16_t>(tls_server.port == 65535 ? 1 : tls_server.port + 1);
  corio::run([&]() -> corio::Task<> {
    const std::string message = co_await tunnel_error(proxy, "127.0.0.1", other_port);
    EXPECT_TRUE(contains(message, "with 403 Access violation")) << message;
  });
}
