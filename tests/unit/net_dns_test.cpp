// tests/unit/net_dns_test.cpp — tests for include/corio/net/dns.hpp against a real DNS server
// on loopback (FakeDnsServer, real UDP and real DNS messages) and the system's /etc/hosts.
#include <gtest/gtest.h>
#include <corio/net.hpp>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "net_test_support.hpp"

// LeakSanitizer runs with AddressSanitizer (the debug preset); the leak test asks it directly.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CORIO_TEST_LSAN 1
#endif
#elif defined(__SANITIZE_ADDRESS__)
#define CORIO_TEST_LSAN 1
#endif
#ifdef CORIO_TEST_LSAN
#include <sanitizer/lsan_interface.h>
#endif

using namespace std::chrono_literals;
using corio::net::DnsError;
using corio::net::resolve;
using corio::net::SocketAddress;
using corio_test::DnsEntry;
using corio_test::FakeDnsServer;
using corio_test::open_fd_count;

// g++ 12 mishandles braced temporaries in a full-expression that holds a co_await: it rejects
// a std::initializer_list ("array used as initializer") and destroys an aggregate such as
// ResolveOptions{...} twice. Lists and options are therefore built by statements or helpers
// of their own.

namespace {

using Addresses = std::vector<SocketAddress>;

SocketAddress at(const char* ip, std::uint16_t port) {
  return SocketAddress::parse(ip, port);
}
Addresses one(const char* ip, std::uint16_t port) {
  return Addresses(1, at(ip, port));
}

corio::net::ResolveOptions family(int family) {
  corio::net::ResolveOptions options;
  options.family = family;
  return options;
}

// Options that send every query to `dns`.
corio::net::ResolveOptions asking(const FakeDnsServer& dns, int family = AF_UNSPEC) {
  corio::net::ResolveOptions options;
  options.family = family;
  options.servers.push_back(dns.address());
  return options;
}

bool same_set(Addresses a, Addresses b) {
  auto less = [](const SocketAddress& x, const SocketAddress& y) {
    return x.to_string() < y.to_string();
  };
  std::sort(a.begin(), a.end(), less);
  std::sort(b.begin(), b.end(), less);
  return a == b;
}

std::string repeat(char c, std::size_t n) {
  return std::string(n, c);
}

// The first name of /etc/hosts other than localhost with an IPv4 address, and that address.
std::optional<std::pair<std::string, std::string>> hosts_file_entry() {
  std::ifstream hosts("/etc/hosts");
  std::string line;
  while (std::getline(hosts, line)) {
    line = line.substr(0, line.find('#'));
    std::istringstream fields(line);
    std::string ip;
    std::string name;
    if (!(fields >> ip) || ip.find(':') != std::string::npos) continue;
    while (fields >> name) {
      if (name != "localhost" && name.find("localhost") == std::string::npos) {
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return std::pair{name, ip};
      }
    }
  }
  return std::nullopt;
}

}  // namespace

TEST(Resolve, IpLiteralsComeBackWithoutAnyQuery) {
  corio::run([]() -> corio::Task<> {
    FakeDnsServer dns({});
    co_await dns.serve_during([&]() -> corio::Task<> {
      const auto options = asking(dns);
      EXPECT_EQ(co_await resolve("127.0.0.1", 80, options), one("127.0.0.1", 80));
      EXPECT_EQ(co_await resolve("::1", 443, options), one("::1", 443));
      EXPECT_EQ(co_await resolve("[::1]", 443, options), one("::1", 443));
      EXPECT_EQ(dns.total_queries(), 0);
    });
  });
}

TEST(Resolve, IpLiteralOfTheWrongFamilyRaisesDnsError) {
  corio::run([]() -> corio::Task<> {
    EXPECT_THROW(co_await resolve("127.0.0.1", 80, family(AF_INET6)), DnsError);
    EXPECT_THROW(co_await resolve("::1", 80, family(AF_INET)), DnsError);
  });
}

