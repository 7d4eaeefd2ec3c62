// apps/fetch/options.cpp — the CLI11 definition of corio-fetch's flags and the checks that
// need more than CLI11 (headers, data files, proxy URLs).
#include "options.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include <corio/http/headers.hpp>
#include <corio/http/proxy.hpp>

namespace corio_fetch {
namespace {

std::string trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

ParseResult usage_error(std::string message) {
  return {std::nullopt, exit_usage, "corio-fetch: " + std::move(message) + "\n"};
}

// Durations longer than this (11.6 days) would overflow the loop's nanosecond clock.
constexpr double max_seconds = 1e6;

// A finite number from `min` (excluded when `above`) to `max`. Unlike CLI11's PositiveNumber
// and NonNegativeNumber it refuses nan and inf, and its message does not print DBL_MAX in full.
CLI::Validator number_in(double min, bool above, double max) {
  char rule[96];
  std::snprintf(rule, sizeof rule, "a number %s %.0f and <= %.0f", above ? ">" : ">=", min, max);
  const std::string text = rule;
  char range[64];
  std::snprintf(range, sizeof range, "in %c%g - %g]", above ? '(' : '[', min, max);
  return CLI::Validator(
      [=](std::string& input) -> std::string {
        double value = 0;
        const bool number = CLI::detail::lexical_cast(input, value);
        if (number && std::isfinite(value) && (above ? value > min : value >= min) &&
            value <= max) {
          return {};
        }
        return "'" + input + "' is not " + text;
      },
      range);
}

}  // namespace

ParseResult parse_options(int argc, const char* const* argv) {
  Options options;
  std::vector<std::string> raw_headers;
  std::string data;
  std::string fail_on = "error";
  std::string progress = "auto";

  CLI::App app{
      "corio-fetch: fetch many URLs concurrently, one JSON line per URL.\n"
      "URLs come from the arguments, then from -i FILE (one per line, '-' for stdin;\n"
      "blank lines and lines starting with '#' are skipped).",
      "corio-fetch"};
  app.get_formatter()->column_width(30);
  app.add_option("urls", options.urls, "URLs to fetch")->type_name("URL");
  app.add_option("-i,--input", options.input, "File of URLs, one per line ('-': stdin)")
      ->type_name("FILE");
  app.add_option("-o,--output", options.output, "JSON Lines output (default: stdout)")
      ->type_name("FILE");
  app.add_option("-c,--concurrency", options.concurrency, "Requests in flight at once")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
  app.add_option("--per-host", options.per_host, "Requests in flight per host (0: no limit)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{100000}));
  app.add_option("--rate", options.rate, "Requests started per second, all hosts (0: no limit)")
      ->check(number_in(0, false, 1e9));
  app.add_option("--per-host-rate", options.per_host_rate,
                 "Requests started per second per host (0: no limit)")
      ->check(number_in(0, false, 1e9));
  app.add_option("--burst", options.burst, "Token bucket depth for --rate and --per-host-rate")
      ->capture_default_str()
      ->check(number_in(1, false, 1e9));
  app.add_option("-t,--timeout", options.timeout,
                 "Seconds per attempt: connect, each read and write, and the whole attempt")
      ->capture_default_str()
      ->check(number_in(0, true, max_seconds));
  app.add_option("-r,--retries", options.retries,
                 "Retries after connect errors, timeouts, resets and --retry-on-status codes")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  app.add_option("--retry-backoff", options.retry_backoff,
                 "Seconds before the first retry; doubled per retry, with jitter")
      ->capture_default_str()
      ->check(number_in(0, false, max_seconds));
  app.add_option("--retry-max-wait", options.retry_max_wait,
                 "Cap in seconds on one backoff delay and on Retry-After")
      ->capture_default_str()
      ->check(number_in(0, false, max_seconds));
  app.add_option("--retry-on-status", options.retry_statuses,
                 "Statuses that are retried (comma-separated)")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->capture_default_str()
      ->check(CLI::Range(100, 599));
  app.add_option("-x,--proxy", options.proxies,
                 "Proxy URL (http://, socks5://); repeat to rotate per attempt")
      ->type_name("URL")
      ->allow_extra_args(false);
  app.add_option("-H,--header", raw_headers, "Request header 'Name: value' (repeatable)")
      ->type_name("HEADER")
      ->allow_extra_args(false);
  app.add_option("-X,--method", options.method, "Request method (POST with -d)")
      ->capture_default_str();
  app.add_option("-d,--data", data, "Request body; @FILE reads it from FILE")->type_name("DATA");
  app.add_flag("-L,--follow-redirects", options.follow_redirects, "Follow 3xx redirects");
  app.add_option("--max-redirects", options.max_redirects, "Redirects followed at most")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  app.add_flag("-k,--insecure", options.insecure, "Do not verify TLS certificates");
  app.add_option("--save-dir", options.save_dir,
                 "Store bodies as DIR/ab/<sha256> files instead of inline")
      ->type_name("DIR");
  app.add_flag("--no-body", options.no_body, "Leave bodies out of the output");
  app.add_flag("--resume", options.resume,
               "Skip URLs the output file already answers; append to it");
  app.add_flag("-q,--quiet", options.quiet, "No progress, no summary, no per-line warnings");
  app.add_option("--progress", progress, "Progress display")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "bar", "lines", "none"}));
  app.add_option("--progress-interval", options.progress_interval,
                 "Seconds between progress updates (default 0.1 for the bar, 2 for lines)")
      ->check(number_in(0, false, max_seconds));
  app.add_option("--grace", options.grace,
                 "Seconds in-flight requests may finish after Ctrl-C (a second Ctrl-C: none)")
      ->capture_default_str()
      ->check(number_in(0, false, max_seconds));
  app.add_option("--unprocessed", options.unprocessed,
                 "Write the URLs this run leaves unprocessed here, emptied when none "
                 "(default: stderr)")
      ->type_name("FILE");
  app.add_option("--fail-on", fail_on,
                 "Exit 1 when any URL got no response (error), also on 4xx/5xx (http), or never")
      ->capture_default_str()
      ->check(CLI::IsMember({"error", "http", "never"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream out;
    std::ostringstream err;
    const int code = app.exit(e, out, err);
    if (code == 0) return {std::nullopt, exit_ok, out.str()};
    return {std::nullopt, exit_usage, err.str()};
  }

  if (options.urls.empty() && options.input.empty()) {
    return usage_error("no URLs: give them as arguments or with -i FILE (-i - for stdin)\n" +
                       app.help());
  }
  const bool results_to_stdout = options.output.empty() || options.output == "-";
  if (options.resume && results_to_stdout) {
    return usage_error("--resume needs -o FILE (the output it resumes from)");
  }
  if (options.unprocessed == "-" && results_to_stdout) {
    return usage_error(
        "--unprocessed - and the results would share stdout: name a file for one of them");
  }
  if (options.save_dir.empty() == false && options.no_body) {
    return usage_error("--save-dir and --no-body exclude each other");
  }
  if (!corio::http::is_token(options.method)) {
    return usage_error("invalid method '" + options.method + "'");
  }
  for (const std::string& header : raw_headers) {
    const auto colon = header.find(':');
    if (colon == std::string::npos) {
      return usage_error("invalid header '" + header + "': expected 'Name: value'");
    }
    std::string name = trim(std::string_view(header).substr(0, colon));
    std::string value = trim(std::string_view(header).substr(colon + 1));
    try {
      corio::http::validate_header(name, value);
    } catch (const std::exception& e) {
      return usage_error("invalid header '" + header + "': " + e.what());
    }
    options.headers.emplace_back(std::move(name), std::move(value));
  }
  if (app.count("--data") > 0) {
    // As curl: a POST, of a form unless -H names another Content-Type.
    if (app.count("--method") == 0) options.method = "POST";
    const bool typed =
        std::any_of(options.headers.begin(), options.headers.end(), [](const auto& header) {
          return corio::http::ascii_lower(header.first) == "content-type";
        });
    if (!typed) options.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    if (!data.empty() && data.front() == '@') {
      const std::string path = data.substr(1);
      std::ifstream file(path, std::ios::binary);
      std::ostringstream contents;
      if (!file || !(contents << file.rdbuf())) {
        // An empty file reads as a failed insertion; tell it apart from an unreadable one.
        if (!file.is_open()) return usage_error("cannot read data file '" + path + "'");
      }
      // A directory opens, then reads as empty.
      std::error_code error;
      if (std::filesystem::is_directory(path, error)) {
        return usage_error("cannot read data file '" + path + "': it is a directory");
      }
      options.data = contents.str();
    } else {
      options.data = data;
    }
  }
  for (const std::string& proxy : options.proxies) {
    try {
      (void)corio::http::Proxy::parse(proxy);
    } catch (const std::exception& e) {
      return usage_error("invalid proxy '" + proxy + "': " + e.what());
    }
  }
  options.fail_on = fail_on == "http"    ? FailOn::http
                    : fail_on == "never" ? FailOn::never
                                         : FailOn::error;
  options.progress = progress == "bar"     ? ProgressMode::bar
                     : progress == "lines" ? ProgressMode::lines
                     : progress == "none"  ? ProgressMode::none
                                           : ProgressMode::automatic;
  return {std::move(options), exit_ok, {}};
}

}  // namespace corio_fetch
