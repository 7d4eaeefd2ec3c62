// tests/fuzz/http_request_fuzz.cpp — RequestParser on arbitrary streams. The first byte
// picks the split size and the body sink; see http_parser_fuzz.hpp for the invariants.
#include "http_parser_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return corio_fuzz::run<corio::http::RequestParser>(data, size, false);
}
