// tests/unit/http_cookies_test.cpp — tests for include/corio/http/cookies.hpp.
// Cases cite the RFC 6265 (or 6265bis) section they check; "Parity:" ones mirror httpx's
// tests/models/test_cookies.py.
#include <corio/http/cookies.hpp>
#include <corio/http/errors.hpp>

#include <gtest/gtest.h>

#include <string>
#include <type_traits>

using corio::http::Clock;
using corio::http::Cookie;
using corio::http::CookieConflict;
using corio::http::Cookies;
using corio::http::Headers;
using corio::http::parse_cookie_date;
using corio::http::parse_set_cookie;
using corio::http::URL;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::seconds;

namespace {

// 2023-11-14 22:13:20 UTC.
const Clock::time_point now{seconds{1'700'000'000}};

std::optional<Cookie> parse(std::string_view header, std::string_view url = "http://example.com/") {
  return parse_set_cookie(header, URL(url), now);
}

Clock::time_point utc(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
  return std::chrono::sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}} +
         hours{hh} + std::chrono::minutes{mm} + seconds{ss};
}

Cookies jar_from(std::string_view url, std::initializer_list<std::string_view> set_cookies,
                 Clock::time_point when = now) {
  Cookies jar;
  Headers headers;
  for (const auto value : set_cookies) headers.add("Set-Cookie", value);
  jar.extract_cookies(URL(url), headers, when);
  return jar;
}

void extract(Cookies& jar, std::string_view url, std::string_view set_cookie,
             Clock::time_point when = now) {
  Headers headers;
  headers.add("Set-Cookie", set_cookie);
  jar.extract_cookies(URL(url), headers, when);
}

// prefix + i + suffix (built by appending: g++ 12 warns falsely on "c" + std::to_string(i)).
std::string numbered(std::string_view prefix, int i, std::string_view suffix = "") {
  std::string out(prefix);
  out += std::to_string(i);
  out += suffix;
  return out;
}

}  // namespace

// --- parse_set_cookie: the name-value pair (RFC 6265 5.2) ---

TEST(ParseSetCookie, ReadsNameValueAndDefaultsToAHostOnlySessionCookie) {
  const auto c = parse("sid=abc", "http://Example.COM/x/y");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->name, "sid");
  EXPECT_EQ(c->value, "abc");
  EXPECT_EQ(c->domain, "example.com");
  EXPECT_TRUE(c->host_only);
  EXPECT_EQ(c->path, "/x");
  EXPECT_EQ(c->expires, std::nullopt);
  EXPECT_FALSE(c->secure);
  EXPECT_FALSE(c->http_only);
  EXPECT_EQ(c->same_site, "");
  EXPECT_EQ(c->created, now);
}

TEST(ParseSetCookie, TrimsSpacesAndTabsButKeepsQuotesAndInnerSpaces) {
  const auto c = parse(" \t name \t=  \"a b\" \t;  Path = /p ");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->name, "name");
  EXPECT_EQ(c->value, "\"a b\"");
  EXPECT_EQ(c->path, "/p");
}

TEST(ParseSetCookie, SplitsOnlyAtTheFirstEquals) {
  const auto c = parse("token=a=b==");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->name, "token");
  EXPECT_EQ(c->value, "a=b==");
}

TEST(ParseSetCookie, AcceptsAnEmptyValue) {
  const auto c = parse("a=; Path=/");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->value, "");
}

TEST(ParseSetCookie, IgnoresAPairWithoutEqualsOrWithAnEmptyName) {
  EXPECT_FALSE(parse("novalue"));
  EXPECT_FALSE(parse("novalue; a=b"));
  EXPECT_FALSE(parse("=value"));
  EXPECT_FALSE(parse("  =value"));
  EXPECT_FALSE(parse("="));
  EXPECT_FALSE(parse(""));
  EXPECT_FALSE(parse("; a=b"));
}

// RFC 6265bis 5.6 step 1.
TEST(ParseSetCookie, IgnoresStringsHoldingControlCharacters) {
  EXPECT_FALSE(parse(std::string("a=b\0c", 5)));
  EXPECT_FALSE(parse("a=b\r\nX-Injected: 1"));
  EXPECT_FALSE(parse("a=b; Path=/\x7f"));
  EXPECT_FALSE(parse("a\x01=b"));
  EXPECT_TRUE(parse("a=b\tc"));  // HTAB is allowed
}

TEST(ParseSetCookie, KeepsNonAsciiBytesInTheValue) {
  const auto c = parse("greeting=h\xc3\xa9llo");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->value, "h\xc3\xa9llo");
}

// RFC 6265bis 5.6 step 6.
TEST(ParseSetCookie, IgnoresNameAndValueLongerThan4096BytesTogether) {
  EXPECT_TRUE(parse("n=" + std::string(4095, 'v')));
  EXPECT_FALSE(parse("n=" + std::string(4096, 'v')));
  EXPECT_FALSE(parse(std::string(4097, 'n') + "="));
}

