// tests/fuzz/address_fuzz.cpp — SocketAddress::parse on arbitrary text: either an address
// that formats and re-parses to itself, or std::invalid_argument; nothing else.
#include <corio/net/address.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto address = corio::net::SocketAddress::parse(text);
    if (address.is_ipv4() || address.is_ipv6()) {
      const auto again = corio::net::SocketAddress::parse(address.to_string());
      if (!(again == address)) std::abort();
    }
  } catch (const std::invalid_argument&) {
  }
  try {
    (void)corio::net::SocketAddress::unix_path(text);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
