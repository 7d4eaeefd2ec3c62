// tests/integration/http_server_peers_test.cpp — corio::http::Server answering real clients:
// curl (plain and HTTPS), Python's httpx (/usr/bin/python3) and wrk, each a child process
// on 127.0.0.1.
// The server runs in a MulticoreServer (one loop thread) while the test thread waits for
// the child.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <corio/corio.hpp>
#include <corio/http.hpp>

#include "child_process.hpp"
#include "test_certificates.hpp"

using namespace std::chrono_literals;
using corio::Task;
using corio::http::Router;
using corio::http::ServerRequest;
using corio::http::ServerResponse;

namespace {

const auto* const certificates =
    ::testing::AddGlobalTestEnvironment(new corio_test::CertificateEnvironment);

Router peer_router() {
  Router router;
  router.get(
      "/", [](ServerRequest&) -> Task<ServerResponse> { co_return ServerResponse::text("hello"); });
  router.get("/json", [](ServerRequest& r) -> Task<ServerResponse> {
    co_return ServerResponse::json(
        {{"message", "hi"}, {"q", std::string(r.param("q").value_or(""))}});
  });
  router.get("/users/{id}", [](ServerRequest& r) -> Task<ServerResponse> {
    co_return ServerResponse::json({{"id", r.path_param("id")}});
  });
  router.post("/echo", [](ServerRequest& r) -> Task<ServerResponse> {
    std::string body = co_await r.body();
    co_return ServerResponse::text(std::move(body));
  });
  router.post("/sum", [](ServerRequest& r) -> Task<ServerResponse> {
    nlohmann::json numbers = co_await r.json();
    long long total = 0;
    for (const auto& n : numbers) total += n.get<long long>();
    co_return ServerResponse::json({{"sum", total}});
  });
  router.post("/reject", [](ServerRequest&) -> Task<ServerResponse> {
    throw corio::http::HTTPException(403, "not without reading");  // the body stays unread
    co_return ServerResponse::text("never");
  });
  router.get("/stream", [](ServerRequest&) -> Task<ServerResponse> {
    auto left = std::make_shared<int>(3);
    co_return ServerResponse::stream(
        [left]() -> Task<std::optional<std::string>> {
          if (*left == 0) co_return std::nullopt;
          co_return "part" + std::to_string((*left)--) + "\n";
        },
        200, "text/plain");
  });
  return router;
}

class HttpServerPeers : public ::testing::Test {
 protected:
  void SetUp() override {
    corio::http::ServerOptions options;
    server_ = std::make_unique<corio::http::MulticoreServer>(peer_router, std::move(options));
    server_->start("127.0.0.1", 0, 1);
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override {
    server_->stop();
    if (tls_server_) tls_server_->stop();
  }

  // A second server, over TLS with the test CA's localhost certificate; returns its base URL.
  std::string start_tls() {
    corio::net::TlsServerOptions tls;
    tls.cert_file = corio_test::test_file("server.crt");
    tls.key_file = corio_test::test_file("server.key");
    corio::http::ServerOptions options;
    options.ssl = corio::net::TlsContext::server(std::move(tls));
    tls_server_ = std::make_unique<corio::http::MulticoreServer>(peer_router, std::move(options));
    tls_server_->start("127.0.0.1", 0, 1);
    return "https://localhost:" + std::to_string(tls_server_->port());
  }

  // Runs argv to completion (at most `limit`); returns its output (stdout and stderr).
  std::string run(const std::vector<std::string>& argv, std::chrono::milliseconds limit = 30s) {
    const std::string log = ::testing::TempDir() + "corio_http_peer.log";
    corio_test::Child child(argv, log);
    const int status = child.wait_exit(limit);
    EXPECT_EQ(status, 0) << argv[0] << " failed:\n" << child.log_text();
    return child.log_text();
  }

  std::unique_ptr<corio::http::MulticoreServer> server_;
  std::unique_ptr<corio::http::MulticoreServer> tls_server_;
  std::string base_;
};

}  // namespace

TEST_F(HttpServerPeers, CurlGetsAndPosts) {
  EXPECT_EQ(run({"curl", "-sS", base_ + "/"}), "hello");
  EXPECT_EQ(run({"curl", "-sS", "--data-binary", "payload", base_ + "/echo"}), "payload");
  EXPECT_EQ(run({"curl", "-sS", base_ + "/stream"}), "part3\npart2\npart1\n");
  const std::string head = run({"curl", "-sS", "-I", base_ + "/"});
  EXPECT_NE(head.find("Content-Length: 5"), std::string::npos) << head;
  EXPECT_NE(head.find("Server: corio"), std::string::npos) << head;
}

TEST_F(HttpServerPeers, CurlUploadsChunked) {
  const std::string body(100000, 'z');
  const std::string file = ::testing::TempDir() + "corio_http_upload.bin";
  std::ofstream(file) << body;
  const std::string out = run({"curl", "-sS", "-H", "Transfer-Encoding: chunked", "--data-binary",
                               "@" + file, base_ + "/echo"});
  EXPECT_EQ(out.size(), body.size());
  EXPECT_EQ(out, body);
}

TEST_F(HttpServerPeers, CurlWithExpectContinueSendsTheBody) {
  const std::string out = run({"curl", "-sS", "-H", "Expect: 100-continue", "--data-binary",
                               "after-continue", base_ + "/echo"});
  EXPECT_EQ(out, "after-continue");
}

// curl waits for "100 Continue" before sending the body (up to its 1 s expect timeout); an
// answer without reading the body must reach it instead, and the body never be sent.
TEST_F(HttpServerPeers, CurlGetsAnAnswerGivenWithoutReadingAnExpectedBody) {
  const std::string file = ::testing::TempDir() + "corio_http_expect.bin";
  std::ofstream(file) << std::string(200000, 'e');
  const std::string out =
      run({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_upload}", "-H",
           "Expect: 100-continue", "--expect100-timeout", "30", "--data-binary", "@" + file,
           base_ + "/reject"});
  EXPECT_EQ(out, "403 0");
}

