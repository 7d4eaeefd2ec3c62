// tests/unit/net_connect_test.cpp — tests for include/corio/net/connect.hpp (Happy Eyeballs)
// with real sockets on 127.0.0.1 and ::1 and names served by FakeDnsServer.
//
// An attempt that hangs is a connect to a listener whose accept queue is full (backlog 0,
// one connection waiting): the kernel drops the SYNs, so the attempt stays pending without
// any loop timer, and the virtual clock can measure the staggering exactly.
#include <gtest/gtest.h>
#include <corio/net.hpp>

#include <cerrno>
#include <chrono>
#include <string>
#include <vector>

#include "net_test_support.hpp"

using namespace std::chrono_literals;
using corio::net::connect_tcp;
using corio::net::ConnectAttemptsError;
using corio::net::SocketAddress;
using corio::net::TcpListener;
using corio::net::TcpStream;
using corio_test::Blackhole;
using corio_test::blackhole;
using corio_test::FakeDnsServer;
using corio_test::open_fd_count;

// g++ 12 mishandles braced temporaries in a full-expression that holds a co_await: it rejects
// a std::initializer_list ("array used as initializer") and destroys an aggregate such as
// ConnectOptions{...} twice. Lists and options are therefore built by statements or helpers
// of their own.

namespace {

using Addresses = std::vector<SocketAddress>;

// Options that resolve names with `dns` only.
corio::net::ConnectOptions resolving_with(const FakeDnsServer& dns) {
  corio::net::ConnectOptions options;
  options.resolve.servers.push_back(dns.address());
  return options;
}

// A port nobody listens on (for the family of `ip`).
SocketAddress closed_port(const char* ip) {
  auto listener = TcpListener::bind(SocketAddress::parse(ip, 0), {.reuse_address = false});
  return listener.local_address();
}

SocketAddress with_ip(const char* ip, std::uint16_t port) {
  return SocketAddress::parse(ip, port);
}

}  // namespace

TEST(ConnectTcp, IpLiteralConnectsWithoutDns) {
  corio::run([]() -> corio::Task<> {
    auto listener = TcpListener::bind(SocketAddress::parse("::1", 0));
    TcpStream stream = co_await connect_tcp("::1", listener.local_address().port());
    EXPECT_EQ(stream.peer_address(), listener.local_address());
    TcpStream accepted = co_await listener.accept();
    EXPECT_EQ(accepted.peer_address(), stream.local_address());
  });
}

// The name resolves to [::1 (nothing listening), 127.0.0.1 (listening)]: the refused IPv6
// attempt starts the IPv4 one at once, long before the hour-long delay.
TEST(ConnectTcp, NameWithAClosedAndAnOpenAddressReachesTheOpenOne) {
  corio::run([]() -> corio::Task<> {
    auto listener = TcpListener::bind(SocketAddress::parse("127.0.0.1", 0));
    const std::uint16_t port = listener.local_address().port();
    FakeDnsServer dns({{"dual.corio.test", {.addresses = {"::1", "127.0.0.1"}}}});
    co_await dns.serve_during([&]() -> corio::Task<> {
      auto options = resolving_with(dns);
      options.happy_eyeballs_delay = 1h;
      options.timeout = 60s;
      TcpStream stream = co_await connect_tcp("dual.corio.test", port, options);
      EXPECT_EQ(stream.peer_address(), with_ip("127.0.0.1", port));
      TcpStream accepted = co_await listener.accept();
      EXPECT_EQ(accepted.peer_address(), stream.local_address());
    });
  });
}

