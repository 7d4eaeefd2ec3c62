// tests/unit/fetch_retry_test.cpp — corio-fetch's retry policy: error classes, Retry-After
// in both forms, backoff growth, cap and jitter.
#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include <corio/errors.hpp>
#include <corio/http/errors.hpp>

#include "retry.hpp"

using namespace std::chrono_literals;
using corio_fetch::backoff_delay;
using corio_fetch::error_class;
using corio_fetch::is_retryable;
using corio_fetch::parse_retry_after;

namespace {

template <class E>
std::exception_ptr make(const char* what = "x") {
  return std::make_exception_ptr(E(what));
}

// 2015-10-21 07:28:00 UTC.
const auto reference = std::chrono::system_clock::from_time_t(1445412480);

}  // namespace

TEST(FetchRetry, ErrorClassesUseHttpxNames) {
  namespace h = corio::http;
  EXPECT_EQ(error_class(make<h::ConnectError>()), "ConnectError");
  EXPECT_EQ(error_class(make<h::ConnectTimeout>()), "ConnectTimeout");
  EXPECT_EQ(error_class(make<h::ReadTimeout>()), "ReadTimeout");
  EXPECT_EQ(error_class(make<h::ReadError>()), "ReadError");
  EXPECT_EQ(error_class(make<h::RemoteProtocolError>()), "RemoteProtocolError");
  EXPECT_EQ(error_class(make<h::TooManyRedirects>()), "TooManyRedirects");
  EXPECT_EQ(error_class(make<h::InvalidURL>()), "InvalidURL");
  EXPECT_EQ(error_class(std::make_exception_ptr(corio::TimeoutError())), "Timeout");
  EXPECT_EQ(error_class(std::make_exception_ptr(42)), "Error");
}

TEST(FetchRetry, TransportFailuresAreRetriedAndPermanentOnesAreNot) {
  namespace h = corio::http;
  EXPECT_TRUE(is_retryable(make<h::ConnectError>()));
  EXPECT_TRUE(is_retryable(make<h::ReadTimeout>()));
  EXPECT_TRUE(is_retryable(make<h::ReadError>()));
  EXPECT_TRUE(is_retryable(make<h::RemoteProtocolError>()));
  EXPECT_TRUE(is_retryable(std::make_exception_ptr(corio::TimeoutError())));
  EXPECT_FALSE(is_retryable(make<h::InvalidURL>()));
  EXPECT_FALSE(is_retryable(make<h::TooManyRedirects>()));
  EXPECT_FALSE(is_retryable(make<h::UnsupportedProtocol>()));
}

TEST(FetchRetry, RetryAfterSecondsAreReadAsIs) {
  EXPECT_EQ(parse_retry_after("120", reference), 120s);
  EXPECT_EQ(parse_retry_after(" 0 ", reference), 0s);
}

TEST(FetchRetry, RetryAfterDatesCountFromNowInAllThreeForms) {
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", reference), 30s);
  EXPECT_EQ(parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", reference), 60s);
  EXPECT_EQ(parse_retry_after("Wed Oct 21 07:28:05 2015", reference), 5s);
}

TEST(FetchRetry, RetryAfterInThePastMeansNow) {
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", reference), 0s);
}

TEST(FetchRetry, RetryAfterGarbageIsIgnored) {
  EXPECT_FALSE(parse_retry_after("", reference));
  EXPECT_FALSE(parse_retry_after("soon", reference));
  EXPECT_FALSE(parse_retry_after("-5", reference));
  EXPECT_FALSE(parse_retry_after("1.5", reference));
  EXPECT_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT trailing", reference));
}

TEST(FetchRetry, HugeRetryAfterSaturatesInsteadOfOverflowing) {
  const auto delay = parse_retry_after("99999999999999999999999", reference);
  ASSERT_TRUE(delay);
  EXPECT_GE(*delay, std::chrono::hours(24));
}

TEST(FetchRetry, BackoffDoublesWithJitterWithinHalfAndWhole) {
  std::mt19937_64 rng(7);
  for (int retry = 1; retry <= 4; ++retry) {
    const double full_ms = 100.0 * (1 << (retry - 1));
    for (int i = 0; i < 50; ++i) {
      const auto delay = backoff_delay(retry, 0.1, 30, rng).count();
      EXPECT_GE(delay, full_ms / 2 - 1);
      EXPECT_LE(delay, full_ms);
    }
  }
}

TEST(FetchRetry, BackoffIsCapped) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20; ++i) {
    EXPECT_LE(backoff_delay(40, 0.5, 2, rng), 2000ms);
    EXPECT_GE(backoff_delay(40, 0.5, 2, rng), 999ms);
  }
}
