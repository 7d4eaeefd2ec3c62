// include/corio/http.hpp — corio::http in one include: AsyncClient and its parts (requests,
// responses, cookies, content decoding, proxies), the Server and its router, the WebSocket
// client, HTTP/1.1 parsing, URLs and errors.
#pragma once

#include <corio/http/client.hpp>
#include <corio/http/client_options.hpp>
#include <corio/http/cookies.hpp>
#include <corio/http/decoding.hpp>
#include <corio/http/errors.hpp>
#include <corio/http/headers.hpp>
#include <corio/http/parser.hpp>
#include <corio/http/proxy.hpp>
#include <corio/http/request.hpp>
#include <corio/http/response.hpp>
#include <corio/http/router.hpp>
#include <corio/http/server.hpp>
#include <corio/http/server_request.hpp>
#include <corio/http/server_response.hpp>
#include <corio/http/url.hpp>
#include <corio/http/websocket.hpp>
#include <corio/net.hpp>
