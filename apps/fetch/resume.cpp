// apps/fetch/resume.cpp — reading an earlier output for --resume.
#include "resume.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "output.hpp"

namespace corio_fetch {

std::uint64_t AnsweredSet::hash(std::string_view url) noexcept {
  // FNV-1a, 64 bits, then a final mix (splitmix64) so similar URLs spread over the table.
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : url) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

bool AnsweredSet::contains(std::string_view url) const {
  if (is_valid_utf8(url)) return hashes_.contains(hash(url));
  // The same replacement to_json_line() makes.
  const std::string written = nlohmann::json(std::string(url))
                                  .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return hashes_.contains(hash(nlohmann::json::parse(written).get<std::string>()));
}

LineKind classify_line(std::string_view json_line, std::string& url) {
  const nlohmann::json line = nlohmann::json::parse(json_line, nullptr, false);
  if (!line.is_object()) return LineKind::not_a_result;
  const auto found = line.find("url");
  if (found == line.end() || !found->is_string()) return LineKind::not_a_result;
  url = found->get<std::string>();
  const auto status = line.find("status");
  const bool responded = status != line.end() && status->is_number_integer();
  const auto error = line.find("error");
  if (error == line.end() || !error->is_object()) {
    return responded ? LineKind::answered : LineKind::to_retry;
  }
  const auto kind = error->find("class");
  if (kind == error->end() || !kind->is_string()) return LineKind::to_retry;
  const std::string& name = kind->get_ref<const std::string&>();
  return name == "InvalidURL" || name == "UnsupportedProtocol" ? LineKind::answered
                                                               : LineKind::to_retry;
}

ResumeState load_resume_state(const std::string& path) {
  ResumeState state;
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    if (errno == ENOENT) return state;
    throw OutputError("cannot read '" + path + "' for --resume: " + std::strerror(errno));
  }
  // How every line to_json_line() writes begins.
  constexpr std::string_view result_start = R"({"url":)";
  std::string text;
  std::string url;
  std::size_t number = 0;
  while (std::getline(in, text)) {
    ++number;
    if (text.empty()) continue;
    ++state.lines;
    const LineKind kind = classify_line(text, url);
    if (kind == LineKind::not_a_result) {
      // A cut-off result still begins like one. Anything else means `path` is some other
      // file, which appending results to would damage.
      if (!text.starts_with(result_start) && !result_start.starts_with(text)) {
        throw OutputError("cannot resume from '" + path + "': line " + std::to_string(number) +
                          " is not a corio-fetch result (is -o the right file?)");
      }
      ++state.bad_lines;
    }
    if (kind == LineKind::answered) state.answered.add(url);
  }
  if (in.bad()) throw OutputError("cannot read '" + path + "' for --resume");
  return state;
}

}  // namespace corio_fetch
