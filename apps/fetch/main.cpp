// apps/fetch/main.cpp — corio-fetch: fetch many URLs concurrently, one JSON line per URL
// (docs/fetch.md).
#include <signal.h>

#include <cstdio>
#include <exception>
#include <utility>

#include <corio/errors.hpp>
#include <corio/run.hpp>

#include "engine.hpp"
#include "options.hpp"

int main(int argc, char** argv) {
  corio_fetch::ParseResult parsed = corio_fetch::parse_options(argc, argv);
  if (!parsed.options) {
    std::fputs(parsed.message.c_str(), parsed.exit_code == 0 ? stdout : stderr);
    return parsed.exit_code;
  }
  // A closed stdout (`corio-fetch ... | head`) is a write error to report, not a signal.
  ::signal(SIGPIPE, SIG_IGN);
  try {
    return corio::run(corio_fetch::run_fetch(std::move(*parsed.options)));
  } catch (const corio::KeyboardInterrupt&) {
    return corio_fetch::exit_interrupted;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "corio-fetch: %s\n", e.what());
    return corio_fetch::exit_usage;
  }
}
