// src/net/tls_internal.hpp — what tls_context.cpp and tls.cpp share: OpenSSL's error queue
// as text.
#pragma once

#include <string>
#include <vector>

namespace corio::net::detail {

// One entry of OpenSSL's per-thread error queue.
struct OpensslError {
  unsigned long code = 0;
  int library = 0;
  int reason = 0;
  std::string text;  // the reason ("certificate verify failed"), plus OpenSSL's detail if any
};

// Empties the calling thread's error queue, oldest (usually the root cause) first.
std::vector<OpensslError> take_openssl_errors();

// "reason; reason", duplicates dropped; `fallback` for an empty list.
std::string join_openssl_errors(const std::vector<OpensslError>& errors,
                                const char* fallback = "unknown error");

}  // namespace corio::net::detail
