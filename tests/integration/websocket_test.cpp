// tests/integration/websocket_test.cpp — corio::http::WebSocket against a real Python
// `websockets` 10.4 server (ws:// and wss:// with the test CA) started by the test, and
// against fake servers written here with corio::net::start_server for broken handshakes.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <corio/http/websocket.hpp>
#include <corio/net.hpp>
#include <corio/run.hpp>
#include <corio/sleep.hpp>
#include <corio/spawn.hpp>
#include <corio/timeout.hpp>

#include "child_process.hpp"
#include "test_certificates.hpp"

using corio::Task;
using corio::http::ConnectionClosed;
using corio::http::ConnectionClosedError;
using corio::http::ConnectionClosedOK;
using corio::http::InvalidHandshake;
using corio::http::InvalidStatus;
using corio::http::WebSocket;
using corio::http::WebSocketMessage;
using corio::http::WebSocketOptions;
using namespace std::chrono_literals;

namespace {

const auto* const g_certificates =
    ::testing::AddGlobalTestEnvironment(new corio_test::CertificateEnvironment);

// The peer: one websockets server on ws:// and one on wss://, each path a behaviour.
constexpr const char* kServerScript = R"PY(
import asyncio, ssl, sys
from http import HTTPStatus
from urllib.parse import urlparse, parse_qs
import websockets

async def handler(ws):
    url = urlparse(ws.path)
    q = {k: v[0] for k, v in parse_qs(url.query).items()}
    p = url.path
    if p == "/echo":
        async for message in ws:
            await ws.send(message)
    elif p == "/fragmented":
        await ws.send(["frag1-", "frag2-", "frag3"])
        await ws.send([b"\x00\x01", b"", b"\x02"])
        await ws.wait_closed()
    elif p == "/close":
        if "first" in q:
            await ws.send(q["first"])
        await ws.close(int(q["code"]), q.get("reason", ""))
    elif p == "/ping":
        pong = await ws.ping(b"from-server")
        await asyncio.wait_for(pong, 5)
        await ws.send("pong received")
        await ws.wait_closed()
    elif p == "/big":
        await ws.send("x" * int(q["size"]))
        await ws.wait_closed()
    elif p == "/subprotocol":
        await ws.send(ws.subprotocol or "none")
        await ws.wait_closed()
    elif p == "/headers":
        await ws.send(ws.request_headers.get("X-Test", ""))
        await ws.send(ws.request_headers.get("Authorization", ""))
        await ws.wait_closed()
    elif p == "/abort":
        ws.transport.abort()

async def process_request(path, headers):
    if path == "/plain":
        return HTTPStatus.OK, [("Content-Type", "text/plain")], b"plain HTTP\n"
    return None

async def main():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1], sys.argv[2])
    options = dict(subprotocols=["superchat", "chat"], process_request=process_request,
                   max_size=None)
    plain = await websockets.serve(handler, "127.0.0.1", 0, **options)
    secure = await websockets.serve(handler, "127.0.0.1", 0, ssl=context, **options)
    print("PORTS", plain.sockets[0].getsockname()[1], secure.sockets[0].getsockname()[1],
          flush=True)
    await asyncio.Future()

asyncio.run(main())
)PY";

class WebSocketAgainstPython : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string script = corio_test::test_file("websocket_server.py");
    std::ofstream(script) << kServerScript;
    server_ =
        new corio_test::Child({"/usr/bin/python3", script, corio_test::test_file("server.crt"),
                               corio_test::test_file("server.key")},
                              corio_test::test_file("websocket_server.log"));
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string log = server_->log_text();
      const auto at = log.find("PORTS ");
      if (at != std::string::npos && log.find('\n', at) != std::string::npos) {
        std::size_t used = 0;
        ws_port_ = std::stoi(log.substr(at + 6), &used);
        wss_port_ = std::stoi(log.substr(at + 6 + used));
        return;
      }
      std::this_thread::sleep_for(10ms);
    }
    FAIL() << "the websockets server did not start: " << server_->log_text();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  static std::string ws(const std::string& path) {
    return "ws://127.0.0.1:" + std::to_string(ws_port_) + path;
  }
  static std::string wss(const std::string& path) {
    return "wss://localhost:" + std::to_string(wss_port_) + path;
  }

  static inline corio_test::Child* server_ = nullptr;
  static inline int ws_port_ = 0;
  static inline int wss_port_ = 0;
};

WebSocketOptions no_keepalive() {
  WebSocketOptions options;
  options.ping_interval = std::nullopt;
  return options;
}

}  // namespace

