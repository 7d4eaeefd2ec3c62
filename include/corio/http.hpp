// include/corio/http.hpp — corio::http in one include: HTTP/1.1 parsing, URLs, errors, Server.
#pragma once

#include <corio/http/errors.hpp>
#include <corio/http/headers.hpp>
#include <corio/http/parser.hpp>
#include <corio/http/url.hpp>
#include <corio/net.hpp>
#include <corio/http/server.hpp>
