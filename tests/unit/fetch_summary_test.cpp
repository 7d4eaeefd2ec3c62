// tests/unit/fetch_summary_test.cpp — corio-fetch's summary (counts, percentiles from the
// log histogram) and progress rendering.
#include <gtest/gtest.h>

#include <string>

#include "progress.hpp"
#include "summary.hpp"

using corio_fetch::FetchResult;
using corio_fetch::LatencyHistogram;
using corio_fetch::ProgressSnapshot;

TEST(FetchLatencyHistogram, PercentilesAreWithinOnePercent) {
  LatencyHistogram histogram;
  for (int ms = 1; ms <= 1000; ++ms) histogram.record(ms);
  EXPECT_NEAR(histogram.percentile(50), 500, 5);
  EXPECT_NEAR(histogram.percentile(95), 950, 9.5);
  EXPECT_NEAR(histogram.percentile(99), 990, 9.9);
  EXPECT_DOUBLE_EQ(histogram.max(), 1000);
  EXPECT_EQ(histogram.count(), 1000u);
}

TEST(FetchLatencyHistogram, EmptyAndTinyValuesAreSafe) {
  LatencyHistogram histogram;
  EXPECT_EQ(histogram.percentile(99), 0);
  histogram.record(0);
  histogram.record(-1);
  histogram.record(1e12);
  EXPECT_GE(histogram.percentile(1), 0);
}

TEST(FetchSummary, CountsByStatusAndByErrorClass) {
  corio_fetch::Summary summary;
  FetchResult ok;
  ok.status = 200;
  ok.bytes = 10;
  ok.elapsed_ms = 2;
  FetchResult missing = ok;
  missing.status = 404;
  FetchResult refused;
  refused.error_class = "ConnectError";
  summary.record(ok);
  summary.record(ok);
  summary.record(missing);
  summary.record(refused);
  EXPECT_EQ(summary.done(), 4u);
  EXPECT_EQ(summary.errors(), 1u);
  EXPECT_EQ(summary.http_errors(), 1u);
  EXPECT_EQ(summary.bytes(), 30u);
  EXPECT_EQ(summary.by_status().at(200), 2u);
  EXPECT_EQ(summary.by_error().at("ConnectError"), 1u);
  const std::string text = summary.render(2.0, 5, 7);
  EXPECT_NE(text.find("4 URLs in 2.00 s (2 URLs/s)"), std::string::npos) << text;
  EXPECT_NE(text.find("200: 2 404: 1"), std::string::npos) << text;
  EXPECT_NE(text.find("ConnectError: 1"), std::string::npos) << text;
  EXPECT_NE(text.find("p50 "), std::string::npos) << text;
  EXPECT_NE(text.find("skipped (--resume): 5"), std::string::npos) << text;
  EXPECT_NE(text.find("unprocessed (interrupted): 7"), std::string::npos) << text;
}

TEST(FetchProgress, TheBarShowsCountsRateEtaErrorsAndInFlight) {
  ProgressSnapshot s;
  s.done = 50;
  s.total = 200;
  s.errors = 3;
  s.in_flight = 7;
  s.rate = 10;
  const std::string bar = corio_fetch::render_bar(s, 100);
  EXPECT_LE(bar.size(), 100u);
  EXPECT_EQ(bar.front(), '[');
  EXPECT_NE(bar.find("50/200"), std::string::npos) << bar;
  EXPECT_NE(bar.find("25%"), std::string::npos) << bar;
  EXPECT_NE(bar.find("10/s"), std::string::npos) << bar;
  EXPECT_NE(bar.find("ETA 0:15"), std::string::npos) << bar;
  EXPECT_NE(bar.find("errors 3"), std::string::npos) << bar;
  EXPECT_NE(bar.find("in flight 7"), std::string::npos) << bar;
}

TEST(FetchProgress, AnUnknownTotalAndANarrowTerminalDegradeGracefully) {
  ProgressSnapshot s;
  s.done = 5;
  const std::string line = corio_fetch::render_line(s);
  EXPECT_EQ(line, "progress: 5/? done, 0/s, ETA ?, 0 errors, 0 in flight\n");
  EXPECT_LE(corio_fetch::render_bar(s, 20).size(), 20u);
}

TEST(FetchProgress, DurationsAndRates) {
  EXPECT_EQ(corio_fetch::format_duration(65), "1:05");
  EXPECT_EQ(corio_fetch::format_duration(3725), "1:02:05");
  EXPECT_EQ(corio_fetch::format_duration(-1), "?");
  corio_fetch::RateMeter meter(5);
  meter.sample(0, 0);
  meter.sample(1, 100);
  meter.sample(2, 300);
  EXPECT_DOUBLE_EQ(meter.rate(), 150);
}

// The first progress line comes after --progress-interval (2 s): it must not say 0/s.
TEST(FetchProgress, TheFirstSampleIsARateSinceTheStart) {
  corio_fetch::RateMeter meter(5);
  EXPECT_DOUBLE_EQ(meter.rate(), 0);
  meter.sample(2, 8670);
  EXPECT_DOUBLE_EQ(meter.rate(), 4335);
  meter.sample(10, 8670 + 4000);  // the start has left the 5 s window: the recent rate
  EXPECT_DOUBLE_EQ(meter.rate(), 500);
}