TEST_F(WebSocketAgainstPython, EchoesTextAndBinaryMessagesOfEverySize) {
  corio::run([&]() -> Task<> {
    WebSocket socket = co_await WebSocket::connect(ws("/echo"));
    EXPECT_TRUE(socket.open());
    std::string big(200 * 1024, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
    co_await socket.send("héllo");
    co_await socket.send("");
    co_await socket.send(big);
    const std::array<std::byte, 3> bytes{std::byte{0}, std::byte{0xff}, std::byte{7}};
    co_await socket.send_binary(std::span<const std::byte>(bytes));
    co_await socket.send_binary(std::string_view());
    WebSocketMessage hello = co_await socket.recv();
    EXPECT_EQ(hello, (WebSocketMessage{"héllo", false}));
    WebSocketMessage empty = co_await socket.recv();
    EXPECT_EQ(empty, (WebSocketMessage{"", false}));
    WebSocketMessage large = co_await socket.recv();
    EXPECT_TRUE(large.data == big) << large.data.size() << " bytes";
    EXPECT_TRUE(large.is_text());
    WebSocketMessage binary = co_await socket.recv();
    EXPECT_EQ(binary, (WebSocketMessage{std::string("\0\xff\x07", 3), true}));
    WebSocketMessage empty_binary = co_await socket.recv();
    EXPECT_EQ(empty_binary, (WebSocketMessage{"", true}));
    co_await socket.close();
    EXPECT_TRUE(socket.closed());
  });
}

TEST_F(WebSocketAgainstPython, ConcurrentSendersEachGetTheirMessageThroughWhole) {
  std::set<std::string> received;
  corio::run([&]() -> Task<> {
    WebSocket socket = co_await WebSocket::connect(ws("/echo"));
    std::vector<corio::JoinHandle<void>> senders;
    for (int i = 0; i < 20; ++i) {
      senders.push_back(corio::spawn([&socket, i]() -> Task<> {
        co_await socket.send(std::string(10'000 + i, static_cast<char>('a' + i)));
      }));
    }
    for (auto& sender : senders) co_await sender;
    for (int i = 0; i < 20; ++i) {
      WebSocketMessage message = co_await socket.recv();
      received.insert(message.data);
    }
    co_await socket.close();
  });
  ASSERT_EQ(received.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(received.contains(std::string(10'000 + i, static_cast<char>('a' + i))));
  }
}

TEST_F(WebSocketAgainstPython, ReassemblesFragmentedMessages) {
  corio::run([&]() -> Task<> {
    WebSocket socket = co_await WebSocket::connect(ws("/fragmented"));
    WebSocketMessage text = co_await socket.recv();
    EXPECT_EQ(text, (WebSocketMessage{"frag1-frag2-frag3", false}));
    WebSocketMessage binary = co_await socket.recv();
    EXPECT_EQ(binary, (WebSocketMessage{std::string("\0\x01\x02", 3), true}));
    co_await socket.close();
  });
}

TEST_F(WebSocketAgainstPython, AnswersTheServersPingWithoutHelp) {
  corio::run([&]() -> Task<> {
    WebSocket socket = co_await WebSocket::connect(ws("/ping"));
    WebSocketMessage message = co_await socket.recv();
    EXPECT_EQ(message.data, "pong received");
    co_await socket.close();
  });
}

TEST_F(WebSocketAgainstPython, PingReturnsOnceThePongArrives) {
  corio::run([&]() -> Task<> {
    WebSocket socket = co_await WebSocket::connect(ws("/echo"));
    const auto first = co_await socket.ping();
    EXPECT_GT(first.count(), 0);
    const auto second = co_await socket.ping("my payload");
    EXPECT_GT(second.count(), 0);
    EXPECT_THROW(co_await socket.ping(std::string(126, 'p')), std::invalid_argument);
    co_await socket.close();
    EXPECT_THROW(co_await socket.ping(), ConnectionClosedOK);
  });
}

TEST_F(WebSocketAgainstPython, ServerCloseWithAnErrorCodeRaisesConnectionClosedError) {
  corio::run([&]() -> Task<> {
    WebSocket socket = co_await WebSocket::connect(ws("/close?code=4000&reason=bye&first=last"));
    WebSocketMessage last = co_await socket.recv();  // queued before the close: not lost
    EXPECT_EQ(last.data, "last");
    try {
      co_await socket.recv();
      ADD_FAILURE() << "recv() after the close returned";
    } catch (const ConnectionClosedError& error) {
      EXPECT_EQ(error.code(), 4000);
      EXPECT_EQ(error.reason(), "bye");
      EXPECT_TRUE(error.rcvd_then_sent());
      EXPECT_EQ(error.sent(), (corio::http::CloseFrame{4000, "bye"}));
      EXPECT_STREQ(error.what(),
                   "received 4000 (private use) bye; then sent 4000 (private use) bye");
    }
    EXPECT_EQ(socket.close_code(), 4000);
    EXPECT_EQ(socket.close_reason(), "bye");
    EXPECT_THROW(co_await socket.send("late"), ConnectionClosedError);
    co_await socket.close();  // already closed: a no-op
  });
}

TEST_F(WebSocketAgainstPython, ServerCloseWith1000RaisesConnectionClosedOK) {
  corio::run([&]() -> Task<> {
    WebSocket socket = co_await WebSocket::connect(ws("/close?code=1000"));
    EXPECT_THROW(co_await socket.recv(), ConnectionClosedOK);
    EXPECT_EQ(socket.close_code(), 1000);
    EXPECT_EQ(socket.state(), WebSocket::State::closed);
  });
}

TEST_F(WebSocketAgainstPython, ClientCloseRunsTheClosingHandshake) {
  corio::run([&]() -> Task<> {
    WebSocket normal = co_await WebSocket::connect(ws("/echo"));
    EXPECT_FALSE(normal.close_code().has_value());
    co_await normal.close(1000, "done");
    EXPECT_EQ(normal.close_code(), 1000);  // the server echoed it
    EXPECT_EQ(normal.close_reason(), "done");
    try {
      co_await normal.recv();
      ADD_FAILURE() << "recv() after close() returned";
    } catch (const ConnectionClosedOK& error) {
      EXPECT_FALSE(error.rcvd_then_sent());
      EXPECT_STREQ(error.what(), "sent 1000 (OK) done; then received 1000 (OK) done");
    }

    WebSocket failing = co_await WebSocket::connect(ws("/echo"));
    co_await failing.close(4001, "client error");
    EXPECT_EQ(failing.close_code(), 4001);
    EXPECT_THROW(co_await failing.recv(), ConnectionClosedError);

    WebSocket bad = co_await WebSocket::connect(ws("/echo"));
    EXPECT_THROW(co_await bad.close(1005), std::invalid_argument);
    EXPECT_THROW(co_await bad.close(1000, std::string(124, 'r')), std::invalid_argument);
    EXPECT_TRUE(bad.open());
    co_await bad.close();
  });
}

TEST_F(WebSocketAgainstPython, ConnectionLostWithoutCloseFrameIsAnError) {
  corio::run([&]() -> Task<> {
    WebSocket socket = co_await WebSocket::connect(ws("/abort"));
    try {
      co_await socket.recv();
      ADD_FAILURE() << "recv() returned";
    } catch (const ConnectionClosedError& error) {
      EXPECT_EQ(error.code(), 1006);
      EXPECT_STREQ(error.what(), "no close frame received or sent");
    }
    EXPECT_EQ(socket.close_code(), 1006);
  });
}

TEST_F(WebSocketAgainstPython, MessageOverMaxSizeClosesWith1009) {
  corio::run([&]() -> Task<> {
    WebSocketOptions options;
    options.max_size = 1000;
    WebSocket socket = co_await WebSocket::connect(ws("/big?size=1001"), std::move(options));
    try {
      co_await socket.recv();
      ADD_FAILURE() << "recv() returned an oversized message";
    } catch (const ConnectionClosedError& error) {
      EXPECT_EQ(error.sent(), (corio::http::CloseFrame{1009, "over max_size of 1000 bytes"}));
      EXPECT_STREQ(error.what(),
                   "sent 1009 (message too big) over max_size of 1000 bytes; no close frame "
                   "received");
    }
  });
}

TEST_F(WebSocketAgainstPython, MessageAtMaxSizeIsDelivered) {
  corio::run([&]() -> Task<> {
    WebSocketOptions options;
    options.max_size = 1000;
    WebSocket socket = co_await WebSocket::connect(ws("/big?size=1000"), std::move(options));
    WebSocketMessage message = co_await socket.recv();
    EXPECT_EQ(message.data.size(), 1000u);
    co_await socket.close();
  });
}

TEST_F(WebSocketAgainstPython, NegotiatesAnOfferedSubprotocol) {
  corio::run([&]() -> Task<> {
    WebSocketOptions options;
    options.subprotocols = {"unknown", "chat"};
    WebSocket socket = co_await WebSocket::connect(ws("/subprotocol"), std::move(options));
    EXPECT_EQ(socket.subprotocol(), "chat");
    WebSocketMessage message = co_await socket.recv();
    EXPECT_EQ(message.data, "chat");
    co_await socket.close();

    WebSocket without = co_await WebSocket::connect(ws("/subprotocol"));
    EXPECT_EQ(without.subprotocol(), "");
    co_await without.close();
  });
}

TEST_F(WebSocketAgainstPython, SendsExtraHeadersAndUserinfo) {
  corio::run([&]() -> Task<> {
    WebSocketOptions options;
    options.extra_headers.set("X-Test", "sent by corio");
    const std::string url = "ws://user:p%40ss@127.0.0.1:" + std::to_string(ws_port_) + "/headers";
    WebSocket socket = co_await WebSocket::connect(url, std::move(options));
    WebSocketMessage header = co_await socket.recv();
    EXPECT_EQ(header.data, "sent by corio");
    WebSocketMessage authorization = co_await socket.recv();
    EXPECT_EQ(authorization.data, "Basic dXNlcjpwQHNz");  // user:p@ss
    EXPECT_EQ(socket.request_headers().get("Host"), "127.0.0.1:" + std::to_string(ws_port_));
    EXPECT_EQ(socket.response_headers().get("Upgrade"), "websocket");
    co_await socket.close();
  });
}

TEST_F(WebSocketAgainstPython, PlainHttpAnswerIsInvalidStatus) {
  corio::run([&]() -> Task<> {
    try {
      co_await WebSocket::connect(ws("/plain"));
      ADD_FAILURE() << "connect() succeeded";
    } catch (const InvalidStatus& error) {
      EXPECT_EQ(error.status_code(), 200);
      EXPECT_EQ(error.headers().get("Content-Type"), "text/plain");
      EXPECT_STREQ(error.what(), "server rejected WebSocket connection: HTTP 200");
    }
  });
}

TEST_F(WebSocketAgainstPython, RejectsUrlsThatAreNotWebSocketUrls) {
  corio::run([&]() -> Task<> {
    EXPECT_THROW(co_await WebSocket::connect("http://127.0.0.1/"), corio::http::InvalidURI);
    EXPECT_THROW(co_await WebSocket::connect("ws://[::1"), corio::http::InvalidURI);
    WebSocketOptions options;
    options.extra_headers.set("Sec-WebSocket-Key", "x");
    EXPECT_THROW(co_await WebSocket::connect(ws("/echo"), std::move(options)),
                 std::invalid_argument);
  });
}

TEST_F(WebSocketAgainstPython, SendRejectsTextThatIsNotUtf8) {
  corio::run([&]() -> Task<> {
    WebSocket socket = co_await WebSocket::connect(ws("/echo"));
    EXPECT_THROW(co_await socket.send("\xff"), std::invalid_argument);
    EXPECT_THROW(co_await socket.send("\xed\xa0\x80"), std::invalid_argument);  // a surrogate
    co_await socket.send("still open");
    WebSocketMessage message = co_await socket.recv();
    EXPECT_EQ(message.data, "still open");
    co_await socket.close();
  });
}

TEST_F(WebSocketAgainstPython, CancelledRecvLeavesTheConnectionUsable) {
  corio::run([&]() -> Task<> {
    WebSocket socket = co_await WebSocket::connect(ws("/echo"));
    auto waiting = corio::spawn([&socket]() -> Task<> { co_await socket.recv(); });
    co_await corio::yield_now();
    co_await corio::yield_now();
    waiting.cancel();
    try {
      co_await waiting;
    } catch (const corio::CancelledError&) {
    }
    EXPECT_TRUE(waiting.cancelled());
    co_await socket.send("after the cancel");
    WebSocketMessage message = co_await socket.recv();
    EXPECT_EQ(message.data, "after the cancel");
    co_await socket.close();
  });
}

TEST_F(WebSocketAgainstPython, ReaderStopsAtMaxQueueAndLosesNothing) {
  corio::run([&]() -> Task<> {
    WebSocketOptions options;
    options.max_queue = 1;
    WebSocket socket = co_await WebSocket::connect(ws("/echo"), std::move(options));
    for (int i = 0; i < 5; ++i) co_await socket.send(std::to_string(i));
    for (int i = 0; i < 5; ++i) {
      WebSocketMessage message = co_await socket.recv();
      EXPECT_EQ(message.data, std::to_string(i));
    }
    co_await socket.close();
    EXPECT_EQ(socket.close_code(), 1000);
  });
}

TEST_F(WebSocketAgainstPython, DestroyingTheSocketEndsPendingRecvWithAnError) {
  corio::run([&]() -> Task<> {
    auto socket = std::make_unique<WebSocket>(co_await WebSocket::connect(ws("/echo")));
    auto waiting = corio::spawn(
        [&socket]() -> Task<> { EXPECT_THROW(co_await socket->recv(), ConnectionClosedError); });
    co_await corio::yield_now();
    socket.reset();  // aborts the connection: no close frame
    co_await waiting;
  });
}

TEST_F(WebSocketAgainstPython, EchoesOverTlsWithTheTestCa) {
  corio::run([&]() -> Task<> {
    corio::net::TlsClientOptions tls;
    tls.ca_file = corio_test::test_file("ca.crt");
    WebSocketOptions options;
    options.ssl = corio::net::TlsContext::client(std::move(tls));
    WebSocket socket = co_await WebSocket::connect(wss("/echo"), std::move(options));
    const std::string big(100'000, 'z');
    co_await socket.send(big);
    WebSocketMessage message = co_await socket.recv();
    EXPECT_TRUE(message.data == big);
    co_await socket.close();
    EXPECT_EQ(socket.close_code(), 1000);
  });
}

TEST_F(WebSocketAgainstPython, UntrustedCertificateIsATlsError) {
  corio::run([&]() -> Task<> {
    EXPECT_THROW(co_await WebSocket::connect(wss("/echo")), corio::net::TlsError);
  });
}

// --- fake servers -------------------------------------------------------------------------

namespace {

std::string accept_for(const std::string& key) {
  const std::string input = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(input.data(), input.size(), digest.data(), &length, EVP_sha1(), nullptr);
  std::array<unsigned char, 64> out{};
  const int n = EVP_EncodeBlock(out.data(), digest.data(), static_cast<int>(length));
  return std::string(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(n));
}

std::string request_key(const std::string& head) {
  const auto at = head.find("Sec-WebSocket-Key: ");
  if (at == std::string::npos) return {};
  return head.substr(at + 19, head.find("\r\n", at) - at - 19);
}

// Answers a handshake with `answer(request head)`, then runs `after` on the connection.
using Answer = std::function<std::string(const std::string&)>;
using After = std::function<Task<>(corio::net::StreamReader&, corio::net::StreamWriter&)>;

Task<corio::net::Server> fake_server(Answer answer, After after, const char* host = "127.0.0.1") {
  return corio::net::start_server(
      [answer, after](corio::net::StreamReader reader, corio::net::StreamWriter writer) -> Task<> {
        const std::string head = co_await reader.readuntil("\r\n\r\n");
        writer.write(answer(head));
        co_await writer.drain();
        if (after) co_await after(reader, writer);
        const std::string rest = co_await reader.read();  // until the client closes
        writer.close();
      },
      host, 0);
}

std::string switching(const std::string& accept, const std::string& more = "") {
  return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Accept: " +
         accept + "\r\n" + more + "\r\n";
}

std::string url_of(const corio::net::Server& server) {
  return "ws://127.0.0.1:" + std::to_string(server.sockets().front().port()) + "/";
}

}  // namespace

TEST(WebSocketHandshake, WrongAcceptIsInvalidHandshake) {
  corio::run([]() -> Task<> {
    auto server = co_await fake_server(
        [](const std::string&) { return switching("dGhlIHNhbXBsZSBub25jZQ=="); }, nullptr);
    try {
      co_await WebSocket::connect(url_of(server));
      ADD_FAILURE() << "connect() succeeded";
    } catch (const InvalidHandshake& error) {
      EXPECT_STREQ(error.what(), "invalid Sec-WebSocket-Accept header: dGhlIHNhbXBsZSBub25jZQ==");
    }
    server.close_clients();
    co_await server.wait_closed();
  });
}

TEST(WebSocketHandshake, MissingUpgradeOrUnofferedSubprotocolIsInvalidHandshake) {
  corio::run([]() -> Task<> {
    auto no_upgrade = co_await fake_server(
        [](const std::string& head) {
          return "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: " +
                 accept_for(request_key(head)) + "\r\n\r\n";
        },
        nullptr);
    EXPECT_THROW(co_await WebSocket::connect(url_of(no_upgrade)), InvalidHandshake);
    auto subprotocol = co_await fake_server(
        [](const std::string& head) {
          return switching(accept_for(request_key(head)), "Sec-WebSocket-Protocol: other\r\n");
        },
        nullptr);
    WebSocketOptions options;
    options.subprotocols = {"chat"};
    EXPECT_THROW(co_await WebSocket::connect(url_of(subprotocol), std::move(options)),
                 InvalidHandshake);
    for (auto* server : {&no_upgrade, &subprotocol}) {
      server->close_clients();
      co_await server->wait_closed();
    }
  });
}

TEST(WebSocketHandshake, FramesRightBehindThe101AreNotLost) {
  corio::run([]() -> Task<> {
    auto server = co_await fake_server(
        [](const std::string& head) {
          // An unmasked text frame "hi" in the same write as the response.
          return switching(accept_for(request_key(head))) + std::string("\x81\x02hi", 4);
        },
        nullptr);
    WebSocketOptions options = no_keepalive();
    options.close_timeout = 200ms;
    WebSocket socket = co_await WebSocket::connect(url_of(server), std::move(options));
    WebSocketMessage message = co_await socket.recv();
    EXPECT_EQ(message.data, "hi");
    co_await socket.close();  // the fake never answers the close frame: aborted after 200 ms
    EXPECT_EQ(socket.close_code(), 1006);
    server.close_clients();
    co_await server.wait_closed();
  });
}

// RFC 6874 section 4: the zone of an IPv6 literal is used to connect, never sent in Host.
TEST(WebSocketHandshake, ZonedIpv6HostConnectsAndLeavesTheZoneOutOfHost) {
  corio::run([]() -> Task<> {
    std::string seen_host;
    auto server = co_await fake_server(
        [&seen_host](const std::string& head) {
          const auto at = head.find("\r\nHost: ");
          if (at != std::string::npos)
            seen_host = head.substr(at + 8, head.find("\r\n", at + 2) - at - 8);
          return switching(accept_for(request_key(head)));
        },
        nullptr, "::1");
    const std::string port = std::to_string(server.sockets().front().port());
    WebSocketOptions options = no_keepalive();
    options.close_timeout = 200ms;
    WebSocket socket =
        co_await WebSocket::connect("ws://[::1%25lo]:" + port + "/", std::move(options));
    EXPECT_EQ(seen_host, "[::1]:" + port);
    co_await socket.close();
    server.close_clients();
    co_await server.wait_closed();
  });
}

TEST(WebSocketHandshake, OpenTimeoutAgainstAServerThatNeverAnswers) {
  corio::run([]() -> Task<> {
    // Connections complete in the listen backlog; nobody ever reads the request.
    auto listener = corio::net::TcpListener::bind(corio::net::SocketAddress::parse("127.0.0.1", 0));
    WebSocketOptions options;
    options.open_timeout = 200ms;
    const std::string url = "ws://127.0.0.1:" + std::to_string(listener.local_address().port());
    EXPECT_THROW(co_await WebSocket::connect(url, std::move(options)), corio::TimeoutError);
  });
}

TEST(WebSocketHandshake, KeepalivePingWithoutPongClosesWith1011) {
  corio::run([]() -> Task<> {
    auto server = co_await fake_server(
        [](const std::string& head) { return switching(accept_for(request_key(head))); }, nullptr);
    WebSocketOptions options;
    options.ping_interval = 50ms;
    options.ping_timeout = 100ms;
    WebSocket socket = co_await WebSocket::connect(url_of(server), std::move(options));
    try {
      co_await socket.recv();
      ADD_FAILURE() << "recv() returned";
    } catch (const ConnectionClosedError& error) {
      EXPECT_EQ(error.sent(), (corio::http::CloseFrame{1011, "keepalive ping timeout"}));
    }
    server.close_clients();
    co_await server.wait_closed();
  });
}

TEST(WebSocketHandshake, UpgradeAndConnectionAreCaseInsensitive) {
  corio::run([]() -> Task<> {
    auto server = co_await fake_server(
        [](const std::string& head) {
          return "HTTP/1.1 101 Switching Protocols\r\nupgrade: WebSocket\r\n"
                 "connection: keep-alive, UPGRADE\r\nSec-WebSocket-Accept: " +
                 accept_for(request_key(head)) + "\r\n\r\n";
        },
        nullptr);
    WebSocketOptions options = no_keepalive();
    options.close_timeout = 200ms;
    WebSocket socket = co_await WebSocket::connect(url_of(server), std::move(options));
    EXPECT_TRUE(socket.open());
    co_await socket.close();
    server.close_clients();
    co_await server.wait_closed();
  });
}

TEST(WebSocketHandshake, ExtensionOrSubprotocolNotOfferedIsInvalidHandshake) {
  corio::run([]() -> Task<> {
    auto extension = co_await fake_server(
        [](const std::string& head) {
          return switching(accept_for(request_key(head)),
                           "Sec-WebSocket-Extensions: permessage-deflate\r\n");
        },
        nullptr);
    try {
      co_await WebSocket::connect(url_of(extension));
      ADD_FAILURE() << "connect() succeeded";
    } catch (const InvalidHandshake& error) {
      EXPECT_STREQ(error.what(),
                   "server sent Sec-WebSocket-Extensions 'permessage-deflate' but no extension "
                   "was offered");
    }
    auto subprotocol = co_await fake_server(
        [](const std::string& head) {
          return switching(accept_for(request_key(head)), "Sec-WebSocket-Protocol: chat\r\n");
        },
        nullptr);
    try {
      co_await WebSocket::connect(url_of(subprotocol));  // offers none
      ADD_FAILURE() << "connect() succeeded";
    } catch (const InvalidHandshake& error) {
      EXPECT_STREQ(error.what(), "server chose subprotocol 'chat' but none was offered");
    }
    for (auto* server : {&extension, &subprotocol}) {
      server->close_clients();
      co_await server->wait_closed();
    }
  });
}

// --- frame-level fakes: a valid handshake, then exact bytes --------------------------------

namespace {

// A frame as a server sends it: unmasked (unless mask_key is given), the length in its
// shortest form. byte0 carries FIN, RSV1-3 and the opcode.
std::string raw_frame(unsigned byte0, std::string_view payload, const std::string& mask_key = "") {
  std::string out(1, static_cast<char>(byte0));
  const unsigned mask_bit = mask_key.empty() ? 0 : 0x80;
  if (payload.size() < 126) {
    out += static_cast<char>(mask_bit | payload.size());
  } else if (payload.size() < 65536) {
    out += static_cast<char>(mask_bit | 126);
    out += static_cast<char>(payload.size() >> 8);
    out += static_cast<char>(payload.size() & 0xff);
  } else {
    out += static_cast<char>(mask_bit | 127);
    for (int shift = 56; shift >= 0; shift -= 8) {
      out += static_cast<char>((static_cast<std::uint64_t>(payload.size()) >> shift) & 0xff);
    }
  }
  if (mask_key.empty()) return out + std::string(payload);
  out += mask_key;
  for (std::size_t i = 0; i < payload.size(); ++i) out += payload[i] ^ mask_key[i % 4];
  return out;
}

constexpr unsigned kFin = 0x80;
constexpr unsigned kText = 0x1;
constexpr unsigned kBinary = 0x2;
constexpr unsigned kClose = 0x8;
constexpr unsigned kPing = 0x9;
constexpr unsigned kPong = 0xa;

std::string frame(unsigned opcode, std::string_view payload) {
  return raw_frame(kFin | opcode, payload);
}

std::string close_payload(int code, std::string_view reason = "") {
  std::string out;
  out += static_cast<char>(code >> 8);
  out += static_cast<char>(code & 0xff);
  return out + std::string(reason);
}

int close_code_of(const std::string& payload) {
  if (payload.size() < 2) return 1005;
  return (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
}

// A frame the client sent, unmasked; `masked` tells whether it was (RFC 6455 5.3: always).
struct ClientFrame {
  unsigned opcode = 0;
  bool fin = false;
  bool masked = false;
  std::string payload;
};

Task<ClientFrame> read_client_frame(corio::net::StreamReader& reader) {
  const std::string head = co_await reader.readexactly(2);
  ClientFrame frame;
  frame.fin = (head[0] & 0x80) != 0;
  frame.opcode = head[0] & 0x0f;
  frame.masked = (head[1] & 0x80) != 0;
  std::uint64_t length = head[1] & 0x7f;
  if (length >= 126) {
    const std::string extended = co_await reader.readexactly(length == 126 ? 2 : 8);
    length = 0;
    for (char c : extended) length = (length << 8) | static_cast<unsigned char>(c);
  }
  std::string mask(4, '\0');
  if (frame.masked) mask = co_await reader.readexactly(4);
  frame.payload = co_await reader.readexactly(length);
  for (std::size_t i = 0; i < frame.payload.size(); ++i) frame.payload[i] ^= mask[i % 4];
  co_return frame;
}

// What a frame server saw of its (last) client.
struct Peer {
  std::vector<ClientFrame> frames;   // every frame the client sent, its close frame last
  bool client_closed_first = false;  // TCP EOF from the client before the server closed
};

// After a valid handshake, writes `script`; then records the client's frames, answering pings
// with pongs, until the client's close frame; echoes that (as servers do), waits `linger`
// for the client to close TCP first (it should not), and closes TCP.
Task<corio::net::Server> frame_server(std::string script, std::shared_ptr<Peer> peer,
                                      std::chrono::milliseconds linger = 0ms) {
  return corio::net::start_server(
      [script, peer, linger](corio::net::StreamReader reader,
                             corio::net::StreamWriter writer) -> Task<> {
        const std::string head = co_await reader.readuntil("\r\n\r\n");
        writer.write(switching(accept_for(request_key(head))));
        co_await writer.drain();
        writer.write(script);
        co_await writer.drain();
        try {
          for (;;) {
            ClientFrame received = co_await read_client_frame(reader);
            peer->frames.push_back(received);
            if (received.opcode == kPing) writer.write(frame(kPong, received.payload));
            if (received.opcode == kClose) break;
          }
          writer.write(frame(kClose, peer->frames.back().payload));
          co_await writer.drain();
          if (linger > 0ms) {
            try {
              const std::string rest = co_await corio::wait_for(reader.read(), linger);
              peer->client_closed_first = rest.empty();
            } catch (const corio::TimeoutError&) {
            }
          }
        } catch (const corio::net::IncompleteReadError&) {
          peer->client_closed_first = true;
        }
        writer.close();
      },
      "127.0.0.1", 0);
}

WebSocketOptions frame_options() {
  WebSocketOptions options = no_keepalive();
  options.close_timeout = 5s;
  return options;
}

// Connects to a frame server playing `script`, takes the messages that come before the bad
// frame, and expects the client to fail the connection: recv() raises ConnectionClosedError,
// the client sent a close frame with `code` (and the server saw it), and what() names
// `problem`.
Task<> expect_failure(std::string script, int code, std::string problem) {
  auto peer = std::make_shared<Peer>();
  auto server = co_await frame_server(std::move(script), peer);
  WebSocket socket = co_await WebSocket::connect(url_of(server), frame_options());
  bool raised = false;
  try {
    for (int i = 0; i < 10; ++i) co_await socket.recv();
  } catch (const ConnectionClosedError& error) {
    raised = true;
    EXPECT_TRUE(error.sent().has_value()) << error.what();
    if (error.sent()) {
      EXPECT_EQ(error.sent()->code, code) << error.what();
    }
    EXPECT_NE(std::string(error.what()).find(problem), std::string::npos)
        << "'" << error.what() << "' does not name '" << problem << "'";
  }
  EXPECT_TRUE(raised) << "recv() never raised ConnectionClosedError";
  EXPECT_TRUE(socket.closed());
  EXPECT_FALSE(peer->frames.empty());
  if (!peer->frames.empty()) {
    EXPECT_EQ(peer->frames.back().opcode, kClose);
    EXPECT_EQ(close_code_of(peer->frames.back().payload), code);
  }
  server.close_clients();
  co_await server.wait_closed();
}

}  // namespace

TEST(WebSocketFrames, InvalidUtf8TextFailsWith1007) {
  corio::run([]() -> Task<> {
    co_await expect_failure(frame(kText, "\xff"), 1007, "invalid UTF-8");
    co_await expect_failure(frame(kText, "\xed\xa0\x80"), 1007, "invalid UTF-8");  // surrogate
    co_await expect_failure(frame(kText, "\xc0\xaf"), 1007, "invalid UTF-8");      // overlong '/'
    // Each fragment alone could start or end valid UTF-8; together they are not.
    co_await expect_failure(raw_frame(kText, "ok \xc3") + raw_frame(kFin, "x"), 1007,
                            "invalid UTF-8");
  });
}

TEST(WebSocketFrames, Utf8SplitAcrossFragmentsIsReassembled) {
  corio::run([]() -> Task<> {
    auto peer = std::make_shared<Peer>();
    // "é" (C3 A9) and "€" (E2 82 AC) each cut between fragments.
    auto server = co_await frame_server(
        raw_frame(kText, "caf\xc3") + raw_frame(0, "\xa9 \xe2") + raw_frame(kFin, "\x82\xac"),
        peer);
    WebSocket socket = co_await WebSocket::connect(url_of(server), frame_options());
    WebSocketMessage message = co_await socket.recv();
    EXPECT_EQ(message.data, "café €");
    EXPECT_TRUE(message.is_text());
    co_await socket.close();
    EXPECT_EQ(socket.close_code(), 1000);
    server.close_clients();
    co_await server.wait_closed();
  });
}

TEST(WebSocketFrames, CloseFrameWithOneBytePayloadIsAProtocolError) {
  corio::run([]() -> Task<> {
    co_await expect_failure(frame(kClose, "\x03"), 1002, "close frame too short");
  });
}

TEST(WebSocketFrames, CloseCodesNotAllowedOnTheWireAreProtocolErrors) {
  corio::run([]() -> Task<> {
    for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
      SCOPED_TRACE(code);
      co_await expect_failure(frame(kClose, close_payload(code)), 1002,
                              "invalid close code " + std::to_string(code));
    }
  });
}

TEST(WebSocketFrames, RegisteredCloseCodesAreEchoed) {
  corio::run([]() -> Task<> {
    for (int code : {1001, 1003, 1011, 1012, 1013, 1014, 3000, 4999}) {
      SCOPED_TRACE(code);
      auto peer = std::make_shared<Peer>();
      auto server = co_await frame_server(frame(kClose, close_payload(code, "why")), peer);
      WebSocket socket = co_await WebSocket::connect(url_of(server), frame_options());
      try {
        co_await socket.recv();
        ADD_FAILURE() << "recv() returned";
      } catch (const ConnectionClosed& error) {
        EXPECT_EQ(error.code(), code) << error.what();
        EXPECT_EQ(error.reason(), "why");
        EXPECT_EQ(error.sent(), (corio::http::CloseFrame{code, "why"}));
      }
      EXPECT_EQ(socket.close_code(), code);
      EXPECT_EQ(peer->frames.size(), 1u);
      if (!peer->frames.empty()) {
        EXPECT_EQ(peer->frames[0].payload, close_payload(code, "why"));
      }
      server.close_clients();
      co_await server.wait_closed();
    }
  });
}

TEST(WebSocketFrames, ServiceRestartIsNamedInTheError) {
  corio::run([]() -> Task<> {
    auto peer = std::make_shared<Peer>();
    auto server = co_await frame_server(frame(kClose, close_payload(1012)), peer);
    WebSocket socket = co_await WebSocket::connect(url_of(server), frame_options());
    try {
      co_await socket.recv();
      ADD_FAILURE() << "recv() returned";
    } catch (const ConnectionClosedError& error) {
      EXPECT_STREQ(error.what(),
                   "received 1012 (service restart); then sent 1012 (service restart)");
    }
    server.close_clients();
    co_await server.wait_closed();
  });
}

TEST(WebSocketFrames, CloseReasonMustBeUtf8) {
  corio::run([]() -> Task<> {
    co_await expect_failure(frame(kClose, close_payload(1000, "bad \xff")), 1007,
                            "invalid UTF-8 in the close reason");
  });
}

// wslay's buffer is 4096 bytes: here the close frame's reason is cut by it, right after the
// first byte of "é".
TEST(WebSocketFrames, CloseReasonIsCheckedWhole) {
  corio::run([]() -> Task<> {
    auto peer = std::make_shared<Peer>();
    const std::string before = raw_frame(kFin | kBinary, std::string(4087, 'b'));
    auto server = co_await frame_server(before + frame(kClose, close_payload(1001, "éxy")), peer);
    WebSocket socket = co_await WebSocket::connect(url_of(server), frame_options());
    WebSocketMessage message = co_await socket.recv();
    EXPECT_EQ(message.data.size(), 4087u);
    try {
      co_await socket.recv();
      ADD_FAILURE() << "recv() returned";
    } catch (const ConnectionClosedOK& error) {
      EXPECT_EQ(error.code(), 1001);
      EXPECT_EQ(error.reason(), "éxy");
    } catch (const ConnectionClosedError& error) {
      ADD_FAILURE() << error.what();
    }
    server.close_clients();
    co_await server.wait_closed();
  });
}

TEST(WebSocketFrames, ServerCloseIsEchoedAndTheClientWaitsForTheServerToCloseTcp) {
  corio::run([]() -> Task<> {
    auto peer = std::make_shared<Peer>();
    auto server = co_await frame_server(frame(kClose, close_payload(1000, "bye")), peer, 300ms);
    WebSocket socket = co_await WebSocket::connect(url_of(server), frame_options());
    try {
      co_await socket.recv();
      ADD_FAILURE() << "recv() returned";
    } catch (const ConnectionClosedOK& error) {
      EXPECT_STREQ(error.what(), "received 1000 (OK) bye; then sent 1000 (OK) bye");
    }
    EXPECT_TRUE(socket.closed());
    EXPECT_EQ(peer->frames.size(), 1u);
    if (!peer->frames.empty()) {
      EXPECT_TRUE(peer->frames[0].masked);
      EXPECT_EQ(peer->frames[0].payload, close_payload(1000, "bye"));
    }
    EXPECT_FALSE(peer->client_closed_first);
    server.close_clients();
    co_await server.wait_closed();
  });
}

TEST(WebSocketFrames, ClientCloseWaitsForTheServerToCloseTcp) {
  corio::run([]() -> Task<> {
    auto peer = std::make_shared<Peer>();
    auto server = co_await frame_server("", peer, 300ms);
    WebSocket socket = co_await WebSocket::connect(url_of(server), frame_options());
    const auto start = std::chrono::steady_clock::now();
    co_await socket.close(1000, "done");
    EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);  // the server's linger
    EXPECT_TRUE(socket.closed());
    EXPECT_EQ(socket.close_code(), 1000);
    EXPECT_FALSE(peer->client_closed_first);
    EXPECT_THROW(co_await socket.send("late"), ConnectionClosedOK);
    server.close_clients();
    co_await server.wait_closed();
  });
}

TEST_F(WebSocketAgainstPython, CloseWhileRecvIsParkedEndsTheRecv) {
  corio::run([&]() -> Task<> {
    WebSocket socket = co_await WebSocket::connect(ws("/echo"));
    auto waiting = corio::spawn(
        [&socket]() -> Task<> { EXPECT_THROW(co_await socket.recv(), ConnectionClosedOK); });
    co_await corio::yield_now();
    co_await corio::yield_now();
    co_await socket.close();
    co_await waiting;
    EXPECT_EQ(socket.close_code(), 1000);
  });
}

TEST_F(WebSocketAgainstPython, CloseTwiceAndSendAfterClose) {
  corio::run([&]() -> Task<> {
    WebSocket socket = co_await WebSocket::connect(ws("/echo"));
    auto first = corio::spawn([&socket]() -> Task<> { co_await socket.close(); });
    auto second = corio::spawn([&socket]() -> Task<> { co_await socket.close(4000, "ignored"); });
    co_await first;
    co_await second;
    EXPECT_TRUE(socket.closed());
    EXPECT_EQ(socket.close_code(), 1000);  // the first close() chose the code
    co_await socket.close();               // closed: a no-op
    EXPECT_THROW(co_await socket.send("late"), ConnectionClosedOK);
    EXPECT_THROW(co_await socket.send_binary(std::string_view("late")), ConnectionClosedOK);
    EXPECT_THROW(co_await socket.recv(), ConnectionClosedOK);
  });
}

TEST(WebSocketFrames, ControlFrameOver125BytesIsAProtocolError) {
  corio::run([]() -> Task<> {
    co_await expect_failure(frame(kPing, std::string(126, 'p')), 1002, "control frame too long");
    co_await expect_failure(frame(kClose, close_payload(1000, std::string(124, 'r'))), 1002,
                            "control frame too long");
  });
}

TEST(WebSocketFrames, FragmentedControlFrameIsAProtocolError) {
  corio::run([]() -> Task<> {
    co_await expect_failure(raw_frame(kPing, "p") + raw_frame(kFin, "q"), 1002,
                            "fragmented control frame");
  });
}

TEST(WebSocketFrames, PingInsideAFragmentedMessageIsAnsweredAndTheMessageReassembles) {
  corio::run([]() -> Task<> {
    auto peer = std::make_shared<Peer>();
    auto server = co_await frame_server(raw_frame(kText, "ab") + frame(kPing, "in between") +
                                            raw_frame(0, "cd") + raw_frame(kFin, "ef"),
                                        peer);
    WebSocket socket = co_await WebSocket::connect(url_of(server), frame_options());
    WebSocketMessage message = co_await socket.recv();
    EXPECT_EQ(message, (WebSocketMessage{"abcdef", false}));
    co_await socket.close();
    EXPECT_EQ(peer->frames.size(), 2u);
    if (peer->frames.size() == 2) {
      EXPECT_EQ(peer->frames[0].opcode, kPong);
      EXPECT_TRUE(peer->frames[0].masked);
      EXPECT_EQ(peer->frames[0].payload, "in between");
      EXPECT_EQ(peer->frames[1].opcode, kClose);
    }
    server.close_clients();
    co_await server.wait_closed();
  });
}

TEST(WebSocketFrames, UnsolicitedPongIsIgnored) {
  corio::run([]() -> Task<> {
    auto peer = std::make_shared<Peer>();
    auto server = co_await frame_server(frame(kPong, "nobody asked") + frame(kText, "after"), peer);
    WebSocket socket = co_await WebSocket::connect(url_of(server), frame_options());
    WebSocketMessage message = co_await socket.recv();
    EXPECT_EQ(message.data, "after");
    EXPECT_TRUE(socket.open());
    const auto rtt = co_await socket.ping("mine");  // the fake answers pings
    EXPECT_GT(rtt.count(), 0);
    co_await socket.close();
    EXPECT_EQ(socket.close_code(), 1000);
    server.close_clients();
    co_await server.wait_closed();
  });
}

TEST_F(WebSocketAgainstPython, ConcurrentPingsEachReturnWithTheirPong) {
  int done = 0;
  corio::run([&]() -> Task<> {
    WebSocket socket = co_await WebSocket::connect(ws("/echo"));
    std::vector<corio::JoinHandle<void>> pings;
    for (int i = 0; i < 5; ++i) {
      pings.push_back(corio::spawn([&socket, &done, i]() -> Task<> {
        const auto rtt = co_await socket.ping("ping " + std::to_string(i));
        EXPECT_GT(rtt.count(), 0);
        ++done;
      }));
      pings.push_back(corio::spawn([&socket, &done]() -> Task<> {
        co_await socket.ping();  // random payload
        ++done;
      }));
    }
    for (auto& ping : pings) co_await ping;
    co_await socket.close();
  });
  EXPECT_EQ(done, 10);
}

TEST(WebSocketFrames, ReservedBitsWithoutAnExtensionAreAProtocolError) {
  corio::run([]() -> Task<> {
    for (unsigned rsv : {0x40u, 0x20u, 0x10u}) {
      SCOPED_TRACE(rsv);
      co_await expect_failure(raw_frame(kFin | rsv | kText, "x"), 1002, "reserved bits");
    }
  });
}

TEST(WebSocketFrames, UnknownOpcodesAreAProtocolError) {
  corio::run([]() -> Task<> {
    for (unsigned opcode : {3u, 4u, 5u, 6u, 7u, 11u, 12u, 13u, 14u, 15u}) {
      SCOPED_TRACE(opcode);
      co_await expect_failure(frame(opcode, "x"), 1002, "invalid opcode " + std::to_string(opcode));
    }
  });
}

TEST(WebSocketFrames, FragmentSequenceErrorsAreProtocolErrors) {
  corio::run([]() -> Task<> {
    co_await expect_failure(raw_frame(kFin, "orphan"), 1002, "unexpected continuation frame");
    co_await expect_failure(raw_frame(kText, "begun") + frame(kText, "new"), 1002,
                            "expected a continuation frame");
    co_await expect_failure(raw_frame(kBinary, "begun") + frame(kBinary, "new"), 1002,
                            "expected a continuation frame");
  });
}

TEST(WebSocketFrames, MaskedFrameFromTheServerIsAProtocolError) {
  corio::run([]() -> Task<> {
    co_await expect_failure(raw_frame(kFin | kText, "hidden", "abcd"), 1002, "masked frame");
  });
}

TEST(WebSocketFrames, MaxSizeAppliesToTheReassembledMessage) {
  corio::run([]() -> Task<> {
    auto peer = std::make_shared<Peer>();
    auto server = co_await frame_server(
        raw_frame(kBinary, std::string(600, 'a')) + raw_frame(kFin, std::string(600, 'b')), peer);
    WebSocketOptions options = frame_options();
    options.max_size = 1000;
    WebSocket socket = co_await WebSocket::connect(url_of(server), std::move(options));
    try {
      co_await socket.recv();
      ADD_FAILURE() << "recv() returned an oversized message";
    } catch (const ConnectionClosedError& error) {
      EXPECT_TRUE(error.sent().has_value());
      if (error.sent()) {
        EXPECT_EQ(error.sent()->code, 1009) << error.what();
      }
    }
    EXPECT_FALSE(peer->frames.empty());
    if (!peer->frames.empty()) {
      EXPECT_EQ(close_code_of(peer->frames.back().payload), 1009);
    }
    server.close_clients();
    co_await server.wait_closed();
  });
}

TEST(WebSocketFrames, HugeAnnouncedLengthIsRefusedWithoutAllocating) {
  corio::run([]() -> Task<> {
    // 2^63-1 bytes announced, none sent: refused from the header alone.
    co_await expect_failure(std::string("\x82\x7f\x7f\xff\xff\xff\xff\xff\xff\xff", 10), 1009,
                            "message too big");
    // The most significant bit of a 64-bit length must be 0 (RFC 6455 5.2).
    co_await expect_failure(std::string("\x82\x7f\xff\xff\xff\xff\xff\xff\xff\xff", 10), 1002,
                            "invalid frame length");
  });
}
