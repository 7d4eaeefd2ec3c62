// apps/fetch/retry.hpp — when corio-fetch tries a URL again and how long it waits first:
// error classes (httpx's names), Retry-After parsing, exponential backoff with jitter.
#pragma once

#include <chrono>
#include <exception>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace corio_fetch {

// The class name of an exception a fetch ended with, as written to the output's
// error.class: httpx's names (ConnectError, ConnectTimeout, ReadTimeout, WriteTimeout,
// PoolTimeout, ReadError, WriteError, RemoteProtocolError, LocalProtocolError, ProxyError,
// UnsupportedProtocol, DecodingError, TooManyRedirects, InvalidURL), "Timeout" for the
// whole-attempt deadline, "Error" for anything else.
[[nodiscard]] std::string error_class(std::exception_ptr error);

// True for errors worth another attempt: connect errors and timeouts of any kind, resets
// and truncated answers (ReadError, WriteError, RemoteProtocolError), proxy failures.
[[nodiscard]] bool is_retryable(std::exception_ptr error);

// A Retry-After value (RFC 9110 10.2.3): delay-seconds or an HTTP-date (IMF-fixdate, RFC
// 850 or asctime form) taken relative to `now`. A date in the past gives 0. nullopt for
// anything else (the caller falls back to its backoff).
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

// The wait before retry number `retry` (1 for the first): base * 2^(retry-1), capped at
// `cap`, with "equal jitter" — half of it fixed, half uniformly random — so that a crowd of
// failed requests does not come back in step.
[[nodiscard]] std::chrono::milliseconds backoff_delay(int retry, double base_seconds,
                                                      double cap_seconds, std::mt19937_64& rng);

}  // namespace corio_fetch
