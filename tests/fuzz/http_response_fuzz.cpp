// tests/fuzz/http_response_fuzz.cpp — ResponseParser on arbitrary streams. The first byte
// picks the split size, the body sink and "expect no body"; see http_parser_fuzz.hpp.
#include "http_parser_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return corio_fuzz::run<corio::http::ResponseParser>(data, size, true);
}