TEST(ParseSetCookie, RequiresARequestUrlWithAHost) {
  EXPECT_FALSE(parse_set_cookie("a=b", URL("mailto:someone@example.com"), now));
}

// --- attributes ---

TEST(ParseSetCookie, AttributeNamesIgnoreCaseAndTheLastOfAKindWins) {
  const auto c =
      parse("a=b; PATH=/one; path=/two; sEcUrE; HTTPONLY; samesite=lax", "https://example.com/");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->path, "/two");
  EXPECT_TRUE(c->secure);
  EXPECT_TRUE(c->http_only);
  EXPECT_EQ(c->same_site, "Lax");
}

TEST(ParseSetCookie, IgnoresUnknownAttributesAndEmptyOnes) {
  const auto c = parse("a=b;;; Comment=hi; Version=1; Priority=High; Partitioned; =x");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->value, "b");
  EXPECT_EQ(c->path, "/");
}

TEST(ParseSetCookie, SameSiteIsCanonicalisedAndUnknownValuesAreDropped) {
  EXPECT_EQ(parse("a=b; SameSite=STRICT")->same_site, "Strict");
  EXPECT_EQ(parse("a=b; SameSite=none")->same_site, "None");
  EXPECT_EQ(parse("a=b; SameSite=Lax; SameSite=bogus")->same_site, "");
}

// RFC 6265bis 5.6 step 8.
TEST(ParseSetCookie, IgnoresAttributeValuesLongerThan1024Bytes) {
  const auto c = parse("a=b; Path=/" + std::string(1024, 'x'), "http://example.com/d/e");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->path, "/d");
}

// --- Domain (RFC 6265 5.2.3, 5.3 steps 5-6) ---

TEST(ParseSetCookie, DomainDropsALeadingDotIsLowerCasedAndIsNotHostOnly) {
  const auto c = parse("a=b; Domain=.Example.COM", "http://www.example.com/");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->domain, "example.com");
  EXPECT_FALSE(c->host_only);
}

TEST(ParseSetCookie, DomainEqualToTheHostIsAcceptedAsADomainCookie) {
  const auto c = parse("a=b; Domain=example.com");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->domain, "example.com");
  EXPECT_FALSE(c->host_only);
}

TEST(ParseSetCookie, IgnoresADomainTheHostDoesNotDomainMatch) {
  EXPECT_FALSE(parse("a=b; Domain=other.com"));
  EXPECT_FALSE(parse("a=b; Domain=ample.com"));        // not at a label boundary
  EXPECT_FALSE(parse("a=b; Domain=www.example.com"));  // a subdomain of the host
  EXPECT_FALSE(parse("a=b; Domain=example.com.", "http://www.example.com/"));
}

TEST(ParseSetCookie, AnEmptyDomainAttributeIsIgnored) {
  const auto c = parse("a=b; Domain=example.com; Domain=", "http://www.example.com/");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->domain, "example.com");
  EXPECT_FALSE(c->host_only);
}

TEST(ParseSetCookie, RejectsPublicSuffixDomains) {
  EXPECT_FALSE(parse("a=b; Domain=com"));
  EXPECT_FALSE(parse("a=b; Domain=.com"));
  EXPECT_FALSE(parse("a=b; Domain=co.uk", "http://example.co.uk/"));
  EXPECT_FALSE(parse("a=b; Domain=github.io", "http://someone.github.io/"));  // private section
  EXPECT_FALSE(parse("a=b; Domain=uk", "http://example.co.uk/"));
  const auto ok = parse("a=b; Domain=example.co.uk", "http://www.example.co.uk/");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->domain, "example.co.uk");
}

TEST(ParseSetCookie, APublicSuffixDomainEqualToTheHostMakesAHostOnlyCookie) {
  const auto c = parse("a=b; Domain=localhost", "http://localhost:8080/");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->domain, "localhost");
  EXPECT_TRUE(c->host_only);
  EXPECT_FALSE(parse("a=b; Domain=localhost", "http://app.localhost/"));
}

TEST(ParseSetCookie, AnIpHostAcceptsOnlyADomainEqualToItsAddress) {
  const auto c = parse("a=b; Domain=127.0.0.1", "http://127.0.0.1:8000/");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->domain, "127.0.0.1");
  EXPECT_TRUE(c->host_only);
  EXPECT_FALSE(parse("a=b; Domain=0.0.1", "http://127.0.0.1/"));
  EXPECT_FALSE(parse("a=b; Domain=1", "http://127.0.0.1/"));
  EXPECT_TRUE(parse("a=b; Domain=[::1]", "http://[::1]:8000/"));
  EXPECT_TRUE(parse("a=b; Domain=::1", "http://[::1]/"));
  EXPECT_FALSE(parse("a=b; Domain=::2", "http://[::1]/"));
}

