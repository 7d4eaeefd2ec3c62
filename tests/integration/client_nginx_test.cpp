// tests/integration/client_nginx_test.cpp — corio::http::AsyncClient against a real nginx on
// 127.0.0.1: static files, HEAD, gzip (chunked, as nginx sends it), keep-alive limits,
// `return 301` redirects, and HTTPS with a test CA the fixture makes.
#include <gtest/gtest.h>

#include <corio/corio.hpp>
#include <corio/http.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "nginx_fixture.hpp"
#include "test_certificates.hpp"

using corio::http::AsyncClient;
using corio::http::ClientOptions;
using corio::http::Response;
using corio_test::test_file;

namespace {

const auto* const g_certificates =
    ::testing::AddGlobalTestEnvironment(new corio_test::CertificateEnvironment);

class ClientAgainstNginx : public ::testing::Test {
 protected:
  // After a request here nginx closes the connection once it has been idle for 1 s.
  static constexpr const char* kBrief =
      "    location = /brief { keepalive_timeout 1s; return 200 \"brief\\n\"; }\n";

  void SetUp() override {
    std::ofstream(nginx_.root_dir() / "hello.txt") << "hello from nginx\n";
    text_.reserve(300000);
    for (int i = 0; text_.size() < 300000; ++i) text_ += "line " + std::to_string(i) + "\n";
    std::ofstream(nginx_.root_dir() / "big.txt", std::ios::binary) << text_;
    nginx_.start(std::string("    keepalive_requests 3;\n"
                             "    gzip on; gzip_types text/plain; gzip_min_length 1;\n"
                             "    location = /old { return 301 /hello.txt; }\n"
                             "    location = /loop { return 302 /loop; }\n") +
                     kBrief,
                 "  server {\n    listen 127.0.0.1:" + std::to_string(nginx_.tls_port()) +
                     " ssl;\n    ssl_certificate " + test_file("server.crt") +
                     ";\n    ssl_certificate_key " + test_file("server.key") + ";\n    root " +
                     nginx_.root_dir().string() + ";\n" + kBrief + "  }\n");
  }

  [[nodiscard]] std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(nginx_.port()) + path;
  }
  [[nodiscard]] std::string https_url(const std::string& path) const {
    return "https://localhost:" + std::to_string(nginx_.tls_port()) + path;
  }

  corio::testing::Nginx nginx_;
  std::string text_;
};

}  // namespace

TEST_F(ClientAgainstNginx, GetsAStaticFile) {
  corio::run([&]() -> corio::Task<> {
    AsyncClient client;
    Response response = co_await client.get(url("/hello.txt"));
    EXPECT_EQ(response.status_code, 200);
    EXPECT_EQ(response.text(), "hello from nginx\n");
    EXPECT_EQ(response.headers.get("server").value_or("").rfind("nginx", 0), 0u);
  });
}

TEST_F(ClientAgainstNginx, DecodesGzipSentChunked) {
  corio::run([&]() -> corio::Task<> {
    AsyncClient client;
    Response response = co_await client.get(url("/big.txt"));
    EXPECT_EQ(response.headers.get("content-encoding"), "gzip");
    EXPECT_EQ(response.headers.get("transfer-encoding"), "chunked");
    EXPECT_EQ(response.content().size(), text_.size());
    EXPECT_TRUE(response.content() == text_);
  });
}

TEST_F(ClientAgainstNginx, HeadGivesTheLengthWithoutTheBody) {
  corio::run([&]() -> corio::Task<> {
    ClientOptions options;
    options.headers = corio::http::Headers{{"Accept-Encoding", "identity"}};
    AsyncClient client(std::move(options));
    Response response = co_await client.head(url("/big.txt"));
    EXPECT_EQ(response.headers.get("content-length"), std::to_string(text_.size()));
    EXPECT_TRUE(response.content().empty());
  });
}

// keepalive_requests 3: nginx answers every third request with Connection: close.
TEST_F(ClientAgainstNginx, SurvivesKeepAliveLimitsAcrossManyRequests) {
  corio::run([&]() -> corio::Task<> {
    AsyncClient client;
    for (int i = 0; i < 10; ++i) {
      Response response = co_await client.get(url("/hello.txt"));
      EXPECT_EQ(response.content(), "hello from nginx\n");
    }
  });
}

