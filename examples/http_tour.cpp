// examples/http_tour.cpp — corio::http in one sitting, offline: a small JSON API served by
// corio::http::Server on 127.0.0.1, and an AsyncClient using it the way httpx is used.
// docs/http.md walks through it section by section.
#include <corio/corio.hpp>
#include <corio/http.hpp>

#include <chrono>
#include <cstdio>
#include <string>

using namespace std::chrono_literals;
using corio::http::AsyncClient;
using corio::http::ClientOptions;
using corio::http::HTTPException;
using corio::http::RequestOptions;
using corio::http::ServerRequest;
using corio::http::ServerResponse;

// --- the server: routes with parameters, JSON in and out, a streamed body, errors ----------
corio::http::Router make_api() {
  corio::http::Router router;
  router.get("/search", [](ServerRequest& request) -> corio::Task<ServerResponse> {
    const std::string q(request.param("q").value_or(""));
    co_return ServerResponse::json({{"query", q}, {"hits", q.size()}});
  });
  router.post("/items", [](ServerRequest& request) -> corio::Task<ServerResponse> {
    nlohmann::json item = co_await request.json();  // 400 on invalid JSON
    if (!item.contains("name")) throw HTTPException(422, "an item needs a name");
    item["id"] = 42;
    co_return ServerResponse::json(item, 201);
  });
  router.get("/items/{id}", [](ServerRequest& request) -> corio::Task<ServerResponse> {
    if (request.path_param("id") != "42") throw HTTPException(404, "no such item");
    co_return ServerResponse::json({{"id", 42}, {"name", "teapot"}});
  });
  router.get("/events", [](ServerRequest&) -> corio::Task<ServerResponse> {
    auto sent = std::make_shared<int>(0);
    co_return ServerResponse::stream([sent]() -> corio::Task<std::optional<std::string>> {
      if (*sent == 3) co_return std::nullopt;
      co_await corio::sleep(10ms);
      co_return "event " + std::to_string(++*sent) + "\n";
    });
  });
  router.get("/slow", [](ServerRequest&) -> corio::Task<ServerResponse> {
    co_await corio::sleep(1s);
    co_return ServerResponse::text("finally");
  });
  return router;
}

// --- the client ------------------------------------------------------------------------------
corio::Task<> tour(const std::string& base) {
  ClientOptions options;
  options.base_url = base;  // relative URLs below are joined onto it
  options.headers = corio::http::Headers{{"Accept", "application/json"}};
  options.timeout = corio::http::Timeout::all(5s);
  AsyncClient client(std::move(options));

  // GET with query parameters; json() parses the body.
  RequestOptions search;
  search.params = {{"q", "coroutines"}};
  auto found = co_await client.get("/search", std::move(search));
  std::printf("GET /search -> %d %s\n", found.status_code, found.json().dump().c_str());

  // POST a JSON body.
  RequestOptions create;
  create.json = nlohmann::json{{"name", "teapot"}};
  auto created = co_await client.post("/items", std::move(create));
  std::printf("POST /items -> %d %s\n", created.status_code, created.text().c_str());

  // A 4xx is a response, not an error, until raise_for_status().
  auto missing = co_await client.get("/items/7");
  try {
    missing.raise_for_status();
  } catch (const corio::http::HTTPStatusError& e) {
    std::printf("GET /items/7 -> %s\n", e.what());
  }

  // Stream a body line by line as it arrives.
  auto events = co_await client.stream("GET", "/events");
  auto lines = events.aiter_lines();
  while (auto line = co_await lines.next()) std::printf("stream: %s\n", line->c_str());

  // Each phase has its own timeout and its own exception.
  RequestOptions impatient;
  impatient.timeout = corio::http::Timeout{.read = 100ms};
  try {
    (void)co_await client.get("/slow", std::move(impatient));
  } catch (const corio::http::ReadTimeout& e) {
    std::printf("GET /slow -> ReadTimeout: %s\n", e.what());
  }
}

corio::Task<> amain() {
  corio::http::Server server(make_api());
  co_await server.start("127.0.0.1", 0);
  co_await tour("http://127.0.0.1:" + std::to_string(server.port()));
  co_await server.shutdown();
}

int main() {
  corio::run(amain());
}
