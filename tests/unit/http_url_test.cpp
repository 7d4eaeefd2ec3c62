// tests/unit/http_url_test.cpp — tests for include/corio/http/url.hpp.
// Expected forms follow httpx.URL; the reference resolution table is RFC 3986 section 5.4.
#include <corio/http/url.hpp>

#include <gtest/gtest.h>

#include <corio/corio.hpp>
#include <corio/http.hpp>
#include <corio/net.hpp>

#include <string>
#include <unordered_set>

namespace {

using corio::http::InvalidURL;
using corio::http::URL;

std::string message_of(std::string_view text) {
  try {
    (void)URL::parse(text);
  } catch (const InvalidURL& error) {
    return error.what();
  }
  return "no error";
}

TEST(HttpUrl, ParsesEveryComponent) {
  const URL url("https://user:pa%20ss@example.com:8443/a/b?x=1&y=2#frag");
  EXPECT_EQ(url.scheme(), "https");
  EXPECT_TRUE(url.is_http());
  EXPECT_TRUE(url.is_https());
  EXPECT_EQ(url.host(), "example.com");
  EXPECT_EQ(url.port(), 8443);
  EXPECT_EQ(url.effective_port(), 8443);
  EXPECT_TRUE(url.has_userinfo());
  EXPECT_EQ(url.username(), "user");
  EXPECT_EQ(url.password(), "pa ss");
  EXPECT_EQ(url.path(), "/a/b");
  EXPECT_EQ(url.query(), "x=1&y=2");
  EXPECT_EQ(url.fragment(), "frag");
  EXPECT_EQ(url.raw_path(), "/a/b?x=1&y=2");
  EXPECT_EQ(url.origin(), "https://example.com:8443");
  EXPECT_EQ(url.str(), "https://user:pa%20ss@example.com:8443/a/b?x=1&y=2#frag");
}

TEST(HttpUrl, LowercasesSchemeAndHost) {
  EXPECT_EQ(URL("HTTP://Example.COM/Path").str(), "http://example.com/Path");
}

TEST(HttpUrl, EmptyPathBecomesSlash) {
  const URL url("http://example.com");
  EXPECT_EQ(url.path(), "/");
  EXPECT_EQ(url.raw_path(), "/");
  EXPECT_EQ(url.str(), "http://example.com/");
  EXPECT_EQ(URL("http://example.com?q").raw_path(), "/?q");
}

TEST(HttpUrl, DropsDefaultPorts) {
  EXPECT_EQ(URL("http://example.com:80/").str(), "http://example.com/");
  EXPECT_EQ(URL("https://example.com:443/").str(), "https://example.com/");
  EXPECT_EQ(URL("http://example.com:443/").str(), "http://example.com:443/");
  EXPECT_EQ(URL("http://example.com:/").str(), "http://example.com/");
  EXPECT_FALSE(URL("https://example.com:443/").port().has_value());
}

TEST(HttpUrl, EffectivePortFallsBackToTheSchemeDefault) {
  EXPECT_EQ(URL("http://example.com/").effective_port(), 80);
  EXPECT_EQ(URL("https://example.com/").effective_port(), 443);
  EXPECT_FALSE(URL("gopher://example.com/").effective_port().has_value());
}

// Parity: httpx's normalize_port, which takes WHATWG's default ports.
TEST(HttpUrl, DropsTheDefaultPortsOfWebSocketAndFtpUrls) {
  EXPECT_EQ(URL("ws://a:80/").str(), "ws://a/");
  EXPECT_EQ(URL("wss://a:443/").str(), "wss://a/");
  EXPECT_EQ(URL("ftp://a:21/").str(), "ftp://a/");
  EXPECT_EQ(URL("ws://a:443/").port(), 443);
  EXPECT_EQ(URL("wss://a/").effective_port(), 443);
  EXPECT_EQ(URL("ftp://a/").effective_port(), 21);
}

TEST(HttpUrl, OtherSchemesParseButAreNotHttp) {
  const URL url("ftp://files.example/x");
  EXPECT_FALSE(url.is_http());
  EXPECT_EQ(url.scheme(), "ftp");
  EXPECT_FALSE(URL("mailto:someone@example.com").is_http());
}

TEST(HttpUrl, RemovesDotSegments) {
  EXPECT_EQ(URL("http://a/b/./c/../d").path(), "/b/d");
  EXPECT_EQ(URL("http://a/../../x").path(), "/x");
  EXPECT_EQ(URL("http://a/b/%2e%2E/c").path(), "/c");
  EXPECT_EQ(URL("http://a/b/..").str(), "http://a/");
}

TEST(HttpUrl, EncodesCharactersThatMayNotAppearRaw) {
  EXPECT_EQ(URL("http://a/ü?q=ü#ü").str(), "http://a/%C3%BC?q=%C3%BC#%C3%BC");
  EXPECT_EQ(URL("http://a/{x}|\"<>^`").raw_path(), "/%7Bx%7D%7C%22%3C%3E%5E%60");
  EXPECT_EQ(URL("http://a/100%").raw_path(), "/100%25");
  EXPECT_EQ(URL("http://a/%zz").raw_path(), "/%25zz");
  EXPECT_EQ(URL("http://a/[x]").raw_path(), "/%5Bx%5D");
  EXPECT_EQ(URL("http://a/#x#y").str(), "http://a/#x%23y");
}

// httpx (and browsers) percent-encode a space wherever an escape can carry it.
TEST(HttpUrl, EncodesSpacesInUserinfoPathQueryAndFragment) {
  EXPECT_EQ(URL("HTTPS://Bücher.example:443/a b?q=1#top").str(),
            "https://xn--bcher-kva.example/a%20b?q=1#top");
  const URL url("http://u v:w x@a/b c /?d e#f g");
  EXPECT_EQ(url.str(), "http://u%20v:w%20x@a/b%20c%20/?d%20e#f%20g");
  EXPECT_EQ(url.username(), "u v");
  EXPECT_EQ(url.path(), "/b c /");
  EXPECT_EQ(url.fragment(), "f g");
}

TEST(HttpUrl, KeepsValidEscapesWithUppercaseHex) {
  const URL url("http://a/%41%2f%c3%bc?k=%3d#%7e");
  EXPECT_EQ(url.str(), "http://a/%41%2F%C3%BC?k=%3D#%7E");
  EXPECT_EQ(url.path(), "/A/ü");
  EXPECT_EQ(url.query(), "k=%3D");
  EXPECT_EQ(url.fragment(), "~");
}

TEST(HttpUrl, KeepsIpv6HostsBracketedInCanonicalForm) {
  const URL url("http://[0:0:0:0:0:0:0:1]:8080/");
  EXPECT_EQ(url.host(), "::1");
  EXPECT_TRUE(url.is_ipv6_host());
  EXPECT_EQ(url.port(), 8080);
  EXPECT_EQ(url.str(), "http://[::1]:8080/");
  EXPECT_EQ(url.origin(), "http://[::1]:8080");
  EXPECT_EQ(URL("https://[2001:DB8::1]/").host(), "2001:db8::1");
}

TEST(HttpUrl, KeepsIpv4Hosts) {
  EXPECT_EQ(URL("http://127.0.0.1:8000/x").host(), "127.0.0.1");
}

TEST(HttpUrl, ConvertsUnicodeHostsToALabels) {
  EXPECT_EQ(URL("http://bücher.example/").host(), "xn--bcher-kva.example");
  EXPECT_EQ(URL("http://BÜCHER.example/").host(), "xn--bcher-kva.example");
  EXPECT_EQ(URL("http://b%C3%BCcher.example/").host(), "xn--bcher-kva.example");
  EXPECT_EQ(URL("https://faß.de/").host(), "xn--fa-hia.de");
  EXPECT_EQ(URL("http://例え.テスト/").host(), "xn--r8jz45g.xn--zckzah");
}

TEST(HttpUrl, RejectsInvalidInternationalHosts) {
  EXPECT_THROW((void)URL::parse("http://a\xff"
                                "b.example/"),
               InvalidURL);
  EXPECT_THROW((void)URL::parse("http://\u0378.example/"), InvalidURL);
  EXPECT_EQ(message_of("http://\xe2\x80\x8f"
                       "a.example/")
                .rfind("invalid URL '", 0),
            0U);
  EXPECT_NE(message_of("http://\xe2\x80\x8f"
                       "a.example/")
                .find("invalid international host name"),
            std::string::npos);
}

TEST(HttpUrl, UserinfoIsDecodedAndCanBeRemoved) {
  const URL url("http://us%40er:p%3Ass@example.com/");
  EXPECT_EQ(url.username(), "us@er");
  EXPECT_EQ(url.password(), "p:ss");
  EXPECT_EQ(url.userinfo(), "us%40er:p%3Ass");
  EXPECT_EQ(url.origin(), "http://example.com");
  const URL bare = url.without_userinfo();
  EXPECT_FALSE(bare.has_userinfo());
  EXPECT_EQ(bare.str(), "http://example.com/");
  EXPECT_FALSE(URL("http://example.com/").has_userinfo());
  EXPECT_EQ(URL("http://user@example.com/").password(), "");
}

// Browsers and httpx split the authority at its last '@'; what comes before is userinfo.
TEST(HttpUrl, TheLastAtSignEndsTheUserinfo) {
  const URL url("http://user@name:p@ss@host.example/p");
  EXPECT_EQ(url.host(), "host.example");
  EXPECT_EQ(url.path(), "/p");
  EXPECT_EQ(url.username(), "user@name");
  EXPECT_EQ(url.password(), "p@ss");
  EXPECT_EQ(url.str(), "http://user%40name:p%40ss@host.example/p");
}

TEST(HttpUrl, EncodesUserinfoCharactersRfc3986DoesNotAllowThere) {
  const URL url("http://[u]:%zz@host.example/");
  EXPECT_EQ(url.host(), "host.example");
  EXPECT_EQ(url.userinfo(), "%5Bu%5D:%25zz");
  EXPECT_EQ(url.username(), "[u]");
  EXPECT_EQ(url.password(), "%zz");
}

TEST(HttpUrl, ParamsAreEncodedAndDecodedBack) {
  const URL::Params params{{"q", "a b&c=d"}, {"ü", "+/?#%"}, {"empty", ""}};
  const URL url = URL("http://a/s").with_params(params);
  EXPECT_EQ(url.str(), "http://a/s?q=a%20b%26c%3Dd&%C3%BC=%2B%2F%3F%23%25&empty=");
  EXPECT_EQ(url.params(), params);
}

TEST(HttpUrl, ParamsAreAppendedToAnExistingQuery) {
  const URL url = URL("http://a/s?x=1#f").with_params({{"y", "2"}});
  EXPECT_EQ(url.str(), "http://a/s?x=1&y=2#f");
  EXPECT_EQ(url.params(), (URL::Params{{"x", "1"}, {"y", "2"}}));
}

// Parity: httpx's URL.copy_merge_params (what params= does) and QueryParams.merge: a
// name already in the query takes the new values, in the place where it first stood.
TEST(HttpUrl, ParamsReplaceThoseOfTheSameNameInTheQuery) {
  const URL url("http://a/s?page=1&q=x&page=3#f");
  EXPECT_EQ(url.with_params({{"page", "2"}, {"n", "5"}}).str(), "http://a/s?page=2&q=x&n=5#f");
  EXPECT_EQ(url.with_params({{"page", "2"}, {"page", "4"}}).str(),
            "http://a/s?page=2&page=4&q=x#f");
}

TEST(HttpUrl, ParamsMatchQueryNamesInTheirDecodedForm) {
  EXPECT_EQ(URL("http://a/?a+b=1&a%20b=2&c").with_params({{"a b", "3"}, {"c", ""}}).str(),
            "http://a/?a%20b=3&c=");
}

TEST(HttpUrl, ParamsDecodePlusAsSpaceAndKeysWithoutValues) {
  EXPECT_EQ(URL("http://a/?a+b=c+d&&flag").params(), (URL::Params{{"a b", "c d"}, {"flag", ""}}));
}

TEST(HttpUrl, CopiesWithOnePartReplaced) {
  const URL url("http://user@a.example:8080/p?q#f");
  EXPECT_EQ(url.with_scheme("https").str(), "https://user@a.example:8080/p?q#f");
  EXPECT_EQ(url.with_host("Bücher.example").str(), "http://user@xn--bcher-kva.example:8080/p?q#f");
  EXPECT_EQ(url.with_host("::1").str(), "http://user@[::1]:8080/p?q#f");
  EXPECT_EQ(url.with_port(80).str(), "http://user@a.example/p?q#f");
  EXPECT_EQ(url.with_port(std::nullopt).str(), "http://user@a.example/p?q#f");
  EXPECT_EQ(url.without_fragment().str(), "http://user@a.example:8080/p?q");
  EXPECT_THROW((void)url.with_host(""), InvalidURL);
}

// httpx's copy_with validates each component; a part must not spill into the others.
TEST(HttpUrl, CopiesRejectAHostThatIsNotJustAHost) {
  const URL url("http://a.example/p?q#f");
  for (const char* host : {"evil.example/x", "evil.example?x", "evil.example#x", "u@evil.example",
                           "evil.example:99", "[::1]", "::1]/x[", "a\\b"}) {
    EXPECT_THROW((void)url.with_host(host), InvalidURL) << host;
  }
}

TEST(HttpUrl, CopiesRejectASchemeThatIsNotJustAScheme) {
  const URL url("http://a.example/p?q#f");
  for (const char* scheme : {"http://evil.example/?", "", "1http", "https:", "ht tp"}) {
    EXPECT_THROW((void)url.with_scheme(scheme), InvalidURL) << scheme;
  }
  EXPECT_EQ(url.with_scheme("HTTPS").str(), "https://a.example/p?q#f");
}

TEST(HttpUrl, EqualUrlsCompareAndHashEqual) {
  const URL a("HTTP://Example.com:80");
  const URL b("http://example.com/");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, URL("http://example.com/x"));
  const std::unordered_set<URL> set{a, b};
  EXPECT_EQ(set.size(), 1U);
}

