// include/corio/http/router.hpp — corio::http::Router: handlers by method and path pattern
// (aiohttp's web.UrlDispatcher / app.router).
//
//   Router router;
//   router.get("/", [](ServerRequest&) -> Task<ServerResponse> {
//     co_return ServerResponse::text("hello");
//   });
//   router.get("/users/{id}", [](ServerRequest& r) -> Task<ServerResponse> {
//     co_return ServerResponse::json({{"id", r.path_param("id")}});
//   });
//   router.get("/static/{file...}", serve_file);   // the rest of the path, slashes included
//
// Patterns are absolute paths of '/'-separated segments. A segment is literal text, or
// "{name}" matching one non-empty segment, or — as the last segment only — "{name...}"
// matching the rest of the path (possibly empty). Matching is done on the raw path segment
// by segment, each segment percent-decoded, so "/users/a%2Fb" gives id "a/b". Routes are
// tried in the order they were added; the first whose pattern and method match wins.
//
// Automatic answers: no pattern matches → 404; a pattern matches but not for this method →
// 405 with an Allow header listing the methods that would. HEAD is served by the GET
// handler unless a HEAD route exists (the server drops the body and keeps its length).
//
// A Router is set up before serving and then only read, so one router may be shared by
// the connections of a loop. Handlers are called on the connection's task, and must be
// safe to call concurrently from several connections of that loop.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <corio/http/server_request.hpp>
#include <corio/http/server_response.hpp>
#include <corio/task.hpp>

namespace corio::http {

using Handler = std::function<Task<ServerResponse>(ServerRequest&)>;

class Router {
 public:
  // Adds a route. `method` is a token ("GET", "PURGE"); "*" matches any method.
  // Throws std::invalid_argument for a pattern that does not start with '/', has an
  // unterminated or empty "{}", a "{name...}" that is not last, or a repeated name; and
  // for a method that is not a token or "*".
  Router& route(std::string_view method, std::string_view pattern, Handler handler);
  Router& get(std::string_view pattern, Handler handler);
  Router& post(std::string_view pattern, Handler handler);
  Router& put(std::string_view pattern, Handler handler);
  Router& patch(std::string_view pattern, Handler handler);
  Router& delete_(std::string_view pattern, Handler handler);
  Router& head(std::string_view pattern, Handler handler);
  Router& options(std::string_view pattern, Handler handler);

  // Finds the route for `request`, sets its path parameters and calls the handler; or
  // answers 404 / 405 itself.
  // Suspends: as the handler does. Throws: what the handler throws.
  Task<ServerResponse> dispatch(ServerRequest& request) const;

  [[nodiscard]] std::size_t size() const noexcept { return routes_.size(); }

 private:
  struct Segment {
    std::string text;  // literal text, or the parameter's name
    enum class Kind { literal, param, rest } kind = Kind::literal;
  };
  struct Route {
    std::string method;
    std::vector<Segment> segments;
    Handler handler;
  };

  static bool match(const Route& route, std::string_view raw_path, PathParams* params);

  std::vector<Route> routes_;
};

}  // namespace corio::http
