// apps/fetch/engine.cpp — corio-fetch's producer, workers, progress ticker and shutdown.
#include "engine.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <corio/http/client.hpp>
#include <corio/http/errors.hpp>
#include <corio/http/url.hpp>
#include <corio/loop.hpp>
#include <corio/queue.hpp>
#include <corio/sleep.hpp>
#include <corio/spawn.hpp>
#include <corio/sync/event.hpp>
#include <corio/thread.hpp>
#include <corio/timeout.hpp>

#include "input.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "rate_limiter.hpp"
#include "resume.hpp"
#include "retry.hpp"
#include "summary.hpp"

namespace corio_fetch {
namespace {

using Clock = std::chrono::steady_clock;
namespace http = corio::http;

enum class Phase {
  running,     // starting requests
  stopping,    // Ctrl-C: no new requests; in-flight ones finish within the grace period
  cancelling,  // in-flight requests are being cancelled
};

void write_stderr(std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(STDERR_FILENO, text.data(), text.size());
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

int terminal_width() {
  winsize size{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

// True when both paths name one existing regular file.
bool same_file(const std::string& a, const std::string& b) {
  struct stat first {};
  struct stat second {};
  return ::stat(a.c_str(), &first) == 0 && ::stat(b.c_str(), &second) == 0 &&
         S_ISREG(first.st_mode) && first.st_dev == second.st_dev && first.st_ino == second.st_ino;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Where the URLs a run did not process go: --unprocessed FILE, or stderr at the end
// through `say` (which first clears a progress bar).
//
// FILE is checked up front but left as it is until the run needs it: it is replaced (by
// the URLs as they come) once the first one is left, or emptied by finish() when none is.
// So after every run that got going it lists exactly that run's leftovers, while a run
// refused before any request (a bad --save-dir, say) keeps an earlier run's list intact.
class UnprocessedSink {
 public:
  // Throws OutputError when FILE cannot be written.
  UnprocessedSink(const std::string& path, std::function<void(std::string_view)> say)
      : say_(std::move(say)), path_(path) {
    if (path_.empty() || path_ == "-") return;  // "-": stdout, as OutputWriter takes it
    struct stat info {};
    const bool existed = ::stat(path_.c_str(), &info) == 0;
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      throw OutputError("cannot open --unprocessed '" + path_ + "': " + std::strerror(errno));
    }
    ::close(fd);
    created_ = !existed;
  }
  UnprocessedSink(const UnprocessedSink&) = delete;
  UnprocessedSink& operator=(const UnprocessedSink&) = delete;
  ~UnprocessedSink() {
    // Created by the check above for a run that never started: leave no trace.
    if (created_ && !file_ && !finished_) ::unlink(path_.c_str());
  }

  void add(std::string_view url) {
    ++count_;
    if (discard_) return;
    if (!path_.empty()) {
      open();
      file_->write(url);
      file_->write("\n");
    } else {
      pending_.append(url);
      pending_ += '\n';
      if (pending_.size() >= 64 * 1024) flush();
    }
  }
  void flush() {
    if (file_) {
      file_->flush();
    } else if (!pending_.empty()) {
      if (!header_written_) {
        say_("corio-fetch: unprocessed URLs (interrupted):\n");
        header_written_ = true;
      }
      say_(pending_);
      pending_.clear();
    }
  }
  // The run is over: writes out what is left, and empties FILE if nothing was left.
  void finish() {
    finished_ = true;
    if (!path_.empty()) open();
    flush();
  }
  // From now on URLs are only counted: stderr is not the place for a list nobody can use
  // (the output's reader has gone).
  void discard() noexcept {
    discard_ = true;
    pending_.clear();
  }
  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  [[nodiscard]] std::string where() const {
    return path_.empty() ? "stderr" : path_ == "-" ? "stdout" : path_;
  }

 private:
  void open() {
    if (!file_) file_ = std::make_unique<OutputWriter>(path_, false);  // truncates
  }

  std::function<void(std::string_view)> say_;
  std::string path_;  // "": stderr
  std::unique_ptr<OutputWriter> file_;
  std::string pending_;
  bool header_written_ = false;
  bool created_ = false;
  bool finished_ = false;
  bool discard_ = false;
  std::uint64_t count_ = 0;
};

class Engine {
 public:
  explicit Engine(Options options)
      : o_(std::move(options)),
        hosts_(o_.per_host, o_.per_host_rate, o_.burst),
        queue_(o_.concurrency),
        rng_(std::random_device{}()) {}

  corio::Task<int> run();

 private:
  // Opens files, builds clients. Returns false (after reporting) on a usage error.
  bool prepare();
  corio::Task<> produce();
  corio::Task<> work(std::size_t index);
  corio::Task<FetchResult> fetch(const InputLine& job, std::size_t worker);
  corio::Task<> tick();
  corio::Task<> count_total();

  void finish(const FetchResult& result);
  void reject(const InputLine& line, const std::string& error_class, const std::string& message);
  void leave_unread(const InputLine& line);
  void notify(std::string_view text);
  void clear_bar();
  void begin_stop(std::string_view why);
  void cancel_in_flight();
  void fatal(const std::string& message);
  void reader_gone();
  void draw_progress(bool final);
  ProgressSnapshot snapshot() const;
  [[nodiscard]] bool show_bar() const noexcept { return progress_ == ProgressMode::bar; }

  Options o_;
  ProgressMode progress_ = ProgressMode::none;
  std::unique_ptr<InputReader> input_;
  std::unique_ptr<OutputWriter> output_;
  std::unique_ptr<UnprocessedSink> unprocessed_;
  std::vector<http::AsyncClient> clients_;
  std::size_t next_client_ = 0;
  std::optional<TokenBucket> rate_;
  HostLimits hosts_;
  corio::Queue<InputLine> queue_;
  std::vector<corio::JoinHandle<void>> workers_;
  // Per worker: waiting for --per-host or --rate before its URL's first attempt. Such a URL
  // has not started; a stop leaves it at once instead of giving it the grace period.
  std::vector<bool> waiting_;
  std::uint64_t waiting_count_ = 0;
  ResumeState resume_;
  Summary summary_;
  RateMeter meter_;
  std::mt19937_64 rng_;
  Phase phase_ = Phase::running;
  Clock::time_point started_ = Clock::now();
  std::optional<std::uint64_t> total_;
  std::uint64_t produced_ = 0;
  std::uint64_t skipped_ = 0;
  std::uint64_t rejected_ = 0;
  std::uint64_t in_flight_ = 0;
  bool input_failed_ = false;
  bool producer_done_ = false;
  bool bar_drawn_ = false;
  bool output_on_terminal_ = false;  // results go to stdout, and stdout is a terminal
  bool output_closed_ = false;       // the output is a pipe whose reader has gone
  std::string fatal_;
  std::optional<corio::Handle> grace_timer_;
  corio::Event stopping_;  // set when the run stops: retry backoffs end at once
};

bool Engine::prepare() {
  try {
    if (o_.resume) resume_ = load_resume_state(o_.output);
    input_ = std::make_unique<InputReader>(o_.urls, o_.input);
    // Both are opened for writing (truncated, unless resumed) before the input is read.
    if (input_->reads_from(o_.output)) {
      throw InputError("-o '" + o_.output + "' is the input file: it would be overwritten");
    }
    if (input_->reads_from(o_.unprocessed)) {
      throw InputError("--unprocessed '" + o_.unprocessed +
                       "' is the input file: it would be overwritten");
    }
    output_ = std::make_unique<OutputWriter>(o_.output, o_.resume);
    if (!o_.unprocessed.empty() && same_file(o_.output, o_.unprocessed)) {
      throw OutputError("--unprocessed '" + o_.unprocessed +
                        "' is the output file: it would be overwritten");
    }
    unprocessed_ = std::make_unique<UnprocessedSink>(
        o_.unprocessed, [this](std::string_view text) { notify(text); });
    if (!o_.save_dir.empty()) prepare_save_dir(o_.save_dir);
    std::vector<std::string> proxies = o_.proxies;
    if (proxies.empty()) proxies.emplace_back();
    for (const std::string& proxy : proxies) {
      http::ClientOptions options;
      for (const auto& [name, value] : o_.headers) options.headers.add(name, value);
      if (!options.headers.contains("User-Agent")) {
        options.headers.set("User-Agent", "corio-fetch/0.1");  // unless -H gave one, as curl
      }
      options.timeout = http::Timeout::all(
          std::chrono::milliseconds(static_cast<std::int64_t>(o_.timeout * 1000)));
      options.limits.max_connections = o_.concurrency;
      options.limits.max_keepalive_connections = o_.concurrency;
      options.follow_redirects = o_.follow_redirects;
      options.max_redirects = o_.max_redirects;
      options.proxy = proxy;
      options.verify = !o_.insecure;
      clients_.emplace_back(std::move(options));
    }
  } catch (const std::exception& e) {
    write_stderr("corio-fetch: " + std::string(e.what()) + "\n");
    return false;
  }
  if (o_.rate > 0) rate_.emplace(o_.rate, o_.burst);
  output_on_terminal_ = (o_.output.empty() || o_.output == "-") && ::isatty(STDOUT_FILENO) != 0;
  progress_ = o_.quiet ? ProgressMode::none : o_.progress;
  if (progress_ == ProgressMode::automatic) {
    progress_ = ::isatty(STDERR_FILENO) != 0 ? ProgressMode::bar : ProgressMode::lines;
  }
  if (o_.progress_interval <= 0) o_.progress_interval = show_bar() ? 0.1 : 2.0;
  if (resume_.bad_lines > 0 && !o_.quiet) {
    notify("corio-fetch: --resume: " + std::to_string(resume_.bad_lines) + " of " +
           std::to_string(resume_.lines) + " lines in '" + o_.output +
           "' are not results (a cut-off line?); their URLs are fetched again\n");
  }
  return true;
}

void Engine::clear_bar() {
  if (bar_drawn_) {
    write_stderr("\r\033[K");
    bar_drawn_ = false;
  }
}

void Engine::notify(std::string_view text) {
  clear_bar();
  write_stderr(text);
}

ProgressSnapshot Engine::snapshot() const {
  ProgressSnapshot s;
  s.done = summary_.done() + skipped_;
  if (total_) s.total = *total_;
  s.errors = summary_.errors();
  s.in_flight = in_flight_;
  s.rate = meter_.rate();
  s.elapsed = seconds_since(started_);
  return s;
}

void Engine::draw_progress(bool final) {
  if (progress_ == ProgressMode::none) return;
  meter_.sample(seconds_since(started_), summary_.done());
  if (show_bar()) {
    write_stderr("\r" + render_bar(snapshot(), terminal_width() - 1) + "\033[K");
    bar_drawn_ = true;
    if (final) {
      write_stderr("\n");
      bar_drawn_ = false;
    }
  } else if (!final) {
    write_stderr(render_line(snapshot()));
  }
}

void Engine::fatal(const std::string& message) {
  if (fatal_.empty()) {
    fatal_ = message;
    notify("corio-fetch: " + message + "\n");
  }
  begin_stop("");
  cancel_in_flight();
}

// The output is a pipe whose reader has gone (`corio-fetch ... | head`): stop at once and
// quietly, as a filter does. What the reader never got is unprocessed: listed in
// --unprocessed FILE, which a script may resume from, and without one dropped rather than
// spilled over stderr.
void Engine::reader_gone() {
  if (output_closed_) return;
  output_closed_ = true;
  if (o_.unprocessed.empty()) unprocessed_->discard();
  const std::string unwritten = output_->take_unwritten();
  std::string url;
  for (std::size_t at = 0; at < unwritten.size();) {
    const std::size_t end = std::min(unwritten.find('\n', at), unwritten.size());
    if (classify_line(std::string_view(unwritten).substr(at, end - at), url) !=
        LineKind::not_a_result) {
      unprocessed_->add(url);
    }
    at = end + 1;
  }
  begin_stop("");
  cancel_in_flight();
}

void Engine::finish(const FetchResult& result) {
  if (output_closed_) {
    unprocessed_->add(result.url);  // answered, but nobody reads the answer
    return;
  }
  summary_.record(result);
  try {
    output_->write(to_json_line(result));
    if (output_on_terminal_) {
      // Shared with the bar: each result goes out at once, on the bar's line, which the
      // next tick redraws below it.
      clear_bar();
      output_->flush();
    }
  } catch (const OutputClosed&) {
    reader_gone();
  } catch (const OutputError& e) {
    fatal(e.what());
  }
}

void Engine::reject(const InputLine& line, const std::string& error_class,
                    const std::string& message) {
  FetchResult result;
  result.url = line.text;
  result.line = line.line;
  result.arg = line.arg;
  result.error_class = error_class;
  result.error_message = message;
  ++rejected_;
  if (!o_.quiet) {
    const std::string where = line.line > 0 ? "line " + std::to_string(line.line)
                                            : "argument " + std::to_string(line.arg);
    notify("corio-fetch: " + where + ": " + message + "\n");
  }
  finish(result);
}

// A line read after the stop: unprocessed, unless --resume finds it answered already.
void Engine::leave_unread(const InputLine& line) {
  if (o_.resume && resume_.answered.contains(line.text)) {
    ++skipped_;
  } else {
    unprocessed_->add(line.text);
  }
}

void Engine::begin_stop(std::string_view why) {
  if (phase_ != Phase::running) return;
  phase_ = Phase::stopping;
  queue_.shutdown();
  stopping_.set();
  if (!why.empty() && !o_.quiet) notify(why);
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    if (waiting_[i]) workers_[i].cancel();  // its URL goes to the unprocessed list
  }
  if (in_flight_ == waiting_count_) return;
  grace_timer_ = corio::Loop::current().call_later(
      std::chrono::duration_cast<corio::Loop::Duration>(std::chrono::duration<double>(o_.grace)),
      [this] { cancel_in_flight(); });
}

void Engine::cancel_in_flight() {
  if (phase_ == Phase::cancelling) return;
  phase_ = Phase::cancelling;
  queue_.shutdown();
  if (grace_timer_) grace_timer_->cancel();
  for (auto& worker : workers_) worker.cancel();
}

corio::Task<> Engine::produce() {
  std::string url_text;
  try {
    for (;;) {
      if (phase_ != Phase::running) break;
      std::optional<InputLine> line = co_await input_->next();
      if (!line) {
        total_ = produced_;
        break;
      }
      ++produced_;
      if (phase_ != Phase::running) {
        leave_unread(*line);
        break;
      }
      if (o_.resume && resume_.answered.contains(line->text)) {
        ++skipped_;
        continue;
      }
      if (line->too_long) {
        reject(*line, "InvalidURL", "invalid URL '" + line->text + "...': line longer than 64 KiB");
        continue;
      }
      std::string problem;
      std::string kind = "InvalidURL";
      try {
        const http::URL url = http::URL::parse(line->text);
        if (!url.is_http()) {
          kind = "UnsupportedProtocol";
          problem = "unsupported scheme '" + std::string(url.scheme()) + "' in '" + line->text +
                    "' (http and https only)";
        }
      } catch (const http::InvalidURL& e) {
        problem = e.what();
      }
      if (!problem.empty()) {
        reject(*line, kind, problem);
        continue;
      }
      InputLine job = std::move(*line);
      std::string held = job.text;
      bool shut = false;
      try {
        co_await queue_.put(std::move(job));
      } catch (const corio::QueueShutDown&) {
        shut = true;
      }
      if (shut) {
        unprocessed_->add(held);
        break;
      }
    }
  } catch (const InputError& e) {
    input_failed_ = true;
    total_ = produced_;
    notify("corio-fetch: " + std::string(e.what()) + "\n");
  }
  producer_done_ = true;
  queue_.shutdown();
}

corio::Task<> Engine::work(std::size_t index) {
  for (;;) {
    std::optional<InputLine> job;
    try {
      job = co_await queue_.get();
    } catch (const corio::QueueShutDown&) {
      co_return;
    }
    if (phase_ != Phase::running) {
      unprocessed_->add(job->text);
      continue;
    }
    ++in_flight_;
    std::optional<FetchResult> result;
    try {
      result = co_await fetch(*job, index);
    } catch (const corio::CancelledError&) {
      --in_flight_;
      unprocessed_->add(job->text);
      throw;
    }
    --in_flight_;
    if (result->attempts == 0) {
      unprocessed_->add(job->text);  // stopped before its first attempt started
    } else {
      finish(*result);
    }
    if (phase_ == Phase::stopping && in_flight_ == 0 && grace_timer_) grace_timer_->cancel();
  }
}

corio::Task<FetchResult> Engine::fetch(const InputLine& job, std::size_t worker) {
  FetchResult result;
  result.url = job.text;
  result.line = job.line;
  result.arg = job.arg;
  Clock::time_point start;  // the first attempt's start: queueing for limits is not latency
  const auto attempt_limit =
      std::chrono::duration_cast<corio::Loop::Duration>(std::chrono::duration<double>(o_.timeout));
  std::string host;
  if (hosts_.enabled()) host = std::string(http::URL::parse(job.text).host());

  for (int attempt = 1;; ++attempt) {
    HostLimits::Permit permit;
    if (attempt == 1) {
      waiting_[worker] = true;
      ++waiting_count_;
    }
    // Reset however the waits end (a cancellation by begin_stop included).
    struct WaitDone {
      Engine* engine;
      std::size_t worker;
      ~WaitDone() {
        if (engine->waiting_[worker]) {
          engine->waiting_[worker] = false;
          --engine->waiting_count_;
        }
      }
    };
    {
      const WaitDone done{this, worker};
      if (hosts_.enabled()) permit = co_await hosts_.acquire(host);
      if (rate_) co_await rate_->acquire();
    }
    if (phase_ != Phase::running) break;  // keeps the last attempt's result, if any
    if (attempt == 1) start = Clock::now();

    result = FetchResult{};
    result.url = job.text;
    result.line = job.line;
    result.arg = job.arg;
    result.attempts = attempt;
    http::AsyncClient& client = clients_[next_client_++ % clients_.size()];
    std::exception_ptr error;
    std::optional<std::chrono::milliseconds> retry_after;
    try {
      http::Response response =
          co_await corio::timeout(attempt_limit, [&]() -> corio::Task<http::Response> {
            http::RequestOptions request;
            if (o_.data) request.content = *o_.data;
            http::Response answer =
                co_await client.request(o_.method, job.text, std::move(request));
            co_return answer;
          });
      result.status = response.status_code;
      result.final_url = std::string(response.url().str());
      result.headers = response.headers.fields();
      result.redirects = static_cast<int>(response.history.size());
      const std::string& body = response.content();
      result.bytes = body.size();
      if (!o_.save_dir.empty()) {
        result.sha256 = sha256_hex(body);
        result.body_file = save_body(o_.save_dir, body, result.sha256);
      } else if (!o_.no_body) {
        result.body = body;
      }
      if (response.status_code == 429 || response.status_code == 503) {
        if (const auto value = response.headers.first("Retry-After")) {
          retry_after = parse_retry_after(*value, std::chrono::system_clock::now());
        }
      }
    } catch (const corio::CancelledError&) {
      throw;
    } catch (const OutputError& e) {
      fatal(e.what());
      result.error_class = "SaveError";
      result.error_message = e.what();
      break;
    } catch (...) {
      error = std::current_exception();
    }
    if (error) {
      result.error_class = error_class(error);
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        result.error_message = e.what();
      } catch (...) {
        result.error_message = "unknown error";
      }
    }
    const bool status_retry =
        result.status && std::find(o_.retry_statuses.begin(), o_.retry_statuses.end(),
                                   *result.status) != o_.retry_statuses.end();
    const bool retry = attempt <= o_.retries && (status_retry || (error && is_retryable(error)));
    if (!retry || phase_ != Phase::running) break;
    std::chrono::milliseconds wait =
        retry_after ? *retry_after
                    : backoff_delay(attempt, o_.retry_backoff, o_.retry_max_wait, rng_);
    wait = std::min(wait,
                    std::chrono::milliseconds(static_cast<std::int64_t>(o_.retry_max_wait * 1000)));
    permit = HostLimits::Permit();  // not held while waiting
    try {
      co_await corio::timeout(wait, [this]() -> corio::Task<> { co_await stopping_.wait(); });
    } catch (const corio::TimeoutError&) {
    }
    if (phase_ != Phase::running) break;  // a stop ended the backoff: the last result stands
  }
  if (result.attempts > 0) {
    result.elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  }
  co_return result;
}

corio::Task<> Engine::tick() {
  const auto interval = std::chrono::duration_cast<corio::Loop::Duration>(
      std::chrono::duration<double>(o_.progress_interval));
  auto last_flush = Clock::now();
  for (;;) {
    co_await corio::sleep(progress_ == ProgressMode::none ? std::chrono::seconds(1) : interval);
    hosts_.sweep();
    if (Clock::now() - last_flush >= std::chrono::seconds(1)) {
      last_flush = Clock::now();
      try {
        output_->flush();
      } catch (const OutputClosed&) {
        reader_gone();
      } catch (const OutputError& e) {
        fatal(e.what());
      }
      try {
        unprocessed_->flush();
      } catch (const OutputError& e) {
        fatal(e.what());
      }
    }
    draw_progress(false);
  }
}

corio::Task<> Engine::count_total() {
  std::optional<std::uint64_t> lines = 0;  // no input file: the arguments are all
  if (!o_.input.empty()) lines = co_await input_->count_file_lines();
  if (lines && !total_) total_ = *lines + input_->argument_count();
}

corio::Task<int> Engine::run() {
  if (!prepare()) co_return exit_usage;
  corio::Loop& loop = corio::Loop::current();
  int signals_seen = 0;
  auto on_signal = [this, &signals_seen] {
    if (++signals_seen == 1 && phase_ == Phase::running) {
      char text[200];
      std::snprintf(text, sizeof text,
                    "corio-fetch: interrupted: no new requests; %llu in flight get %.1f s "
                    "(Ctrl-C again to cancel them now)\n",
                    static_cast<unsigned long long>(in_flight_ - waiting_count_), o_.grace);
      begin_stop(text);
    } else {
      cancel_in_flight();
    }
  };
  loop.add_signal_handler(SIGINT, on_signal);
  loop.add_signal_handler(SIGTERM, on_signal);

  corio::JoinHandle<void> counter = corio::spawn(count_total(), "count input");
  corio::JoinHandle<void> producer = corio::spawn(produce(), "input");
  corio::JoinHandle<void> ticker = corio::spawn(tick(), "progress");
  workers_.reserve(o_.concurrency);
  waiting_.assign(o_.concurrency, false);
  for (std::size_t i = 0; i < o_.concurrency; ++i) {
    workers_.push_back(corio::spawn(work(i), "worker"));
  }
  bool cancelled = false;
  for (auto& worker : workers_) {
    try {
      co_await worker;
    } catch (const corio::CancelledError&) {
      // A worker cancelled by Ctrl-C, or this task cancelled: then cancel the rest.
      if (!worker.cancelled()) {
        cancelled = true;
        cancel_in_flight();
      }
    } catch (const std::exception& e) {
      fatal(std::string("internal error in a worker: ") + e.what());
    }
  }
  if (grace_timer_) grace_timer_->cancel();
  // Lines still queued when the workers were cancelled.
  while (!queue_.empty()) unprocessed_->add(queue_.get_nowait().text);
  // The producer ends once the queue is shut down (every worker has left it) — unless it
  // is blocked reading a pipe that may never deliver: then the rest is reported unread.
  if (!producer_done_ && input_->may_block_forever()) {
    input_->interrupt();  // the cancel takes effect only once the read returns
    producer.cancel();
  }
  try {
    co_await producer;
  } catch (const corio::CancelledError&) {
    cancelled = cancelled || !producer.cancelled();
  }
  counter.cancel();
  try {
    co_await counter;
  } catch (const corio::CancelledError&) {
  }
  ticker.cancel();
  try {
    co_await ticker;
  } catch (const corio::CancelledError&) {
  }

  const bool interrupted = phase_ != Phase::running && fatal_.empty();
  std::string unread_note;
  // Without a file to list it in, the rest of the input is not read once the output's
  // reader has gone: nothing would be done with it.
  const bool list_rest = !(output_closed_ && o_.unprocessed.empty());
  if (phase_ != Phase::running && !input_failed_ && list_rest) {
    if (!input_->may_block_forever()) {
      try {
        for (;;) {
          std::optional<InputLine> line = co_await input_->next();
          if (!line) break;
          leave_unread(*line);
        }
      } catch (const InputError& e) {
        unread_note = std::string("corio-fetch: ") + e.what() + "\n";
      }
    } else {
      // What was already read from the pipe is listed; only the unread rest is not.
      while (std::optional<InputLine> line = input_->next_buffered()) leave_unread(*line);
      if (!producer_done_ || !total_) {
        unread_note = "corio-fetch: the input after line " + std::to_string(input_->lines_read()) +
                      " was not read\n";
      }
    }
  }
  auto report = [this](const OutputError& e) {
    if (fatal_.empty()) fatal_ = e.what();
    notify("corio-fetch: " + std::string(e.what()) + "\n");
  };
  try {
    output_->flush();
  } catch (const OutputClosed&) {
    reader_gone();  // its last lines go to the unprocessed list, flushed next
  } catch (const OutputError& e) {
    report(e);
  }
  try {
    unprocessed_->finish();
  } catch (const OutputError& e) {
    report(e);
  }
  for (auto& client : clients_) co_await client.aclose();
  loop.remove_signal_handler(SIGTERM);
  loop.remove_signal_handler(SIGINT);

  if (output_closed_) {
    clear_bar();  // and nothing else on stderr: the reader is done with us
    if (cancelled) throw corio::CancelledError();
    co_return exit_output_closed;
  }
  if (progress_ != ProgressMode::none) draw_progress(true);
  if (!unread_note.empty()) notify(unread_note);
  if (unprocessed_->count() > 0) {
    notify("corio-fetch: " + std::to_string(unprocessed_->count()) +
           " URLs were not processed; listed on " + unprocessed_->where() + "\n");
  }
  if (!o_.quiet) {
    notify(summary_.render(seconds_since(started_), skipped_, unprocessed_->count()));
  }
  if (cancelled) throw corio::CancelledError();
  if (!fatal_.empty()) co_return exit_usage;
  if (input_failed_) co_return exit_usage;
  if (interrupted && (unprocessed_->count() > 0 || !unread_note.empty())) {
    co_return exit_interrupted;
  }
  const bool failed = (o_.fail_on != FailOn::never && summary_.errors() > 0) ||
                      (o_.fail_on == FailOn::http && summary_.http_errors() > 0);
  co_return failed ? exit_failures : exit_ok;
}

}  // namespace

corio::Task<int> run_fetch(Options options) {
  Engine engine(std::move(options));
  const int status = co_await engine.run();
  co_return status;
}

}  // namespace corio_fetch
