// src/http/router.cpp — Router: patterns parsed once, matched segment by segment.
#include <corio/http/router.hpp>

#include <corio/http/headers.hpp>

#include <boost/url/pct_string_view.hpp>

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace corio::http {

namespace {

// The next '/'-separated segment of `rest` (which is advanced past it), or nullopt at the end.
std::optional<std::string_view> next_segment(std::string_view& rest, bool& done) {
  if (done) return std::nullopt;
  const auto slash = rest.find('/');
  std::string_view segment = rest.substr(0, slash);
  if (slash == std::string_view::npos) {
    done = true;
    rest = {};
  } else {
    rest.remove_prefix(slash + 1);
  }
  return segment;
}

// Percent-decodes a piece of a path; nullopt for invalid escapes.
std::optional<std::string> decode(std::string_view raw) {
  if (raw.find('%') == std::string_view::npos) return std::string(raw);
  const auto pct = boost::urls::make_pct_string_view(raw);
  if (!pct) return std::nullopt;
  return pct->decode();
}

bool literal_matches(std::string_view literal, std::string_view raw) {
  if (raw.find('%') == std::string_view::npos) return literal == raw;
  const auto decoded = decode(raw);
  return decoded && *decoded == literal;
}

}  // namespace

Router& Router::route(std::string_view method, std::string_view pattern, Handler handler) {
  const std::string where = "route " + std::string(method) + " " + std::string(pattern) + ": ";
  if (method != "*" && !is_token(method)) {
    throw std::invalid_argument(where + "the method is not a token");
  }
  if (!pattern.starts_with('/')) throw std::invalid_argument(where + "pattern must start with '/'");
  if (!handler) throw std::invalid_argument(where + "empty handler");
  Route route{std::string(method), {}, std::move(handler)};
  std::string_view rest = pattern.substr(1);
  bool done = false;
  while (auto segment = next_segment(rest, done)) {
    Segment out;
    if (segment->starts_with('{')) {
      if (!segment->ends_with('}') || segment->size() < 3) {
        throw std::invalid_argument(where + "invalid parameter '" + std::string(*segment) + "'");
      }
      std::string_view name = segment->substr(1, segment->size() - 2);
      out.kind = Segment::Kind::param;
      if (name.ends_with("...")) {
        name.remove_suffix(3);
        out.kind = Segment::Kind::rest;
        if (!done) throw std::invalid_argument(where + "'{name...}' must be the last segment");
      }
      if (name.empty() || name.find_first_of("{}/") != std::string_view::npos) {
        throw std::invalid_argument(where + "invalid parameter name '" + std::string(name) + "'");
      }
      for (const Segment& seen : route.segments) {
        if (seen.kind != Segment::Kind::literal && seen.text == name) {
          throw std::invalid_argument(where + "parameter '" + std::string(name) + "' repeated");
        }
      }
      out.text = name;
    } else {
      if (segment->find_first_of("{}") != std::string_view::npos) {
        throw std::invalid_argument(where + "'{' or '}' inside a literal segment");
      }
      out.text = *segment;
    }
    route.segments.push_back(std::move(out));
  }
  routes_.push_back(std::move(route));
  return *this;
}

Router& Router::get(std::string_view pattern, Handler handler) {
  return route("GET", pattern, std::move(handler));
}
Router& Router::post(std::string_view pattern, Handler handler) {
  return route("POST", pattern, std::move(handler));
}
Router& Router::put(std::string_view pattern, Handler handler) {
  return route("PUT", pattern, std::move(handler));
}
Router& Router::patch(std::string_view pattern, Handler handler) {
  return route("PATCH", pattern, std::move(handler));
}
Router& Router::delete_(std::string_view pattern, Handler handler) {
  return route("DELETE", pattern, std::move(handler));
}
Router& Router::head(std::string_view pattern, Handler handler) {
  return route("HEAD", pattern, std::move(handler));
}
Router& Router::options(std::string_view pattern, Handler handler) {
  return route("OPTIONS", pattern, std::move(handler));
}

bool Router::match(const Route& route, std::string_view raw_path, PathParams* params) {
  if (!raw_path.starts_with('/')) return false;
  std::string_view rest = raw_path.substr(1);
  bool done = false;
  for (const Segment& segment : route.segments) {
    if (segment.kind == Segment::Kind::rest) {
      auto value = done ? std::optional<std::string>("") : decode(rest);
      if (!value) return false;
      params->insert_or_assign(segment.text, std::move(*value));
      return true;
    }
    const auto piece = next_segment(rest, done);
    if (!piece) return false;
    if (segment.kind == Segment::Kind::literal) {
      if (!literal_matches(segment.text, *piece)) return false;
      continue;
    }
    if (piece->empty()) return false;
    auto value = decode(*piece);
    if (!value) return false;
    params->insert_or_assign(segment.text, std::move(*value));
  }
  return done;
}

namespace {

Task<ServerResponse> respond_now(ServerResponse response) {
  co_return response;
}

// 404, or 405 with the Allow header listing the methods the path has.
ServerResponse no_route(std::vector<std::string_view> allowed) {
  if (allowed.empty()) return HTTPException(404).response();
  const bool has_get = std::find(allowed.begin(), allowed.end(), "GET") != allowed.end();
  const bool has_head = std::find(allowed.begin(), allowed.end(), "HEAD") != allowed.end();
  if (has_get && !has_head) allowed.push_back("HEAD");
  std::string allow;
  for (std::string_view name : allowed) {
    if (!allow.empty()) allow += ", ";
    allow += name;
  }
  ServerResponse response = HTTPException(405).response();
  response.headers.set("Allow", allow);
  return response;
}

}  // namespace

// Not a coroutine: it hands back the handler's own Task, so a request costs no extra frame
// and no extra move of the response.
Task<ServerResponse> Router::dispatch(ServerRequest& request) const {
  const std::string& method = request.method();
  const Route* get_route = nullptr;  // for HEAD without a HEAD route
  PathParams get_params;
  std::vector<std::string_view> allowed;
  for (const Route& route : routes_) {
    PathParams params;
    if (!match(route, request.raw_path(), &params)) continue;
    if (route.method == "*" || route.method == method) {
      request.set_path_params(std::move(params));
      return route.handler(request);
    }
    if (method == "HEAD" && route.method == "GET" && get_route == nullptr) {
      get_route = &route;
      get_params = std::move(params);
    }
    if (std::find(allowed.begin(), allowed.end(), route.method) == allowed.end()) {
      allowed.push_back(route.method);
    }
  }
  if (get_route != nullptr) {
    request.set_path_params(std::move(get_params));
    return get_route->handler(request);
  }
  return respond_now(no_route(std::move(allowed)));
}

}  // namespace corio::http
