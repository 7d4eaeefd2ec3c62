// include/corio/http.hpp — corio::http in one include: HTTP/1.1 parsing, URLs, errors and the
// WebSocket client.
#pragma once

#include <corio/http/errors.hpp>
#include <corio/http/headers.hpp>
#include <corio/http/parser.hpp>
#include <corio/http/proxy.hpp>
#include <corio/http/url.hpp>
#include <corio/http/websocket.hpp>
#include <corio/net.hpp>