TEST(Resolve, NameGetsItsAAndAaaaRecordsWithThePort) {
  corio::run([]() -> corio::Task<> {
    FakeDnsServer dns({{"dual.corio.test", {.addresses = {"127.0.0.7", "::1"}}}});
    co_await dns.serve_during([&]() -> corio::Task<> {
      const Addresses addresses = co_await resolve("dual.corio.test", 8080, asking(dns));
      const Addresses expected{at("127.0.0.7", 8080), at("::1", 8080)};
      EXPECT_TRUE(same_set(addresses, expected)) << addresses.size() << " addresses";
      EXPECT_EQ(dns.queries("dual.corio.test"), 2);  // A and AAAA
    });
  });
}

TEST(Resolve, FamilyRestrictsTheAnswerAndTheQueries) {
  corio::run([]() -> corio::Task<> {
    FakeDnsServer dns({{"dual.corio.test", {.addresses = {"127.0.0.7", "::1"}}}});
    co_await dns.serve_during([&]() -> corio::Task<> {
      EXPECT_EQ(co_await resolve("dual.corio.test", 1, asking(dns, AF_INET)), one("127.0.0.7", 1));
      EXPECT_EQ(dns.queries("dual.corio.test"), 1);
      EXPECT_EQ(co_await resolve("dual.corio.test", 2, asking(dns, AF_INET6)), one("::1", 2));
      EXPECT_EQ(dns.queries("dual.corio.test"), 2);
    });
  });
}

TEST(Resolve, NamesMatchWithoutRegardToCaseAndMayEndWithADot) {
  corio::run([]() -> corio::Task<> {
    FakeDnsServer dns({{"v4.corio.test", {.addresses = {"127.0.0.9"}}}});
    co_await dns.serve_during([&]() -> corio::Task<> {
      EXPECT_EQ(co_await resolve("V4.Corio.TEST", 5, asking(dns)), one("127.0.0.9", 5));
      EXPECT_EQ(co_await resolve("v4.corio.test.", 5, asking(dns)), one("127.0.0.9", 5));
    });
  });
}

TEST(Resolve, UnknownNameRaisesDnsErrorNamingTheHostAndTheReason) {
  corio::run([]() -> corio::Task<> {
    FakeDnsServer dns({});
    co_await dns.serve_during([&]() -> corio::Task<> {
      try {
        co_await resolve("nowhere.corio.test", 80, asking(dns));
        ADD_FAILURE() << "resolved a name the server does not know";
      } catch (const DnsError& e) {
        EXPECT_EQ(e.host(), "nowhere.corio.test");
        const std::string what = e.what();
        EXPECT_NE(what.find("nowhere.corio.test"), std::string::npos) << what;
        EXPECT_NE(what.find("not found"), std::string::npos) << what;
      }
    });
  });
}

TEST(Resolve, ServerGivenAsAnIpv6AddressIsAsked) {
  corio::run([]() -> corio::Task<> {
    FakeDnsServer dns({{"v4.corio.test", {.addresses = {"127.0.0.9"}}}}, "::1");
    co_await dns.serve_during([&]() -> corio::Task<> {
      EXPECT_EQ(co_await resolve("v4.corio.test", 7, asking(dns)), one("127.0.0.9", 7));
      EXPECT_GT(dns.total_queries(), 0);
    });
  });
}

// c-ares' retransmission runs on the loop timer re-armed from ares_timeout.
TEST(Resolve, LostQueryIsSentAgainWhenTheAttemptTimesOut) {
  corio::run([]() -> corio::Task<> {
    FakeDnsServer dns({{"flaky.corio.test", {.addresses = {"127.0.0.3"}, .drop_first = 1}}});
    co_await dns.serve_during([&]() -> corio::Task<> {
      auto options = asking(dns, AF_INET);
      options.attempt_timeout = 50ms;
      options.attempts = 3;
      options.timeout = 30s;  // a bound, should the query never be sent again
      EXPECT_EQ(co_await resolve("flaky.corio.test", 80, options), one("127.0.0.3", 80));
      EXPECT_EQ(dns.queries("flaky.corio.test"), 2);
    });
  });
}

