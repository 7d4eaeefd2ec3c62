// tests/unit/http_headers_test.cpp — tests for include/corio/http/headers.hpp.
// Parity cases name the httpx tests/models/test_headers.py case they mirror.
#include <corio/http/errors.hpp>
#include <corio/http/headers.hpp>

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

using corio::http::Headers;

// Parity: test_headers — lookups ignore case, spelling is kept.
TEST(Headers, LookupIgnoresCaseAndKeepsSpelling) {
  Headers h{{"Content-Type", "text/html"}};
  EXPECT_EQ(h.get("content-type"), "text/html");
  EXPECT_EQ(h.first("CONTENT-TYPE"), "text/html");
  EXPECT_TRUE(h.contains("content-TYPE"));
  EXPECT_EQ(h.begin()->first, "Content-Type");
  EXPECT_EQ(h.get("missing"), std::nullopt);
}

// Parity: test_headers — get joins repeated fields, get_list keeps them apart.
TEST(Headers, RepeatedFieldsJoinInGetAndStayApartInGetList) {
  Headers h{{"Set-Cookie", "a=1"}, {"Accept", "*/*"}, {"set-cookie", "b=2"}};
  EXPECT_EQ(h.get("set-cookie"), "a=1, b=2");
  EXPECT_EQ(h.get_list("Set-Cookie"), (std::vector<std::string_view>{"a=1", "b=2"}));
  EXPECT_EQ(h.size(), 3u);
}

TEST(Headers, SetReplacesEveryFieldOfThatNameInPlace) {
  Headers h{{"A", "1"}, {"X", "x"}, {"a", "2"}};
  h.set("a", "3");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h.fields()[0], (Headers::Field{"a", "3"}));
  EXPECT_EQ(h.fields()[1], (Headers::Field{"X", "x"}));
}

TEST(Headers, SetdefaultKeepsAnExistingValue) {
  Headers h{{"User-Agent", "mine"}};
  h.setdefault("user-agent", "corio");
  h.setdefault("Accept", "*/*");
  EXPECT_EQ(h.get("User-Agent"), "mine");
  EXPECT_EQ(h.get("accept"), "*/*");
}

TEST(Headers, RemoveTakesAllFieldsOfTheName) {
  Headers h{{"A", "1"}, {"B", "2"}, {"a", "3"}};
  EXPECT_EQ(h.remove("A"), 2u);
  EXPECT_EQ(h.remove("A"), 0u);
  EXPECT_EQ(h.size(), 1u);
}

TEST(Headers, UpdateReplacesNamesPresentInTheOther) {
  Headers h{{"A", "1"}, {"B", "2"}};
  h.update(Headers{{"a", "x"}, {"C", "3"}, {"a", "y"}});
  EXPECT_EQ(h.get_list("A"), (std::vector<std::string_view>{"x", "y"}));
  EXPECT_EQ(h.get("B"), "2");
  EXPECT_EQ(h.get("C"), "3");
}

// A value with CR/LF would let a caller inject a second header or a second request.
TEST(Headers, RejectsHeaderInjectionAndBadNames) {
  Headers h;
  EXPECT_THROW(h.set("X", "a\r\nEvil: 1"), corio::http::LocalProtocolError);
  EXPECT_THROW(h.add("X", std::string("a\0b", 3)), corio::http::LocalProtocolError);
  EXPECT_THROW(h.add("Bad Name", "v"), corio::http::LocalProtocolError);
  EXPECT_THROW(h.add("", "v"), corio::http::LocalProtocolError);
  EXPECT_TRUE(h.empty());
  try {
    h.add("X:Y", "v");
    ADD_FAILURE() << "accepted a name with a colon";
  } catch (const corio::http::ProtocolError& e) {
    EXPECT_NE(std::string(e.what()).find("'X:Y'"), std::string::npos) << e.what();
  }
}

