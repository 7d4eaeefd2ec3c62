// examples/api_calls.cpp — the article's third program: API calls made concurrently with an
// httpx-style client, then gathered.
//
//   async def api_call(url):
//       print(f"Making API call to {url}")
//       async with httpx.AsyncClient() as client:
//           response = await client.get(url)
//           print(f"Response from {url}: {response.status_code}")
//           return response.json()
//
//   async def main():
//       urls = ["https://jsonplaceholder.typicode.com/posts/1",
//               "https://jsonplaceholder.typicode.com/posts/2"]
//       tasks = [asyncio.create_task(api_call(url)) for url in urls]
//       results = await asyncio.gather(*tasks)
//       for result in results:
//           print(result)
//
//   asyncio.run(main())
//
// Usage: api_calls [URL...]. With URLs it calls those. Without, it starts a small JSON API
// on 127.0.0.1 in the same process (each answer takes 0.5 s, like a slow API) and calls
// two of its posts, so it works offline: both calls finish in about 0.5 s, not 1 s.
#include <corio/corio.hpp>
#include <corio/http.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using corio::http::ServerRequest;
using corio::http::ServerResponse;

corio::Task<nlohmann::json> api_call(std::string url) {
  std::printf("Making API call to %s\n", url.c_str());
  corio::http::AsyncClient client;
  auto response = co_await client.get(url);
  std::printf("Response from %s: %d\n", url.c_str(), response.status_code);
  co_return response.json();
}

// The stand-in for jsonplaceholder.typicode.com: GET /posts/{id}.
corio::http::Router json_api() {
  corio::http::Router router;
  router.get("/posts/{id}", [](ServerRequest& request) -> corio::Task<ServerResponse> {
    co_await corio::sleep(500ms);
    const int id = std::stoi(request.path_param("id"));
    co_return ServerResponse::json({{"userId", 1},
                                    {"id", id},
                                    {"title", "post number " + std::to_string(id)},
                                    {"body", "served by corio::http::Server on 127.0.0.1"}});
  });
  return router;
}

corio::Task<> amain(std::vector<std::string> urls) {
  std::optional<corio::http::Server> server;
  if (urls.empty()) {
    server.emplace(json_api());
    co_await server->start("127.0.0.1", 0);
    const std::string base = "http://127.0.0.1:" + std::to_string(server->port());
    urls = {base + "/posts/1", base + "/posts/2"};
  }
  std::vector<corio::JoinHandle<nlohmann::json>> tasks;
  for (const auto& url : urls) tasks.push_back(corio::create_task(api_call(url)));
  std::vector<nlohmann::json> results = co_await corio::gather(std::move(tasks));
  for (const auto& result : results) std::printf("%s\n", result.dump().c_str());
  if (server) co_await server->shutdown();
}

int main(int argc, char** argv) {
  const std::vector<std::string> urls(argv + 1, argv + argc);
  const auto start = std::chrono::steady_clock::now();
  try {
    corio::run(amain(urls));
  } catch (const corio::http::HTTPError& e) {
    std::fprintf(stderr, "api_calls: %s\n", e.what());
    return 1;
  } catch (const nlohmann::json::exception& e) {
    std::fprintf(stderr, "api_calls: %s\n", e.what());
    return 1;
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::printf("%zu calls done in %.2f s\n", urls.empty() ? std::size_t{2} : urls.size(),
              took.count());
}
