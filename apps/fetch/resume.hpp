// apps/fetch/resume.hpp — --resume: which URLs an earlier run's output already answers.
//
// A URL counts as answered when one of its lines has a status (any response, 4xx/5xx
// included: the server answered) and no error (a SaveError: the body was not stored), or
// an error that a new attempt cannot change (InvalidURL, UnsupportedProtocol). URLs whose
// lines only hold transport errors are fetched again, and their new line is appended: the
// last line for a URL is its answer. Lines that are not JSON objects with a "url" but begin
// like one (a line cut short when a run was killed) are skipped and counted; any other line
// means the file is not an output of this tool.
//
// Memory: about 44 bytes per answered URL (a 64-bit hash of it in a std::unordered_set: a
// node from malloc and a bucket; a collision, about 1 in 10^19 per pair, would skip a URL).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>

namespace corio_fetch {

class AnsweredSet {
 public:
  // `url` as an output line holds it (valid UTF-8).
  void add(std::string_view url) { hashes_.insert(hash(url)); }
  // `url` as the input gives it: bytes that are not UTF-8 are compared as the output wrote
  // them (U+FFFD).
  [[nodiscard]] bool contains(std::string_view url) const;
  [[nodiscard]] std::size_t size() const noexcept { return hashes_.size(); }

 private:
  static std::uint64_t hash(std::string_view url) noexcept;
  std::unordered_set<std::uint64_t> hashes_;
};

struct ResumeState {
  AnsweredSet answered;
  std::size_t lines = 0;      // lines read
  std::size_t bad_lines = 0;  // lines that were not results
};

enum class LineKind {
  not_a_result,  // not a JSON object with a "url" string
  answered,      // answers its URL for good (see above)
  to_retry,      // a transport error: fetch the URL again
};
// What one output line says; `url` receives its URL unless not_a_result.
[[nodiscard]] LineKind classify_line(std::string_view json_line, std::string& url);

// Reads `path`; a missing file is an empty state (a first run with --resume). Throws
// OutputError (output.hpp), naming the line, when it exists but cannot be read or holds a
// line that no run of this tool wrote.
ResumeState load_resume_state(const std::string& path);

}  // namespace corio_fetch