TEST(Resolve, ServerThatNeverAnswersExhaustsTheAttemptsWithDnsError) {
  corio::run([]() -> corio::Task<> {
    FakeDnsServer dns({{"silent.corio.test", {.silent = true}}});
    co_await dns.serve_during([&]() -> corio::Task<> {
      auto options = asking(dns, AF_INET);
      options.attempt_timeout = 20ms;
      options.attempts = 2;
      options.timeout = 30s;
      try {
        co_await resolve("silent.corio.test", 80, options);
        ADD_FAILURE() << "a silent server answered";
      } catch (const DnsError& e) {
        EXPECT_NE(std::string(e.what()).find("Timeout"), std::string::npos) << e.what();
      }
      EXPECT_EQ(dns.queries("silent.corio.test"), 2);
    });
  });
}

TEST(Resolve, TimeoutOptionRaisesTimeoutErrorAtTheDeadline) {
  corio::run(
      []() -> corio::Task<> {
        FakeDnsServer dns({{"silent.corio.test", {.silent = true}}});
        co_await dns.serve_during([&]() -> corio::Task<> {
          auto options = asking(dns);
          options.timeout = 2s;
          corio::Loop& loop = corio::Loop::current();
          const auto start = loop.now();
          EXPECT_THROW(co_await resolve("silent.corio.test", 80, options), corio::TimeoutError);
          EXPECT_EQ(loop.now() - start, 2s);
        });
      },
      {.virtual_time = true});
}

TEST(Resolve, CancellingMidQueryLeaksNoDescriptor) {
  const int before = open_fd_count();
  corio::run([]() -> corio::Task<> {
    FakeDnsServer dns({{"silent.corio.test", {.silent = true}}});
    co_await dns.serve_during([&]() -> corio::Task<> {
      // Cancelled while c-ares waits for the answer, its socket and timer live.
      auto pending = corio::spawn(resolve("silent.corio.test", 80, asking(dns)));
      co_await dns.query_arrived().wait();
      pending.cancel();
      EXPECT_THROW(co_await pending, corio::CancelledError);
      // Cancelled before its first step.
      auto early = corio::spawn(resolve("silent.corio.test", 80, asking(dns)));
      early.cancel();
      EXPECT_THROW(co_await early, corio::CancelledError);
    });
  });
  EXPECT_EQ(open_fd_count(), before);
}

TEST(Resolve, ConcurrentResolutionsEachGetTheirOwnAnswer) {
  corio::run([]() -> corio::Task<> {
    constexpr int kNames = 32;
    auto name = [](int i) { return "host" + std::to_string(i) + ".corio.test"; };
    auto ip = [](int i) { return "127.0.1." + std::to_string(i); };
    std::map<std::string, corio_test::DnsEntry> table;
    for (int i = 0; i < kNames; ++i) table[name(i)].addresses.push_back(ip(i));
    FakeDnsServer dns(table);
    co_await dns.serve_during([&]() -> corio::Task<> {
      std::vector<corio::Task<Addresses>> lookups;
      for (int i = 0; i < kNames; ++i) {
        lookups.push_back(resolve(name(i), static_cast<std::uint16_t>(i), asking(dns, AF_INET)));
      }
      const std::vector<Addresses> results = co_await corio::gather(std::move(lookups));
      for (int i = 0; i < kNames; ++i) {
        EXPECT_EQ(results[static_cast<std::size_t>(i)],
                  one(ip(i).c_str(), static_cast<std::uint16_t>(i)));
      }
    });
  });
}

// The system configuration: no server involved, "localhost" comes from /etc/hosts.
TEST(Resolve, LocalhostResolvesToLoopbackWithTheSystemConfiguration) {
  corio::run([]() -> corio::Task<> {
    const Addresses addresses = co_await resolve("localhost", 8080);
    EXPECT_FALSE(addresses.empty());
    for (const SocketAddress& address : addresses) {
      EXPECT_TRUE(address == at("127.0.0.1", 8080) || address == at("::1", 8080))
          << address.to_string();
    }
    EXPECT_EQ(co_await resolve("localhost", 8080, family(AF_INET)), one("127.0.0.1", 8080));
  });
}

