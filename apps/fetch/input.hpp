// apps/fetch/input.hpp — where corio-fetch's URLs come from: the command line first, then
// a file or stdin read in 64 KiB chunks on a worker thread (a slow pipe never blocks the
// loop, and a 10-million-line file never sits in memory).
//
// Lines end with LF or CRLF; a UTF-8 byte order mark opening the input is dropped;
// surrounding whitespace is trimmed; blank lines and lines whose
// first non-blank character is '#' are skipped (their numbers still count). A line longer
// than max_line bytes is handed on marked too_long, its text cut short, so the engine can
// report it without holding it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <corio/task.hpp>

namespace corio_fetch {

// The input file could not be opened or read; what() names it and says why.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct InputLine {
  std::uint64_t line = 0;  // the file's line number, 1-based; 0 for a command-line URL
  std::size_t arg = 0;     // the command-line URL's position, 1-based; 0 for a file line
  std::string text;
  bool too_long = false;
};

class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line = 64 * 1024) : max_line_(max_line) {}
  // Appends the lines `chunk` completes to `out`.
  void feed(std::string_view chunk, std::deque<InputLine>& out);
  // At end of input: the last line if it had no newline.
  void finish(std::deque<InputLine>& out);
  [[nodiscard]] std::uint64_t lines_seen() const noexcept { return line_; }

 private:
  void emit(std::deque<InputLine>& out);

  std::size_t max_line_;
  std::string partial_;
  bool overflow_ = false;
  std::uint64_t line_ = 0;
};

class InputReader {
 public:
  // `path`: "" for no file, "-" for stdin. Throws InputError when the file cannot be
  // opened or is a directory.
  InputReader(std::vector<std::string> urls, const std::string& path);
  InputReader(const InputReader&) = delete;
  InputReader& operator=(const InputReader&) = delete;
  ~InputReader();

  // The next URL line, or nullopt at the end of the input.
  // Suspends: while a chunk is read on a worker thread. Throws InputError on a read error.
  // Cancellation: not safe while a chunk is being read (that chunk is lost); call it only
  // from a task that is not cancelled while the rest of the input still matters.
  corio::Task<std::optional<InputLine>> next();
  // The next URL line already in memory (an argument not yet handed out, or a line of a
  // chunk already read), or nullopt; never reads, so it also serves a pipe that may never
  // deliver more.
  std::optional<InputLine> next_buffered();

  // True when `path` names the regular file being read (the same device and inode).
  [[nodiscard]] bool reads_from(const std::string& path) const noexcept;
  // Makes a read of a pipe or terminal that is waiting for input return at once, and ends
  // the input there (the unread rest stays unread). Thread-safe; no-op for a regular file.
  void interrupt() noexcept;
  // True when reading to the end may never finish (stdin or a FIFO, not a regular file).
  [[nodiscard]] bool may_block_forever() const noexcept { return !regular_ && fd_ >= 0; }
  // For a regular file: the number of lines in it (counted on a worker thread), else nullopt.
  corio::Task<std::optional<std::uint64_t>> count_file_lines() const;
  [[nodiscard]] std::size_t argument_count() const noexcept { return urls_.size(); }
  // File lines read so far (the last one handed out or buffered).
  [[nodiscard]] std::uint64_t lines_read() const noexcept { return splitter_.lines_seen(); }

 private:
  std::vector<std::string> urls_;
  std::size_t next_url_ = 0;
  std::string path_;
  int fd_ = -1;
  bool owns_fd_ = false;
  int wake_fd_ = -1;  // eventfd that interrupt() signals; only for a pipe or terminal
  bool regular_ = false;
  bool eof_ = false;
  LineSplitter splitter_;
  std::deque<InputLine> ready_;
};

}  // namespace corio_fetch
