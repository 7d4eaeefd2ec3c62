// tests/fuzz/url_fuzz.cpp — URL::parse on arbitrary text: either a URL whose normal form
// re-parses to itself (and stays so through join and with_params), or InvalidURL; nothing
// else. with_params merges (one pair per name it sets), and with_host changes the host only.
#include <corio/http/url.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto url = corio::http::URL::parse(text);
    const auto again = corio::http::URL::parse(url.str());
    if (!(again == url) || again.str() != url.str()) std::abort();
    if (url.is_http() && (url.host().empty() || url.host().size() > 253)) std::abort();
    if (url.is_http() && url.raw_path().substr(0, 1) != "/") std::abort();
    const auto with = url.with_params({{std::string(text), "v"}});
    const auto params = with.params();
    if (params.empty() || params.back() != std::pair<std::string, std::string>(text, "v")) {
      std::abort();
    }
    const auto twice = with.with_params({{std::string(text), "w"}}).params();
    const auto named = [&](const auto& pair) { return pair.first == text; };
    if (twice.size() != params.size() || std::count_if(twice.begin(), twice.end(), named) != 1) {
      std::abort();
    }
    if (url.is_http()) {
      try {
        const auto moved = url.with_host(url.fragment());  // any bytes the input chooses
        if (moved.raw_path() != url.raw_path() || moved.userinfo() != url.userinfo() ||
            moved.port() != url.port() || moved.fragment() != url.fragment()) {
          std::abort();
        }
      } catch (const corio::http::InvalidURL&) {
      }
    }
  } catch (const corio::http::InvalidURL&) {
  }
  try {
    const auto base = corio::http::URL::parse("http://a/b/c/d;p?q");
    const auto joined = base.join(text);
    if (!(corio::http::URL::parse(joined.str()) == joined)) std::abort();
  } catch (const corio::http::InvalidURL&) {
  }
  return 0;
}
