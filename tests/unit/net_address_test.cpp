// tests/unit/net_address_test.cpp — tests for include/corio/net/address.hpp.
#include <gtest/gtest.h>
#include <corio/net/address.hpp>

#include <stdexcept>
#include <string>

using corio::net::SocketAddress;

TEST(SocketAddress, ParsesAndFormatsIpv4) {
  auto a = SocketAddress::parse("127.0.0.1", 8080);
  EXPECT_TRUE(a.is_ipv4());
  EXPECT_EQ(a.port(), 8080);
  EXPECT_EQ(a.ip(), "127.0.0.1");
  EXPECT_EQ(a.to_string(), "127.0.0.1:8080");
}

TEST(SocketAddress, ParsesAndFormatsIpv6WithBrackets) {
  auto a = SocketAddress::parse("[::1]:443");
  EXPECT_TRUE(a.is_ipv6());
  EXPECT_EQ(a.port(), 443);
  EXPECT_EQ(a.to_string(), "[::1]:443");
  EXPECT_EQ(SocketAddress::parse("2001:db8::1", 1).ip(), "2001:db8::1");
}

TEST(SocketAddress, RejectsMalformedInputWithAMessageNamingIt) {
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  EXPECT_EQ(message([] { SocketAddress::parse("999.1.1.1", 1); }),
            "invalid IP address '999.1.1.1'");
  EXPECT_EQ(message([] { SocketAddress::parse("", 1); }), "empty IP address");
  EXPECT_EQ(message([] { SocketAddress::parse("example.com", 80); }),
            "invalid IP address 'example.com'");
  EXPECT_EQ(message([] { SocketAddress::parse("1.2.3.4:70000"); }),
            "port 70000 out of range 0-65535");
  EXPECT_EQ(message([] { SocketAddress::parse("1.2.3.4:http"); }), "invalid port 'http'");
  EXPECT_EQ(message([] { SocketAddress::parse("::1:80"); }),
            "invalid address '::1:80': expected IPv4:port or [IPv6]:port");
  EXPECT_EQ(message([] { SocketAddress::parse("[::1]80"); }),
            "invalid address '[::1]80': expected [IPv6]:port");
  EXPECT_EQ(message([] { SocketAddress::checked_port(-1); }), "port -1 out of range 0-65535");
}

// A '%' announces a zone (scope id); without one the text is no address (as for
// getaddrinfo and Python's ipaddress), not the unscoped address.
TEST(SocketAddress, RejectsAnEmptyIpv6Zone) {
  EXPECT_THROW(SocketAddress::parse("fe80::1%", 80), std::invalid_argument);
  EXPECT_THROW(SocketAddress::parse("[fe80::1%]:80"), std::invalid_argument);
  EXPECT_EQ(SocketAddress::parse("fe80::1%1", 80).to_string(),
            SocketAddress::parse("[fe80::1%1]:80").to_string());
}

TEST(SocketAddress, UnixPathsIncludingAbstractNames) {
  auto a = SocketAddress::unix_path("/tmp/x.sock");
  EXPECT_TRUE(a.is_unix());
  EXPECT_EQ(a.to_string(), "unix:/tmp/x.sock");
  EXPECT_EQ(SocketAddress::unix_path("@corio").ip(), "@corio");
  EXPECT_THROW(SocketAddress::unix_path(std::string(200, 'a')), std::invalid_argument);
  EXPECT_THROW(SocketAddress::unix_path(""), std::invalid_argument);
}

// sun_path has 108 bytes: a path's 107 and its NUL, or an abstract name's NUL and its 107.
TEST(SocketAddress, AbstractNamesAndPathsBothTake107Bytes) {
  const auto path = SocketAddress::unix_path("/" + std::string(106, 'p'));
  EXPECT_EQ(path.native_size(), sizeof(sockaddr_un));
  const auto abstract = SocketAddress::unix_path("@" + std::string(107, 'a'));
  EXPECT_EQ(abstract.native_size(), sizeof(sockaddr_un));
  EXPECT_EQ(abstract.ip(), "@" + std::string(107, 'a'));
  EXPECT_THROW(SocketAddress::unix_path("/" + std::string(107, 'p')), std::invalid_argument);
  EXPECT_THROW(SocketAddress::unix_path("@" + std::string(108, 'a')), std::invalid_argument);
}

TEST(SocketAddress, EqualityComparesFamilyAddressAndPort) {
  EXPECT_EQ(SocketAddress::parse("10.0.0.1", 5), SocketAddress::parse("10.0.0.1:5"));
  EXPECT_FALSE(SocketAddress::parse("10.0.0.1", 5) == SocketAddress::parse("10.0.0.1", 6));
}