// RFC 6761 §6.3. c-ares 1.18 knew only "localhost" in lowercase and, in the hosts file, only
// without the trailing dot: the other spellings went to the DNS server and were not found.
TEST(Resolve, LocalhostInAnyCaseOrFullyQualifiedIsLoopbackWithoutAnyQuery) {
  corio::run([]() -> corio::Task<> {
    FakeDnsServer dns({});
    co_await dns.serve_during([&]() -> corio::Task<> {
      EXPECT_EQ(co_await resolve("localhost.", 80, asking(dns, AF_INET)), one("127.0.0.1", 80));
      EXPECT_EQ(co_await resolve("LocalHost", 81, asking(dns, AF_INET6)), one("::1", 81));
      EXPECT_EQ(co_await resolve("LOCALHOST.", 82, asking(dns, AF_INET6)), one("::1", 82));
      const Addresses any = co_await resolve("Localhost.", 83, asking(dns));
      EXPECT_FALSE(any.empty());
      for (const SocketAddress& address : any) {
        EXPECT_TRUE(address == at("127.0.0.1", 83) || address == at("::1", 83))
            << address.to_string();
      }
      EXPECT_EQ(dns.total_queries(), 0);
    });
  });
}

// RFC 6761 §6.3 covers the names under localhost too. The server would answer them with
// an address of its own; none may be asked.
TEST(Resolve, NamesUnderLocalhostAreLoopbackWithoutAnyQuery) {
  corio::run([]() -> corio::Task<> {
    DnsEntry elsewhere;
    elsewhere.addresses = {"127.0.0.9", "::9"};
    FakeDnsServer dns({{"api.localhost", elsewhere}, {"a.b.localhost", elsewhere}});
    co_await dns.serve_during([&]() -> corio::Task<> {
      EXPECT_EQ(co_await resolve("api.localhost", 80, asking(dns, AF_INET)), one("127.0.0.1", 80));
      EXPECT_EQ(co_await resolve("api.localhost", 81, asking(dns, AF_INET6)), one("::1", 81));
      EXPECT_EQ(co_await resolve("a.b.localhost.", 82, asking(dns, AF_INET)), one("127.0.0.1", 82));
      EXPECT_EQ(co_await resolve("A.B.LocalHost", 83, asking(dns, AF_INET6)), one("::1", 83));
      const Addresses under = co_await resolve("api.localhost", 84, asking(dns));
      const Addresses plain = co_await resolve("localhost", 84, asking(dns));
      EXPECT_EQ(under, plain);
      EXPECT_EQ(dns.total_queries(), 0);
    });
  });
}

// Only a whole "localhost" label at the end makes a name local.
TEST(Resolve, NamesThatMerelyContainLocalhostAreAskedOfTheServer) {
  corio::run([]() -> corio::Task<> {
    DnsEntry elsewhere;
    elsewhere.addresses = {"127.0.0.9"};
    FakeDnsServer dns({{"notlocalhost", elsewhere},
                       {"localhost.corio.test", elsewhere},
                       {"api-localhost", elsewhere}});
    co_await dns.serve_during([&]() -> corio::Task<> {
      EXPECT_EQ(co_await resolve("notlocalhost", 80, asking(dns, AF_INET)), one("127.0.0.9", 80));
      EXPECT_EQ(co_await resolve("localhost.corio.test", 80, asking(dns, AF_INET)),
                one("127.0.0.9", 80));
      EXPECT_EQ(co_await resolve("api-localhost", 80, asking(dns, AF_INET)), one("127.0.0.9", 80));
      EXPECT_EQ(dns.total_queries(), 3);
    });
  });
}

