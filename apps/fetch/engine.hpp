// apps/fetch/engine.hpp — the corio-fetch run: input → a bounded queue → `concurrency`
// worker tasks (rate and per-host limits, retries, proxy rotation) → JSON lines, with a
// progress display, a summary, and a graceful Ctrl-C.
//
//   int main(int argc, char** argv) {
//     auto parsed = corio_fetch::parse_options(argc, argv);
//     return corio::run(corio_fetch::run_fetch(std::move(*parsed.options)));
//   }
//
// Memory follows the concurrency, not the input: the queue holds at most `concurrency`
// lines, each worker one response, the histogram is fixed-size, and per-host state is
// dropped when a host goes idle (--resume's answered set is the one thing that grows: about
// 44 bytes per URL already in the output, resume.hpp).
//
// Ctrl-C (SIGINT) or SIGTERM: no new request starts (those waiting for --rate or
// --per-host before their first attempt are left at once); requests in flight get --grace
// seconds, then are cancelled; a second Ctrl-C cancels them at once. Every input URL then
// is in the output or in the unprocessed list (--unprocessed FILE, else stderr), which
// also receives the rest of an input file (a pipe's unread rest is named by line number).
//
// An output pipe whose reader has gone (EPIPE, `| head`) stops the run the same way but at
// once and silently: only --unprocessed FILE gets the list; run_fetch() then returns
// exit_output_closed, on which main() dies of SIGPIPE.
#pragma once

#include <corio/task.hpp>

#include "options.hpp"

namespace corio_fetch {

// Runs the whole job on the current loop; returns the exit status (options.hpp). Reports
// unopenable input/output on stderr and returns exit_usage before any request.
// Suspends: until every URL is done or the run is interrupted.
// Throws: nothing but std::bad_alloc.
// Cancellation: treated as a second Ctrl-C (everything in flight is cancelled, then the
// output is flushed); the task then ends cancelled.
corio::Task<int> run_fetch(Options options);

}  // namespace corio_fetch
