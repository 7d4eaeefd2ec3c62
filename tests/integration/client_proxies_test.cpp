// tests/integration/client_proxies_test.cpp — AsyncClient's proxy= through real proxies on
// 127.0.0.1 to a real nginx (plain and TLS): tinyproxy (plain http in absolute form, https
// through CONNECT, Basic proxy authentication) and microsocks (SOCKS5 with RFC 1929
// credentials, names resolved by the proxy).
#include <gtest/gtest.h>

#include <corio/corio.hpp>
#include <corio/http.hpp>

#include <fstream>
#include <string>

#include "nginx_fixture.hpp"
#include "proxy_peers.hpp"
#include "test_certificates.hpp"

using corio::http::AsyncClient;
using corio::http::ClientOptions;
using corio::http::Response;
using corio_test::Microsocks;
using corio_test::test_file;
using corio_test::Tinyproxy;

namespace {

const auto* const g_certificates =
    ::testing::AddGlobalTestEnvironment(new corio_test::CertificateEnvironment);

class ClientThroughProxies : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(nginx_.root_dir() / "hello.txt") << "hello through a proxy\n";
    nginx_.start("", "  server {\n    listen 127.0.0.1:" + std::to_string(nginx_.tls_port()) +
                         " ssl;\n    ssl_certificate " + test_file("server.crt") +
                         ";\n    ssl_certificate_key " + test_file("server.key") + ";\n    root " +
                         nginx_.root_dir().string() + ";\n  }\n");
  }

  [[nodiscard]] std::string http_url() const {
    return "http://127.0.0.1:" + std::to_string(nginx_.port()) + "/hello.txt";
  }
  [[nodiscard]] std::string https_url() const {
    return "https://localhost:" + std::to_string(nginx_.tls_port()) + "/hello.txt";
  }

  static ClientOptions through(std::string proxy) {
    ClientOptions options;
    options.proxy = std::move(proxy);
    options.ca_file = test_file("ca.crt");
    return options;
  }

  corio::testing::Nginx nginx_;
};

}  // namespace

TEST_F(ClientThroughProxies, PlainHttpGoesThroughTinyproxyInAbsoluteForm) {
  Tinyproxy proxy(nginx_.tls_port(), /*with_auth=*/false);
  corio::run([&]() -> corio::Task<> {
    AsyncClient client(through("http://127.0.0.1:" + std::to_string(proxy.port)));
    Response response = co_await client.get(http_url());
    EXPECT_EQ(response.text(), "hello through a proxy\n");
    EXPECT_NE(response.headers.get("via").value_or("").find("tinyproxy"), std::string::npos);
  });
}

TEST_F(ClientThroughProxies, TinyproxyCredentialsTravelInProxyAuthorization) {
  Tinyproxy proxy(nginx_.tls_port());
  corio::run([&]() -> corio::Task<> {
    AsyncClient anonymous(through("http://127.0.0.1:" + std::to_string(proxy.port)));
    EXPECT_EQ((co_await anonymous.get(http_url())).status_code, 407);
    AsyncClient client(through("http://user:pass@127.0.0.1:" + std::to_string(proxy.port)));
    EXPECT_EQ((co_await client.get(http_url())).text(), "hello through a proxy\n");
  });
}

TEST_F(ClientThroughProxies, HttpsGoesThroughTinyproxyWithConnect) {
  Tinyproxy proxy(nginx_.tls_port());
  corio::run([&]() -> corio::Task<> {
    AsyncClient client(through("http://user:pass@127.0.0.1:" + std::to_string(proxy.port)));
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ((co_await client.get(https_url())).text(), "hello through a proxy\n");
    }
    AsyncClient anonymous(through("http://127.0.0.1:" + std::to_string(proxy.port)));
    try {
      (void)co_await anonymous.get(https_url());
      ADD_FAILURE() << "CONNECT without credentials succeeded";
    } catch (const corio::http::ProxyError& e) {
      EXPECT_NE(std::string(e.what()).find("407"), std::string::npos) << e.what();
    }
  });
}

TEST_F(ClientThroughProxies, Socks5CarriesHttpAndHttpsWithCredentials) {
  Microsocks proxy({"-u", "user", "-P", "secret"});
  corio::run([&]() -> corio::Task<> {
    AsyncClient client(through("socks5://user:secret@127.0.0.1:" + std::to_string(proxy.port)));
    EXPECT_EQ((co_await client.get(http_url())).text(), "hello through a proxy\n");
    EXPECT_EQ((co_await client.get(https_url())).text(), "hello through a proxy\n");
    AsyncClient wrong(through("socks5://user:nope@127.0.0.1:" + std::to_string(proxy.port)));
    EXPECT_THROW((void)co_await wrong.get(http_url()), corio::http::ProxyError);
  });
}

TEST_F(ClientThroughProxies, AProxyThatIsDownRaisesProxyError) {
  const std::uint16_t closed = corio_test::free_port();
  corio::run([&]() -> corio::Task<> {
    AsyncClient socks(through("socks5://127.0.0.1:" + std::to_string(closed)));
    EXPECT_THROW((void)co_await socks.get(https_url()), corio::http::ProxyError);
    AsyncClient http(through("http://127.0.0.1:" + std::to_string(closed)));
    EXPECT_THROW((void)co_await http.get(https_url()), corio::http::ProxyError);
  });
}