TEST(ParseSetCookie, ANonAsciiDomainIsConvertedToALabels) {
  const auto c = parse(
      "a=b; Domain=B\xc3\xbc"
      "cher.de",
      "http://www.b\xc3\xbc"
      "cher.de/");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->domain, "xn--bcher-kva.de");
  EXPECT_FALSE(c->host_only);
}

// --- Path (RFC 6265 5.1.4, 5.2.4) ---

TEST(ParseSetCookie, DefaultPathIsTheRequestPathUpToItsLastSlash) {
  EXPECT_EQ(parse("a=b", "http://example.com")->path, "/");
  EXPECT_EQ(parse("a=b", "http://example.com/")->path, "/");
  EXPECT_EQ(parse("a=b", "http://example.com/file")->path, "/");
  EXPECT_EQ(parse("a=b", "http://example.com/dir/")->path, "/dir");
  EXPECT_EQ(parse("a=b", "http://example.com/a/b/c?x=/y/z")->path, "/a/b");
  EXPECT_EQ(parse("a=b", "http://example.com/a%20b/c")->path, "/a%20b");
}

TEST(ParseSetCookie, APathNotStartingWithSlashGivesTheDefaultPath) {
  EXPECT_EQ(parse("a=b; Path=", "http://example.com/d/f")->path, "/d");
  EXPECT_EQ(parse("a=b; Path=x/y", "http://example.com/d/f")->path, "/d");
  EXPECT_EQ(parse("a=b; Path=/ok; Path=bad", "http://example.com/d/f")->path, "/d");
  EXPECT_EQ(parse("a=b; Path=/x/", "http://example.com/d/f")->path, "/x/");
}

// --- Expiry (RFC 6265 5.2.1, 5.2.2) ---

TEST(ParseSetCookie, MaxAgeSetsTheExpiryFromNow) {
  const auto c = parse("a=b; Max-Age=60");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->expires, now + seconds{60});
  EXPECT_FALSE(c->expired(now));
  EXPECT_TRUE(c->expired(now + seconds{60}));
}

TEST(ParseSetCookie, MaxAgeZeroOrNegativeMeansDelete) {
  for (const char* header : {"a=b; Max-Age=0", "a=b; Max-Age=-1", "a=b; Max-Age=-0",
                             "a=b; Max-Age=-99999999999999999999999"}) {
    const auto c = parse(header);
    ASSERT_TRUE(c) << header;
    EXPECT_TRUE(c->expired(now)) << header;
  }
}

TEST(ParseSetCookie, MaxAgeWinsOverExpiresInEitherOrder) {
  EXPECT_EQ(parse("a=b; Max-Age=10; Expires=Thu, 01 Jan 1970 00:00:00 GMT")->expires,
            now + seconds{10});
  EXPECT_EQ(parse("a=b; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=10")->expires,
            now + seconds{10});
}

TEST(ParseSetCookie, AnInvalidMaxAgeIsIgnored) {
  for (const char* header : {"a=b; Max-Age=abc", "a=b; Max-Age=1.5", "a=b; Max-Age=+5",
                             "a=b; Max-Age=-", "a=b; Max-Age=", "a=b; Max-Age=5s"}) {
    const auto c = parse(header);
    ASSERT_TRUE(c) << header;
    EXPECT_EQ(c->expires, std::nullopt) << header;
  }
  EXPECT_EQ(parse("a=b; Max-Age=30; Max-Age=x")->expires, now + seconds{30});
}

TEST(ParseSetCookie, ExpiresInThePastMeansDelete) {
  const auto c = parse("a=b; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->expires, Clock::time_point{});
  EXPECT_TRUE(c->expired(now));
}

TEST(ParseSetCookie, ExpiresInTheFutureIsKept) {
  const auto c = parse("a=b; Expires=Wed, 15 Nov 2023 08:00:00 GMT");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->expires, utc(2023, 11, 15, 8));
}

// RFC 6265bis 5.6.1, 5.6.2: at most 400 days.
TEST(ParseSetCookie, ExpiryIsCappedAt400Days) {
  EXPECT_EQ(parse("a=b; Max-Age=999999999999999999999")->expires, now + days{400});
  EXPECT_EQ(parse("a=b; Expires=Fri, 31 Dec 9999 23:59:59 GMT")->expires, now + days{400});
}

TEST(ParseSetCookie, AnUnparsableExpiresIsIgnored) {
  const auto c = parse("a=b; Expires=tomorrow");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->expires, std::nullopt);
}

// --- Secure and prefixes ---

TEST(ParseSetCookie, IgnoresSecureCookiesFromPlainHttp) {
  EXPECT_FALSE(parse("a=b; Secure", "http://example.com/"));
  const auto c = parse("a=b; Secure", "https://example.com/");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->secure);
}