// The value's half alone (ServerResponse::content's check): CR, LF and NUL anywhere, every
// other byte (tabs, obs-text) accepted, and the message names the field.
TEST(Headers, ValidateHeaderValueRejectsLineBreaksAndNulAnywhere) {
  using corio::http::validate_header_value;
  EXPECT_NO_THROW(validate_header_value("Content-Type", "text/html; charset=\"utf-8\"\t\xff"));
  EXPECT_NO_THROW(validate_header_value("X", ""));
  for (const std::string& bad : {std::string("\rtext"), std::string("te\nxt"),
                                 std::string("text\0", 5), std::string(40, 'a') + "\r"}) {
    try {
      validate_header_value("Content-Type", bad);
      ADD_FAILURE() << "accepted a value with CR, LF or NUL";
    } catch (const corio::http::LocalProtocolError& e) {
      EXPECT_NE(std::string(e.what()).find("'Content-Type'"), std::string::npos) << e.what();
    }
  }
}

// Every way in checks, so what writes a Headers out can trust it.
TEST(Headers, ConstructorsCheckEveryField) {
  corio::http::HeaderList smuggled{{"X", "ok"}, {"Y", "a\r\nEvil: 1"}};
  EXPECT_THROW(Headers{smuggled}, corio::http::LocalProtocolError);
  EXPECT_THROW((Headers{{"Good", "v"}, {"Bad Name", "v"}}), corio::http::LocalProtocolError);
  const Headers fine(corio::http::HeaderList{{"X", "1"}, {"x", "2"}});
  EXPECT_EQ(fine.get("x"), "1, 2");
}

TEST(Headers, ErrorsFormHttpxHierarchy) {
  EXPECT_THROW(throw corio::http::ConnectTimeout("x"), corio::http::TimeoutException);
  EXPECT_THROW(throw corio::http::PoolTimeout("x"), corio::http::TransportError);
  EXPECT_THROW(throw corio::http::ReadError("x"), corio::http::NetworkError);
  EXPECT_THROW(throw corio::http::RemoteProtocolError("x"), corio::http::RequestError);
  EXPECT_THROW(throw corio::http::DecodingError("x"), corio::http::HTTPError);
  EXPECT_THROW(throw corio::http::ProxyError("x"), corio::http::TransportError);
}

TEST(HeaderText, AsciiLowerChangesOnlyAsciiLetters) {
  EXPECT_EQ(corio::http::ascii_lower("Content-TYPE: gZip"), "content-type: gzip");
  EXPECT_EQ(corio::http::ascii_lower("\xC3\x89t\xC3\xA9"), "\xC3\x89t\xC3\xA9");
}

TEST(HeaderText, TrimOwsTakesSpacesAndTabsOnly) {
  EXPECT_EQ(corio::http::trim_ows(" \t gzip \t"), "gzip");
  EXPECT_EQ(corio::http::trim_ows("\r\nx\r\n"), "\r\nx\r\n");
  EXPECT_EQ(corio::http::trim_ows(" \t "), "");
}

TEST(HeaderText, ListItemsAreTrimmedAndEmptyOnesSkipped) {
  std::vector<std::string> items;
  corio::http::for_each_list_item(" gzip ,, chunked\t,",
                                  [&](std::string_view item) { items.emplace_back(item); });
  EXPECT_EQ(items, (std::vector<std::string>{"gzip", "chunked"}));
  items.clear();
  corio::http::for_each_list_item("", [&](std::string_view item) { items.emplace_back(item); });
  corio::http::for_each_list_item(" , ", [&](std::string_view item) { items.emplace_back(item); });
  EXPECT_TRUE(items.empty());
}

TEST(HeaderText, ListHasMatchesWholeItemsIgnoringCase) {
  EXPECT_TRUE(corio::http::list_has("keep-alive, Close", "close"));
  EXPECT_TRUE(corio::http::list_has("close", "close"));
  EXPECT_FALSE(corio::http::list_has("closed, enclose", "close"));
  EXPECT_FALSE(corio::http::list_has("", "close"));
}
