// tests/integration/client_httpbin_test.cpp — corio::http::AsyncClient against
// python3-httpbin under gunicorn on 127.0.0.1 (one server for the whole binary): query
// parameters, headers, JSON and form bodies, basic auth, cookies across redirects, redirect
// kinds, status codes, gzip/deflate/brotli, streamed and dripped bodies, delays, binary
// and UTF-8 bodies.
#include <gtest/gtest.h>

#include <corio/corio.hpp>
#include <corio/http.hpp>

#include <memory>
#include <string>

#include "httpbin_fixture.hpp"

using namespace std::chrono_literals;
using corio::http::AsyncClient;
using corio::http::ClientOptions;
using corio::http::RequestOptions;
using corio::http::Response;

namespace {

std::unique_ptr<corio_test::Httpbin> g_httpbin;

class HttpbinEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { g_httpbin = std::make_unique<corio_test::Httpbin>(); }
  void TearDown() override { g_httpbin.reset(); }
};
const auto* const g_environment = ::testing::AddGlobalTestEnvironment(new HttpbinEnvironment);

std::string url(const std::string& path) {
  return g_httpbin->url(path);
}

}  // namespace

TEST(ClientAgainstHttpbin, SendsParamsAndHeaders) {
  corio::run([]() -> corio::Task<> {
    AsyncClient client;
    RequestOptions options;
    options.params = {{"q", "a b"}, {"lang", "c++"}};
    options.headers = corio::http::Headers{{"X-Corio", "yes"}};
    Response response = co_await client.get(url("/get"), std::move(options));
    const auto body = response.json();
    EXPECT_EQ(body["args"]["q"], "a b");
    EXPECT_EQ(body["args"]["lang"], "c++");
    EXPECT_EQ(body["headers"]["X-Corio"], "yes");
  });
}

TEST(ClientAgainstHttpbin, PostsJsonAndForms) {
  corio::run([]() -> corio::Task<> {
    AsyncClient client;
    RequestOptions json_request;
    json_request.json = nlohmann::json{{"name", "corio"}, {"tags", {"async", "c++"}}};
    const auto echoed = (co_await client.post(url("/post"), std::move(json_request))).json();
    EXPECT_EQ(echoed["json"]["name"], "corio");
    EXPECT_EQ(echoed["json"]["tags"][1], "c++");
    RequestOptions form_request;
    form_request.data = corio::http::URL::Params{{"field", "value & more"}};
    const auto form = (co_await client.post(url("/post"), std::move(form_request))).json();
    EXPECT_EQ(form["form"]["field"], "value & more");
  });
}

TEST(ClientAgainstHttpbin, AuthenticatesWithBasicAuth) {
  corio::run([]() -> corio::Task<> {
    AsyncClient client;
    EXPECT_EQ((co_await client.get(url("/basic-auth/user/pa55"))).status_code, 401);
    RequestOptions options;
    options.auth = corio::http::BasicAuth{"user", "pa55"};
    Response response = co_await client.get(url("/basic-auth/user/pa55"), std::move(options));
    EXPECT_EQ(response.status_code, 200);
    EXPECT_EQ(response.json()["authenticated"], true);
  });
}

TEST(ClientAgainstHttpbin, KeepsCookiesAcrossRedirects) {
  corio::run([]() -> corio::Task<> {
    ClientOptions options;
    options.follow_redirects = true;
    AsyncClient client(std::move(options));
    Response response = co_await client.get(url("/cookies/set?flavour=oat&size=big"));
    EXPECT_EQ(response.url().str(), url("/cookies"));
    EXPECT_EQ(response.json()["cookies"]["flavour"], "oat");
    EXPECT_EQ(client.cookies().get("size"), "big");
    Response deleted = co_await client.get(url("/cookies/delete?flavour"));
    EXPECT_EQ(deleted.json()["cookies"].contains("flavour"), false);
    EXPECT_EQ(deleted.json()["cookies"]["size"], "big");
  });
}