TEST(HttpUrl, NormalFormParsesToItself) {
  for (const char* text :
       {"http://a/b%20c?d=e#f", "https://[::1]:1/", "http://xn--bcher-kva.example/",
        "http://u:p@h/", "http://a/?", "http://a/#"}) {
    const URL url(text);
    EXPECT_EQ(URL(url.str()), url) << text;
    EXPECT_EQ(url.str(), text);
  }
}

// RFC 3986 section 5.4: base "http://a/b/c/d;p?q".
struct Resolution {
  const char* reference;
  const char* expected;
};

constexpr Resolution kNormalExamples[] = {
    {"g:h", "g:h"},
    {"g", "http://a/b/c/g"},
    {"./g", "http://a/b/c/g"},
    {"g/", "http://a/b/c/g/"},
    {"/g", "http://a/g"},
    {"//g", "http://g/"},  // "http://g", and an empty path becomes "/"
    {"?y", "http://a/b/c/d;p?y"},
    {"g?y", "http://a/b/c/g?y"},
    {"#s", "http://a/b/c/d;p?q#s"},
    {"g#s", "http://a/b/c/g#s"},
    {"g?y#s", "http://a/b/c/g?y#s"},
    {";x", "http://a/b/c/;x"},
    {"g;x", "http://a/b/c/g;x"},
    {"g;x?y#s", "http://a/b/c/g;x?y#s"},
    {"", "http://a/b/c/d;p?q"},
    {".", "http://a/b/c/"},
    {"./", "http://a/b/c/"},
    {"..", "http://a/b/"},
    {"../", "http://a/b/"},
    {"../g", "http://a/b/g"},
    {"../..", "http://a/"},
    {"../../", "http://a/"},
    {"../../g", "http://a/g"},
};

