// apps/fetch/options.hpp — corio-fetch's command line: what the user asked for, parsed and
// checked up front (CLI11), so that a bad flag, header or data file stops the run before
// any request is sent.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace corio_fetch {

// When the exit status is 1: any URL that got no response (error), also any 4xx/5xx
// (http), or never.
enum class FailOn { error, http, never };

// auto: a bar when stderr is a terminal, plain lines otherwise.
enum class ProgressMode { automatic, bar, lines, none };

struct Options {
  std::vector<std::string> urls;  // positional URLs, fetched before the input file's
  std::string input;              // -i FILE, "-" for stdin, "" for none
  std::string output;             // -o FILE, "" for stdout
  std::size_t concurrency = 50;
  std::size_t per_host = 0;  // 0: no per-host limit
  double rate = 0;           // requests/s over all hosts, 0: unlimited
  double per_host_rate = 0;  // requests/s per host, 0: unlimited
  double burst = 1;          // token bucket depth of both rates
  double timeout = 30;       // seconds per attempt (each phase and the whole attempt)
  int retries = 0;
  double retry_backoff = 0.5;  // first retry delay, doubled per attempt, with jitter
  double retry_max_wait = 30;  // cap of one backoff delay and of Retry-After
  std::vector<int> retry_statuses{429, 500, 502, 503, 504};
  std::vector<std::string> proxies;  // rotated round-robin per attempt
  std::vector<std::pair<std::string, std::string>> headers;
  std::string method = "GET";
  std::optional<std::string> data;  // -d TEXT or -d @FILE (read here)
  bool follow_redirects = false;
  int max_redirects = 20;
  bool insecure = false;
  std::string save_dir;  // bodies to content-addressed files instead of inline
  bool no_body = false;
  bool resume = false;
  bool quiet = false;
  ProgressMode progress = ProgressMode::automatic;
  double progress_interval = 0;  // seconds; 0: 0.1 for the bar, 2 for lines
  double grace = 5;              // seconds in-flight requests get after the first Ctrl-C
  std::string unprocessed;       // "" : stderr
  FailOn fail_on = FailOn::error;
};

// Exit statuses (docs/fetch.md).
inline constexpr int exit_ok = 0;
inline constexpr int exit_failures = 1;       // some URL failed (see FailOn)
inline constexpr int exit_usage = 2;          // bad flags, unreadable input, unwritable output
inline constexpr int exit_interrupted = 130;  // Ctrl-C: some URLs were not processed
// The output is a pipe whose reader has gone (`corio-fetch ... | head`): main() then ends
// the process by SIGPIPE, as other filters die of it; 128 + SIGPIPE is what a shell shows.
inline constexpr int exit_output_closed = 141;

struct ParseResult {
  std::optional<Options> options;  // set when the run should go ahead
  int exit_code = exit_ok;         // otherwise: exit with this (--help: 0, errors: 2)
  std::string message;             // for stdout (--help) or stderr (errors)
};

// Parses argv (argv[0] is the program name). Never throws for bad input: errors come back
// as exit_usage with a message naming the flag or value.
ParseResult parse_options(int argc, const char* const* argv);

}  // namespace corio_fetch
