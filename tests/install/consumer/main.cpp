// A minimal downstream program: prints 42 computed by two gathered tasks, after touching
// the HTTP parser and URL code so that every static dependency must link.
#include <corio/corio.hpp>
#include <corio/http.hpp>

#include <cstdio>

corio::Task<int> half() {
  co_return 21;
}

corio::Task<int> amain() {
  auto [a, b] = co_await corio::gather(half(), half());
  co_return a + b;
}

int main() {
  corio::http::ResponseParser parser;
  parser.feed(std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  const auto url = corio::http::URL::parse("HTTP://Example.COM:80/a");
  if (!parser.message_complete() || url.str() != "http://example.com/a") return 1;
  std::printf("%d\n", corio::run(amain()));
}
