// include/corio/http/headers.hpp — corio::http::Headers (httpx.Headers).
//
//   corio::http::Headers headers{{"Accept", "application/json"}, {"X-Trace", "1"}};
//   headers.set("User-Agent", "corio");
//   if (auto type = headers.get("content-type")) ...
//
// An ordered multi-map of header fields: names compare ASCII case-insensitively and keep
// the spelling they were given; repeated names stay separate fields in arrival order (what
// Set-Cookie needs). Values are stored as given; set()/add() reject a name that is not an
// RFC 9110 token and a value holding CR, LF or NUL with LocalProtocolError, so a header can
// never smuggle a second one onto the wire. Every way into a Headers checks its fields
// (but the library's own, below), so whatever writes a Headers out need not check again.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <corio/http/parser.hpp>

namespace corio::http {

// ASCII case-insensitive equality, for header names and tokens.
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;
// A non-empty RFC 9110 token (what header names and methods are made of).
[[nodiscard]] bool is_token(std::string_view text) noexcept;
// `text` with ASCII letters lower-cased (names, schemes, codings; other bytes kept).
[[nodiscard]] std::string ascii_lower(std::string_view text);
// `text` without RFC 9110 optional whitespace (spaces and tabs) at either end.
[[nodiscard]] std::string_view trim_ows(std::string_view text) noexcept;
// Calls fn(item) for each item of a comma-separated field value (RFC 9110 5.6.1, e.g.
// Connection, Transfer-Encoding), in order, trimmed; empty items are skipped.
template <class F>
void for_each_list_item(std::string_view value, F&& fn) {
  while (!value.empty()) {
    const auto comma = value.find(',');
    const std::string_view item = trim_ows(value.substr(0, comma));
    if (!item.empty()) fn(item);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
  }
}
// Whether a comma-separated field value lists `token`, ignoring case ("close" in
// "keep-alive, Close").
[[nodiscard]] bool list_has(std::string_view value, std::string_view token) noexcept;

namespace detail {
// Marks fields known to be valid: the parser's output and the library's own constant
// fields. Not for user code.
struct ValidFields {
  explicit ValidFields() = default;
};
inline constexpr ValidFields valid_fields{};
}  // namespace detail

class Headers {
 public:
  using Field = std::pair<std::string, std::string>;
  using const_iterator = HeaderList::const_iterator;

  Headers() = default;
  // Throws LocalProtocolError for an invalid name or value.
  Headers(std::initializer_list<std::pair<std::string_view, std::string_view>> fields);
  // Takes `fields`, checking each. Throws LocalProtocolError for an invalid one.
  explicit Headers(HeaderList fields);
  // Takes fields already known to be valid, unchecked (the parser's).
  Headers(HeaderList fields, detail::ValidFields) noexcept : fields_(std::move(fields)) {}

  // httpx's headers.get(name): every value of `name` joined with ", ", or nullopt.
  [[nodiscard]] std::optional<std::string> get(std::string_view name) const;
  // The first value of `name`; the view points into this object. Cheaper than get().
  [[nodiscard]] std::optional<std::string_view> first(std::string_view name) const noexcept;
  // Every value of `name`, in order (httpx's get_list).
  [[nodiscard]] std::vector<std::string_view> get_list(std::string_view name) const;
  [[nodiscard]] bool contains(std::string_view name) const noexcept;

  // Replaces every field named `name` with one (placed where the first was, else appended).
  void set(std::string_view name, std::string_view value);
  // Appends a field, keeping existing ones of the same name.
  void add(std::string_view name, std::string_view value);
  // add() for a field known to be valid, unchecked (the library's own).
  void add(detail::ValidFields, std::string_view name, std::string_view value) {
    fields_.emplace_back(name, value);
  }
  // Sets `name` only when absent (httpx/requests setdefault).
  void setdefault(std::string_view name, std::string_view value);
  // Removes every field named `name`; returns how many there were.
  std::size_t remove(std::string_view name) noexcept;
  // set() for each distinct name of `other` (its repeated fields all kept).
  void update(const Headers& other);

  [[nodiscard]] std::size_t size() const noexcept { return fields_.size(); }
  [[nodiscard]] bool empty() const noexcept { return fields_.empty(); }
  [[nodiscard]] const_iterator begin() const noexcept { return fields_.begin(); }
  [[nodiscard]] const_iterator end() const noexcept { return fields_.end(); }
  [[nodiscard]] const HeaderList& fields() const& noexcept { return fields_; }
  [[nodiscard]] HeaderList fields() && noexcept { return std::move(fields_); }

  friend bool operator==(const Headers&, const Headers&) = default;

 private:
  HeaderList fields_;
};

// Throws LocalProtocolError unless `name` is a token and `value` holds no CR, LF or NUL.
void validate_header(std::string_view name, std::string_view value);
// The value's half of validate_header (`name` only names the field in the message).
void validate_header_value(std::string_view name, std::string_view value);

}  // namespace corio::http
