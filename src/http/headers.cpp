// Headers: an ordered, case-insensitive multi-map of header fields.
#include <corio/http/headers.hpp>

#include <algorithm>
#include <array>

#include <corio/http/errors.hpp>

namespace corio::http {

namespace {

char lower_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

// RFC 9110 tchar, by byte: the parser checks every header name it reads with is_token.
constexpr auto kTchar = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (const char c : std::string_view("!#$%&'*+-.^_`|~"))
    table[static_cast<unsigned char>(c)] = true;
  return table;
}();

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i] && lower_char(a[i]) != lower_char(b[i])) return false;
  }
  return true;
}

bool is_token(std::string_view text) noexcept {
  // No early exit: names are short and nearly always valid, so one table load and one AND
  // per byte beat a test and branch per byte.
  bool all = !text.empty();
  for (const char c : text) all &= kTchar[static_cast<unsigned char>(c)];
  return all;
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), lower_char);
  return out;
}

std::string_view trim_ows(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool list_has(std::string_view value, std::string_view token) noexcept {
  bool found = false;
  for_each_list_item(value, [&](std::string_view item) { found = found || iequals(item, token); });
  return found;
}

void validate_header_value(std::string_view name, std::string_view value) {
  static constexpr auto kForbidden = [] {
    std::array<bool, 256> table{};
    table['\r'] = table['\n'] = table['\0'] = true;
    return table;
  }();
  const bool forbidden = std::any_of(
      value.begin(), value.end(), [](char c) { return kForbidden[static_cast<unsigned char>(c)]; });
  if (forbidden) {
    throw LocalProtocolError("invalid value for header '" + std::string(name) +
                             "': it contains CR, LF or NUL");
  }
}

void validate_header(std::string_view name, std::string_view value) {
  if (!is_token(name)) {
    throw LocalProtocolError("invalid header name '" + std::string(name) +
                             "': a header name is a non-empty token (RFC 9110 5.6.2)");
  }
  validate_header_value(name, value);
}

Headers::Headers(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  fields_.reserve(fields.size());
  for (const auto& [name, value] : fields) add(name, value);
}

Headers::Headers(HeaderList fields) : fields_(std::move(fields)) {
  for (const auto& [name, value] : fields_) validate_header(name, value);
}

std::optional<std::string> Headers::get(std::string_view name) const {
  std::optional<std::string> joined;
  for (const auto& [field, value] : fields_) {
    if (!iequals(field, name)) continue;
    if (joined) {
      joined->append(", ").append(value);
    } else {
      joined.emplace(value);
    }
  }
  return joined;
}

std::optional<std::string_view> Headers::first(std::string_view name) const noexcept {
  return find_header(fields_, name);
}

std::vector<std::string_view> Headers::get_list(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const auto& [field, value] : fields_) {
    if (iequals(field, name)) values.emplace_back(value);
  }
  return values;
}

bool Headers::contains(std::string_view name) const noexcept {
  return first(name).has_value();
}

void Headers::set(std::string_view name, std::string_view value) {
  validate_header(name, value);
  auto first_match = std::find_if(fields_.begin(), fields_.end(),
                                  [&](const Field& f) { return iequals(f.first, name); });
  if (first_match == fields_.end()) {
    fields_.emplace_back(name, value);
    return;
  }
  first_match->first.assign(name);
  first_match->second.assign(value);
  fields_.erase(std::remove_if(std::next(first_match), fields_.end(),
                               [&](const Field& f) { return iequals(f.first, name); }),
                fields_.end());
}

void Headers::add(std::string_view name, std::string_view value) {
  validate_header(name, value);
  fields_.emplace_back(name, value);
}

void Headers::setdefault(std::string_view name, std::string_view value) {
  if (!contains(name)) add(name, value);
}

std::size_t Headers::remove(std::string_view name) noexcept {
  const auto before = fields_.size();
  fields_.erase(std::remove_if(fields_.begin(), fields_.end(),
                               [&](const Field& f) { return iequals(f.first, name); }),
                fields_.end());
  return before - fields_.size();
}

void Headers::update(const Headers& other) {
  for (std::size_t i = 0; i < other.fields_.size(); ++i) {
    const auto& name = other.fields_[i].first;
    bool seen_before = false;
    for (std::size_t j = 0; j < i && !seen_before; ++j)
      seen_before = iequals(other.fields_[j].first, name);
    if (seen_before) continue;
    remove(name);
    for (const auto& value : other.get_list(name)) fields_.emplace_back(name, value);
  }
}

}  // namespace corio::http