constexpr Resolution kAbnormalExamples[] = {
    {"../../../g", "http://a/g"},
    {"../../../../g", "http://a/g"},
    {"/./g", "http://a/g"},
    {"/../g", "http://a/g"},
    {"g.", "http://a/b/c/g."},
    {".g", "http://a/b/c/.g"},
    {"g..", "http://a/b/c/g.."},
    {"..g", "http://a/b/c/..g"},
    {"./../g", "http://a/b/g"},
    {"./g/.", "http://a/b/c/g/"},
    {"g/./h", "http://a/b/c/g/h"},
    {"g/../h", "http://a/b/c/h"},
    {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
    {"g;x=1/../y", "http://a/b/c/y"},
    {"g?y/./x", "http://a/b/c/g?y/./x"},
    {"g?y/../x", "http://a/b/c/g?y/../x"},
    {"g#s/./x", "http://a/b/c/g#s/./x"},
    {"g#s/../x", "http://a/b/c/g#s/../x"},
};

TEST(HttpUrl, JoinResolvesTheRfc3986NormalExamples) {
  const URL base("http://a/b/c/d;p?q");
  for (const auto& [reference, expected] : kNormalExamples) {
    EXPECT_EQ(base.join(reference).str(), expected) << reference;
  }
}

TEST(HttpUrl, JoinResolvesTheRfc3986AbnormalExamples) {
  const URL base("http://a/b/c/d;p?q");
  for (const auto& [reference, expected] : kAbnormalExamples) {
    EXPECT_EQ(base.join(reference).str(), expected) << reference;
  }
}

// RFC 3986's strict reading of "http:g" is the URL "http:g", which has no host.
TEST(HttpUrl, JoinRejectsASchemeWithoutHost) {
  EXPECT_THROW((void)URL("http://a/b/c/d;p?q").join("http:g"), InvalidURL);
}

TEST(HttpUrl, JoinTakesAbsoluteAndNetworkPathReferences) {
  const URL base("https://a.example/x/y");
  EXPECT_EQ(base.join("http://B.example/z").str(), "http://b.example/z");
  EXPECT_EQ(base.join("//other.example/p?q").str(), "https://other.example/p?q");
  EXPECT_EQ(base.join("/ü").str(), "https://a.example/%C3%BC");
}

TEST(HttpUrl, JoinEncodesSpacesAsBrowsersDoForALocation) {
  const URL base("https://a.example/x/y");
  EXPECT_EQ(base.join("a b?c d#e").str(), "https://a.example/x/a%20b?c%20d#e");
  EXPECT_EQ(base.join("//b.example/c d").str(), "https://b.example/c%20d");
  EXPECT_THROW((void)base.join(" /a"), InvalidURL);
  EXPECT_THROW((void)base.join("//b c/"), InvalidURL);
  EXPECT_THROW((void)base.join("/a\tb"), InvalidURL);
}

TEST(HttpUrl, InvalidUrlMessagesNameTheFault) {
  EXPECT_EQ(message_of(""), "invalid URL '': empty URL");
  EXPECT_EQ(message_of("http://a b/"),
            "invalid URL 'http://a b/': contains whitespace or a control character");
  EXPECT_EQ(message_of(" http://a/"),
            "invalid URL ' http://a/': contains whitespace or a control character");
  EXPECT_EQ(message_of("http://a/\t"),
            "invalid URL 'http://a/\t': contains whitespace or a control character");
  EXPECT_EQ(message_of("http://u@a:8 0/"),
            "invalid URL 'http://u@a:8 0/': contains whitespace or a control character");
  EXPECT_EQ(message_of("example.com/x"), "invalid URL 'example.com/x': missing scheme");
  EXPECT_EQ(message_of("/relative"), "invalid URL '/relative': missing scheme");
  EXPECT_EQ(message_of("http://"), "invalid URL 'http://': missing host");
  EXPECT_EQ(message_of("http:///x"), "invalid URL 'http:///x': missing host");
  EXPECT_EQ(message_of("https://:443/"), "invalid URL 'https://:443/': missing host");
  EXPECT_EQ(message_of("http:x"), "invalid URL 'http:x': missing host");
  EXPECT_EQ(message_of("http://[::1"), "invalid URL 'http://[::1': unterminated IPv6 literal");
  EXPECT_EQ(message_of("http://[::1]x/"),
            "invalid URL 'http://[::1]x/': unexpected text after IPv6 literal");
  EXPECT_EQ(message_of("http://[zz]/").rfind("invalid URL 'http://[zz]/': malformed URL", 0), 0U);
  EXPECT_EQ(message_of("http://h:99999/"),
            "invalid URL 'http://h:99999/': port 99999 out of range 0-65535");
  EXPECT_EQ(message_of("http://h:8a/"), "invalid URL 'http://h:8a/': invalid port '8a'");
  EXPECT_EQ(message_of("http://a%3Cb/"),
            "invalid URL 'http://a%3Cb/': invalid character in host 'a<b'");
  const std::string long_host = std::string(250, 'a') + ".com";
  EXPECT_EQ(message_of("http://" + long_host + "/"),
            "invalid URL 'http://" + long_host + "/': host longer than 253 characters");
}

// RFC 6874: the zone of an IPv6 literal is "%25" and the zone's name in the URL, and the
// bare name after host(), the form the resolver and connect_tcp take.
TEST(HttpUrl, KeepsTheZoneOfAnIpv6Literal) {
  const URL url("http://[FE80::1%25eth0]:8080/p");
  EXPECT_TRUE(url.is_ipv6_host());
  EXPECT_EQ(url.host(), "fe80::1%eth0");
  EXPECT_EQ(url.port(), 8080);
  EXPECT_EQ(url.str(), "http://[fe80::1%25eth0]:8080/p");
  EXPECT_EQ(url.origin(), "http://[fe80::1%25eth0]:8080");
  EXPECT_EQ(URL(url.str()), url);
  EXPECT_EQ(URL("http://u@[fe80::1%25en%2D0]/").host(), "fe80::1%en-0");
  EXPECT_EQ(URL("http://[fe80::1%25en-0]/").str(), "http://[fe80::1%25en-0]/");
  // A lone '%' is read as "%25", as curl reads it.
  EXPECT_EQ(URL("http://[fe80::1%lo]/").host(), "fe80::1%lo");
  EXPECT_EQ(url.join("/q?x").str(), "http://[fe80::1%25eth0]:8080/q?x");
  EXPECT_EQ(url.join("//[fe80::2%25lo]/r").str(), "http://[fe80::2%25lo]/r");
  EXPECT_EQ(url.with_port(81).str(), "http://[fe80::1%25eth0]:81/p");
  EXPECT_EQ(URL("http://a/").with_host("fe80::1%lo").str(), "http://[fe80::1%25lo]/");
}

TEST(HttpUrl, RejectsAnEmptyOrMalformedZone) {
  EXPECT_EQ(message_of("http://[fe80::1%25]/"),
            "invalid URL 'http://[fe80::1%25]/': empty IPv6 zone");
  EXPECT_EQ(message_of("http://[fe80::1%41b]/"),
            "invalid URL 'http://[fe80::1%41b]/': IPv6 zone not introduced by %25");
  EXPECT_EQ(message_of("http://[fe80::1%25a%20b]/"),
            "invalid URL 'http://[fe80::1%25a%20b]/': invalid character in IPv6 zone");
  EXPECT_EQ(message_of("http://[fe80::1%25a:b]/"),
            "invalid URL 'http://[fe80::1%25a:b]/': invalid character in IPv6 zone");
}

// The zone reaches the connect call; the Host header goes without it (RFC 6874 section 4).
TEST(HttpUrl, ARequestToAZonedLoopbackUrlConnectsThroughTheZoneAndOmitsItFromHost) {
  corio::run([]() -> corio::Task<> {
    std::string head;
    corio::net::ConnectionHandler answer =
        [&head](corio::net::StreamReader reader, corio::net::StreamWriter writer) -> corio::Task<> {
      head = co_await reader.readuntil("\r\n\r\n");
      writer.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
      co_await writer.drain();
    };
    auto server = co_await corio::net::start_server(std::move(answer), "::1", 0);
    const std::string port = std::to_string(server.sockets().at(0).port());
    corio::http::AsyncClient client;
    const corio::http::Response response =
        co_await client.get("http://[::1%25lo]:" + port + "/zoned");
    EXPECT_EQ(response.status_code, 200);
    EXPECT_EQ(response.text(), "ok");
    EXPECT_EQ(head.rfind("GET /zoned HTTP/1.1\r\n", 0), 0U) << head;
    EXPECT_NE(head.find("\r\nHost: [::1]:" + port + "\r\n"), std::string::npos) << head;
    server.close();
    co_await server.wait_closed();
  });
}

TEST(HttpUrl, InvalidUrlIsAnInvalidArgument) {
  EXPECT_THROW((void)URL::parse("http://"), std::invalid_argument);
}

}  // namespace
