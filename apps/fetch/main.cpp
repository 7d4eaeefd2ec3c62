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
  // A closed stdout (`corio-fetch ... | head`) is seen as EPIPE, so the run can cancel what
  // is in flight and write --unprocessed FILE; then the process dies of SIGPIPE after all.
  ::signal(SIGPIPE, SIG_IGN);
  try {
    const int status = corio::run(corio_fetch::run_fetch(std::move(*parsed.options)));
    if (status == corio_fetch::exit_output_closed) {
      ::signal(SIGPIPE, SIG_DFL);
      sigset_t pipe;
      sigemptyset(&pipe);
      sigaddset(&pipe, SIGPIPE);
      ::sigprocmask(SIG_UNBLOCK, &pipe, nullptr);
      ::raise(SIGPIPE);
    }
    return status;
  } catch (const corio::KeyboardInterrupt&) {
    return corio_fetch::exit_interrupted;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "corio-fetch: %s\n", e.what());
    return corio_fetch::exit_usage;
  }
}