TEST_F(HttpServerPeers, CurlUploadOverTheBodyLimitGets413) {
  const std::string file = ::testing::TempDir() + "corio_http_too_big.bin";
  std::ofstream(file) << std::string(3 << 20, 'b');  // the limit is 1 MiB
  const std::string out = run({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                               "--data-binary", "@" + file, base_ + "/echo"});
  EXPECT_EQ(out, "413");
}

TEST_F(HttpServerPeers, CurlHeadOfAStreamedResponseEndsAtTheHead) {
  const std::string head = run({"curl", "-sS", "-I", "--max-time", "20", base_ + "/stream"});
  EXPECT_NE(head.find("Transfer-Encoding: chunked"), std::string::npos) << head;
  EXPECT_EQ(head.find("part"), std::string::npos) << head;
}

TEST_F(HttpServerPeers, CurlHttp10) {
  const std::string out = run({"curl", "-sS", "--http1.0", "-i", base_ + "/stream"});
  EXPECT_NE(out.find("HTTP/1.1 200 OK"), std::string::npos) << out;
  EXPECT_EQ(out.find("Transfer-Encoding"), std::string::npos) << out;
  EXPECT_TRUE(out.ends_with("part3\npart2\npart1\n")) << out;
}

TEST_F(HttpServerPeers, CurlReusesOneConnectionForSeveralUrls) {
  const std::string out =
      run({"curl", "-sS", "-v", base_ + "/", base_ + "/users/1", base_ + "/json?q=x"});
  EXPECT_NE(out.find("Re-using existing connection"), std::string::npos) << out;
  EXPECT_NE(out.find("hello"), std::string::npos);
  EXPECT_NE(out.find("{\"id\":\"1\"}"), std::string::npos);
  EXPECT_NE(out.find("\"q\":\"x\""), std::string::npos);
}

TEST_F(HttpServerPeers, CurlOverTls) {
  const std::string base = start_tls();
  const std::string port = base.substr(base.rfind(':') + 1);
  const std::vector<std::string> common = {"curl",      "-sS",
                                           "--cacert",  corio_test::test_file("ca.crt"),
                                           "--resolve", "localhost:" + port + ":127.0.0.1"};
  std::vector<std::string> get = common;
  get.insert(get.end(), {base + "/", base + "/users/9"});
  EXPECT_EQ(run(get), "hello{\"id\":\"9\"}");
  std::vector<std::string> post = common;
  post.insert(post.end(), {"--data-binary", "secret", base + "/echo"});
  EXPECT_EQ(run(post), "secret");
}

TEST_F(HttpServerPeers, PythonHttpxClient) {
  const std::string script = R"PY(
import sys, httpx
base = sys.argv[1]
with httpx.Client(base_url=base, timeout=10) as client:
    r = client.get("/")
    assert r.status_code == 200 and r.text == "hello", r
    r = client.get("/json", params={"q": "a b&c"})
    assert r.json() == {"message": "hi", "q": "a b&c"}, r.text
    r = client.post("/sum", json=[1, 2, 3, 4])
    assert r.json() == {"sum": 10}, r.text
    r = client.post("/sum", content=b"not json")
    assert r.status_code == 400, r
    r = client.get("/users/%C3%A9")
    assert r.json() == {"id": "\u00e9"}, r.text
    r = client.get("/nope")
    assert r.status_code == 404
    r = client.delete("/echo")
    assert r.status_code == 405 and r.headers["allow"] == "POST", r.headers
    r = client.post("/echo", content=iter([b"a" * 1000, b"b" * 1000]))
    assert r.text == "a" * 1000 + "b" * 1000
    with client.stream("GET", "/stream") as r:
        assert r.headers["transfer-encoding"] == "chunked"
        assert "".join(r.iter_text()) == "part3\npart2\npart1\n"
print("ok")
)PY";
  const std::string out = run({"/usr/bin/python3", "-c", script, base_});
  EXPECT_NE(out.find("ok"), std::string::npos) << out;
}

TEST_F(HttpServerPeers, WrkLoadGetsNoErrors) {
  const std::string out = run({"wrk", "-t1", "-c20", "-d2s", base_ + "/json"}, 60s);
  std::smatch m;
  const std::regex requests(R"((\d+) requests in)");
  ASSERT_TRUE(std::regex_search(out, m, requests)) << out;
  EXPECT_GT(std::stoll(m[1]), 0) << out;
  EXPECT_EQ(out.find("Socket errors"), std::string::npos) << out;
  EXPECT_EQ(out.find("Non-2xx or 3xx responses"), std::string::npos) << out;
}
