// apps/fetch/output.hpp — corio-fetch's results: one JSON object per line (docs/fetch.md
// lists the fields), the buffered writer of the output file, and content-addressed body
// files for --save-dir.
//
//   FetchResult result{.url = "http://example.com/", .status = 200, ...};
//   writer.write(to_json_line(result));     // buffered; flushed at 64 KiB and on flush()
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corio_fetch {

// The output file or the save directory cannot be written; what() names it and says why.
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct FetchResult {
  std::string url;                       // as the input gave it
  std::uint64_t line = 0;                // input file line (0: a command-line URL)
  std::size_t arg = 0;                   // command-line position (0: a file line)
  std::optional<std::string> final_url;  // after redirects
  std::optional<int> status;             // nullopt: no response
  std::vector<std::pair<std::string, std::string>> headers;
  double elapsed_ms = 0;    // first attempt's start to the last one's end, backoff included
  std::uint64_t bytes = 0;  // decoded body size
  int attempts = 0;
  int redirects = 0;
  std::string error_class;  // "" when a response arrived
  std::string error_message;
  // The body inline (unless --no-body or --save-dir); base64 when it is not UTF-8.
  std::optional<std::string> body;
  // With --save-dir: where the body was stored, and its SHA-256 (the file name).
  std::string body_file;
  std::string sha256;
};

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points > 10FFFF).
[[nodiscard]] bool is_valid_utf8(std::string_view text) noexcept;
[[nodiscard]] std::string base64_encode(std::string_view bytes);
[[nodiscard]] std::string sha256_hex(std::string_view bytes);

// Headers as a JSON object: lower-cased names, in arrival order; a name that appears once
// maps to its value, a repeated one (Set-Cookie, ...) to the array of its values.
// The line ends with '\n'. Text that is not UTF-8 (a URL or header value) is written with
// U+FFFD in place of the bad bytes, so every line is valid JSON.
[[nodiscard]] std::string to_json_line(const FetchResult& result);

// Stores `body` as DIR/<first two hex digits>/<sha256> unless that file exists (same
// content, same name). Returns the path. Throws OutputError.
std::string save_body(const std::string& dir, std::string_view body, const std::string& sha256);
// Creates DIR (and parents) and checks it is writable. Throws OutputError.
void prepare_save_dir(const std::string& dir);

// The output is a pipe (or socket) whose reader has gone: EPIPE.
class OutputClosed : public OutputError {
 public:
  using OutputError::OutputError;
};

// Appends lines to a file (or stdout), buffered: written out at 64 KiB and by flush().
// Files are opened up front so an unwritable output stops the run before any request.
class OutputWriter {
 public:
  // `path` "" or "-": stdout. `append`: keep what is there (for --resume), and end an
  // unterminated last line (a run killed mid-write) first. Throws OutputError.
  OutputWriter(const std::string& path, bool append);
  OutputWriter(const OutputWriter&) = delete;
  OutputWriter& operator=(const OutputWriter&) = delete;
  ~OutputWriter();

  // Throws OutputError when a write fails (disk full), OutputClosed when the reader of a
  // pipe has gone; a line then only partly written stays whole in the buffer.
  void write(std::string_view line);
  void flush();
  // Takes the lines not written yet (after OutputClosed: those the reader never got).
  [[nodiscard]] std::string take_unwritten() noexcept { return std::exchange(buffer_, {}); }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  bool owns_fd_ = false;
  std::string buffer_;
};

}  // namespace corio_fetch