TEST(ClientAgainstHttpbin, FollowsEveryRedirectKind) {
  corio::run([]() -> corio::Task<> {
    ClientOptions options;
    options.follow_redirects = true;
    AsyncClient client(std::move(options));
    Response relative = co_await client.get(url("/relative-redirect/3"));
    EXPECT_EQ(relative.url().str(), url("/get"));
    EXPECT_EQ(relative.history.size(), 3u);
    Response absolute = co_await client.get(url("/absolute-redirect/2"));
    EXPECT_EQ(absolute.status_code, 200);
    EXPECT_EQ(absolute.history.size(), 2u);
    RequestOptions post;
    post.content = "kept";
    Response temporary =
        co_await client.post(url("/redirect-to?url=%2Fanything&status_code=307"), std::move(post));
    EXPECT_EQ(temporary.json()["method"], "POST");
    EXPECT_EQ(temporary.json()["data"], "kept");
    RequestOptions post303;
    post303.content = "dropped";
    Response see_other = co_await client.post(url("/redirect-to?url=%2Fanything&status_code=303"),
                                              std::move(post303));
    EXPECT_EQ(see_other.json()["method"], "GET");
    EXPECT_EQ(see_other.json()["data"], "");
  });
}

TEST(ClientAgainstHttpbin, ReportsStatusCodes) {
  corio::run([]() -> corio::Task<> {
    AsyncClient client;
    Response teapot = co_await client.get(url("/status/418"));
    EXPECT_EQ(teapot.status_code, 418);
    EXPECT_THROW(teapot.raise_for_status(), corio::http::HTTPStatusError);
    Response server_error = co_await client.get(url("/status/503"));
    EXPECT_TRUE(server_error.is_server_error());
    EXPECT_EQ((co_await client.get(url("/status/204"))).content(), "");
  });
}

TEST(ClientAgainstHttpbin, DecodesGzipDeflateAndBrotli) {
  corio::run([]() -> corio::Task<> {
    AsyncClient client;
    Response gzip = co_await client.get(url("/gzip"));
    EXPECT_EQ(gzip.headers.get("content-encoding"), "gzip");
    EXPECT_EQ(gzip.json()["gzipped"], true);
    Response deflate = co_await client.get(url("/deflate"));
    EXPECT_EQ(deflate.json()["deflated"], true);
    Response brotli = co_await client.get(url("/brotli"));
    EXPECT_EQ(brotli.headers.get("content-encoding"), "br");
    EXPECT_EQ(brotli.json()["brotli"], true);
  });
}

TEST(ClientAgainstHttpbin, StreamsJsonLinesAndDrippedBytes) {
  corio::run([]() -> corio::Task<> {
    AsyncClient client;
    Response lines = co_await client.stream("GET", url("/stream/20"));
    auto iterator = lines.aiter_lines();
    int count = 0;
    while (auto line = co_await iterator.next()) {
      if (line->empty()) continue;
      EXPECT_EQ(nlohmann::json::parse(*line)["id"], count);
      ++count;
    }
    EXPECT_EQ(count, 20);
    Response drip = co_await client.stream("GET", url("/drip?numbytes=5&duration=0.5&delay=0"));
    auto bytes = drip.aiter_bytes();
    std::string all;
    while (auto piece = co_await bytes.next()) all += *piece;
    EXPECT_EQ(all, "*****");
  });
}

TEST(ClientAgainstHttpbin, ASlowAnswerRaisesReadTimeout) {
  corio::run([]() -> corio::Task<> {
    AsyncClient client;
    RequestOptions options;
    options.timeout = corio::http::Timeout{.read = 300ms};
    EXPECT_THROW((void)co_await client.get(url("/delay/3"), std::move(options)),
                 corio::http::ReadTimeout);
    RequestOptions patient;
    patient.timeout = corio::http::Timeout{.read = 5s};
    EXPECT_EQ((co_await client.get(url("/delay/1"), std::move(patient))).status_code, 200);
  });
}

TEST(ClientAgainstHttpbin, ReadsBinaryAndUtf8Bodies) {
  corio::run([]() -> corio::Task<> {
    AsyncClient client;
    EXPECT_EQ((co_await client.get(url("/bytes/5000"))).content().size(), 5000u);
    RequestOptions utf8;
    utf8.content = "caf\xC3\xA9 \xE2\x88\x80";
    utf8.headers = corio::http::Headers{{"Content-Type", "text/plain; charset=utf-8"}};
    Response echoed = co_await client.post(url("/anything"), std::move(utf8));
    EXPECT_EQ(echoed.json()["data"], "caf\xC3\xA9 \xE2\x88\x80");
  });
}