// RFC 6265bis 4.1.3.
TEST(ParseSetCookie, SecurePrefixRequiresTheSecureAttribute) {
  EXPECT_FALSE(parse("__Secure-id=1", "https://example.com/"));
  EXPECT_FALSE(parse("__secure-id=1", "https://example.com/"));
  EXPECT_TRUE(parse("__Secure-id=1; Secure; Domain=example.com", "https://www.example.com/"));
}

TEST(ParseSetCookie, HostPrefixRequiresSecureNoDomainAndAnExplicitRootPath) {
  const std::string_view url = "https://example.com/a/b";
  EXPECT_TRUE(parse("__Host-id=1; Secure; Path=/", url));
  EXPECT_FALSE(parse("__Host-id=1; Path=/", url));
  EXPECT_FALSE(parse("__Host-id=1; Secure", url));  // default path "/a"
  EXPECT_FALSE(parse("__Host-id=1; Secure; Path=/a", url));
  EXPECT_FALSE(parse("__Host-id=1; Secure; Path=/; Domain=example.com", url));
  EXPECT_FALSE(parse("__HOST-id=1; Path=/", url));
  EXPECT_FALSE(parse("__Host-id=1; Secure", "https://example.com/"));  // "/" by default only
  EXPECT_FALSE(parse("__Host-id=1; Secure; Path=/; Domain=localhost", "https://localhost/"));
}

// --- parse_cookie_date (RFC 6265 5.1.1) ---

TEST(ParseCookieDate, ReadsTheThreeHttpDateFormats) {
  const auto expected = utc(1994, 11, 6, 8, 49, 37);
  EXPECT_EQ(parse_cookie_date("Sun, 06 Nov 1994 08:49:37 GMT"), expected);   // RFC 1123
  EXPECT_EQ(parse_cookie_date("Sunday, 06-Nov-94 08:49:37 GMT"), expected);  // RFC 850
  EXPECT_EQ(parse_cookie_date("Sun Nov  6 08:49:37 1994"), expected);        // asctime
}

TEST(ParseCookieDate, AcceptsSloppyFormsBrowsersAccept) {
  const auto expected = utc(2021, 6, 9, 10, 18, 14);
  EXPECT_EQ(parse_cookie_date("Wed, 09 Jun 2021 10:18:14 GMT"), expected);
  EXPECT_EQ(parse_cookie_date("wed, 9 june 2021 10:18:14"), expected);
  EXPECT_EQ(parse_cookie_date("09-JUN-2021 10:18:14"), expected);
  EXPECT_EQ(parse_cookie_date("2021 Jun 09 10:18:14 UTC"), expected);
  EXPECT_EQ(parse_cookie_date("Wed, 09 Jun 2021 10:18:14 GMT+0200"), expected);
  EXPECT_EQ(parse_cookie_date("Wed, 09 Jun 2021 1:2:3 GMT"), utc(2021, 6, 9, 1, 2, 3));
}

// The grammar lets any non-digit end a number: "37:00" is second 37 and a tail.
TEST(ParseCookieDate, IgnoresWhatFollowsANumberAfterANonDigit) {
  EXPECT_EQ(parse_cookie_date("Sun, 06 Nov 1994 08:49:37:00 GMT"), utc(1994, 11, 6, 8, 49, 37));
  EXPECT_EQ(parse_cookie_date("6th Nov 1994AD 08:49:37pm"), utc(1994, 11, 6, 8, 49, 37));
}

TEST(ParseCookieDate, TwoDigitYearsMapTo1970Through2069) {
  EXPECT_EQ(parse_cookie_date("01 Jan 70 00:00:00"), Clock::time_point{});
  EXPECT_EQ(parse_cookie_date("01 Jan 99 00:00:00"), utc(1999, 1, 1));
  EXPECT_EQ(parse_cookie_date("01 Jan 00 00:00:00"), utc(2000, 1, 1));
  EXPECT_EQ(parse_cookie_date("01 Jan 69 00:00:00"), utc(2069, 1, 1));
}

TEST(ParseCookieDate, RejectsMissingPartsAndOutOfRangeFields) {
  for (const char* text :
       {"", "GMT", "Sun, 06 Nov 1994", "06 Nov 08:49:37", "Sun, 06 1994 08:49:37 GMT",
        "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT",
        "Sun, 06 Nov 1994 08:49:60 GMT", "Sun, 06 Nov 1600 08:49:37 GMT",
        "Mon, 30 Feb 2015 00:00:00 GMT", "1994-11-06T08:49:37Z", "Sun, 006 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 19940 08:49:37 GMT"}) {
    EXPECT_EQ(parse_cookie_date(text), std::nullopt) << text;
  }
}

