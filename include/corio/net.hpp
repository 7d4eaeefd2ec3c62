// include/corio/net.hpp — corio::net in one include: addresses, TCP, Unix and UDP sockets.
#pragma once

#include <corio/corio.hpp>
#include <corio/net/address.hpp>
#include <corio/net/connect.hpp>
#include <corio/net/dns.hpp>
#include <corio/net/errors.hpp>
#include <corio/net/socket.hpp>
#include <corio/net/stream_reader.hpp>
#include <corio/net/stream_writer.hpp>
#include <corio/net/streams.hpp>
#include <corio/net/tcp.hpp>
#include <corio/net/tls.hpp>
#include <corio/net/transport.hpp>
#include <corio/net/udp.hpp>
#include <corio/net/unix.hpp>
