// include/corio/http/request.hpp — corio::http::Request (httpx.Request): what the client
// sends.
//
// AsyncClient builds one per call from its arguments (method, URL with params merged,
// headers with the client's defaults, cookies, auth, body); event hooks receive it and may
// change it before it is sent, and every Response carries a copy of its own. Copyable.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>

#include <corio/http/headers.hpp>
#include <corio/http/url.hpp>
#include <corio/task.hpp>

namespace corio::http {

// A streamed request body: each call returns the next piece, nullopt at the end. The client
// sends it with Transfer-Encoding: chunked unless the request has a Content-Length. It is
// called only while the request is being sent; a body that cannot be replayed ends a
// 307/308 redirect chain with StreamConsumed.
using BodyStream = std::function<Task<std::optional<std::string>>()>;

struct Request {
  Request(std::string method_name, URL target)
      : method(std::move(method_name)), url(std::move(target)) {}

  std::string method;  // "GET", "POST", ... (a token; the client upper-cases it)
  URL url;             // absolute http(s) URL; the fragment is never sent
  Headers headers;
  std::string content;  // the body (empty: none), unless `stream` is set
  BodyStream stream;    // a streamed body instead of `content`
};

}  // namespace corio::http