TEST(ConnectTcp, AttemptsStartOneDelayApartAndTheFirstConnectionWins) {
  const int before = open_fd_count();
  corio::run(
      []() -> corio::Task<> {
        Blackhole hang6 = co_await blackhole("::1");
        Blackhole hang4 = co_await blackhole("127.0.0.1");
        auto open6 = TcpListener::bind(SocketAddress::parse("::1", 0));
        const Addresses addresses{hang6.address(), hang4.address(), open6.local_address()};
        corio::Loop& loop = corio::Loop::current();
        const auto start = loop.now();
        const corio::net::ConnectOptions options{.happy_eyeballs_delay = 250ms};
        TcpStream stream = co_await connect_tcp(addresses, options);
        EXPECT_EQ(loop.now() - start, 500ms);  // the third attempt started after two delays
        EXPECT_EQ(stream.peer_address(), open6.local_address());
      },
      {.virtual_time = true});
  EXPECT_EQ(open_fd_count(), before);  // the losing attempts' sockets were closed
}

TEST(ConnectTcp, FamiliesAlternateStartingWithTheFirstAddresssFamily) {
  corio::run([]() -> corio::Task<> {
    const SocketAddress v6a = closed_port("::1");
    const SocketAddress v6b = closed_port("::1");
    const SocketAddress v4a = closed_port("127.0.0.1");
    const SocketAddress v4b = closed_port("127.0.0.1");
    auto order_tried = [](Addresses addresses) -> corio::Task<Addresses> {
      Addresses tried;
      try {
        const corio::net::ConnectOptions sequential{.happy_eyeballs_delay = 1h};
        co_await connect_tcp(std::move(addresses), sequential);
        ADD_FAILURE() << "connected to a closed port";
      } catch (const ConnectAttemptsError& e) {
        for (const auto& attempt : e.attempts()) tried.push_back(attempt.address);
      }
      co_return tried;
    };
    const Addresses v6_first{v6a, v6b, v4a, v4b};
    const Addresses v4_first{v4a, v6a, v6b, v4b};
    const Addresses more_v6{v6a, v6b, v4a};
    const Addresses v6_first_order{v6a, v4a, v6b, v4b};
    const Addresses v4_first_order{v4a, v6a, v4b, v6b};
    const Addresses more_v6_order{v6a, v4a, v6b};
    EXPECT_EQ(co_await order_tried(v6_first), v6_first_order);
    EXPECT_EQ(co_await order_tried(v4_first), v4_first_order);
    EXPECT_EQ(co_await order_tried(more_v6), more_v6_order);
  });
}

TEST(ConnectTcp, EveryAddressRefusedRaisesOneErrorNamingThemAll) {
  corio::run([]() -> corio::Task<> {
    const std::uint16_t port = closed_port("127.0.0.1").port();
    FakeDnsServer dns({{"dual.corio.test", {.addresses = {"::1", "127.0.0.1"}}}});
    co_await dns.serve_during([&]() -> corio::Task<> {
      try {
        co_await connect_tcp("dual.corio.test", port, resolving_with(dns));
        ADD_FAILURE() << "connected to a closed port";
      } catch (const corio::net::ConnectionError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("dual.corio.test:" + std::to_string(port)), std::string::npos) << what;
        EXPECT_NE(what.find(with_ip("::1", port).to_string()), std::string::npos) << what;
        EXPECT_NE(what.find(with_ip("127.0.0.1", port).to_string()), std::string::npos) << what;
        EXPECT_EQ(e.code().value(), ECONNREFUSED);
        const auto* all = dynamic_cast<const ConnectAttemptsError*>(&e);
        EXPECT_TRUE(all != nullptr && all->attempts().size() == 2) << what;
      }
    });
  });
}

TEST(ConnectTcp, SingleAddressRaisesItsOwnError) {
  corio::run([]() -> corio::Task<> {
    const SocketAddress closed = closed_port("127.0.0.1");
    EXPECT_THROW(co_await connect_tcp("127.0.0.1", closed.port()),
                 corio::net::ConnectionRefusedError);
    try {
      co_await connect_tcp(Addresses(1, closed));
    } catch (const ConnectAttemptsError&) {
      ADD_FAILURE() << "a single failure was wrapped";
    } catch (const corio::net::ConnectionRefusedError& e) {
      EXPECT_NE(std::string(e.what()).find(closed.to_string()), std::string::npos) << e.what();
    }
  });
}

