// tests/integration/websocket_test.cpp — corio::http::WebSocket against a real Python
// `websockets` 10.4 server (ws:// and wss:// with the test CA) started by the test, and
// against fake servers written here with corio::net::start_server for broken handshakes.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <corio/http/websocket.hpp>
#include <corio/net.hpp>
#include <corio/run.hpp>
#include <corio/sleep.hpp>
#include <corio/spawn.hpp>

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
      EXPECT_EQ(error.sent(), (corio::http::CloseFrame{1009, ""}));
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

Task<corio::net::Server> fake_server(Answer answer, After after) {
  return corio::net::start_server(
      [answer, after](corio::net::StreamReader reader, corio::net::StreamWriter writer) -> Task<> {
        const std::string head = co_await reader.readuntil("\r\n\r\n");
        writer.write(answer(head));
        co_await writer.drain();
        if (after) co_await after(reader, writer);
        const std::string rest = co_await reader.read();  // until the client closes
        writer.close();
      },
      "127.0.0.1", 0);
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
