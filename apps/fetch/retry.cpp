// apps/fetch/retry.cpp — error classification, Retry-After and backoff for corio-fetch.
#include "retry.hpp"

#include <time.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include <corio/errors.hpp>
#include <corio/http/errors.hpp>

namespace corio_fetch {

std::string error_class(std::exception_ptr error) {
  namespace h = corio::http;
  try {
    std::rethrow_exception(error);
  } catch (const h::ConnectTimeout&) {
    return "ConnectTimeout";
  } catch (const h::ReadTimeout&) {
    return "ReadTimeout";
  } catch (const h::WriteTimeout&) {
    return "WriteTimeout";
  } catch (const h::PoolTimeout&) {
    return "PoolTimeout";
  } catch (const h::ConnectError&) {
    return "ConnectError";
  } catch (const h::ReadError&) {
    return "ReadError";
  } catch (const h::WriteError&) {
    return "WriteError";
  } catch (const h::RemoteProtocolError&) {
    return "RemoteProtocolError";
  } catch (const h::LocalProtocolError&) {
    return "LocalProtocolError";
  } catch (const h::ProxyError&) {
    return "ProxyError";
  } catch (const h::UnsupportedProtocol&) {
    return "UnsupportedProtocol";
  } catch (const h::DecodingError&) {
    return "DecodingError";
  } catch (const h::TooManyRedirects&) {
    return "TooManyRedirects";
  } catch (const h::InvalidURL&) {
    return "InvalidURL";
  } catch (const corio::TimeoutError&) {
    return "Timeout";
  } catch (...) {
    return "Error";
  }
}

bool is_retryable(std::exception_ptr error) {
  namespace h = corio::http;
  try {
    std::rethrow_exception(error);
  } catch (const h::TimeoutException&) {
    return true;
  } catch (const h::NetworkError&) {
    return true;
  } catch (const h::RemoteProtocolError&) {
    return true;
  } catch (const h::ProxyError&) {
    return true;
  } catch (const corio::TimeoutError&) {
    return true;
  } catch (...) {
    return false;
  }
}

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front())) != 0) {
    value.remove_prefix(1);
  }
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())) != 0) {
    value.remove_suffix(1);
  }
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
    std::uint64_t seconds = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    // Absurdly large values saturate: the caller caps them anyway.
    if (ec == std::errc::result_out_of_range || seconds > 1'000'000'000) {
      return std::chrono::milliseconds(std::chrono::seconds(1'000'000'000));
    }
    if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
    return std::chrono::milliseconds(std::chrono::seconds(seconds));
  }
  const std::string text(value);
  // IMF-fixdate, then the obsolete RFC 850 and asctime forms (RFC 9110 5.6.7).
  for (const char* format :
       {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
    struct tm parts {};
    const char* end = ::strptime(text.c_str(), format, &parts);
    if (end == nullptr || *end != '\0') continue;
    const time_t when = ::timegm(&parts);
    if (when == static_cast<time_t>(-1)) return std::nullopt;
    const auto delay = std::chrono::system_clock::from_time_t(when) - now;
    if (delay <= std::chrono::system_clock::duration::zero()) return std::chrono::milliseconds(0);
    return std::chrono::ceil<std::chrono::milliseconds>(delay);
  }
  return std::nullopt;
}

std::chrono::milliseconds backoff_delay(int retry, double base_seconds, double cap_seconds,
                                        std::mt19937_64& rng) {
  const double exponent = std::min(std::max(retry - 1, 0), 60);
  const double full = std::min(cap_seconds, base_seconds * std::pow(2.0, exponent));
  std::uniform_real_distribution<double> jitter(0.0, full / 2);
  const double seconds = full / 2 + jitter(rng);
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
}

}  // namespace corio_fetch