TEST(ConnectTcp, NameThatDoesNotResolveRaisesDnsError) {
  corio::run([]() -> corio::Task<> {
    FakeDnsServer dns({});
    co_await dns.serve_during([&]() -> corio::Task<> {
      EXPECT_THROW(co_await connect_tcp("nowhere.corio.test", 80, resolving_with(dns)),
                   corio::net::DnsError);
    });
  });
}

TEST(ConnectTcp, TimeoutCoversEveryAttempt) {
  const int before = open_fd_count();
  corio::run(
      []() -> corio::Task<> {
        Blackhole hang6 = co_await blackhole("::1");
        Blackhole hang4 = co_await blackhole("127.0.0.1");
        const Addresses addresses{hang6.address(), hang4.address()};
        corio::Loop& loop = corio::Loop::current();
        const auto start = loop.now();
        const corio::net::ConnectOptions options{.happy_eyeballs_delay = 250ms, .timeout = 1s};
        EXPECT_THROW(co_await connect_tcp(addresses, options), corio::TimeoutError);
        EXPECT_EQ(loop.now() - start, 1s);
      },
      {.virtual_time = true});
  EXPECT_EQ(open_fd_count(), before);
}

// Real time: the refusal must have arrived (the first attempt is over) when the deadline
// passes; the hour-long delay makes the second attempt wait for it.
TEST(ConnectTcp, TimeoutAfterAnAttemptFailedCancelsTheOthers) {
  const int before = open_fd_count();
  corio::run([]() -> corio::Task<> {
    Blackhole hang4 = co_await blackhole("127.0.0.1");
    const Addresses addresses{closed_port("::1"), hang4.address()};
    const corio::net::ConnectOptions options{.happy_eyeballs_delay = 1h, .timeout = 200ms};
    EXPECT_THROW(co_await connect_tcp(addresses, options), corio::TimeoutError);
  });
  EXPECT_EQ(open_fd_count(), before);
}

TEST(ConnectTcp, CancellingWhileAttemptsAreInFlightLeaksNoDescriptor) {
  const int before = open_fd_count();
  corio::run(
      []() -> corio::Task<> {
        Blackhole hang6 = co_await blackhole("::1");
        Blackhole hang4 = co_await blackhole("127.0.0.1");
        const Addresses addresses{hang6.address(), hang4.address()};
        auto connecting = corio::spawn(connect_tcp(addresses, {.happy_eyeballs_delay = 250ms}));
        co_await corio::sleep(300ms);  // both attempts are in flight now
        EXPECT_FALSE(connecting.done());
        connecting.cancel();
        EXPECT_THROW(co_await connecting, corio::CancelledError);
      },
      {.virtual_time = true});
  EXPECT_EQ(open_fd_count(), before);
}

TEST(ConnectTcp, CancellingDuringResolutionLeaksNoDescriptor) {
  const int before = open_fd_count();
  corio::run([]() -> corio::Task<> {
    FakeDnsServer dns({{"silent.corio.test", {.silent = true}}});
    co_await dns.serve_during([&]() -> corio::Task<> {
      auto connecting = corio::spawn(connect_tcp("silent.corio.test", 80, resolving_with(dns)));
      co_await dns.query_arrived().wait();
      connecting.cancel();
      EXPECT_THROW(co_await connecting, corio::CancelledError);
    });
  });
  EXPECT_EQ(open_fd_count(), before);
}

TEST(ConnectTcp, BadArgumentsAreRejected) {
  corio::run([]() -> corio::Task<> {
    EXPECT_THROW(co_await connect_tcp(Addresses()), std::invalid_argument);
    const Addresses not_ip(1, SocketAddress::unix_path("/tmp/x"));
    EXPECT_THROW(co_await connect_tcp(not_ip), std::invalid_argument);
    const corio::net::ConnectOptions negative_delay{.happy_eyeballs_delay = -1ms};
    EXPECT_THROW(co_await connect_tcp("127.0.0.1", 80, negative_delay), std::invalid_argument);
    EXPECT_THROW(co_await connect_tcp("", 80), std::invalid_argument);
  });
}