// c-ares 1.18 answers the lowercase "localhost" itself when the hosts file has no address
// of the family, and for AF_INET6 leaked 10 bytes doing so (reproduced with an /etc/hosts
// without "::1 localhost"). corio keeps c-ares to the hosts file and answers on its own.
TEST(Resolve, LocalhostAsIpv6LeaksNothing) {
  corio::run([]() -> corio::Task<> {
    EXPECT_EQ(co_await resolve("localhost", 80, family(AF_INET6)), one("::1", 80));
    EXPECT_EQ(co_await resolve("api.localhost", 80, family(AF_INET6)), one("::1", 80));
  });
#ifdef CORIO_TEST_LSAN
  EXPECT_EQ(__lsan_do_recoverable_leak_check(), 0) << "LeakSanitizer found a leak (see above)";
#endif
}

TEST(Resolve, HostsFileAnswersBeforeAnyDnsServer) {
  const auto entry = hosts_file_entry();
  if (!entry) GTEST_SKIP() << "/etc/hosts names nothing but localhost";
  corio::run([&]() -> corio::Task<> {
    FakeDnsServer dns({});  // would answer NXDOMAIN
    co_await dns.serve_during([&]() -> corio::Task<> {
      const Addresses addresses = co_await resolve(entry->first, 80, asking(dns, AF_INET));
      EXPECT_EQ(addresses, one(entry->second.c_str(), 80)) << entry->first;
      EXPECT_EQ(dns.total_queries(), 0);
    });
  });
}

TEST(Resolve, BadInputIsRejectedBeforeAnyWork) {
  corio::run([]() -> corio::Task<> {
    auto message_of = [](corio::Task<Addresses> lookup) -> corio::Task<std::string> {
      try {
        co_await std::move(lookup);
      } catch (const std::invalid_argument& e) {
        co_return e.what();
      }
      co_return "no error";
    };
    EXPECT_EQ(co_await message_of(resolve("", 80)), "empty host name");
    const std::string long_label = repeat('a', 64) + ".corio.test";
    EXPECT_NE((co_await message_of(resolve(long_label, 80))).find("longer than 63"),
              std::string::npos);
    const std::string long_name = repeat('a', 63) + "." + repeat('b', 63) + "." + repeat('c', 63) +
                                  "." + repeat('d', 62);  // 254 bytes
    EXPECT_NE((co_await message_of(resolve(long_name, 80))).find("longer than 253"),
              std::string::npos);
    EXPECT_NE((co_await message_of(resolve("a..corio.test", 80))).find("empty label"),
              std::string::npos);
    EXPECT_NE((co_await message_of(resolve(std::string("a\0b", 3), 80))).find("NUL"),
              std::string::npos);
    EXPECT_NE((co_await message_of(resolve("localhost", 80, family(AF_UNIX)))).find("family"),
              std::string::npos);
    const corio::net::ResolveOptions no_attempts{.attempts = 0};
    EXPECT_NE((co_await message_of(resolve("localhost", 80, no_attempts))).find("attempts"),
              std::string::npos);
    const corio::net::ResolveOptions unix_server{
        .servers = Addresses(1, SocketAddress::unix_path("/tmp/dns"))};
    EXPECT_NE((co_await message_of(resolve("localhost", 80, unix_server))).find("IP address"),
              std::string::npos);
  });
}

TEST(Resolve, NamesAtTheLengthLimitsAreAccepted) {
  corio::run([]() -> corio::Task<> {
    FakeDnsServer dns({});
    co_await dns.serve_during([&]() -> corio::Task<> {
      const std::string longest = repeat('a', 63) + "." + repeat('b', 63) + "." + repeat('c', 63) +
                                  "." + repeat('d', 61);  // 253 bytes
      // The server hears each query and answers NXDOMAIN: the name itself was fine.
      EXPECT_THROW(co_await resolve(longest, 80, asking(dns, AF_INET)), DnsError);
      EXPECT_THROW(co_await resolve(longest + ".", 80, asking(dns, AF_INET)), DnsError);
      EXPECT_EQ(dns.queries(longest), 2);
    });
  });
}