TEST(ParseCookieDate, ClampsYearsTheClockCannotHold) {
  EXPECT_EQ(parse_cookie_date("01 Jan 1601 00:00:00"), Clock::time_point::min());
  EXPECT_EQ(parse_cookie_date("31 Dec 9999 23:59:59"), Clock::time_point::max());
}

// --- Cookies: storage (RFC 6265 5.3) and retrieval (5.4) ---

TEST(Cookies, AHostOnlyCookieIsSentToThatHostOnly) {
  const auto jar = jar_from("http://example.com/", {"a=1"});
  EXPECT_EQ(jar.cookie_header(URL("http://example.com/page"), now), "a=1");
  EXPECT_EQ(jar.cookie_header(URL("https://example.com:8443/"), now), "a=1");
  EXPECT_EQ(jar.cookie_header(URL("http://www.example.com/"), now), "");
  EXPECT_EQ(jar.cookie_header(URL("http://other.com/"), now), "");
}

TEST(Cookies, ADomainCookieIsSentToTheDomainAndItsSubdomains) {
  const auto jar = jar_from("http://www.example.com/", {"a=1; Domain=.example.com"});
  EXPECT_EQ(jar.cookie_header(URL("http://example.com/"), now), "a=1");
  EXPECT_EQ(jar.cookie_header(URL("http://www.example.com/"), now), "a=1");
  EXPECT_EQ(jar.cookie_header(URL("http://a.b.example.com/"), now), "a=1");
  EXPECT_EQ(jar.cookie_header(URL("http://notexample.com/"), now), "");
  EXPECT_EQ(jar.cookie_header(URL("http://example.com.evil.org/"), now), "");
}

TEST(Cookies, CookiesAreSentOnlyToPathsThatPathMatch) {
  const auto jar = jar_from("http://example.com/", {"a=1; Path=/docs", "b=2; Path=/docs/"});
  EXPECT_EQ(jar.cookie_header(URL("http://example.com/docs"), now), "a=1");
  EXPECT_EQ(jar.cookie_header(URL("http://example.com/docs/"), now), "b=2; a=1");
  EXPECT_EQ(jar.cookie_header(URL("http://example.com/docs/web/x?q=1"), now), "b=2; a=1");
  EXPECT_EQ(jar.cookie_header(URL("http://example.com/docs?q=/docs/"), now), "a=1");
  EXPECT_EQ(jar.cookie_header(URL("http://example.com/doc"), now), "");
  EXPECT_EQ(jar.cookie_header(URL("http://example.com/docsets"), now), "");
  EXPECT_EQ(jar.cookie_header(URL("http://example.com/"), now), "");
}

TEST(Cookies, SecureCookiesAreSentOnlyOverHttps) {
  const auto jar = jar_from("https://example.com/", {"s=1; Secure", "p=2"});
  EXPECT_EQ(jar.cookie_header(URL("https://example.com/"), now), "s=1; p=2");
  EXPECT_EQ(jar.cookie_header(URL("http://example.com/"), now), "p=2");
}

TEST(Cookies, OrdersByLongerPathFirstThenEarlierCreation) {
  Cookies jar;
  extract(jar, "http://example.com/", "late=1; Path=/", now + seconds{2});
  extract(jar, "http://example.com/", "early=1; Path=/", now + seconds{1});
  extract(jar, "http://example.com/", "deep=1; Path=/a/b", now + seconds{3});
  extract(jar, "http://example.com/", "mid=1; Path=/a", now + seconds{4});
  EXPECT_EQ(jar.cookie_header(URL("http://example.com/a/b/c"), now + seconds{5}),
            "deep=1; mid=1; early=1; late=1");
}

TEST(Cookies, CookiesOfOneResponseKeepTheirOrder) {
  const auto jar = jar_from("http://example.com/", {"z=1", "y=2", "x=3"});
  EXPECT_EQ(jar.cookie_header(URL("http://example.com/"), now), "z=1; y=2; x=3");
}

// RFC 6265 5.3 step 11.
TEST(Cookies, ReplacingACookieKeepsItsCreationTimeAndPlace) {
  Cookies jar;
  extract(jar, "http://example.com/", "a=1", now);
  extract(jar, "http://example.com/", "b=2", now + seconds{1});
  extract(jar, "http://example.com/", "a=3; HttpOnly", now + seconds{2});
  ASSERT_EQ(jar.size(), 2u);
  EXPECT_EQ(jar.begin()->value, "3");
  EXPECT_EQ(jar.begin()->created, now);
  EXPECT_TRUE(jar.begin()->http_only);
  EXPECT_EQ(jar.cookie_header(URL("http://example.com/"), now + seconds{3}), "a=3; b=2");
}

TEST(Cookies, AHostOnlyAndADomainCookieOfTheSameNameReplaceEachOther) {
  Cookies jar;
  extract(jar, "http://example.com/", "a=1");
  extract(jar, "http://example.com/", "a=2; Domain=example.com");
  ASSERT_EQ(jar.size(), 1u);
  EXPECT_FALSE(jar.begin()->host_only);
  EXPECT_EQ(jar.cookie_header(URL("http://sub.example.com/"), now), "a=2");
}