// nginx closes an idle keep-alive connection after keepalive_timeout (on https with a TLS
// close_notify first); the client's keepalive_expiry is longer, so the next request, a POST,
// meets the dead pooled connection and must go out again on a fresh one.
TEST_F(ClientAgainstNginx, ARequestAfterNginxClosedTheIdleConnectionGoesOutAgain) {
  corio::run([&]() -> corio::Task<> {
    ClientOptions options;
    options.ca_file = test_file("ca.crt");
    options.limits.keepalive_expiry = std::chrono::seconds(30);
    AsyncClient client(std::move(options));
    const std::vector<std::string> targets{url("/brief"), https_url("/brief")};
    for (const std::string& target : targets) {
      EXPECT_EQ((co_await client.get(target)).text(), "brief\n");
      co_await corio::sleep(std::chrono::milliseconds(1500));
      corio::http::RequestOptions post;
      post.content = "order";
      Response response = co_await client.post(target, std::move(post));
      EXPECT_EQ(response.status_code, 200) << target;
      EXPECT_EQ(response.text(), "brief\n") << target;
    }
  });
}

TEST_F(ClientAgainstNginx, ManyConcurrentRequestsAllSucceed) {
  corio::run([&]() -> corio::Task<> {
    ClientOptions options;
    options.limits.max_connections = 8;
    AsyncClient client(std::move(options));
    std::vector<corio::JoinHandle<Response>> calls;
    for (int i = 0; i < 200; ++i) calls.push_back(corio::spawn(client.get(url("/hello.txt"))));
    int ok = 0;
    for (auto& call : calls) ok += (co_await call).status_code == 200 ? 1 : 0;
    EXPECT_EQ(ok, 200);
  });
}

TEST_F(ClientAgainstNginx, FollowsReturn301AndStopsALoop) {
  corio::run([&]() -> corio::Task<> {
    ClientOptions options;
    options.follow_redirects = true;
    AsyncClient client(std::move(options));
    Response response = co_await client.get(url("/old"));
    EXPECT_EQ(response.status_code, 200);
    EXPECT_EQ(response.url().str(), url("/hello.txt"));
    EXPECT_EQ(response.history.size(), 1u);
    EXPECT_THROW((void)co_await client.get(url("/loop")), corio::http::TooManyRedirects);
  });
}

TEST_F(ClientAgainstNginx, MissingFilesGive404AndRaiseForStatus) {
  corio::run([&]() -> corio::Task<> {
    AsyncClient client;
    Response response = co_await client.get(url("/nope"));
    EXPECT_EQ(response.status_code, 404);
    EXPECT_THROW(response.raise_for_status(), corio::http::HTTPStatusError);
  });
}

TEST_F(ClientAgainstNginx, SpeaksHttpsWithATrustedCa) {
  corio::run([&]() -> corio::Task<> {
    ClientOptions options;
    options.ca_file = test_file("ca.crt");
    AsyncClient client(std::move(options));
    for (int i = 0; i < 3; ++i) {
      Response response = co_await client.get(https_url("/hello.txt"));
      EXPECT_EQ(response.text(), "hello from nginx\n");
      // The client offers ALPN "http/1.1" only; what was spoken shows here.
      EXPECT_EQ(response.http_version, "HTTP/1.1");
    }
  });
}

TEST_F(ClientAgainstNginx, RefusesAnUntrustedCertificateWithConnectError) {
  corio::run([&]() -> corio::Task<> {
    AsyncClient client;
    try {
      (void)co_await client.get(https_url("/hello.txt"));
      ADD_FAILURE() << "an untrusted certificate was accepted";
    } catch (const corio::http::ConnectError& e) {
      EXPECT_NE(std::string(e.what()).find("certificate"), std::string::npos) << e.what();
    }
    ClientOptions insecure;
    insecure.verify = false;
    AsyncClient unverified(std::move(insecure));
    EXPECT_EQ((co_await unverified.get(https_url("/hello.txt"))).status_code, 200);
  });
}