TEST(Cookies, SameNameOnDifferentPathsOrDomainsAreDistinctCookies) {
  Cookies jar;
  extract(jar, "http://www.example.com/", "a=1");
  extract(jar, "http://www.example.com/", "a=2; Path=/x");
  extract(jar, "http://www.example.com/", "a=3; Domain=example.com");
  EXPECT_EQ(jar.size(), 3u);
  EXPECT_EQ(jar.cookie_header(URL("http://www.example.com/x"), now), "a=2; a=1; a=3");
}

TEST(Cookies, MaxAgeZeroDeletesTheStoredCookie) {
  Cookies jar;
  extract(jar, "http://example.com/", "a=1; Path=/");
  extract(jar, "http://example.com/", "a=; Max-Age=0; Path=/");
  EXPECT_TRUE(jar.empty());
}

TEST(Cookies, AnExpiresInThePastDeletesTheStoredCookie) {
  Cookies jar;
  extract(jar, "http://example.com/", "a=1; Domain=example.com");
  extract(jar, "http://www.example.com/",
          "a=gone; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_TRUE(jar.empty());
}

TEST(Cookies, ADeletionOnlyRemovesTheCookieOfThatDomainAndPath) {
  Cookies jar;
  extract(jar, "http://example.com/", "a=1; Path=/x");
  extract(jar, "http://example.com/", "a=; Max-Age=0; Path=/");
  extract(jar, "http://example.com/", "b=; Max-Age=0");
  ASSERT_EQ(jar.size(), 1u);
  EXPECT_EQ(jar.begin()->path, "/x");
}

TEST(Cookies, ExpiredCookiesAreNotSentAndArePurged) {
  Cookies jar;
  extract(jar, "http://example.com/", "short=1; Max-Age=10");
  extract(jar, "http://example.com/", "long=2; Max-Age=100");
  EXPECT_EQ(jar.cookie_header(URL("http://example.com/"), now + seconds{5}), "short=1; long=2");
  EXPECT_EQ(jar.cookie_header(URL("http://example.com/"), now + seconds{10}), "long=2");
  EXPECT_EQ(jar.size(), 2u);
  jar.clear_expired(now + seconds{10});
  EXPECT_EQ(jar.size(), 1u);
  extract(jar, "http://example.com/", "other=3", now + seconds{200});
  EXPECT_EQ(jar.size(), 1u);
  EXPECT_EQ(jar.begin()->name, "other");
}

TEST(Cookies, IgnoresInvalidFieldsAndKeepsTheValidOnes) {
  const auto jar = jar_from("http://www.example.com/",
                            {"bad", "x=1; Domain=com", "ok=1", "y=2; Secure", "=v", "ok2=2"});
  EXPECT_EQ(jar.cookie_header(URL("http://www.example.com/"), now), "ok=1; ok2=2");
}

TEST(Cookies, ReadsSetCookieFieldsCaseInsensitivelyAndIgnoresOtherHeaders) {
  Cookies jar;
  Headers headers{
      {"set-cookie", "a=1"}, {"Cookie", "x=1"}, {"SET-COOKIE", "b=2"}, {"Set-Cookie2", "c=3"}};
  jar.extract_cookies(URL("http://example.com/"), headers, now);
  EXPECT_EQ(jar.cookie_header(URL("http://example.com/"), now), "a=1; b=2");
}

// RFC 6265bis 5.7 step 16.
TEST(Cookies, PlainHttpCannotShadowASecureCookie) {
  Cookies jar;
  extract(jar, "https://www.example.com/", "sid=secret; Secure; Domain=example.com");
  extract(jar, "http://www.example.com/", "sid=evil");
  extract(jar, "http://www.example.com/", "sid=evil; Domain=example.com; Path=/sub");
  extract(jar, "http://www.example.com/", "other=fine");
  EXPECT_EQ(jar.size(), 2u);
  EXPECT_EQ(jar.get("sid"), "secret");
  extract(jar, "https://www.example.com/", "sid=new");  // https may
  EXPECT_EQ(jar.size(), 3u);
}

TEST(Cookies, AnIpAddressHostGetsOnlyItsOwnCookies) {
  Cookies jar;
  extract(jar, "http://127.0.0.1:8000/", "a=1");
  EXPECT_EQ(jar.cookie_header(URL("http://127.0.0.1:9000/"), now), "a=1");
  EXPECT_EQ(jar.cookie_header(URL("http://127.0.0.2/"), now), "");
  extract(jar, "http://[::1]/", "b=2");
  EXPECT_EQ(jar.cookie_header(URL("http://[::1]:81/"), now), "b=2");
}

TEST(Cookies, NoCookiesForAUrlWithoutAHost) {
  Cookies jar{{"a", "1"}};
  extract(jar, "mailto:x@example.com", "b=2");
  EXPECT_EQ(jar.size(), 1u);
  EXPECT_EQ(jar.cookie_header(URL("mailto:x@example.com"), now), "");
}

// --- bounds ---

TEST(Cookies, KeepsAtMost50CookiesPerDomainDroppingTheOldest) {
  Cookies jar;
  for (int i = 0; i < 60; ++i) {
    extract(jar, "http://example.com/", numbered("c", i, "=v"), now + seconds{i});
  }
  EXPECT_EQ(jar.size(), Cookies::max_cookies_per_domain);
  EXPECT_EQ(jar.get("c9"), std::nullopt);
  EXPECT_EQ(jar.get("c10"), "v");
  EXPECT_EQ(jar.get("c59"), "v");
}

TEST(Cookies, EvictsExpiredCookiesBeforeOldOnes) {
  // update() stores at the real time and, unlike extract_cookies, purges nothing first.
  const auto base = Clock::now() - hours{1};
  Cookies jar;
  extract(jar, "http://example.com/", "old=1", base);
  extract(jar, "http://example.com/", "brief=1; Max-Age=5", base + seconds{1});
  for (int i = 0; i < 48; ++i) {
    extract(jar, "http://example.com/", numbered("c", i, "=v"), base + seconds{2});
  }
  ASSERT_EQ(jar.size(), 50u);
  Cookies incoming;
  incoming.set("new", "1", "example.com");
  jar.update(incoming);
  EXPECT_EQ(jar.size(), 50u);
  EXPECT_EQ(jar.get("brief"), std::nullopt);
  EXPECT_EQ(jar.get("old"), "1");
  EXPECT_EQ(jar.get("new"), "1");
}

TEST(Cookies, KeepsAtMost3000CookiesInAll) {
  Cookies jar;
  for (int d = 0; d < 62; ++d) {
    Headers headers;
    for (int i = 0; i < 50; ++i) headers.add("Set-Cookie", numbered("c", i, "=v"));
    jar.extract_cookies(URL(numbered("http://d", d, ".example/")), headers, now + seconds{d});
  }
  EXPECT_EQ(jar.size(), Cookies::max_cookies);
  EXPECT_EQ(jar.cookie_header(URL("http://d0.example/"), now + seconds{100}), "");
  EXPECT_NE(jar.cookie_header(URL("http://d61.example/"), now + seconds{100}), "");
}

TEST(Cookies, HandSetCookiesAreExemptFromThePerDomainLimit) {
  Cookies jar;
  for (int i = 0; i < 60; ++i) jar.set(numbered("c", i), "v");
  EXPECT_EQ(jar.size(), 60u);
}

// --- httpx.Cookies API ---

// Parity: test_cookies — set, get, delete.
TEST(Cookies, SetGetAndRemoveByName) {
  Cookies jar;
  jar.set("example-name", "example-value");
  EXPECT_EQ(jar.get("example-name"), "example-value");
  EXPECT_EQ(jar.size(), 1u);
  jar.remove("example-name");
  EXPECT_EQ(jar.get("example-name"), std::nullopt);
  EXPECT_TRUE(jar.empty());
  jar.remove("absent");
}

TEST(Cookies, HandSetCookiesWithoutADomainGoToEveryHost) {
  Cookies jar{{"a", "1"}, {"b", "2"}};
  EXPECT_EQ(jar.cookie_header(URL("http://example.com/any/path")), "a=1; b=2");
  EXPECT_EQ(jar.cookie_header(URL("https://127.0.0.1:8443/")), "a=1; b=2");
  const Cookie& first = *jar.begin();
  EXPECT_EQ(first.domain, "");
  EXPECT_EQ(first.path, "/");
  EXPECT_EQ(first.expires, std::nullopt);
}

TEST(Cookies, HandSetCookiesWithADomainGoToItAndItsSubdomains) {
  Cookies jar;
  jar.set("a", "1", ".Example.org");
  jar.set("b", "2", "example.org", "/api");
  EXPECT_EQ(jar.begin()->domain, "example.org");
  EXPECT_EQ(jar.cookie_header(URL("http://www.example.org/api/v1")), "b=2; a=1");
  EXPECT_EQ(jar.cookie_header(URL("http://example.org/")), "a=1");
  EXPECT_EQ(jar.cookie_header(URL("http://example.com/")), "");
}

TEST(Cookies, SetReplacesTheCookieOfTheSameNameDomainAndPath) {
  Cookies jar;
  jar.set("a", "1");
  jar.set("a", "2");
  jar.set("a", "3", "example.com");
  EXPECT_EQ(jar.size(), 2u);
  EXPECT_EQ(jar.get("a", "example.com"), "3");
}

// Parity: test_multiple_set_cookie / CookieConflict.
TEST(Cookies, GetThrowsCookieConflictWhenSeveralMatch) {
  Cookies jar;
  jar.set("name", "one", "example.org");
  jar.set("name", "two", "example.com");
  EXPECT_THROW((void)jar.get("name"), CookieConflict);
  EXPECT_EQ(jar.get("name", "example.org"), "one");
  EXPECT_EQ(jar.get("name", ".EXAMPLE.com"), "two");
  EXPECT_EQ(jar.get("name", "example.net"), std::nullopt);
  try {
    (void)jar.get("name");
  } catch (const CookieConflict& e) {
    EXPECT_STREQ(e.what(), "multiple cookies exist with name=name");
  }
}

TEST(Cookies, CookieConflictIsARuntimeErrorButNotAnHttpError) {
  static_assert(std::is_base_of_v<std::runtime_error, CookieConflict>);
  static_assert(!std::is_base_of_v<corio::http::HTTPError, CookieConflict>);
  EXPECT_THROW(throw CookieConflict("x"), std::runtime_error);
}

TEST(Cookies, GetNarrowsByPath) {
  Cookies jar;
  jar.set("a", "root");
  jar.set("a", "api", "", "/api");
  EXPECT_EQ(jar.get("a", "", "/api"), "api");
  EXPECT_EQ(jar.get("a", "", "/"), "root");
  EXPECT_THROW((void)jar.get("a"), CookieConflict);
}

TEST(Cookies, RemoveTakesEveryMatchOrOnlyThoseOfTheDomainAndPath) {
  Cookies jar;
  jar.set("a", "1", "x.com");
  jar.set("a", "2", "y.com");
  jar.set("a", "3", "y.com", "/p");
  jar.set("b", "4", "y.com");
  jar.remove("a", "y.com", "/p");
  EXPECT_EQ(jar.size(), 3u);
  jar.remove("a", "Y.com");
  EXPECT_EQ(jar.size(), 2u);
  jar.remove("a");
  EXPECT_EQ(jar.size(), 1u);
  EXPECT_EQ(jar.begin()->name, "b");
}

TEST(Cookies, ClearEmptiesTheJarOrOneDomain) {
  Cookies jar;
  jar.set("a", "1", "x.com");
  jar.set("b", "2", "y.com");
  jar.set("c", "3");
  jar.clear(".X.COM");
  EXPECT_EQ(jar.size(), 2u);
  EXPECT_EQ(jar.get("a"), std::nullopt);
  jar.clear();
  EXPECT_TRUE(jar.empty());
}

// Parity: test_cookies_update.
TEST(Cookies, UpdateAddsAndReplacesTheOthersCookies) {
  Cookies jar{{"a", "1"}, {"b", "2"}};
  Cookies other{{"b", "3"}, {"c", "4"}};
  jar.update(other);
  EXPECT_EQ(jar.size(), 3u);
  EXPECT_EQ(jar.get("b"), "3");
  EXPECT_EQ(jar.get("c"), "4");
  EXPECT_EQ(other.size(), 2u);
}

TEST(Cookies, IterationVisitsEveryCookie) {
  const auto jar = jar_from("https://example.com/", {"a=1; Secure", "b=2; SameSite=Strict"});
  std::string names;
  for (const Cookie& c : jar) names += c.name;
  EXPECT_EQ(names, "ab");
  EXPECT_EQ(std::next(jar.begin())->same_site, "Strict");
}

TEST(Cookies, CopiesAreIndependent) {
  Cookies jar{{"a", "1"}};
  Cookies copy = jar;
  copy.set("b", "2");
  EXPECT_EQ(jar.size(), 1u);
  EXPECT_EQ(copy.size(), 2u);
}

TEST(Cookies, SetRejectsWhatCannotBeSentInACookieHeader) {
  Cookies jar;
  EXPECT_THROW(jar.set("", "v"), std::invalid_argument);
  EXPECT_THROW(jar.set("a=b", "v"), std::invalid_argument);
  EXPECT_THROW(jar.set("a;b", "v"), std::invalid_argument);
  EXPECT_THROW(jar.set("a", "v;w"), std::invalid_argument);
  EXPECT_THROW(jar.set("a", "v\r\nX: y"), std::invalid_argument);
  EXPECT_THROW(jar.set("a\n", "v"), std::invalid_argument);
  EXPECT_THROW(jar.set("a", "v", "", "relative"), std::invalid_argument);
  EXPECT_THROW((Cookies{{"ok", "1"}, {"bad;", "2"}}), std::invalid_argument);
  try {
    jar.set("a", "v;w");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("cookie 'a'"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(jar.empty());
}

TEST(Cookies, EmptyJarGivesAnEmptyHeader) {
  const Cookies jar;
  EXPECT_EQ(jar.cookie_header(URL("http://example.com/")), "");
}
